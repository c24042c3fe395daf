// Package fakeserver is an in-process XEP-0114 server for tests: it
// listens on loopback, checks the component handshake, and lets a test read
// what the component sends and write anything back, including broken XML.
//
// Reading is done by one goroutine per connection into a bounded channel,
// so tests never put deadlines on the decoder (an encoding/xml decoder
// stops for good after its first read error). A connection accepted while
// the server is Stalled does not read at all until Resume, which is how a
// slow server is simulated.
package fakeserver

import (
	"bytes"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

const (
	nsStream    = "http://etherx.jabber.org/streams"
	nsComponent = "jabber:component:accept"
	nsStreams   = "urn:ietf:params:xml:ns:xmpp-streams"
	ioTimeout   = 5 * time.Second
)

// ErrTimeout is returned when nothing arrives in time.
var ErrTimeout = errors.New("fakeserver: timeout")

// Server accepts XEP-0114 component connections for one domain.
type Server struct {
	domain, secret string
	ln             net.Listener
	conns          chan *Conn
	refusal        atomic.Value // string
	stalled        atomic.Bool
	pings          atomic.Int32 // a PingReply
	flapping       atomic.Bool
	attempts       atomic.Int64
	handshakes     atomic.Int64
	ids            atomic.Int64

	done   chan struct{}
	mu     sync.Mutex
	all    []*Conn
	closed bool
	wg     sync.WaitGroup
}

// Listen starts a server on addr (use "127.0.0.1:0" for a fresh port).
func Listen(addr, domain, secret string) (*Server, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	s := &Server{domain: domain, secret: secret, ln: ln, conns: make(chan *Conn, 16), done: make(chan struct{})}
	s.refusal.Store("")
	s.wg.Add(1)
	go s.acceptLoop()
	return s, nil
}

// Addr is the host:port the server listens on.
func (s *Server) Addr() string { return s.ln.Addr().String() }

// Refuse makes the server answer later stream headers with a stream error
// of the given condition (such as "conflict" or "host-unknown") instead of
// accepting; "" accepts again.
func (s *Server) Refuse(condition string) { s.refusal.Store(condition) }

// Stall makes connections accepted from now on not read anything after the
// handshake until Conn.Resume.
func (s *Server) Stall(on bool) { s.stalled.Store(on) }

// PingReply says how the server answers the component's XEP-0199 pings.
type PingReply int32

const (
	// PingIgnore never answers: a hung server, which reads but sends
	// nothing. It is the default.
	PingIgnore PingReply = iota
	// PingRoute routes the ping as a real server does: one addressed to
	// the component's own domain goes back to it unchanged (Prosody and
	// ejabberd both do that), one to any other address gets a result from
	// there.
	PingRoute
	// PingResult answers every ping with a result from its 'to'.
	PingResult
	// PingError answers every ping with service-unavailable from its
	// 'to', as a server without XEP-0199 does.
	PingError
)

// AnswerPings sets how pings are answered from now on, on every
// connection. Pings are returned by Next like any other stanza.
func (s *Server) AnswerPings(r PingReply) { s.pings.Store(int32(r)) }

// Flap makes the server close every connection accepted from now on as
// soon as its handshake succeeds, the way a server that accepts the
// component and then drops it (a crash loop, a proxy in front of a dead
// backend) does. Such connections are not returned by Accept.
func (s *Server) Flap(on bool) { s.flapping.Store(on) }

// Attempts counts the TCP connections accepted so far.
func (s *Server) Attempts() int { return int(s.attempts.Load()) }

// Handshakes counts the handshakes accepted so far.
func (s *Server) Handshakes() int { return int(s.handshakes.Load()) }

// Accept returns the next connection that completed the handshake.
func (s *Server) Accept(timeout time.Duration) (*Conn, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case c := <-s.conns:
		return c, nil
	case <-t.C:
		return nil, fmt.Errorf("%w: no component connected", ErrTimeout)
	}
}

// Close stops listening, closes every connection and waits for the
// server's goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if !s.closed {
		close(s.done)
	}
	s.closed = true
	all := s.all
	s.all = nil
	s.mu.Unlock()
	err := s.ln.Close()
	for _, c := range all {
		_ = c.conn.Close()
	}
	s.wg.Wait()
	return err
}

func (s *Server) acceptLoop() {
	defer s.wg.Done()
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.attempts.Add(1)
		c := &Conn{conn: nc, items: make(chan Item, 4096), srv: s}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			_ = nc.Close()
			return
		}
		s.all = append(s.all, c)
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			if !c.handshake() {
				_ = nc.Close()
				return
			}
			s.handshakes.Add(1)
			if s.flapping.Load() {
				_ = nc.Close()
				return
			}
			select {
			case s.conns <- c:
			default:
				_ = nc.Close()
				return
			}
			if !s.stalled.Load() {
				c.Resume()
			}
		}()
	}
}

// Item is one top-level thing the component sent.
type Item struct {
	// Stanza is set for a message, presence or iq.
	Stanza stanza.Stanza
	// Name is the element's name (also set for stanzas).
	Name xml.Name
	// Space is the text between elements, such as whitespace pings.
	Space string
	// End is true for the component's </stream:stream>.
	End bool
	// Err is set on the last item when reading failed (io.EOF when the
	// connection was closed).
	Err error
}

// Conn is one component connection.
type Conn struct {
	// StreamID is the id the server sent in its stream header.
	StreamID string
	conn     net.Conn
	dec      *xml.Decoder
	items    chan Item
	srv      *Server
	once     sync.Once
	wmu      sync.Mutex
}

