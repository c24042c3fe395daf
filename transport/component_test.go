package transport

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"

	"github.com/xmppfmuc/fmuc/internal/fakeserver"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	testDomain = "rooms.example"
	testSecret = "s3cret"
	wait       = 5 * time.Second
)

func listen(t *testing.T, addr string) *fakeserver.Server {
	t.Helper()
	srv, err := fakeserver.Listen(addr, testDomain, testSecret)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	return srv
}

type running struct {
	c      *Component
	m      *testMachine
	cancel context.CancelFunc
	done   chan struct{} // closed when Run returned
	err    error         // Run's result, once done is closed
}

// result waits for Run to return.
func (r *running) result(t *testing.T) error {
	t.Helper()
	select {
	case <-r.done:
		return r.err
	case <-time.After(wait):
		t.Fatal("Run did not return")
		return nil
	}
}

// stop cancels Run and returns its error.
func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	return r.result(t)
}

func testConfig(addr string, m Machine) Config {
	cfg := Config{
		Address:        addr,
		Domain:         testDomain,
		Secret:         testSecret,
		Machine:        m,
		BackoffMin:     5 * time.Millisecond,
		BackoffMax:     50 * time.Millisecond,
		Rand:           func() float64 { return 0.5 },
		ConnectTimeout: 2 * time.Second,
		CloseTimeout:   500 * time.Millisecond,
		KeepAlive:      -1,
		PingInterval:   -1,
	}
	if os.Getenv("TRANSPORT_DEBUG") != "" {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return cfg
}

// start runs a Component against addr; setup may change the config and the
// machine before Run.
func start(t *testing.T, addr string, setup func(*Config, *testMachine)) *running {
	t.Helper()
	m := newTestMachine()
	cfg := testConfig(addr, m)
	if setup != nil {
		setup(&cfg, m)
	}
	c, err := New(cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{c: c, m: m, cancel: cancel, done: make(chan struct{})}
	go func() {
		r.err = c.Run(ctx)
		close(r.done)
	}()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.done:
		case <-time.After(wait):
			t.Error("Run did not return at cleanup")
		}
	})
	return r
}

func expectChange(t *testing.T, m *testMachine, want bool) {
	t.Helper()
	select {
	case got := <-m.changes:
		require.Equal(t, want, got, "ConnectionChanged")
	case <-time.After(wait):
		t.Fatalf("no ConnectionChanged(%v)", want)
	}
}

func message(from, to, id, body string) string {
	return fmt.Sprintf("<message from='%s' to='%s' id='%s' type='chat'><body>%s</body></message>", from, to, id, body)
}

// roundTrip sends a chat message and expects the machine's echo.
func roundTrip(t *testing.T, conn *fakeserver.Conn, id string) {
	t.Helper()
	require.NoError(t, conn.Send(message("juliet@example.org/balcony", "room@"+testDomain, id, "hi "+id)))
	st, err := conn.NextStanza(wait)
	require.NoError(t, err)
	assert.Equal(t,
		"<message from='room@rooms.example' to='juliet@example.org/balcony' id='"+id+"' type='chat'><body>hi "+id+"</body></message>",
		string(stanza.Encode(st)))
}

func eventually(t *testing.T, cond func() bool, msg string) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("timed out waiting: " + msg)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestHandshakeAccepted(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	r := start(t, srv.Addr(), nil)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn, "a1")
	roundTrip(t, conn, "a2")
	// Out is counted once the write returned, which may be after the
	// server read it.
	eventually(t, func() bool { return r.c.Stats().Out == 2 }, "two stanzas out")
	st := r.c.Stats()
	assert.Equal(t, uint64(2), st.In)
	assert.Zero(t, st.Reconnects)

	// A clean close: our </stream:stream> (the fake server answers with
	// its own).
	r.cancel()
	it, err := conn.Next(wait)
	require.NoError(t, err)
	assert.True(t, it.End, "expected </stream:stream>, got %+v", it)
	assert.ErrorIs(t, r.result(t), context.Canceled)
	expectChange(t, r.m, false)
}

func TestHandshakeRefused(t *testing.T) {
	tests := []struct {
		name    string
		secret  string
		refuse  string
		want    error
		wantCnd string
	}{
		{name: "wrong secret", secret: "wrong", want: ErrNotAuthorized, wantCnd: "not-authorized"},
		{name: "conflict", secret: testSecret, refuse: "conflict", want: ErrConflict, wantCnd: "conflict"},
		{name: "host-unknown", secret: testSecret, refuse: "host-unknown", want: ErrHostUnknown, wantCnd: "host-unknown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := listen(t, "127.0.0.1:0")
			srv.Refuse(tt.refuse)
			r := start(t, srv.Addr(), func(c *Config, _ *testMachine) { c.Secret = tt.secret })
			err := r.result(t)
			require.ErrorIs(t, err, tt.want)
			var se *StreamError
			require.ErrorAs(t, err, &se)
			assert.Equal(t, tt.wantCnd, se.Condition)
			assert.Equal(t, 1, srv.Attempts(), "a refusal is not retried")
			assert.Empty(t, r.m.changes, "never connected")
		})
	}
}

