package transport

import (
	"fmt"
	"io"
	"net"
	"testing"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// FuzzReadLoop feeds arbitrary server bytes to a session's reader and
// writer: nothing may panic, the session must end, and every error reply
// must be a stanza that decodes again.
func FuzzReadLoop(f *testing.F) {
	for _, s := range []string{
		"<message from='a@b/c' to='room@rooms.example' id='1'><body>hi</body></message>",
		"<iq type='get' id='1' from='a@b' to='rooms.example'><query xmlns='urn:x'/></iq>",
		"<iq type='nope' id='1' from='a@b' to='@'/>",
		"<message from='a@b' to='room@rooms.example'><body>x</bod></message>",
		"<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>",
		"<foo xmlns='bar'/>   <presence from='a@b' to='r@rooms.example/n'/></stream:stream>",
		"<message from='a@b' to='r@rooms.example'><x xmlns='y'><z><z><z/></z></z></x></message>",
		"<iq type='get' id='transport-ping-1' from='rooms.example' to='rooms.example'><ping xmlns='urn:xmpp:ping'/></iq> <iq type='error' id='transport-ping-2' from='rooms.example' to='rooms.example'/>",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := New(Config{Address: "127.0.0.1:1", Domain: "rooms.example", Secret: "s",
			Machine: newTestMachine(), MaxStanzaSize: 512, KeepAlive: -1})
		if err != nil {
			t.Fatal(err)
		}
		local, remote := net.Pipe()
		defer remote.Close()
		go func() { _, _ = io.Copy(io.Discard, remote) }()
		go func() {
			_, _ = io.WriteString(remote, "<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams'>")
			_, _ = remote.Write(data)
			_ = remote.Close()
		}()
		watchdog := time.AfterFunc(5*time.Second, func() { panic(fmt.Sprintf("session did not end for %q", data)) })
		defer watchdog.Stop()
		s := newSession(local, c)
		if _, err := s.dec.Token(); err != nil { // the stream header
			t.Fatal(err)
		}
		go s.readLoop(c)
		go s.writeLoop(c)
		for ev := range c.events {
			if ev.kind == evReply {
				b := stanza.Encode(ev.st)
				if _, err := stanza.Decode(b); err != nil {
					t.Fatalf("reply %s does not decode: %v", b, err)
				}
			}
			if ev.kind == evLost {
				break
			}
		}
		s.end(false, "", time.Now().Add(100*time.Millisecond))
	})
}
