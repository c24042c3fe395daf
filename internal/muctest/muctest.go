// Package muctest holds the test helpers that the muc and fmuc tests share:
// decoding test stanzas, their canonical rendering, the one description of
// an event used in transcripts, and the golden-file comparison.
//
// It imports only stanza, so that the internal tests of muc can use it.
package muctest

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Decode decodes one stanza given as XML, failing t if it does not decode.
func Decode(t testing.TB, xml string) stanza.Stanza {
	t.Helper()
	s, err := stanza.Decode([]byte(xml))
	require.NoError(t, err, xml)
	return s
}

// Canon returns the canonical form of a stanza given as XML: what
// stanza.Encode gives for it.
func Canon(t testing.TB, xml string) string {
	t.Helper()
	return string(stanza.Encode(Decode(t, xml)))
}

// Remote renders a stanza delivered through another node (a
// muc.RemoteDelivery) as "=> via (about) XML", with " for for/nick" after
// the subject when it is meant for one occupant (for is not zero).
func Remote(via, about, forJID stanza.JID, forNick string, s stanza.Stanza) string {
	line := "=> " + via.String() + " (" + about.String() + ")"
	if !forJID.IsZero() {
		line += " for " + forJID.String()
		if forNick != "" {
			line += "/" + forNick
		}
	}
	return line + " " + string(stanza.Encode(s))
}

// Describe names an event in a transcript: the name of its type without
// the package (muc.OccupantJoined is "OccupantJoined"), for the events of
// every package alike.
func Describe(e any) string {
	t := reflect.TypeOf(e)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Name() == "" {
		return "other"
	}
	return t.Name()
}

// Golden compares got with the file at path; with update it rewrites the
// file first (the -update flag of the calling test package).
func Golden(t testing.TB, path, got string, update bool) {
	t.Helper()
	if update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "go test -update creates %s", path)
	require.Equal(t, string(want), got)
}
