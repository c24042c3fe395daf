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
	// rooms.wonderland.lit -> talk.denmark.lit: stanzas 5, bytes 1220
	// talk.denmark.lit -> rooms.wonderland.lit: stanzas 1, bytes 425
}

// sink is a service that notes when each stanza reaches it.
type sink struct{ arrived *[]time.Time }

func (s sink) Handle(now time.Time, _ stanza.Stanza) []stanza.Stanza {
	*s.arrived = append(*s.arrived, now)
	return nil
}

func (sink) Tick(time.Time) []stanza.Stanza { return nil }

func (sink) NextDeadline() time.Time { return time.Time{} }

// A 2,400 bit/s link with a one-second delay between two services: each
// stanza waits for the ones before it, takes its size over the rate to
// send (55 bytes: 183 ms), and arrives a second after it is sent.
func ExampleNetwork_Shape() {
	start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	net := fmuctest.New(start)
	var arrived []time.Time
	net.Add("a.lit", sink{&arrived})
	net.Add("b.lit", sink{&arrived})
	if err := net.Shape("a.lit", "b.lit", fmuctest.LinkShape{Delay: time.Second, BytesPerSecond: 2400 / 8}); err != nil {
		panic(err)
	}
	for _, id := range []string{"1", "2", "3"} {
		net.Send(&stanza.Message{Header: stanza.Header{From: stanza.MustParse("a.lit"), To: stanza.MustParse("b.lit"), ID: id, Type: stanza.MessageNormal}})
	}
	if _, err := net.Stabilize(); err != nil {
		panic(err)
	}
	fmt.Println("in flight:", net.InFlight("a.lit", "b.lit"))
	if err := net.Advance(time.Minute); err != nil {
		panic(err)
	}
	for _, at := range arrived {
		fmt.Println("arrived at +" + at.Sub(start).Round(time.Millisecond).String())
	}
	fmt.Println(net.Traffic("a.lit", "b.lit").Bytes, "bytes")
	// Output:
	// in flight: 3
	// arrived at +1.183s
	// arrived at +1.367s
	// arrived at +1.55s
	// 165 bytes
}
