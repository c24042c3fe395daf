package muc

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

func TestShutdown(t *testing.T) {
	h := setup2(t)
	h.remote("node2.example", `<presence from='r1@far/1' to='r@muc.example/R1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	h.instant("p@muc.example", "a@x/1", "Boss")
	h.configure("p@muc.example", "a@x/1", fPersistent, "1")
	h.do(`<iq from='b@x/1' to='r@muc.example/A' id='q' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`)
	temp := h.room(roomJID)
	require.Equal(t, 1, temp.PendingIQs())
	h.join("a@x/2", "p@muc.example/Boss") // a second session of Boss
	require.Equal(t, 1, h.room("p@muc.example").sessions)

	// §11.2: every occupant of every room gets its own unavailable
	// presence with 110 and 332, rooms in JID order; nobody hears about
	// the others. A forwarded IQ still waiting is answered first.
	out := h.svc.Shutdown(h.now)
	require.Equal(t, []string{
		`<presence from='p@muc.example/Boss' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='a@x/1' role='none'/><status code='110'/><status code='332'/></x></presence>`,
		`<presence from='p@muc.example/Boss' to='a@x/2' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='a@x/1' role='none'/><status code='110'/><status code='332'/></x></presence>`,
		`<iq from='r@muc.example/A' to='b@x/1' id='q' type='error'><error type='wait' by='r@muc.example'><recipient-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>the service is shutting down</text></error></iq>`,
		`<presence from='r@muc.example/A' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='a@x/1' role='none'/><status code='110'/><status code='332'/></x></presence>`,
		`<presence from='r@muc.example/B' to='b@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/><status code='332'/></x></presence>`,
		`=> node2.example () <presence from='r@muc.example' to='node2.example' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><status code='332'/></x></presence>`,
	}, render(out))
	left := eventsOf[OccupantLeft](out)
	require.Len(t, left, 4)
	for _, l := range left {
		require.Equal(t, stanza.StatusShutdown, l.Status)
	}
	// The temporary room is gone, the persistent one stays, empty.
	require.Len(t, eventsOf[RoomDestroyed](out), 1)
	rooms := h.svc.Rooms()
	require.Len(t, rooms, 1)
	require.Equal(t, "p@muc.example", rooms[0].JID().String())
	require.Zero(t, rooms[0].Len())
	require.Zero(t, rooms[0].sessions, "no further sessions counted")
	require.Zero(t, temp.PendingIQs())
	require.True(t, h.svc.NextDeadline().IsZero(), "no forwarded IQ left to time out")
	// Nothing more to say.
	out = h.svc.Shutdown(h.now)
	require.True(t, out.Empty())
	// A room still awaiting configuration is destroyed too.
	h.join("a@x/1", "new@muc.example/A")
	out = h.svc.Shutdown(h.now)
	require.Len(t, eventsOf[RoomDestroyed](out), 1)
	require.Len(t, h.svc.Rooms(), 1)
}