func TestHandshakeRefusedRetried(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	srv.Refuse("conflict")
	r := start(t, srv.Addr(), func(c *Config, _ *testMachine) { c.RetryRefused = true })
	eventually(t, func() bool { return srv.Attempts() >= 3 }, "three attempts")
	srv.Refuse("")
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn, "r1")
	assert.GreaterOrEqual(t, r.c.Stats().Reconnects, uint64(2), "attempts after the first")
}

// TestConflictAfterLossRetried: after losing its stream, a component whose
// reconnect is refused with conflict (the server still holds the old
// stream) retries instead of giving up.
func TestConflictAfterLossRetried(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	r := start(t, srv.Addr(), nil)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn, "before")

	srv.Refuse("conflict")
	require.NoError(t, conn.Close())
	expectChange(t, r.m, false)
	eventually(t, func() bool { return srv.Attempts() >= 3 }, "conflicts retried")
	srv.Refuse("")
	conn, err = srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn, "after")
}

// TestConnectionLoss: whatever ends the stream, the Machine hears about
// it, the Component reconnects, and traffic flows again.
func TestConnectionLoss(t *testing.T) {
	tests := []struct {
		name string
		kill func(*fakeserver.Conn) error
		// farewell is the local name of the element the component sends
		// before </stream:stream>, if any.
		farewell string
	}{
		{name: "stream close", kill: (*fakeserver.Conn).CloseStream},
		{name: "tcp close", kill: (*fakeserver.Conn).Close},
		{name: "stream error", kill: func(c *fakeserver.Conn) error {
			return c.Send("<stream:error><system-shutdown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error></stream:stream>")
		}},
		{name: "xml syntax error", farewell: "error", kill: func(c *fakeserver.Conn) error {
			return c.Send("<message from='a@b' to='room@rooms.example'><body>x</bod></message>")
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := listen(t, "127.0.0.1:0")
			r := start(t, srv.Addr(), nil)
			conn, err := srv.Accept(wait)
			require.NoError(t, err)
			expectChange(t, r.m, true)
			roundTrip(t, conn, "before")

			require.NoError(t, tt.kill(conn))
			expectChange(t, r.m, false)
			if tt.farewell != "" {
				it, err := conn.Next(wait)
				require.NoError(t, err)
				assert.Equal(t, tt.farewell, it.Name.Local)
			}
			conn2, err := srv.Accept(wait)
			require.NoError(t, err)
			expectChange(t, r.m, true)
			roundTrip(t, conn2, "after")
			assert.Equal(t, uint64(1), r.c.Stats().Reconnects)
		})
	}
}

func TestServerVanishesAndReturns(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	addr := srv.Addr()
	r := start(t, addr, nil)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn, "v1")

	require.NoError(t, srv.Close())
	expectChange(t, r.m, false)
	// Let a few attempts fail against the closed port.
	eventually(t, func() bool { return r.c.Stats().Reconnects >= 3 }, "reconnect attempts")

	srv2 := listen(t, addr)
	conn2, err := srv2.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn2, "v2")
}

