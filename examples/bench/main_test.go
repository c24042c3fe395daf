package main

import (
	"context"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestRunQuick runs the command with -quick and checks the header and that
// every section printed figures with values.
func TestRunQuick(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), []string{"-quick", "-servers", "off"}, &out, io.Discard))
	text := "\n" + out.String()
	for _, h := range []string{"date: ", "go: go", "cpu: ", "GOMAXPROCS: ", "load average ", "CPU used by other processes during the in-process sections"} {
		require.Contains(t, text, "\n"+h, "header line %q", h)
	}
	figures := map[string]int{}
	section := ""
	for _, l := range strings.Split(text, "\n") {
		if name, ok := strings.CutPrefix(l, "== "); ok {
			section = name
			continue
		}
		if section == "" || strings.TrimSpace(l) == "" {
			continue
		}
		// name, value and conditions are separated by two spaces or more.
		var cols []string
		for _, c := range strings.Split(l, "  ") {
			if c = strings.TrimSpace(c); c != "" {
				cols = append(cols, c)
			}
		}
		require.GreaterOrEqual(t, len(cols), 2, "figure without a value: %q", l)
		require.Regexp(t, `[0-9]`, cols[1], "value of %q", l)
		figures[section]++
	}
	for _, s := range sections {
		if s.name == serversSection {
			require.Zero(t, figures[s.name], "-servers off")
			continue
		}
		require.NotZero(t, figures[s.name], "section %q printed no figures", s.name)
	}
}

func TestRunMarkdown(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), []string{"-quick", "-markdown", "-servers", "off"}, &out, io.Discard))
	for _, s := range sections {
		if s.name != serversSection {
			require.Contains(t, out.String(), "**"+s.name+"**\n\n| figure | value | conditions |")
		}
	}
}

func TestRunBadFlag(t *testing.T) {
	require.Error(t, run(context.Background(), []string{"-servers", "maybe"}, io.Discard, io.Discard))
}
