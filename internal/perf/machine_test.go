package perf

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func TestMachineQuick(t *testing.T) {
	var r Report
	require.NoError(t, Machine(&r, Options{Quick: true}))
	require.Len(t, r.Figures, 9)
	for _, f := range r.Figures {
		require.Equal(t, "state machine", f.Section)
		require.NotEmpty(t, f.Value, f.Name)
		require.NotEmpty(t, f.Conditions, f.Name)
	}
	require.Contains(t, r.Figures[0].Value, "msg/s")
	require.Contains(t, r.Figures[8].Value, "stanzas")
}

// TestMeasure runs Measure both ways: the undo step is neither timed
// nor counted, and an error stops the loop.
func TestMeasure(t *testing.T) {
	for _, quick := range []bool{true, false} {
		ops, undos := 0, 0
		var keep [][]byte
		// op sleeps: an op much cheaper than undo makes testing.Benchmark
		// run it a great many times, each stopping the timer.
		res, err := Measure(Options{Quick: quick}, func() error { ops++; time.Sleep(time.Millisecond); return nil },
			func() error { undos++; keep = append(keep, make([]byte, 1<<10)); return nil })
		require.NoError(t, err)
		require.Equal(t, ops, undos)
		require.GreaterOrEqual(t, ops, res.N)
		require.Less(t, res.Allocs, 0.5, "quick=%v", quick)
		require.NotEmpty(t, keep)

		boom := errors.New("boom")
		_, err = Measure(Options{Quick: quick}, func() error { return boom }, nil)
		require.ErrorIs(t, err, boom)
	}
}

func TestMeasureJoin(t *testing.T) {
	j, err := MeasureJoin(Options{Quick: true}, 20)
	require.NoError(t, err)
	// The joiner gets 20 presences, its own, 50 history messages and the
	// subject; the 20 get its presence.
	require.GreaterOrEqual(t, j.OutStanzas, 20+1+50+20)
	require.Positive(t, j.OutBytes)
	require.Positive(t, j.Ns)
}

func TestThousands(t *testing.T) {
	for v, want := range map[float64]string{0: "0", 999.4: "999", 1000: "1,000", 1234567: "1,234,567"} {
		require.Equal(t, want, thousands(v))
	}
	require.False(t, strings.Contains(thousands(100), ","))
}