func TestMalformedStanzas(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	r := start(t, srv.Addr(), nil)
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)

	steps := []struct {
		name string
		in   string
		// reply is the expected error reply ("" for none: the next stanza
		// the server sees is then the echo of the probe).
		reply string
	}{
		{
			name:  "iq with a bad type",
			in:    "<iq type='fetch' id='q1' from='juliet@example.org/b' to='rooms.example'><query xmlns='urn:x'/></iq>",
			reply: "<iq from='rooms.example' to='juliet@example.org/b' id='q1' type='error'><error type='modify'><bad-request xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>stanza: invalid stanza: iq type \"fetch\"</text></error></iq>",
		},
		// RFC 6120 §8.2.3: an IQ error needs the id; without one there is
		// nothing valid to answer.
		{name: "iq without id", in: "<iq type='get' from='juliet@example.org/b' to='rooms.example'><query xmlns='urn:x'/></iq>"},
		{
			name:  "bad to",
			in:    "<message from='juliet@example.org/b' to='@@bad' id='m1'><body>x</body></message>",
			reply: "<message from='rooms.example' to='juliet@example.org/b' id='m1' type='error'><error type='modify'><jid-malformed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>",
		},
		{name: "bad from: no one to answer", in: "<message from='@@bad' to='room@rooms.example' id='m2'><body>x</body></message>"},
		{name: "error stanzas are not answered", in: "<iq type='error' from='juliet@example.org/b' to='rooms.example'/>"},
		{name: "unknown top-level element", in: "<foo xmlns='urn:unknown'><bar/></foo>"},
		{name: "unknown stanza namespace", in: "<message xmlns='urn:other' from='a@b' to='c@d'/>"},
	}
	for i, s := range steps {
		require.NoError(t, conn.Send(s.in), s.name)
		if s.reply != "" {
			st, err := conn.NextStanza(wait)
			require.NoError(t, err, s.name)
			assert.True(t, strings.HasPrefix(string(stanza.Encode(st)), s.reply), "%s: got %s", s.name, stanza.Encode(st))
		}
		// The component still serves.
		roundTrip(t, conn, fmt.Sprintf("probe%d", i))
	}
	st := r.c.Stats()
	assert.Equal(t, uint64(5), st.DecodeErrors) // the unknown elements are skipped, not errors
	assert.Equal(t, uint64(len(steps)), st.In)
	assert.Zero(t, st.Reconnects)
	select {
	case up := <-r.m.changes:
		t.Fatalf("unexpected ConnectionChanged(%v)", up)
	default:
	}
}

func TestOversizeStanza(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	r := start(t, srv.Addr(), func(c *Config, _ *testMachine) { c.MaxStanzaSize = 1024 })
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)

	big := message("juliet@example.org/b", "room@rooms.example", "big", strings.Repeat("x", 3000))
	require.NoError(t, conn.Send(big))
	st, err := conn.NextStanza(wait)
	require.NoError(t, err)
	e, ok := stanza.ErrorOf(st)
	require.True(t, ok, "got %s", stanza.Encode(st))
	assert.Equal(t, stanza.PolicyViolation, e.Condition)
	assert.Equal(t, "big", st.Head().ID)
	assert.Equal(t, "juliet@example.org/b", st.Head().To.String())
	roundTrip(t, conn, "small")
	assert.Equal(t, uint64(1), r.c.Stats().DecodeErrors)
	assert.Zero(t, r.c.Stats().Reconnects)

	// Far beyond the read budget (4 x MaxStanzaSize + 64 KiB) the server
	// is treated as broken: the stream is dropped and re-established.
	huge := message("juliet@example.org/b", "room@rooms.example", "huge", strings.Repeat("y", 200<<10))
	require.NoError(t, conn.Send(huge))
	expectChange(t, r.m, false)
	conn2, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn2, "again")
}

func TestOutboundAddressing(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	r := start(t, srv.Addr(), func(_ *Config, m *testMachine) {
		m.onUp = func() []stanza.Stanza {
			to := stanza.MustParse("juliet@example.org")
			return []stanza.Stanza{
				&stanza.Message{Header: stanza.Header{To: to, ID: "no-from"}},
				&stanza.Message{Header: stanza.Header{From: stanza.MustParse("room@elsewhere.example"), To: to, ID: "foreign"}},
				&stanza.Message{Header: stanza.Header{From: stanza.MustParse("room@rooms.example"), ID: "no-to"}},
				&stanza.Message{Header: stanza.Header{From: stanza.MustParse("room@rooms.example"), To: to, ID: "ok"}},
			}
		}
	})
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	st, err := conn.NextStanza(wait)
	require.NoError(t, err)
	assert.Equal(t, "ok", st.Head().ID)
	assert.Equal(t, uint64(3), r.c.Stats().Dropped)
}

func TestTickTimer(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	r := start(t, srv.Addr(), func(_ *Config, m *testMachine) {
		n := 0
		m.onTick = func(now time.Time) []stanza.Stanza {
			n++
			if n < 3 {
				m.deadline = now.Add(10 * time.Millisecond) // Tick holds no lock here
			}
			return []stanza.Stanza{&stanza.Message{Header: stanza.Header{
				From: stanza.MustParse("room@rooms.example"), To: stanza.MustParse("juliet@example.org"), ID: fmt.Sprintf("tick%d", n),
			}}}
		}
		m.onUp = func() []stanza.Stanza {
			m.deadline = time.Now().Add(10 * time.Millisecond)
			return nil
		}
	})
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	for i := 1; i <= 3; i++ {
		st, err := conn.NextStanza(wait)
		require.NoError(t, err)
		assert.Equal(t, fmt.Sprintf("tick%d", i), st.Head().ID)
	}
	// No deadline after the third Tick: no fourth.
	_, err = conn.NextStanza(100 * time.Millisecond)
	assert.ErrorIs(t, err, fakeserver.ErrTimeout)
	assert.Len(t, r.m.ticked, 3)
}

