package transport

import (
	"context"
	"errors"
	"net"
	"slices"
	"sync/atomic"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Component connects a Machine to an XMPP server as an XEP-0114 external
// component. Create it with New and start it with Run.
type Component struct {
	cfg    Config
	domain stanza.JID
	// pingTo is the address of the liveness pings (Config.PingTo).
	pingTo stanza.JID
	limits stanza.Limits
	stats  counters
	// running guards against two concurrent Runs.
	running atomic.Bool
	// events carries reader and writer reports to the driver.
	events chan event
	// dialContext opens the TCP connection; tests replace it to slow the
	// connect down.
	dialContext func(ctx context.Context, network, address string) (net.Conn, error)
}

// New validates cfg and returns a Component. Errors wrap ErrConfig.
func New(cfg Config) (*Component, error) {
	cfg, domain, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	// withDefaults checked PingTo.
	pingTo, _ := stanza.Parse(cfg.PingTo)
	return &Component{
		cfg:         cfg,
		domain:      domain,
		pingTo:      pingTo,
		limits:      stanza.Limits{MaxSize: cfg.MaxStanzaSize, MaxDepth: stanza.DefaultLimits.MaxDepth},
		events:      make(chan event),
		dialContext: (&net.Dialer{}).DialContext,
	}, nil
}

// Stats returns a snapshot of the counters. It is safe to call at any time
// from any goroutine.
func (c *Component) Stats() Stats { return c.stats.snapshot() }

// Domain returns the component's domain as a JID.
func (c *Component) Domain() stanza.JID { return c.domain }

type dialResult struct {
	sess *session
	err  error
}

// Run connects, performs the handshake and serves until ctx is done or the
// server refuses the handshake. Connection losses are reported to the
// Machine and followed by reconnect attempts with exponential backoff and
// jitter; the Machine's timer keeps running while disconnected. A server
// that reads slower than the Machine produces slows Run down
// (back-pressure); one that reads nothing for Config.OverflowTimeout is
// treated as a lost connection.
//
// Run returns ctx.Err() after a clean close (</stream:stream> sent, the
// server's awaited for at most CloseTimeout, socket closed), or, unless
// Config.RetryRefused is set, an error wrapping ErrNotAuthorized,
// ErrConflict or ErrHostUnknown when the server refuses the handshake.
// Every goroutine Run starts has ended when it returns.
func (c *Component) Run(ctx context.Context) error {
	if !c.running.CompareAndSwap(false, true) {
		return ErrRunning
	}
	defer c.running.Store(false)

	cfg := &c.cfg
	log := cfg.Logger
	m := cfg.Machine
	var (
		sess      *session
		dialing   bool
		failures  int
		dialed    = make(chan dialResult, 1)
		tick      = time.NewTimer(time.Hour)
		retry     = time.NewTimer(time.Hour)
		firstDial = true
	)
	tick.Stop()
	retry.Stop()
	defer tick.Stop()
	defer retry.Stop()

	startDial := func() {
		if !firstDial {
			c.stats.reconnects.Add(1)
		}
		firstDial = false
		dialing = true
		go func() {
			s, err := c.dial(ctx)
			dialed <- dialResult{s, err}
		}()
	}
	scheduleRetry := func(err error) {
		failures++
		d := backoff(failures, cfg.BackoffMin, cfg.BackoffMax, cfg.Jitter, cfg.Rand())
		log.Warn("transport: not connected, retrying", "err", err, "failures", failures, "delay", d)
		retry.Reset(d)
	}
	armTick := func() {
		dl := m.NextDeadline()
		if dl.IsZero() {
			tick.Stop()
			return
		}
		tick.Reset(max(0, dl.Sub(cfg.Clock())))
	}

	// lose ends sess after a loss (reported by the reader or the writer,
	// or found by the driver) and tells the Machine.
	// lostAt is when the last stream was lost (zero before the first
	// one and again once a stream is up).
	var lostAt time.Time
	// upAt is when the current stream came up.
	var upAt time.Time
	lose := func(err error, farewell string) {
		lostAt = time.Now()
		if up := lostAt.Sub(upAt); up >= cfg.StableAfter {
			// Only a stream that lasted resets the backoff; a shorter one
			// counts as one more failure (a server that accepts and then
			// drops the stream must not get a reconnect loop).
			failures = 0
		} else {
			log.Debug("transport: stream lost before StableAfter, backoff keeps growing", "up", up, "stable_after", cfg.StableAfter)
		}
		closeBy := time.Now().Add(cfg.CloseTimeout)
		if errors.Is(err, errPingTimeout) {
			// The server has sent nothing for PingInterval+PingTimeout:
			// waiting for its </stream:stream> is pointless.
			closeBy = time.Now()
		}
		if n := sess.end(false, farewell, closeBy); n > 0 {
			c.stats.dropped.Add(uint64(n))
			log.Warn("transport: discarding stanzas queued for the lost stream", "count", n)
		}
		sess = nil
		c.drop(m.ConnectionChanged(cfg.Clock(), false), "not connected")
		scheduleRetry(err)
	}
	// pending is what a wait for room cut short by ctx left unqueued; the
	// shutdown sends it before the Closer's last word.
	var pending []stanza.Stanza
	// deliver sends out on the current stream (or drops it while there is
	// none), waiting for room in the queue while the server is slow.
	deliver := func(cause stanza.Stanza, out []stanza.Stanza) {
		if sess == nil {
			c.drop(out, "not connected")
			return
		}
		rest, err := c.send(ctx, sess, cause, out)
		switch {
		case errors.Is(err, errStuck):
			log.Error("transport: outbound queue full for too long, dropping the connection",
				"size", cfg.OutboundQueue, "bytes", cfg.OutboundQueueBytes, "overflow_timeout", cfg.OverflowTimeout)
			lose(err, "")
		case err != nil && ctx.Err() != nil:
			pending = append(pending, rest...)
		}
		// On errBroken, the evLost that follows ends the session.
	}

	startDial()
	for {
		if ctx.Err() != nil {
			// Checked first: a select with several ready cases picks one at
			// random, and a busy stream must not delay the shutdown.
			return c.shutdown(ctx, sess, dialing, dialed, pending)
		}
		armTick()
		select {
		case <-ctx.Done():
			return c.shutdown(ctx, sess, dialing, dialed, pending)

		case r := <-dialed:
			dialing = false
			if r.err != nil {
				var perm permanentError
				// A conflict soon after losing our own stream is most likely
				// that stream, not yet noticed by the server: retry it.
				staleSelf := errors.Is(r.err, ErrConflict) && !lostAt.IsZero() && time.Since(lostAt) < DefaultConflictGrace
				if errors.As(r.err, &perm) && !cfg.RetryRefused && !staleSelf {
					log.Error("transport: handshake refused", "err", r.err)
					return perm.error
				}
				if staleSelf {
					log.Warn("transport: handshake refused with conflict after a loss, retrying", "err", r.err)
				}
				if ctx.Err() != nil {
					continue
				}
				scheduleRetry(r.err)
				continue
			}
			lostAt = time.Time{}
			upAt = time.Now()
			sess = r.sess
			go sess.readLoop(c)
			go sess.writeLoop(c)
			log.Info("transport: connected", "address", cfg.Address, "domain", cfg.Domain, "stream", sess.id)
			deliver(nil, m.ConnectionChanged(cfg.Clock(), true))

		case ev := <-c.events:
			if ev.sess != sess || sess == nil {
				continue
			}
			switch ev.kind {
			case evStanza:
				c.stats.in.Add(1)
				deliver(ev.st, m.Handle(cfg.Clock(), ev.st))
			case evReply:
				deliver(nil, []stanza.Stanza{ev.st})
			case evLost:
				log.Warn("transport: connection lost", "err", ev.err)
				lose(ev.err, ev.farewell)
			}

		case <-tick.C:
			deliver(nil, m.Tick(cfg.Clock()))

		case <-retry.C:
			startDial()
		}
	}
}

// shutdown ends Run once ctx is done: what was left waiting for room when
// ctx was cancelled (pending), a Closer's last stanzas, then a flush and a
// clean close of the stream, all within CloseTimeout.
func (c *Component) shutdown(ctx context.Context, sess *session, dialing bool, dialed <-chan dialResult, pending []stanza.Stanza) error {
	cfg := &c.cfg
	m := cfg.Machine
	if dialing {
		// The dial watches ctx, so this does not wait long.
		if r := <-dialed; r.sess != nil {
			_ = r.sess.conn.Close()
		}
	}
	if sess == nil {
		c.drop(pending, "not connected")
		return ctx.Err()
	}
	closeBy := time.Now().Add(cfg.CloseTimeout)
	out := pending
	if cl, ok := m.(Closer); ok {
		out = append(out, cl.Close(cfg.Clock())...)
	}
	if len(out) > 0 {
		// The last words wait for room like any other output, but only
		// until the closing deadline.
		closing, cancel := context.WithDeadline(context.WithoutCancel(ctx), closeBy)
		if rest, err := c.send(closing, sess, nil, out); err != nil && closing.Err() != nil {
			if n := c.drop(rest, ""); n > 0 {
				cfg.Logger.Warn("transport: closing deadline passed before these stanzas found room", "count", n)
			}
		}
		cancel()
	}
	if n := sess.end(true, "", closeBy); n > 0 {
		c.stats.dropped.Add(uint64(n))
		cfg.Logger.Warn("transport: closing deadline passed with stanzas still queued", "count", n)
	}
	c.drop(m.ConnectionChanged(cfg.Clock(), false), "shutting down")
	cfg.Logger.Info("transport: stream closed")
	return ctx.Err()
}

// errStuck reports that the outbound queue stayed full for OverflowTimeout.
var errStuck = errors.New("transport: outbound queue full for OverflowTimeout")

// errBroken reports that the stream died while the driver waited for room.
var errBroken = errors.New("transport: stream lost while waiting for room in the outbound queue")

// send queues out for the writer, in order. When the queue is full (in
// stanzas or in bytes) it waits for room (back-pressure: meanwhile the
// driver takes no input, so the reader stops reading and TCP flow control
// slows the server down), for at most OverflowTimeout per stanza. It
// returns nil once every stanza is queued. Otherwise the error says why it
// stopped: errStuck (the timeout passed) or errBroken (the reader or
// writer found the stream dead), and the stanza that found no room and all
// after it are counted in Stats.Dropped; or ctx.Err(), and they are
// returned, not counted, for the caller to send or drop.
//
// cause is the stanza whose handling produced out (nil for a Tick, a
// connection change or a reply to the server): a stanza of out larger
// than MaxOutboundSize is not sent, and cause may be answered instead
// (oversizeReply).
func (c *Component) send(ctx context.Context, sess *session, cause stanza.Stanza, out []stanza.Stanza) ([]stanza.Stanza, error) {
	log := c.cfg.Logger
	var (
		timer  *time.Timer
		waited int
		since  time.Time
		// replied says that cause was answered for an oversize stanza.
		replied bool
	)
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for i := 0; i < len(out); i++ {
		st := out[i]
		if st == nil {
			continue
		}
		h := st.Head()
		// XEP-0114 §3: stanzas MUST carry 'from' and 'to', and the from
		// domain MUST be the component's. The server would end the stream.
		if h.To.IsZero() || h.From.IsZero() || h.From.Domain() != c.domain.Domain() {
			c.stats.dropped.Add(1)
			log.Error("transport: dropping stanza not addressed per XEP-0114", "from", h.From.String(), "to", h.To.String(), "id", h.ID)
			continue
		}
		b := stanza.Append(nil, st)
		if size := len(b); int64(size) > c.cfg.MaxOutboundSize {
			c.stats.oversize.Add(1)
			c.stats.dropped.Add(1)
			log.Error("transport: not sending a stanza larger than MaxOutboundSize",
				"kind", st.Kind().String(), "to", h.To.String(), "id", h.ID, "size", size, "max", c.cfg.MaxOutboundSize)
			if replied {
				continue
			}
			if r := oversizeReply(cause, st, size, c.cfg.MaxOutboundSize); r != nil {
				replied = true
				// The reply goes out next, in order; out itself is the
				// caller's and stays untouched.
				out = slices.Concat(out[:i+1:i+1], []stanza.Stanza{r}, out[i+1:])
			}
			continue
		}
		// The stanza needs room in both bounds: bytes, then a slot.
		took := sess.queued.take(int64(len(b)))
		if took {
			select {
			case sess.queue <- b:
				continue
			default:
			}
		}
		// The queue is full, in stanzas or in bytes: back-pressure.
		c.stats.backPressure.Add(1)
		if waited == 0 {
			since = time.Now()
			log.Debug("transport: outbound queue full, waiting for the server",
				"size", c.cfg.OutboundQueue, "bytes", c.cfg.OutboundQueueBytes)
		}
		waited++
		if timer == nil {
			timer = time.NewTimer(c.cfg.OverflowTimeout)
		} else {
			timer.Reset(c.cfg.OverflowTimeout)
		}
		err := waitRoom(ctx, sess, b, took, timer.C)
		switch {
		case err == nil:
			continue
		case !errors.Is(err, errStuck) && !errors.Is(err, errBroken):
			return out[i:], err // ctx is done
		}
		n := c.drop(out[i:], "")
		log.Warn("transport: stanzas not queued", "count", n, "err", err)
		return nil, err
	}
	if waited > 0 {
		log.Debug("transport: outbound queue had room again", "waited_stanzas", waited, "for", time.Since(since))
	}
	return nil, nil
}

// waitRoom waits until b is in the outbound queue: first for room in its
// byte bound (unless took says that its bytes are already reserved), then
// for a free slot. It returns nil once b is queued, or errStuck (expired
// fired), errBroken or ctx.Err(), with nothing left reserved.
func waitRoom(ctx context.Context, sess *session, b []byte, took bool, expired <-chan time.Time) error {
	size := int64(len(b))
	for !took {
		select {
		case <-sess.queued.room:
			took = sess.queued.take(size)
		case <-expired:
			return errStuck
		case <-sess.broken:
			return errBroken
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	var err error
	select {
	case sess.queue <- b:
		return nil
	case <-expired:
		err = errStuck
	case <-sess.broken:
		err = errBroken
	case <-ctx.Done():
		err = ctx.Err()
	}
	sess.queued.release(size)
	return err
}

// drop counts the stanzas of out as dropped and returns how many there
// were; why, unless empty, is logged at debug level.
func (c *Component) drop(out []stanza.Stanza, why string) int {
	n := 0
	for _, st := range out {
		if st != nil {
			n++
		}
	}
	if n > 0 {
		c.stats.dropped.Add(uint64(n))
		if why != "" {
			c.cfg.Logger.Debug("transport: dropping stanzas", "count", n, "reason", why)
		}
	}
	return n
}
