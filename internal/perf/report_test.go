package perf

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestReportWrite(t *testing.T) {
	var r Report
	r.Add("link bytes", "groupchat", "one link", "%d B", 519)
	r.Add("link bytes", "ratio", "a|b", "%.2f×", 1.02)
	r.Add("memory", "idle room", "", "%d B", 2027)
	var text, md strings.Builder
	require.NoError(t, r.Write(&text))
	require.NoError(t, r.WriteMarkdown(&md))
	require.Equal(t, "== link bytes\ngroupchat  519 B  one link\nratio      1.02×  a|b\n\n== memory\nidle room  2027 B  \n", text.String())
	require.Equal(t, "**link bytes**\n\n| figure | value | conditions |\n|---|---:|---|\n| groupchat | 519 B | one link |\n| ratio | 1.02× | a\\|b |\n\n**memory**\n\n| figure | value | conditions |\n|---|---:|---|\n| idle room | 2027 B |  |\n", md.String())
}