func TestTickWhileDisconnected(t *testing.T) {
	// Nothing listens: the Machine's timer still runs, its output is dropped.
	srv := listen(t, "127.0.0.1:0")
	addr := srv.Addr()
	require.NoError(t, srv.Close())
	r := start(t, addr, func(_ *Config, m *testMachine) {
		m.deadline = time.Now().Add(5 * time.Millisecond)
		m.onTick = func(time.Time) []stanza.Stanza {
			return []stanza.Stanza{&stanza.Message{Header: stanza.Header{
				From: stanza.MustParse("room@rooms.example"), To: stanza.MustParse("juliet@example.org")}}}
		}
	})
	select {
	case <-r.m.ticked:
	case <-time.After(wait):
		t.Fatal("no Tick while disconnected")
	}
	eventually(t, func() bool { return r.c.Stats().Dropped == 1 }, "tick output dropped")
	assert.ErrorIs(t, r.stop(t), context.Canceled)
}

func TestKeepAlive(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	r := start(t, srv.Addr(), func(c *Config, _ *testMachine) { c.KeepAlive = 10 * time.Millisecond })
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	eventually(t, func() bool { return r.c.Stats().KeepAlives >= 3 }, "three keepalives")
	// encoding/xml hands over the text between elements only when the next
	// element starts, so make the component send one.
	require.NoError(t, conn.Send(message("juliet@example.org/b", "room@rooms.example", "k", "k")))
	spaces := ""
	for {
		it, err := conn.Next(wait)
		require.NoError(t, err)
		if it.Stanza != nil {
			break
		}
		spaces += it.Space
	}
	assert.GreaterOrEqual(t, len(spaces), 3)
	assert.Empty(t, strings.TrimLeft(spaces, " "), "only spaces between stanzas")
}

func TestRunTwice(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	r := start(t, srv.Addr(), nil)
	_, err := srv.Accept(wait)
	require.NoError(t, err)
	assert.ErrorIs(t, r.c.Run(context.Background()), ErrRunning)
}

func TestCancelWhileConnecting(t *testing.T) {
	// A server that accepts TCP but never answers the stream header.
	addr, accepted := silentListener(t)
	r := start(t, addr, func(c *Config, _ *testMachine) { c.ConnectTimeout = time.Minute })
	// The component now waits for a stream header that never comes.
	eventually(t, func() bool { return accepted() == 1 }, "TCP connection")
	assert.ErrorIs(t, r.stop(t), context.Canceled)
	assert.Empty(t, r.m.changes)
}

// TestConnectTimeoutBoundsDialAndHandshake: ConnectTimeout is one budget
// for the TCP connect and the handshake together, so a slow connect
// followed by a server that never answers the stream header fails within
// ConnectTimeout, not twice that.
func TestConnectTimeoutBoundsDialAndHandshake(t *testing.T) {
	const (
		timeout  = 1500 * time.Millisecond
		slowDial = 1200 * time.Millisecond
	)
	addr, accepted := silentListener(t)
	rec := newRecorder()
	cfg := testConfig(addr, newTestMachine())
	cfg.ConnectTimeout = timeout
	cfg.BackoffMin, cfg.BackoffMax = time.Minute, time.Minute // one attempt
	cfg.Logger = slog.New(rec)
	c, err := New(cfg)
	require.NoError(t, err)
	c.dialContext = func(ctx context.Context, network, address string) (net.Conn, error) {
		select {
		case <-time.After(slowDial):
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		return (&net.Dialer{}).DialContext(ctx, network, address)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	begin := time.Now()
	go func() { done <- c.Run(ctx) }()
	defer func() {
		cancel()
		assert.ErrorIs(t, <-done, context.Canceled)
	}()
	const retrying = "transport: not connected, retrying"
	for len(rec.find(retrying)) == 0 {
		select {
		case <-rec.notify:
		case <-time.After(wait):
			t.Fatal("the attempt did not fail")
		}
	}
	elapsed := time.Since(begin)
	assert.Equal(t, 1, accepted(), "the slow dial connected")
	assert.GreaterOrEqual(t, elapsed, timeout)
	// Dial and handshake each given the full timeout would take
	// slowDial+timeout (2.7 s).
	assert.Less(t, elapsed, timeout+slowDial/2, "the attempt took %v", elapsed)
	err, _ = rec.find(retrying)[0].attrs["err"].Any().(error)
	assert.ErrorIs(t, err, os.ErrDeadlineExceeded)
}
