package muc

import (
	"bytes"
	"testing"

	"github.com/xmppfmuc/fmuc/stanza"
)

// extensionSeeds are stanzas for invitations, nick registration, voice
// requests, the room disco nodes, IQ forwarding and ghosts.
var extensionSeeds = []string{
	`<message from='b@x/1' to='r@muc.example' id='i'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='d@x'><reason>r</reason><continue thread='t'/></invite></x></message>`,
	`<message from='d@x/1' to='r@muc.example' id='d'><x xmlns='http://jabber.org/protocol/muc#user'><decline to='r@muc.example/B'><reason>no</reason></decline></x></message>`,
	`<iq from='d@x/1' to='r@muc.example' id='g' type='get'><query xmlns='jabber:iq:register'/></iq>`,
	`<iq from='d@x/1' to='r@muc.example' id='s' type='set'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick'><value>dee</value></field></x></query></iq>`,
	`<iq from='b@x/1' to='r@muc.example' id='u' type='set'><query xmlns='jabber:iq:register'><remove/></query></iq>`,
	`<message from='a@x/1' to='r@muc.example' id='ok'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#jid'><value>d@x</value></field><field var='muc#register_allow'><value>1</value></field></x></message>`,
	`<message from='c@x/1' to='r@muc.example' id='v'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role'><value>participant</value></field></x></message>`,
	`<message from='a@x/1' to='r@muc.example' id='va'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#roomnick'><value>C</value></field><field var='muc#request_allow'><value>true</value></field></x></message>`,
	`<iq from='z@x/1' to='r@muc.example' id='n' type='get'><query xmlns='http://jabber.org/protocol/disco#info' node='x-roomuser-item'/></iq>`,
	`<iq from='b@x/1' to='r@muc.example/A' id='p' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`,
	`<iq from='a@x/1' to='r@muc.example/B' id='id4' type='result'/>`,
	`<message from='c@x/1' to='r@muc.example/C' type='error'><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`,
	`<message from='b@x/1' to='r@muc.example' id='m' type='groupchat'><body>x</body><stanza-id xmlns='urn:xmpp:sid:0' id='f' by='r@muc.example'/><occupant-id xmlns='urn:xmpp:occupant-id:0' id='f'/></message>`,
}

// extensionRun feeds one stanza (locally, then through a node) to a room
// with an owner, an admin's registration pending, a participant and a
// visitor, checks the package invariants and returns the transcript.
func extensionRun(t *testing.T, data []byte) []byte {
	h := setup2(t, withKey)
	h.join("c@x/1", roomJID+"/C")
	h.configure(roomJID, "a@x/1", fModerated, "1", fMembersOnly, "0")
	h.do(adminIQ("a@x/1", "v", "set", `<item nick='C' role='visitor'/>`))
	h.do(`<iq from='b@x/1' to='r@muc.example/A' id='p' type='get'><ping xmlns='urn:xmpp:ping'/></iq>`)
	in, err := stanza.Decode(data)
	if err != nil {
		return nil
	}
	var transcript bytes.Buffer
	for _, via := range []string{"", "node2.example"} {
		before := occupantSet(h.svc)
		var out Output
		if via == "" {
			out, err = h.svc.Handle(h.now, stanza.Clone(in))
		} else {
			out, err = h.svc.HandleRemote(h.now, stanza.MustParse(via), stanza.Clone(in))
		}
		if err != nil {
			return transcript.Bytes() // misuse: another domain, no stanza
		}
		checkInvariants(t, h.svc, before, in, in.Head().From, out)
		for _, l := range render(out) {
			transcript.WriteString(l + "\n")
		}
	}
	transcript.WriteString(h.svc.NextDeadline().String())
	for _, l := range render(h.svc.Tick(h.now.Add(h.svc.roomOpts.IQTimeout))) {
		transcript.WriteString(l + "\n")
	}
	return transcript.Bytes()
}

func FuzzExtensions(f *testing.F) {
	for _, s := range extensionSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a := extensionRun(t, data)
		b := extensionRun(t, data)
		if !bytes.Equal(a, b) {
			t.Fatalf("not deterministic:\n%s\n---\n%s", a, b)
		}
	})
}
