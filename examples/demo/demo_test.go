package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite testdata/demo.golden")

// TestGolden: the demo's output is deterministic and matches the golden
// file (regenerate with go test ./examples/demo -update after a deliberate
// change, and read the diff).
func TestGolden(t *testing.T) {
	var a, b bytes.Buffer
	require.NoError(t, run(&a))
	require.NoError(t, run(&b))
	assert.Equal(t, a.String(), b.String(), "two runs differ")
	golden := filepath.Join("testdata", "demo.golden")
	if *update {
		require.NoError(t, os.WriteFile(golden, a.Bytes(), 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err)
	assert.Equal(t, string(want), a.String())
}

// TestScriptShape checks the story the README promises, independently of
// the golden file's exact wording.
func TestScriptShape(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(&out))
	s := out.String()
	for _, want := range []string{
		"{201 room created}",
		"private from Alice:",
		"{303 nick change}",
		"{307 kicked}",
		"(event: room destroyed)",
		"(history, sent 16:04)",
	} {
		assert.Contains(t, s, want)
	}
}
