package muc

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const pingX = `<ping xmlns='urn:xmpp:ping'/>`

func TestSelfPing(t *testing.T) {
	h := setup2(t)
	// XEP-0410 §3.3: the room answers a ping to one's own occupant JID.
	h.expect(`<iq from='b@x/1' to='r@muc.example/B' id='sp' type='get'>`+pingX+`</iq>`,
		`<iq from='r@muc.example/B' to='b@x/1' id='sp' type='result'/>`)
	// Not joined (or joined from another resource): not-acceptable.
	h.expect(`<iq from='b@x/2' to='r@muc.example/B' id='sp' type='get'>`+pingX+`</iq>`,
		`<iq from='r@muc.example/B' to='b@x/2' id='sp' type='error'>`+pingX+`<error type='modify' by='r@muc.example'><not-acceptable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	// Joined, but the nick is gone: item-not-found (XEP-0410 §3.2).
	h.expect(`<iq from='b@x/1' to='r@muc.example/Old' id='sp' type='get'>`+pingX+`</iq>`,
		`<iq from='r@muc.example/Old' to='b@x/1' id='sp' type='error'>`+pingX+`<error type='cancel' by='r@muc.example'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	require.Contains(t, h.room(roomJID).Features(), nsSelfPing)
	// §6.6: disco to an occupant JID from a non-occupant: bad-request.
	h.expect(`<iq from='z@x/1' to='r@muc.example/B' id='d' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		`<iq from='r@muc.example/B' to='z@x/1' id='d' type='error'><query xmlns='http://jabber.org/protocol/disco#info'/><error type='modify' by='r@muc.example'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
	// An IQ without payload is malformed.
	h.expect(`<iq from='b@x/1' to='r@muc.example/A' id='e' type='get'/>`,
		`<iq from='r@muc.example/A' to='b@x/1' id='e' type='error'><error type='modify' by='r@muc.example'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`)
}

func TestIQForwarding(t *testing.T) {
	h := setup2(t)
	r := h.room(roomJID)
	// §17.4 / §6.6: forwarded from the requester's occupant JID to the
	// target's real JID under an id of the room's.
	h.expect(`<iq from='b@x/1' to='r@muc.example/A' id='q1' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		`<iq from='r@muc.example/B' to='a@x/1' id='id3' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
	require.Equal(t, 1, r.PendingIQs())
	require.Equal(t, t0.Add(time.Minute), h.svc.NextDeadline())
	// Forged or stray answers are dropped: wrong sender, unknown id.
	h.expect(`<iq from='z@x/1' to='r@muc.example/B' id='id3' type='result'/>`)
	h.expect(`<iq from='a@x/2' to='r@muc.example/B' id='id3' type='result'/>`)
	h.expect(`<iq from='a@x/1' to='r@muc.example/B' id='nope' type='result'/>`)
	require.Equal(t, 1, r.PendingIQs())
	// The answer goes back under the requester's id, from the target's
	// occupant JID, payload intact.
	h.expect(`<iq from='a@x/1' to='r@muc.example/B' id='id3' type='result'><query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:ping'/></query></iq>`,
		`<iq from='r@muc.example/A' to='b@x/1' id='q1' type='result'><query xmlns='http://jabber.org/protocol/disco#info'><feature var='urn:xmpp:ping'/></query></iq>`)
	require.Zero(t, r.PendingIQs())
	require.True(t, h.svc.NextDeadline().IsZero())
	// Only once.
	h.expect(`<iq from='a@x/1' to='r@muc.example/B' id='id3' type='result'/>`)
	// Errors travel back the same way; a ping to another occupant is
	// forwarded (XEP-0410 §3.2).
	h.expect(`<iq from='a@x/1' to='r@muc.example/B' id='p' type='get'>`+pingX+`</iq>`,
		`<iq from='r@muc.example/A' to='b@x/1' id='id4' type='get'>`+pingX+`</iq>`)
	// §17.4: an error's 'by' would name the target: the room's instead.
	h.expect(`<iq from='b@x/1' to='r@muc.example/A' id='id4' type='error'>`+pingX+`<error type='cancel' by='b@x/1'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text></error></iq>`,
		`<iq from='r@muc.example/B' to='a@x/1' id='p' type='error'>`+pingX+`<error type='cancel' by='r@muc.example'><service-unavailable xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text></error></iq>`)
	require.Equal(t, 2, r.Len(), "an IQ error is an answer, not a ghost")
}

func TestIQForwardTimeout(t *testing.T) {
	h := setup2(t)
	h.do(`<iq from='b@x/1' to='r@muc.example/A' id='q1' type='get'><query xmlns='jabber:iq:version'/></iq>`)
	h.now = h.now.Add(10 * time.Second)
	h.do(`<iq from='a@x/1' to='r@muc.example/B' id='q2' type='set'><query xmlns='urn:example'/></iq>`)
	require.Equal(t, t0.Add(time.Minute), h.svc.NextDeadline())
	require.True(t, h.svc.Tick(t0.Add(time.Minute-time.Nanosecond)).Empty())
	// Past the deadline: remote-server-timeout, from the target's
	// occupant JID, under the requester's id; oldest first.
	out := h.svc.Tick(t0.Add(2 * time.Minute))
	require.Equal(t, []string{
		`<iq from='r@muc.example/A' to='b@x/1' id='q1' type='error'><error type='wait' by='r@muc.example'><remote-server-timeout xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
		`<iq from='r@muc.example/B' to='a@x/1' id='q2' type='error'><error type='wait' by='r@muc.example'><remote-server-timeout xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
	}, render(out))
	require.True(t, h.svc.NextDeadline().IsZero())
	// A late answer is dropped.
	h.expect(`<iq from='a@x/1' to='r@muc.example/B' id='id3' type='result'/>`)
}

func TestIQForwardRemoteAndVCard(t *testing.T) {
	h := setup2(t, func(o *ServiceOptions) { o.IQTimeout = time.Second })
	h.remote("node2.example", `<presence from='r1@far/1' to='r@muc.example/R1'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	// To a remote occupant: through its node; vCards go to the account.
	h.expect(`<iq from='b@x/1' to='r@muc.example/R1' id='v' type='get'><vCard xmlns='vcard-temp'/></iq>`,
		`=> node2.example (b@x/1) for r1@far/R1 <iq from='r@muc.example/B' to='node2.example' id='id4' type='get'><vCard xmlns='vcard-temp'/></iq>`)
	require.Equal(t, t0.Add(time.Second), h.svc.NextDeadline())
	// The answer must come through that node, from that address.
	h.expect(`<iq from='r1@far' to='r@muc.example/B' id='id4' type='result'><vCard xmlns='vcard-temp'/></iq>`)
	h.expectRemote("node3.example", `<iq from='r1@far' to='r@muc.example/B' id='id4' type='result'><vCard xmlns='vcard-temp'/></iq>`)
	h.expectRemote("node2.example", `<iq from='r1@far' to='r@muc.example/B' id='id4' type='result'><vCard xmlns='vcard-temp'/></iq>`,
		`<iq from='r@muc.example/R1' to='b@x/1' id='v' type='result'><vCard xmlns='vcard-temp'/></iq>`)
	// From a remote requester: the answer goes back through its node.
	h.expectRemote("node2.example", `<iq from='r1@far/1' to='r@muc.example/A' id='w' type='get'><query xmlns='jabber:iq:version'/></iq>`,
		`<iq from='r@muc.example/R1' to='a@x/1' id='id5' type='get'><query xmlns='jabber:iq:version'/></iq>`)
	h.expect(`<iq from='a@x/1' to='r@muc.example/R1' id='id5' type='result'><query xmlns='jabber:iq:version'><name>x</name></query></iq>`,
		`=> node2.example (a@x/1) for r1@far/1/R1 <iq from='r@muc.example/A' to='node2.example' id='w' type='result'><query xmlns='jabber:iq:version'><name>x</name></query></iq>`)
	// vCard to the room itself: not supported (RFC 6120 §8.4).
	h.expect(`<iq from='b@x/1' to='r@muc.example' id='rv' type='get'><vCard xmlns='vcard-temp'/></iq>`,
		iqErr("b@x/1", "rv", `<vCard xmlns='vcard-temp'/>`, "cancel", "service-unavailable"))
}

// TestIQForwardBounded: forwarded IQs are bounded per requester bare JID
// (all its resources together) and per room; one requester whose IQs are
// never answered does not block the others.
func TestIQForwardBounded(t *testing.T) {
	h := setup3(t)
	ping := func(from, id string) string {
		return `<iq from='` + from + `' to='r@muc.example/A' id='` + id + `' type='get'>` + pingX + `</iq>`
	}
	over := func(from, id, text string) string {
		return `<iq from='r@muc.example/A' to='` + from + `' id='` + id + `' type='error'>` + pingX + `<error type='wait' by='r@muc.example'><resource-constraint xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>` + text + `</text></error></iq>`
	}
	h.join("b@x/2", roomJID+"/B")
	for i := range 2 * DefaultLimits.MaxPendingIQs {
		h.do(ping("b@x/"+strconv.Itoa(1+i%2), "q"+strconv.Itoa(i)))
	}
	require.Equal(t, DefaultLimits.MaxPendingIQsPerSender, h.room(roomJID).PendingIQs())
	h.expect(ping("b@x/1", "over"), over("b@x/1", "over", "too many of your requests to occupants await an answer"))
	// Another requester is still served.
	lines := h.do(ping("c@x/1", "c1"))
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "to='a@x/1'")

	// The room's bound holds whoever asks.
	h = setup3(t, func(o *ServiceOptions) { o.Limits = Limits{MaxPendingIQs: 3, MaxPendingIQsPerSender: 2} })
	h.do(ping("b@x/1", "b1"))
	h.do(ping("b@x/1", "b2"))
	h.expect(ping("b@x/1", "b3"), over("b@x/1", "b3", "too many of your requests to occupants await an answer"))
	h.do(ping("c@x/1", "c1"))
	h.expect(ping("c@x/1", "c2"), over("c@x/1", "c2", "too many requests to occupants await an answer"))
	require.Equal(t, 3, h.room(roomJID).PendingIQs())
	// A broken id source never mixes up two requests.
	h2 := setup2(t)
	h2.do(`<iq from='b@x/1' to='r@muc.example/A' id='a' type='get'>` + pingX + `</iq>`)
	h2.ids--
	lines = h2.do(`<iq from='b@x/1' to='r@muc.example/A' id='b' type='get'>` + pingX + `</iq>`)
	require.Contains(t, lines[0], "<internal-server-error ")
}
