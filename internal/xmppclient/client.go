package xmppclient

import (
	"bufio"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Errors returned by the client.
var (
	// ErrClosed: the client or the stream is closed.
	ErrClosed = errors.New("xmppclient: closed")
	// ErrAuth: SASL authentication failed.
	ErrAuth = errors.New("xmppclient: authentication failed")
	// ErrProtocol: the server sent something the negotiation did not expect.
	ErrProtocol = errors.New("xmppclient: protocol error")
	// ErrStreamError: the server sent a stream error (RFC 6120 §4.9).
	ErrStreamError = errors.New("xmppclient: stream error")
	// ErrAccountExists: in-band registration answered conflict.
	ErrAccountExists = errors.New("xmppclient: account exists")
	// ErrConfig: the Config is unusable.
	ErrConfig = errors.New("xmppclient: bad config")
)

// DefaultQueue is the number of received stanzas buffered when
// Config.Queue is zero.
const DefaultQueue = 1024

// Config describes one client connection.
type Config struct {
	// Addr is the server's host:port.
	Addr string
	// JID is the account; its resource, if any, is requested at binding.
	JID stanza.JID
	// Password is the account's password.
	Password string
	// Register creates the account with XEP-0077 in-band registration
	// before logging in; an existing account is not an error.
	Register bool
	// Presence sends initial presence after binding (RFC 6121 §4.2) and
	// waits for the server's broadcast of it back to this resource
	// (§4.2.2), so that when DialConfig returns the resource is available:
	// a message sent to the bare JID from another session reaches it
	// instead of being bounced or stored offline.
	Presence bool
	// Queue is the size of the receive buffer; 0 means DefaultQueue.
	// When it is full the reader stops reading from the socket.
	Queue int
}

// Client is one authenticated c2s stream. Send and SendRaw may be called
// from any goroutine; Recv and Expect are meant for one goroutine at a time.
type Client struct {
	conn net.Conn
	br   *bufio.Reader
	dec  *xml.Decoder
	jid  stanza.JID

	wmu sync.Mutex

	in   chan stanza.Stanza
	done chan struct{}
	// readerDone is closed when the reader goroutine has returned.
	readerDone chan struct{}
	closeOnce  sync.Once
	errMu      sync.Mutex
	readErr    error

	pmu     sync.Mutex
	pending []stanza.Stanza
}

// Dial connects to addr and logs in as jid with SASL PLAIN, binds a resource
// and starts reading. It sends no initial presence; see DialConfig.
func Dial(ctx context.Context, addr string, jid stanza.JID, password string) (*Client, error) {
	return DialConfig(ctx, Config{Addr: addr, JID: jid, Password: password})
}

// DialConfig connects as described by cfg. The context bounds the
// connection and the whole negotiation, not the life of the client.
func DialConfig(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Addr == "" || cfg.JID.Local() == "" {
		return nil, fmt.Errorf("%w: address and a JID with a localpart are required", ErrConfig)
	}
	if cfg.Queue <= 0 {
		cfg.Queue = DefaultQueue
	}
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", cfg.Addr)
	if err != nil {
		return nil, fmt.Errorf("xmppclient: %w", err)
	}
	c := &Client{
		conn:       conn,
		br:         bufio.NewReaderSize(conn, 16<<10),
		in:         make(chan stanza.Stanza, cfg.Queue),
		done:       make(chan struct{}),
		readerDone: make(chan struct{}),
	}
	// The context's deadline and cancellation apply to the negotiation.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	err = c.negotiate(cfg)
	if !stop() || err != nil {
		_ = conn.Close()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("xmppclient: %s: %w", cfg.JID, ctx.Err())
		}
		return nil, fmt.Errorf("xmppclient: %s: %w", cfg.JID, err)
	}
	_ = conn.SetDeadline(time.Time{})
	go c.read()
	if cfg.Presence {
		if err := c.Send(&stanza.Presence{}); err != nil {
			_ = c.Close()
			return nil, err
		}
		got, err := c.Expect(ctx, PresenceFrom(c.JID()))
		if err != nil {
			_ = c.Close()
			return nil, fmt.Errorf("xmppclient: %s: waiting for initial presence: %w", cfg.JID, err)
		}
		if p := got.(*stanza.Presence); p.Type != "" {
			_ = c.Close()
			return nil, fmt.Errorf("xmppclient: %s: initial presence answered with type %q", cfg.JID, p.Type)
		}
	}
	return c, nil
}