func (c *Conn) handshake() bool {
	_ = c.conn.SetDeadline(time.Now().Add(ioTimeout))
	defer func() { _ = c.conn.SetDeadline(time.Time{}) }()
	c.dec = xml.NewDecoder(c.conn)
	head, err := nextStart(c.dec)
	if err != nil || head.Name.Space != nsStream || head.Name.Local != "stream" {
		return false
	}
	var to, ns string
	for _, a := range head.Attr {
		switch {
		case a.Name.Space == "" && a.Name.Local == "to":
			to = a.Value
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			ns = a.Value
		}
	}
	c.StreamID = fmt.Sprintf("fake-%d", c.srv.ids.Add(1))
	var b bytes.Buffer
	b.WriteString("<?xml version='1.0'?><stream:stream xmlns:stream='" + nsStream + "' xmlns='" + nsComponent + "' from='")
	_ = xml.EscapeText(&b, []byte(to))
	b.WriteString("' id='" + c.StreamID + "'>")
	refusal := c.srv.refusal.Load().(string)
	switch {
	case ns != nsComponent:
		refusal = "invalid-namespace"
	case refusal == "" && to != c.srv.domain:
		refusal = "host-unknown"
	}
	if refusal != "" {
		b.WriteString(streamError(refusal))
		_, _ = c.conn.Write(b.Bytes())
		return false
	}
	if _, err := c.conn.Write(b.Bytes()); err != nil {
		return false
	}
	hs, err := nextStart(c.dec)
	if err != nil || hs.Name.Local != "handshake" {
		return false
	}
	var digest string
	if err := c.dec.DecodeElement(&digest, &hs); err != nil {
		return false
	}
	sum := sha1.Sum([]byte(c.StreamID + c.srv.secret))
	if digest != hex.EncodeToString(sum[:]) {
		_, _ = c.conn.Write([]byte(streamError("not-authorized")))
		return false
	}
	_, err = c.conn.Write([]byte("<handshake/>"))
	return err == nil
}

func streamError(cond string) string {
	return "<stream:error><" + cond + " xmlns='" + nsStreams + "'/></stream:error></stream:stream>"
}

func nextStart(d *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.EndElement:
			return xml.StartElement{}, io.EOF
		}
	}
}

// Resume starts reading (it is called at accept unless the server is
// stalled).
func (c *Conn) Resume() {
	c.once.Do(func() {
		c.srv.wg.Add(1)
		go c.readLoop()
	})
}

func (c *Conn) readLoop() {
	defer c.srv.wg.Done()
	defer close(c.items)
	for {
		tok, err := c.dec.Token()
		if err != nil {
			c.push(Item{Err: err})
			return
		}
		switch t := tok.(type) {
		case xml.CharData:
			if !c.push(Item{Space: string(t)}) {
				return
			}
		case xml.EndElement:
			// Like a real server, answer the component's close with ours.
			_ = c.CloseStream()
			if !c.push(Item{End: true}) {
				return
			}
		case xml.StartElement:
			switch t.Name.Local {
			case "message", "presence", "iq":
				st, err := stanza.DecodeElement(c.dec, t, stanza.Limits{MaxSize: 16 << 20})
				if err != nil {
					c.push(Item{Name: t.Name, Err: err})
					return
				}
				c.answerPing(st)
				if !c.push(Item{Stanza: st, Name: t.Name}) {
					return
				}
			default:
				if err := c.dec.Skip(); err != nil {
					c.push(Item{Err: err})
					return
				}
				if !c.push(Item{Name: t.Name}) {
					return
				}
			}
		}
	}
}

// answerPing answers st if it is an XEP-0199 ping, as AnswerPings says.
func (c *Conn) answerPing(st stanza.Stanza) {
	iq, ok := st.(*stanza.IQ)
	if !ok || iq.Type != stanza.IQGet || len(iq.Children) != 1 || !iq.Children[0].Is("urn:xmpp:ping", "ping") {
		return
	}
	reply := PingReply(c.srv.pings.Load())
	if reply == PingRoute && iq.To.String() == c.srv.domain {
		_ = c.Send(string(stanza.Encode(iq)))
		return
	}
	var answer stanza.Stanza
	switch reply {
	case PingRoute, PingResult:
		answer = &stanza.IQ{Header: stanza.Header{From: iq.To, To: iq.From, ID: iq.ID, Type: stanza.IQResult}}
	case PingError:
		answer = stanza.ErrorReply(iq, stanza.NewError(stanza.ServiceUnavailable, ""))
	default:
		return
	}
	_ = c.Send(string(stanza.Encode(answer)))
}

// push hands it to Next, giving up when the server closes.
func (c *Conn) push(it Item) bool {
	select {
	case c.items <- it:
		return true
	case <-c.srv.done:
		return false
	}
}

// Next returns the next item the component sent.
func (c *Conn) Next(timeout time.Duration) (Item, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case it, ok := <-c.items:
		if !ok {
			return Item{}, io.EOF
		}
		if it.Err != nil {
			return it, it.Err
		}
		return it, nil
	case <-t.C:
		return Item{}, ErrTimeout
	}
}

// NextStanza returns the next stanza, skipping whitespace.
func (c *Conn) NextStanza(timeout time.Duration) (stanza.Stanza, error) {
	deadline := time.Now().Add(timeout)
	for {
		it, err := c.Next(time.Until(deadline))
		if err != nil {
			return nil, err
		}
		if it.Stanza != nil {
			return it.Stanza, nil
		}
		if it.End {
			return nil, io.EOF
		}
	}
}

// Send writes raw XML (anything, even broken) to the component.
func (c *Conn) Send(raw string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(ioTimeout))
	_, err := io.WriteString(c.conn, raw)
	return err
}

// CloseStream sends </stream:stream>.
func (c *Conn) CloseStream() error { return c.Send("</stream:stream>") }

// Close closes the TCP connection.
func (c *Conn) Close() error { return c.conn.Close() }
