package perf

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMemoryQuick(t *testing.T) {
	var r Report
	require.NoError(t, Memory(&r, Options{Quick: true, Rooms: 2000}))
	require.Len(t, r.Figures, 5)
	for _, f := range r.Figures {
		require.Equal(t, "memory", f.Section)
		require.Regexp(t, `^[0-9.]+ (B|MiB|ms)$`, f.Value, f.Name)
	}
}

// TestMemoryWithoutRooms: Rooms 0 leaves the big-service figures out.
func TestMemoryWithoutRooms(t *testing.T) {
	var r Report
	require.NoError(t, Memory(&r, Options{Quick: true}))
	require.Len(t, r.Figures, 3)
}

func TestMeasureRestore(t *testing.T) {
	rr, err := MeasureRestore(500)
	require.NoError(t, err)
	require.Positive(t, rr.Heap)
	require.Positive(t, rr.Restore)
}
