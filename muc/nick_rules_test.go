package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestInvisibleNicks(t *testing.T) {
	h := setup2(t)
	malformed := func(to, from string) string {
		return `<presence from='` + to + `' to='` + from + `' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='modify' by='r@muc.example'><jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`
	}
	// §17.1: entering with a blank nick, or changing to one, is refused.
	h.expect(`<presence from='c@x/1' to='r@muc.example/ '><x xmlns='http://jabber.org/protocol/muc'/></presence>`, malformed("r@muc.example/ ", "c@x/1"))
	lines := h.do(`<presence from='b@x/1' to='r@muc.example/  '/>`)
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "<jid-malformed ")
	// Nor does a blank nick create a room.
	lines = h.do(`<presence from='c@x/1' to='new@muc.example/ '><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "<jid-malformed ")
	require.Len(t, h.svc.Rooms(), 1)
	require.True(t, visibleNick("a b"))
	require.False(t, visibleNick("\u200d\t"))
}
