package perf

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestLinkBytes runs the link-bytes section and checks the bound:
// a message crosses a federation link in at most 1.1 times one minimal
// copy, whatever the number of remote occupants.
func TestLinkBytes(t *testing.T) {
	var r Report
	require.NoError(t, LinkBytes(&r))
	if testing.Verbose() {
		require.NoError(t, r.Write(os.Stdout))
	}
	ratios := 0
	for _, f := range r.Figures {
		require.NotEmpty(t, f.Value, f.Name)
		if strings.HasSuffix(f.Name, "FMUC / minimal copy") {
			ratios++
			var v float64
			_, err := fmt.Sscan(strings.TrimSuffix(f.Value, "×"), &v)
			require.NoError(t, err)
			require.LessOrEqual(t, v, 1.1, f.Name)
			require.Greater(t, v, 0.5, f.Name)
		}
	}
	require.Equal(t, 3, ratios)
}
