package muc

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// recipients returns who the stanzas of the last output went to.
func (h *harness) recipients() []string {
	var to []string
	for _, s := range h.out.Stanzas {
		to = append(to, s.Head().To.String())
	}
	return to
}

func TestCrowdedRoom(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) {
		o.Limits = Limits{MaxBroadcastPresence: 3}
		o.Locking = LockNever
	})
	room := "r@muc.example"
	h.join("a@x/1", room+"/a") // owner, moderator
	h.join("b@x/1", room+"/b")
	h.join("c@x/1", room+"/c")
	// Three occupants: not crowded, everyone hears a status change.
	h.do(`<presence from='b@x/1' to='r@muc.example/b'><show>away</show></presence>`)
	require.ElementsMatch(t, []string{"a@x/1", "b@x/1", "c@x/1"}, h.recipients())
	// A fourth participant's entry reaches everyone.
	h.join("d@x/1", room+"/d")
	require.Len(t, h.out.Stanzas, 3+3+1+1, "roster, the others' copies, self-presence, subject")
	// Four: crowded. A status change reaches the moderator and the sender.
	h.do(`<presence from='b@x/1' to='r@muc.example/b'><show>dnd</show></presence>`)
	require.ElementsMatch(t, []string{"a@x/1", "b@x/1"}, h.recipients())
	// The entry list is exact: a newcomer sees b's current presence.
	h.configure(room, "a@x/1", "muc#roomconfig_moderatedroom", "1")
	h.join("e@x/1", room+"/e")
	var sawDND bool
	for _, s := range h.out.Stanzas {
		if s.Head().From.String() == room+"/b" && s.Head().To.String() == "e@x/1" {
			sawDND = s.(*stanza.Presence).Show() == "dnd"
		}
	}
	require.True(t, sawDND, "the newcomer gets b's current presence")
	// A visitor's entry and exit reach moderators only.
	var others []string
	for _, s := range h.out.Stanzas {
		if s.Head().From.String() == room+"/e" {
			others = append(others, s.Head().To.String())
		}
	}
	require.ElementsMatch(t, []string{"a@x/1", "e@x/1"}, others)
	h.do(`<presence from='e@x/1' to='r@muc.example/e' type='unavailable'/>`)
	require.ElementsMatch(t, []string{"e@x/1", "a@x/1"}, h.recipients())
	// Role changes still reach everyone.
	h.do(`<iq from='a@x/1' to='r@muc.example' id='k' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='c' role='none'/></query></iq>`)
	require.ElementsMatch(t, []string{"c@x/1", "a@x/1", "a@x/1", "b@x/1", "d@x/1"}, h.recipients(), "c's own presence, the result, a, b, d")
}
