package muc_test

import (
	"fmt"
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// ExampleService_Shutdown stops a service gracefully: every occupant is
// told with status 332 (XEP-0045 §11.2).
func ExampleService_Shutdown() {
	n := 0
	svc, err := muc.NewService(muc.ServiceOptions{
		Domain: stanza.MustParse("chat.example"),
		NewID:  func() string { n++; return "id" + strconv.Itoa(n) },
	})
	if err != nil {
		panic(err)
	}
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, xml := range []string{
		`<presence from='juliet@example/balcony' to='garden@chat.example/juliet'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
		`<iq from='juliet@example/balcony' to='garden@chat.example' id='c1' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`,
	} {
		in, err := stanza.Decode([]byte(xml))
		if err != nil {
			panic(err)
		}
		if _, err := svc.Handle(now, in); err != nil {
			panic(err)
		}
	}
	out := svc.Shutdown(now)
	for _, s := range out.Stanzas {
		fmt.Println(string(stanza.Encode(s)))
	}
	for _, e := range out.Events {
		fmt.Printf("%T\n", e)
	}
	// Output:
	// <presence from='garden@chat.example/juliet' to='juliet@example/balcony' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' jid='juliet@example/balcony' role='none'/><status code='110'/><status code='332'/></x></presence>
	// muc.OccupantLeft
	// muc.RoomDestroyed
}
