package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

// TestBadInput feeds malformed or unexpected stanzas: each gets the right
// error (or, for errors and responses, nothing) and changes no state.
func TestBadInput(t *testing.T) {
	tests := []struct {
		name string
		in   string
		cond stanza.Condition // "" = no answer at all
	}{
		{"bad history attribute", `<presence from='c@x/1' to='r@muc.example/C'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='lots'/></x></presence>`, stanza.BadRequest},
		{"bad history on resync", `<presence from='b@x/1' to='r@muc.example/B'><x xmlns='http://jabber.org/protocol/muc'><history seconds='x'/></x></presence>`, stanza.BadRequest},
		{"iq without payload", `<iq from='a@x/1' to='r@muc.example' id='q' type='get'/>`, stanza.BadRequest},
		{"malformed muc#admin", `<iq from='a@x/1' to='r@muc.example' id='q' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='@@@'/></query></iq>`, stanza.BadRequest},
		{"empty muc#admin", `<iq from='a@x/1' to='r@muc.example' id='q' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'/></iq>`, stanza.BadRequest},
		{"two items in a list query", `<iq from='a@x/1' to='r@muc.example' id='q' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/><item affiliation='admin'/></query></iq>`, stanza.BadRequest},
		{"list of affiliation none", `<iq from='a@x/1' to='r@muc.example' id='q' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='none'/></query></iq>`, stanza.Forbidden},
		{"list of role visitor", `<iq from='a@x/1' to='r@muc.example' id='q' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item role='visitor'/></query></iq>`, stanza.BadRequest},
		{"malformed muc#owner", `<iq from='a@x/1' to='r@muc.example' id='q' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy jid='@@'/></query></iq>`, stanza.BadRequest},
		{"disco#items with node", `<iq from='a@x/1' to='r@muc.example' id='q' type='get'><query xmlns='http://jabber.org/protocol/disco#items' node='n'/></iq>`, stanza.ItemNotFound},
		{"disco#items set", `<iq from='a@x/1' to='r@muc.example' id='q' type='set'><query xmlns='http://jabber.org/protocol/disco#items'/></iq>`, stanza.BadRequest},
		{"unknown namespace", `<iq from='a@x/1' to='r@muc.example' id='q' type='set'><query xmlns='urn:nope'/></iq>`, stanza.ServiceUnavailable},
		{"headline to room", `<message from='a@x/1' to='r@muc.example' type='headline'><body>x</body></message>`, stanza.BadRequest},
		{"iq error to room", `<iq from='a@x/1' to='r@muc.example' id='q' type='error'/>`, ""},
		{"message error to nick", `<message from='a@x/1' to='r@muc.example/B' type='error'/>`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setup2(t)
			r := h.room(roomJID)
			st, occ := r.State(), r.Occupants()
			lines := h.do(tc.in)
			if tc.cond == "" {
				require.Empty(t, lines)
			} else {
				require.Len(t, lines, 1)
				out := decode(t, lines[0])
				require.Equal(t, "error", out.Head().Type)
				e, ok := stanza.ErrorOf(out)
				require.True(t, ok)
				require.Equal(t, tc.cond, e.Condition)
				require.Equal(t, stanza.MustParse(roomJID), e.By)
			}
			require.Equal(t, st, r.State())
			require.Equal(t, occ, r.Occupants())
			require.Empty(t, h.out.Events)
		})
	}
}

func TestRegisteredNickConflicts(t *testing.T) {
	h := setup2(t)
	h.room(roomJID).nicks[stanza.MustParse("d@x")] = "Dee"
	// §7.2.8, §7.6: a nick registered by someone else is taken.
	h.do(`<presence from='c@x/1' to='r@muc.example/Dee'>` + joinX + `</presence>`)
	e, ok := stanza.ErrorOf(h.out.Stanzas[0])
	require.True(t, ok)
	require.Equal(t, stanza.Conflict, e.Condition)
	h.do(`<presence from='b@x/1' to='r@muc.example/Dee'/>`)
	e, ok = stanza.ErrorOf(h.out.Stanzas[0])
	require.True(t, ok)
	require.Equal(t, stanza.Conflict, e.Condition)
	// Its owner may use it.
	h.join("d@x/1", roomJID+"/Dee")
	_, in := h.room(roomJID).Occupant("Dee")
	require.True(t, in)
	// Banning removes the registration (§9.1).
	h.do(adminIQ("a@x/1", "b", "set", `<item affiliation='outcast' jid='d@x'/>`))
	require.Empty(t, h.room(roomJID).nicks)
}

func TestFailedCreationLeavesNothing(t *testing.T) {
	h := newHarness(t)
	h.do(`<presence from='c@x/1' to='r@muc.example/C'><x xmlns='http://jabber.org/protocol/muc'><history maxchars='many'/></x></presence>`)
	e, ok := stanza.ErrorOf(h.out.Stanzas[0])
	require.True(t, ok)
	require.Equal(t, stanza.BadRequest, e.Condition)
	require.Empty(t, h.out.Events)
	require.Empty(t, h.svc.Rooms())
}

func TestSameRealJIDThroughTwoPaths(t *testing.T) {
	h := setup2(t)
	h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	// The same real JID arriving locally (or through another node) is
	// not a second occupant.
	for _, via := range []string{"", node3} {
		var lines []string
		if via == "" {
			lines = h.do(`<presence from='r1@far/1' to='r@muc.example/Other'>` + joinX + `</presence>`)
		} else {
			lines = h.remote(via, `<presence from='r1@far/1' to='r@muc.example/Other'>`+joinX+`</presence>`)
		}
		require.Len(t, lines, 1)
		require.Contains(t, lines[0], "<conflict ")
	}
	o, _ := h.room(roomJID).Occupant("R1")
	require.Equal(t, stanza.MustParse(node2), o.Via)
	require.Equal(t, 3, h.room(roomJID).Len())
}
