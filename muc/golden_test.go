package muc

import (
	"flag"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden transcripts in testdata/golden")

// TestRealClientSession replays what Converse.js 14 and poezio 0.14 send
// to a MUC service (as seen on the wire against Prosody) and compares the
// whole transcript, input and output in canonical XML, with
// testdata/golden/client-session.txt (go test -run RealClient -update
// rewrites it).
func TestRealClientSession(t *testing.T) {
	h := newHarness(t)
	steps := []string{
		// Discovery before joining; the room does not exist yet.
		`<iq from='juliet@example/conv' to='muc.example' id='d1' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		`<iq from='juliet@example/conv' to='r@muc.example' id='d2' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		// Join with history maxstanzas='0' and caps: creates the room (201).
		`<presence from='juliet@example/conv' to='r@muc.example/juliet' id='j1'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://conversejs.org' ver='Hx6LT7pCWQAvFyXOzyhDsFMwd+U='/></presence>`,
		// Instant room.
		`<iq from='juliet@example/conv' to='r@muc.example' id='o1' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`,
		// The lists a client asks for after joining.
		`<iq from='juliet@example/conv' to='r@muc.example' id='l1' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member'/></query></iq>`,
		`<iq from='juliet@example/conv' to='r@muc.example' id='l2' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='admin'/></query></iq>`,
		`<iq from='juliet@example/conv' to='r@muc.example' id='l3' type='get'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner'/></query></iq>`,
		// vCard to the room.
		`<iq from='juliet@example/conv' to='r@muc.example' id='v1' type='get'><vCard xmlns='vcard-temp'/></iq>`,
		// poezio joins with an empty muc <x/> and a vcard-temp:x:update.
		`<presence from='romeo@example/poezio' to='r@muc.example/romeo' id='j2'><x xmlns='http://jabber.org/protocol/muc'/><x xmlns='vcard-temp:x:update'><photo/></x></presence>`,
		// Chat states and a no-store hint first, then the real message.
		`<message from='romeo@example/poezio' to='r@muc.example' id='c1' type='groupchat'><composing xmlns='http://jabber.org/protocol/chatstates'/><no-store xmlns='urn:xmpp:hints'/></message>`,
		`<message from='romeo@example/poezio' to='r@muc.example' id='m1' type='groupchat'><body>Hello Juliet</body><active xmlns='http://jabber.org/protocol/chatstates'/><origin-id xmlns='urn:xmpp:sid:0' id='m1'/></message>`,
		// Private message and leaving.
		`<message from='juliet@example/conv' to='r@muc.example/romeo' id='p1' type='chat'><body>psst</body></message>`,
		`<presence from='romeo@example/poezio' to='r@muc.example/romeo' type='unavailable'><status>Gone</status></presence>`,
	}
	var ss []step
	for _, s := range steps {
		ss = append(ss, local(s))
	}
	transcript(t, h, "client-session", ss...)
}
