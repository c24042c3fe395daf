package xmppclient_test

import (
	"context"
	"fmt"
	"time"

	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Log in, send a chat message to oneself and wait for it. (Not run: it
// needs a server; see TestClientAgainstProsody.)
func ExampleDial() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, err := xmppclient.Dial(ctx, "127.0.0.1:5222", stanza.MustParse("alice@wonderland.lit"), "secret")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer c.Close()
	err = c.Send(&stanza.Message{
		Header:   stanza.Header{To: c.JID(), Type: stanza.MessageChat},
		Children: []stanza.Element{stanza.TextElement("body", "hello")},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	m, err := c.Expect(ctx, xmppclient.MessageWithBody("hello"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(m.Head().From)
}
