package loadtest

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestParseStat(t *testing.T) {
	// proc(5): utime and stime are fields 14 and 15; the comm may hold
	// spaces and parentheses.
	stat := "4242 (lua5.4 (x) y) S 1 4242 4242 0 -1 4194560 1000 0 0 0 250 75 0 0 20 0 1 0 100 1000000 2000 18446744073709551615"
	got, err := parseStat([]byte(stat))
	assert.NoError(t, err)
	assert.Equal(t, 3250*time.Millisecond, got)
	_, err = parseStat([]byte("garbage"))
	assert.ErrorIs(t, err, ErrProc)
	_, err = CPUTime(0)
	assert.NoError(t, err)
}

func TestBodyRoundTrip(t *testing.T) {
	at := time.Unix(1700000000, 123)
	b := body("run1", 3, 17, at, 64)
	assert.Len(t, b, 64)
	s, q, ts, ok := parseBody(b, "run1")
	assert.True(t, ok)
	assert.Equal(t, []int64{3, 17, at.UnixNano()}, []int64{int64(s), int64(q), ts})
	for _, bad := range []string{"", "lt run2 1 2 3", "lt run1 a 2 3", "lt run1 1 -2 3", "hello"} {
		_, _, _, ok := parseBody(bad, "run1")
		assert.False(t, ok, bad)
	}
}

func TestPercentile(t *testing.T) {
	var v []time.Duration
	for i := 1; i <= 100; i++ {
		v = append(v, time.Duration(i))
	}
	assert.Equal(t, time.Duration(50), percentile(v, 50))
	assert.Equal(t, time.Duration(99), percentile(v, 99))
	assert.Equal(t, time.Duration(1), percentile(v[:1], 99))
	assert.Zero(t, percentile(nil, 50))
}
