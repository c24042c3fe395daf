package muc

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

// TestStateExtras: pending registrations, remembered invitations and the
// subject setter's occupant id survive State/Restore.
func TestStateExtras(t *testing.T) {
	h := setup2(t, withKey)
	h.configure(roomJID, "a@x/1", fPersistent, "1", fMembersOnly, "1") // B leaves (322)
	h.do(adminIQ("a@x/1", "mb", "set", `<item affiliation='member' jid='b@x'/>`))
	h.join("b@x/1", roomJID+"/B")
	h.do(regIQ("z@x/1", "s", "set", regForm("zed"))) // §9.9: pending
	h.do(`<message from='a@x/1' to='r@muc.example' id='inv1'>` + userXOpen + `<invite to='hecate@x'/></x></message>`)
	h.do(`<message from='b@x/1' to='r@muc.example' id='s' type='groupchat'><subject>T</subject></message>`)
	st := h.room(roomJID).State()
	require.Equal(t, []PendingRegistration{{JID: stanza.MustParse("z@x"), Nick: "zed"}}, st.PendingRegistrations)
	require.Equal(t, []Invitation{{To: stanza.MustParse("hecate@x"), ID: "inv1", Inviter: stanza.MustParse("a@x/1")}}, st.Invitations)
	require.Len(t, st.SubjectOccupantID, 43)
	require.NotEmpty(t, st.Subject.StanzaID)

	h2 := newHarness(t, withKey)
	h2.ids = h.ids
	_, err := h2.svc.Restore(st)
	require.NoError(t, err)
	require.Equal(t, st, h2.room(roomJID).State())
	// The subject replay is the same as before the restart (occupant id,
	// stanza id), the pending nick is still taken, the bounce still
	// reaches the inviter.
	want := h.join("b@x/9", roomJID+"/B2")
	got := h2.join("b@x/9", roomJID+"/B2")
	require.Equal(t, want[len(want)-1], got[len(got)-1])
	require.Contains(t, got[len(got)-1], "occupant-id")
	require.Contains(t, got[len(got)-1], "stanza-id")
	lines := h2.do(regIQ("y@x/1", "s2", "set", regForm("zed")))
	require.Contains(t, strings.Join(lines, ""), "conflict")
	lines = h2.do(`<message from='hecate@x' to='r@muc.example' id='inv1' type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`)
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], `to='a@x/1'`)

	// Without an occupant-id key the stored id is not replayed.
	h3 := newHarness(t)
	_, err = h3.svc.Restore(st)
	require.NoError(t, err)
	require.Empty(t, h3.room(roomJID).State().SubjectOccupantID)
}

func TestStateExtrasBad(t *testing.T) {
	room := stanza.MustParse("r@muc.example")
	long := strings.Repeat("x", 129)
	for _, bad := range []State{
		{JID: room, PendingRegistrations: []PendingRegistration{{JID: stanza.MustParse("z@x/1"), Nick: "zed"}}},
		{JID: room, PendingRegistrations: []PendingRegistration{{JID: stanza.MustParse("z@x"), Nick: " "}}},
		{JID: room, PendingRegistrations: []PendingRegistration{{JID: stanza.MustParse("z@x"), Nick: "a"}, {JID: stanza.MustParse("z@x"), Nick: "b"}}},
		{JID: room, PendingRegistrations: make([]PendingRegistration, maxPendingRegistrations+1)},
		{JID: room, Invitations: []Invitation{{To: stanza.MustParse("h@x"), Inviter: stanza.MustParse("b@x/1")}}},
		{JID: room, SubjectOccupantID: long},
	} {
		h := newHarness(t, withKey)
		_, err := h.svc.Restore(bad)
		require.True(t, errors.Is(err, ErrState), "%+v: %v", bad, err)
	}
	// More invitations than the room remembers: the oldest are dropped.
	st := State{JID: room}
	for i := 0; i < maxRememberedInvites+3; i++ {
		st.Invitations = append(st.Invitations, Invitation{To: stanza.MustParse("h@x"), ID: "i" + string(rune('a'+i%26)), Inviter: stanza.MustParse("b@x/1")})
	}
	h := newHarness(t)
	r, err := h.svc.Restore(st)
	require.NoError(t, err)
	require.Len(t, r.State().Invitations, maxRememberedInvites)
	require.Equal(t, st.Invitations[3:], r.State().Invitations)
}

// A room still locked at a restart unlocks at its deadline all the same
// (XEP-0045 §10.1.1 lock timeout, State.LockDeadline).
func TestRestoreKeepsLockDeadline(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) { o.LockTimeout = time.Minute })
	h.join("a@x/1", roomJID+"/A")
	st := h.room(roomJID).State()
	require.True(t, st.Locked)
	require.Equal(t, t0.Add(time.Minute), st.LockDeadline)
	h2 := newHarness(t, func(o *ServiceOptions) { o.LockTimeout = time.Minute })
	r, err := h2.svc.Restore(st)
	require.NoError(t, err)
	require.Equal(t, t0.Add(time.Minute), h2.svc.NextDeadline())
	out := h2.svc.Tick(t0.Add(2 * time.Minute))
	require.Len(t, eventsOf[RoomUnlocked](out), 1)
	require.False(t, r.Locked())
}
