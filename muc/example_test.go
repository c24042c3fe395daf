package muc_test

import (
	"fmt"
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Example drives a room: Juliet creates it (an instant room), Romeo
// enters, and Juliet speaks.
func Example() {
	n := 0
	svc, err := muc.NewService(muc.ServiceOptions{
		Domain: stanza.MustParse("chat.example"),
		NewID:  func() string { n++; return "id" + strconv.Itoa(n) },
	})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	feed := func(xml string) {
		in, err := stanza.Decode([]byte(xml))
		if err != nil {
			panic(err)
		}
		out, err := svc.Handle(now, in)
		if err != nil {
			panic(err)
		}
		for _, s := range out.Stanzas {
			fmt.Println(string(stanza.Encode(s)))
		}
	}
	feed(`<presence from='juliet@example/balcony' to='garden@chat.example/juliet'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	feed(`<iq from='juliet@example/balcony' to='garden@chat.example' id='c1' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`)
	feed(`<presence from='romeo@example/orchard' to='garden@chat.example/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	feed(`<message from='juliet@example/balcony' to='garden@chat.example' id='m1' type='groupchat'><body>Hi</body></message>`)
	// Output:
	// <presence from='garden@chat.example/juliet' to='juliet@example/balcony'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='juliet@example/balcony' role='moderator'/><status code='110'/><status code='201'/></x></presence>
	// <message from='garden@chat.example' to='juliet@example/balcony' id='id1' type='groupchat'><subject></subject></message>
	// <iq from='garden@chat.example' to='juliet@example/balcony' id='c1' type='result'/>
	// <presence from='garden@chat.example/juliet' to='romeo@example/orchard'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' role='moderator'/></x></presence>
	// <presence from='garden@chat.example/romeo' to='juliet@example/balcony'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='romeo@example/orchard' role='participant'/></x></presence>
	// <presence from='garden@chat.example/romeo' to='romeo@example/orchard'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>
	// <message from='garden@chat.example' to='romeo@example/orchard' id='id2' type='groupchat'><subject></subject></message>
	// <message from='garden@chat.example/juliet' to='juliet@example/balcony' id='m1' type='groupchat'><body>Hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='garden@chat.example'/></message>
	// <message from='garden@chat.example/juliet' to='romeo@example/orchard' id='m1' type='groupchat'><body>Hi</body><stanza-id xmlns='urn:xmpp:sid:0' id='id3' by='garden@chat.example'/></message>
}

// ExampleLocking creates rooms unlocked (muc.LockNever): Romeo enters the
// room Juliet just created although nobody configured it (XEP-0045
// §10.1.1 instant rooms).
func ExampleLocking() {
	svc, err := muc.NewService(muc.ServiceOptions{
		Domain:  stanza.MustParse("chat.example"),
		NewID:   func() string { return "id" },
		Locking: muc.LockNever,
	})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, xml := range []string{
		`<presence from='juliet@example/balcony' to='garden@chat.example/juliet'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
		`<presence from='romeo@example/orchard' to='garden@chat.example/romeo'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
	} {
		in, err := stanza.Decode([]byte(xml))
		if err != nil {
			panic(err)
		}
		if _, err := svc.Handle(now, in); err != nil {
			panic(err)
		}
	}
	r, _ := svc.Room(stanza.MustParse("garden@chat.example"))
	fmt.Println(r.Locked(), r.Len())
	// Output:
	// false 2
}