func (c *Client) negotiate(cfg Config) error {
	domain := cfg.JID.Domain()
	f, err := c.openStream(domain)
	if err != nil {
		return err
	}
	if cfg.Register {
		if err := c.register(cfg.JID.Local(), cfg.Password); err != nil && !errors.Is(err, ErrAccountExists) {
			return err
		}
	}
	if err := c.authenticate(f, cfg.JID.Local(), cfg.Password); err != nil {
		return err
	}
	if f, err = c.openStream(domain); err != nil {
		return err
	}
	if f.Bind == nil {
		return fmt.Errorf("%w: no resource binding offered", ErrProtocol)
	}
	full, err := c.bind(cfg.JID.Resource())
	if err != nil {
		return err
	}
	if c.jid, err = stanza.Parse(full); err != nil {
		return fmt.Errorf("%w: bound JID %q: %w", ErrProtocol, full, err)
	}
	// RFC 6121 appendix E: a session is established only when the server
	// asks for it, i.e. offers it without <optional/>.
	if f.Session != nil && f.Session.Optional == nil {
		if _, err := c.negotiationIQ("sess1", "<session xmlns='"+nsSession+"'/>"); err != nil {
			return fmt.Errorf("session: %w", err)
		}
	}
	return nil
}

// JID returns the full JID the server bound.
func (c *Client) JID() stanza.JID { return c.jid }

// Send writes one stanza.
func (c *Client) Send(s stanza.Stanza) error {
	return c.SendRaw(stanza.Encode(s))
}

// SendRaw writes b to the stream unchanged; tests use it for malformed or
// hostile input.
func (c *Client) SendRaw(b []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	if _, err := c.conn.Write(b); err != nil {
		select {
		case <-c.done:
			return ErrClosed
		default:
		}
		return fmt.Errorf("xmppclient: write: %w", err)
	}
	return nil
}

// read decodes top-level elements until the stream ends or Close is called.
func (c *Client) read() {
	defer close(c.readerDone)
	defer close(c.in)
	for {
		tok, err := c.dec.Token()
		if err != nil {
			if err == io.EOF {
				err = ErrClosed
			}
			c.fail(err)
			return
		}
		var start xml.StartElement
		switch t := tok.(type) {
		case xml.StartElement:
			start = t
		case xml.EndElement:
			c.fail(fmt.Errorf("%w: stream closed by the server", ErrClosed))
			return
		default:
			continue
		}
		if err := c.checkStreamError(start); err != nil {
			c.fail(err)
			return
		}
		s, err := stanza.DecodeElement(c.dec, start, stanza.Limits{})
		if err != nil {
			var de *stanza.DecodeError
			if errors.As(err, &de) && de.Aligned {
				continue // not a stanza we can represent; keep reading
			}
			c.fail(err)
			return
		}
		select {
		case c.in <- s:
		case <-c.done:
			c.fail(ErrClosed)
			return
		}
	}
}

func (c *Client) fail(err error) {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	if c.readErr == nil {
		select {
		case <-c.done:
			err = ErrClosed
		default:
		}
		c.readErr = err
	}
}

// Err returns why the reader stopped, or nil while it runs.
func (c *Client) Err() error {
	c.errMu.Lock()
	defer c.errMu.Unlock()
	return c.readErr
}

// Recv returns the next received stanza, first from those Expect kept back.
func (c *Client) Recv(ctx context.Context) (stanza.Stanza, error) {
	c.pmu.Lock()
	if len(c.pending) > 0 {
		s := c.pending[0]
		c.pending = c.pending[1:]
		c.pmu.Unlock()
		return s, nil
	}
	c.pmu.Unlock()
	return c.recv(ctx)
}

func (c *Client) recv(ctx context.Context) (stanza.Stanza, error) {
	select {
	case s, ok := <-c.in:
		if !ok {
			if err := c.Err(); err != nil {
				return nil, err
			}
			return nil, ErrClosed
		}
		return s, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Expect returns the first stanza, kept back or new, for which match is
// true. Stanzas that do not match are kept, in order, for later Recv and
// Expect calls.
func (c *Client) Expect(ctx context.Context, match func(stanza.Stanza) bool) (stanza.Stanza, error) {
	c.pmu.Lock()
	for i, s := range c.pending {
		if match(s) {
			c.pending = append(c.pending[:i:i], c.pending[i+1:]...)
			c.pmu.Unlock()
			return s, nil
		}
	}
	c.pmu.Unlock()
	for {
		s, err := c.recv(ctx)
		if err != nil {
			return nil, err
		}
		if match(s) {
			return s, nil
		}
		c.pmu.Lock()
		c.pending = append(c.pending, s)
		c.pmu.Unlock()
	}
}

// Pending returns how many stanzas Expect has kept back.
func (c *Client) Pending() int {
	c.pmu.Lock()
	defer c.pmu.Unlock()
	return len(c.pending)
}

// Close ends the stream (RFC 6120 §4.4), closes the connection and waits
// for the reader goroutine to return. It is safe to call more than once.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		close(c.done)
		// The deadline, set before taking the lock, also unblocks a Send
		// stuck on a server that stopped reading.
		_ = c.conn.SetWriteDeadline(time.Now().Add(time.Second))
		c.wmu.Lock()
		_, _ = c.conn.Write([]byte("</stream:stream>"))
		c.wmu.Unlock()
		_ = c.conn.Close()
	})
	<-c.readerDone
	return nil
}
