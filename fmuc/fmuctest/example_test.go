package fmuctest_test

import (
	"fmt"
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Two federated services on one network: elsinore@talk.denmark.lit joins
// rabbithole@rooms.wonderland.lit when hamlet enters, and alice's message
// reaches hamlet through one copy on the link.
func Example() {
	net := fmuctest.New(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	ids := 0
	newID := func() string { ids++; return "id" + strconv.Itoa(ids) }
	wonderland, err := fmuc.NewService(fmuc.Options{
		Domain:  stanza.MustParse("rooms.wonderland.lit"),
		NewID:   newID,
		Inbound: fmuc.Policy{Allow: []stanza.JID{stanza.MustParse("talk.denmark.lit")}},
	})
	if err != nil {
		panic(err)
	}
	denmark, err := fmuc.NewService(fmuc.Options{Domain: stanza.MustParse("talk.denmark.lit"), NewID: newID})
	if err != nil {
		panic(err)
	}
	err = denmark.SetFederation(stanza.MustParse("elsinore@talk.denmark.lit"),
		fmuc.Federation{Upstream: stanza.MustParse("rabbithole@rooms.wonderland.lit")})
	if err != nil {
		panic(err)
	}
	net.Add("rooms.wonderland.lit", wonderland)
	net.Add("talk.denmark.lit", denmark)

	alice, hamlet := stanza.MustParse("alice@wonderland.lit/pda"), stanza.MustParse("hamlet@denmark.lit/elsinore")
	for _, x := range []string{
		// alice creates rabbithole as an instant room; hamlet joins elsinore.
		`<presence from='alice@wonderland.lit/pda' to='rabbithole@rooms.wonderland.lit/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
		`<iq from='alice@wonderland.lit/pda' to='rabbithole@rooms.wonderland.lit' id='c1' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`,
		`<presence from='hamlet@denmark.lit/elsinore' to='elsinore@talk.denmark.lit/Hamlet'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
	} {
		if err := net.SendXML(x); err != nil {
			panic(err)
		}
	}
	if _, err := net.Stabilize(); err != nil {
		panic(err)
	}
	net.Received(alice)
	net.Received(hamlet)

	if err := net.SendXML(`<message from='alice@wonderland.lit/pda' to='rabbithole@rooms.wonderland.lit' id='m1' type='groupchat'><body>Hi Hamlet</body></message>`); err != nil {
		panic(err)
	}
	if _, err := net.Stabilize(); err != nil {
		panic(err)
	}
	for _, s := range net.Received(hamlet) {
		body, _ := s.(*stanza.Message).Body()
		fmt.Printf("hamlet got from %s: %s\n", s.Head().From, body)
	}
	// Down: alice, hamlet and the (empty) subject answering elsinore's
	// join, then the message; up: the join.
	for _, l := range net.Links() {
		t := net.Traffic(l.From, l.To)
		fmt.Printf("%s -> %s: stanzas %d, bytes %d\n", l.From, l.To, t.Stanzas, t.Bytes)
	}
	// Output:
	// hamlet got from elsinore@talk.denmark.lit/Alice: Hi Hamlet
	// rooms.wonderland.lit -> talk.denmark.lit: stanzas 5, bytes 1336
	// talk.denmark.lit -> rooms.wonderland.lit: stanzas 1, bytes 359
}
