package muc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
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

// TestNickComparison: nicks are compared with the RFC 8266 Nickname
// profile (case, width, NFKC compatibility, combining marks), on entry and
// on nick change, for local and remote users; the nick is kept as typed.
func TestNickComparison(t *testing.T) {
	tests := []struct {
		name, held, other string
	}{
		{"upper case", "Honest", "HONEST"},
		{"lower case", "Honest", "honest"},
		{"fullwidth", "Honest", "Ｈｏｎｅｓｔ"},
		{"combining mark", "hon\u00e9st", "hone\u0301st"},
		{"precomposed", "hone\u0301st", "HON\u00c9ST"},
		{"compatibility ligature", "fine", "\ufb01ne"},
		{"spaces", "Honest Iago", "Honest  Iago "},
	}
	conflict := func(to, from string) string {
		return `<presence from='` + from + `' to='` + to + `' type='error'><x xmlns='http://jabber.org/protocol/muc'/><error type='cancel' by='r@muc.example'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></presence>`
	}
	// As the user typed it, after RFC 7622: resourceparts are NFC, so the
	// JID layer composes combining marks already.
	typed := func(nick string) string { return stanza.MustParse(roomJID + "/" + nick).Resource() }
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setup2(t)
			h.join("c@x/1", roomJID+"/"+tc.held)
			o, ok := h.room(roomJID).Occupant(tc.other)
			require.True(t, ok)
			require.Equal(t, typed(tc.held), o.Nick, "kept as typed")
			// §7.2.8: another user entering under the same nick.
			h.expect(`<presence from='d@x/1' to='r@muc.example/`+tc.other+`'>`+joinX+`</presence>`, conflict("d@x/1", "r@muc.example/"+typed(tc.other)))
			// And through another node.
			lines := h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/`+tc.other+`'>`+joinX+`</presence>`)
			require.Len(t, lines, 1)
			require.Contains(t, lines[0], "<conflict ")
			// §7.6: an occupant changing to it.
			lines = h.do(`<presence from='b@x/1' to='r@muc.example/` + tc.other + `'/>`)
			require.Len(t, lines, 1)
			require.Contains(t, lines[0], "<conflict ")
			if typed(tc.other) == typed(tc.held) {
				return // one nick for the JID layer already
			}
			// The holder may change how it is written: a nick change.
			lines = h.do(`<presence from='c@x/1' to='r@muc.example/` + tc.other + `'/>`)
			require.Contains(t, lines[0], "<status code='303'/>")
			o, _ = h.room(roomJID).Occupant(tc.held)
			require.Equal(t, typed(tc.other), o.Nick)
			// A further session of the holder's bare JID joins it (§7.2.8),
			// told with 210 that its nick is written otherwise (§7.2.2).
			lines = h.do(`<presence from='c@x/2' to='r@muc.example/` + tc.held + `'>` + joinX + `</presence>`)
			require.Contains(t, strings.Join(lines, "\n"), "<status code='110'/><status code='210'/>")
			require.Len(t, h.room(roomJID).Occupants(), 3)
		})
	}
}

// TestNickProfileRejects: nicks the Nickname profile refuses although
// they are valid resourceparts get jid-malformed on entry (§7.2.1) and
// not-acceptable on a nick change (§7.6), with a text; no room is created
// for them, and registering one is refused too.
func TestNickProfileRejects(t *testing.T) {
	for _, nick := range []string{"a\u013fb", "\u3131"} {
		t.Run(nick, func(t *testing.T) {
			require.Empty(t, nickKey(nick))
			h := setup2(t)
			lines := h.do(`<presence from='c@x/1' to='r@muc.example/` + nick + `'>` + joinX + `</presence>`)
			require.Len(t, lines, 1)
			require.Contains(t, lines[0], "<jid-malformed ")
			require.Contains(t, lines[0], "this nickname is not allowed")
			lines = h.do(`<presence from='b@x/1' to='r@muc.example/` + nick + `'/>`)
			require.Len(t, lines, 1)
			require.Contains(t, lines[0], "<not-acceptable ")
			lines = h.do(`<presence from='c@x/1' to='new@muc.example/` + nick + `'>` + joinX + `</presence>`)
			require.Contains(t, lines[0], "<jid-malformed ")
			require.Len(t, h.svc.Rooms(), 1)
			lines = h.do(regIQ("b@x/1", "g", "set", regForm(nick)))
			require.Contains(t, lines[0], "<bad-request ")
		})
	}
}

// TestNickRegisteredComparison: registered nicks are compared the same
// way, and a State with two registered nicks that are one is refused.
func TestNickRegisteredComparison(t *testing.T) {
	h := setup2(t)
	h.do(regIQ("b@x/1", "s", "set", regForm("Thirdwitch")))
	lines := h.do(regIQ("c@x/1", "s", "set", regForm("THIRDWITCH")))
	require.Contains(t, lines[0], "<conflict ")
	lines = h.do(`<presence from='c@x/1' to='r@muc.example/thirdwitch'>` + joinX + `</presence>`)
	require.Contains(t, lines[0], "<conflict ")

	st := h.room(roomJID).State()
	st.Affiliations = append(st.Affiliations, AffiliationEntry{JID: stanza.MustParse("z@x"), Affiliation: stanza.AffiliationMember, Nick: "ＴＨＩＲＤＷＩＴＣＨ"})
	_, err := Restore(st, h.svc.roomOpts)
	require.ErrorIs(t, err, ErrState)
	st.Affiliations[len(st.Affiliations)-1].Nick = "a\u013fb"
	_, err = Restore(st, h.svc.roomOpts)
	require.ErrorIs(t, err, ErrState)
}
