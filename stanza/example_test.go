package stanza_test

import (
	"errors"
	"fmt"

	"github.com/xmppfmuc/fmuc/stanza"
)

func ExampleParse() {
	j, err := stanza.Parse("Juliet@Example.COM./Balcony")
	if err != nil {
		panic(err)
	}
	fmt.Println(j)
	fmt.Println(j.Bare(), j.Local(), j.Domain(), j.Resource())

	_, err = stanza.Parse("juliet@example.com/")
	fmt.Println(errors.Is(err, stanza.ErrJID))
	// Output:
	// juliet@example.com/Balcony
	// juliet@example.com juliet example.com Balcony
	// true
}

func ExampleDecode() {
	in := `<message xmlns='jabber:client' from='juliet@capulet.example/balcony' to='garden@rooms.example' type='groupchat' id='m1'>` +
		`<body>Wherefore art thou?</body>` +
		`<encrypted xmlns='eu.siacs.conversations.axolotl'><payload>AAAA</payload></encrypted>` +
		`</message>`
	s, err := stanza.Decode([]byte(in))
	if err != nil {
		panic(err)
	}
	m := s.(*stanza.Message)
	body, _ := m.Body()
	fmt.Println(m.From, m.Type, body)

	// Relay it: readdress, keep every payload byte for byte.
	out := stanza.Clone(m)
	out.Head().From = stanza.MustParse("garden@rooms.example/Juliet")
	out.Head().To = stanza.MustParse("romeo@montague.example/orchard")
	fmt.Println(string(stanza.Encode(out)))
	// Output:
	// juliet@capulet.example/balcony groupchat Wherefore art thou?
	// <message from='garden@rooms.example/Juliet' to='romeo@montague.example/orchard' id='m1' type='groupchat'><body>Wherefore art thou?</body><encrypted xmlns='eu.siacs.conversations.axolotl'><payload>AAAA</payload></encrypted></message>
}

func ExampleDecodeError_Reply() {
	_, err := stanza.Decode([]byte(`<iq from='juliet@capulet.example/balcony' to='not a jid@rooms.example' id='q1' type='get'/>`))
	var de *stanza.DecodeError
	if errors.As(err, &de) {
		if r, ok := de.Reply(); ok {
			e, _ := stanza.ErrorOf(r)
			fmt.Println(r.Head().To, r.Head().Type, e.Condition)
		}
	}
	// Output:
	// juliet@capulet.example/balcony error jid-malformed
}

func ExampleErrorReply() {
	req := &stanza.IQ{Header: stanza.Header{
		ID: "q1", Type: stanza.IQGet,
		From: stanza.MustParse("juliet@capulet.example/balcony"),
		To:   stanza.MustParse("garden@rooms.example"),
	}}
	r := stanza.ErrorReply(req, stanza.NewError(stanza.ItemNotFound, ""))
	fmt.Println(string(stanza.Encode(r)))
	// Output:
	// <iq from='garden@rooms.example' to='juliet@capulet.example/balcony' id='q1' type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>
}
