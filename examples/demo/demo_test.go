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

// TestFairComparison: plain MUC gets the same script and its users see
// the same conversation; the count taken at the room is the count
// fmuctest takes on the link, where both exist; and the federation is
// what the walk-through promises (federated on hamlet's join, <left/>
// when he goes, silence after).
func TestFairComparison(t *testing.T) {
	fed, err := federated(start)
	require.NoError(t, err)
	pl, err := plain(start)
	require.NoError(t, err)
	var events []string
	for i, s := range script {
		f, err := fed.play(s)
		require.NoError(t, err, s.title)
		p, err := pl.play(s)
		require.NoError(t, err, s.title)
		assert.Equal(t, f.views, p.views, s.title)
		events = append(events, f.events...)
		if i == len(script)-1 {
			assert.Zero(t, f.wire.total().Stanzas, "traffic after <left/>")
		}
	}
	assert.Equal(t, fed.wire(), fed.cross.tally(), "counted at the room = counted on the link")
	assert.Less(t, fed.wire().down.Bytes, pl.wire().down.Bytes)
	assert.Contains(t, events, "elsinore@talk.denmark.lit: link to rabbithole@rooms.wonderland.lit joining -> federated")
	assert.Contains(t, events, "elsinore@talk.denmark.lit: link to rabbithole@rooms.wonderland.lit federated -> left")
}
