package transport

import (
	"context"
	"errors"
	"sync/atomic"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Component connects a Machine to an XMPP server as an XEP-0114 external
// component. Create it with New and start it with Run.
type Component struct {
	cfg    Config
	domain stanza.JID
	limits stanza.Limits
	stats  counters
	// running guards against two concurrent Runs.
	running atomic.Bool
	// events carries reader and writer reports to the driver.
	events chan event
	// dropStreak counts consecutive drops, to log the start and the end of
	// a streak instead of every drop. Driver goroutine only.
	dropStreak uint64
}

// New validates cfg and returns a Component. Errors wrap ErrConfig.
func New(cfg Config) (*Component, error) {
	cfg, domain, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Component{
		cfg:    cfg,
		domain: domain,
		limits: stanza.Limits{MaxSize: cfg.MaxStanzaSize},
		events: make(chan event),
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
// jitter; the Machine's timer keeps running while disconnected.
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

	startDial()
	for {
		armTick()
		select {
		case <-ctx.Done():
			if dialing {
				// The dial watches ctx, so this does not wait long.
				if r := <-dialed; r.sess != nil {
					_ = r.sess.conn.Close()
				}
			}
			if sess != nil {
				if cl, ok := m.(Closer); ok {
					c.send(sess, cl.Close(cfg.Clock()))
				}
				sess.end(true, "", cfg.CloseTimeout)
				c.drop(m.ConnectionChanged(cfg.Clock(), false), "shutting down")
				log.Info("transport: stream closed")
			}
			return ctx.Err()

		case r := <-dialed:
			dialing = false
			if r.err != nil {
				var perm permanentError
				if errors.As(r.err, &perm) && !cfg.RetryRefused {
					log.Error("transport: handshake refused", "err", r.err)
					return perm.error
				}
				if ctx.Err() != nil {
					continue
				}
				scheduleRetry(r.err)
				continue
			}
			failures = 0
			sess = r.sess
			go sess.readLoop(c)
			go sess.writeLoop(c)
			log.Info("transport: connected", "address", cfg.Address, "domain", cfg.Domain, "stream", sess.id)
			c.send(sess, m.ConnectionChanged(cfg.Clock(), true))

		case ev := <-c.events:
			if ev.sess != sess || sess == nil {
				continue
			}
			switch ev.kind {
			case evStanza:
				c.stats.in.Add(1)
				c.send(sess, m.Handle(cfg.Clock(), ev.st))
			case evReply:
				c.send(sess, []stanza.Stanza{ev.st})
			case evLost:
				log.Warn("transport: connection lost", "err", ev.err)
				sess.end(false, ev.farewell, cfg.CloseTimeout)
				sess = nil
				c.drop(m.ConnectionChanged(cfg.Clock(), false), "not connected")
				scheduleRetry(ev.err)
			}

		case <-tick.C:
			c.send(sess, m.Tick(cfg.Clock()))

		case <-retry.C:
			startDial()
		}
	}
}

// send queues out for the writer. Per the overflow policy a full queue
// drops the newest stanza; nothing here ever blocks the driver.
func (c *Component) send(sess *session, out []stanza.Stanza) {
	if sess == nil {
		c.drop(out, "not connected")
		return
	}
	log := c.cfg.Logger
	for _, st := range out {
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
		select {
		case sess.queue <- stanza.Append(nil, st):
			if c.dropStreak > 0 {
				log.Warn("transport: outbound queue accepts again", "dropped", c.dropStreak)
				c.dropStreak = 0
			}
		default:
			c.stats.dropped.Add(1)
			if c.dropStreak == 0 {
				log.Warn("transport: outbound queue full, dropping newest stanzas", "size", c.cfg.OutboundQueue)
			}
			c.dropStreak++
		}
	}
}

// drop counts stanzas the Machine produced while no stream is up.
func (c *Component) drop(out []stanza.Stanza, why string) {
	n := 0
	for _, st := range out {
		if st != nil {
			n++
		}
	}
	if n > 0 {
		c.stats.dropped.Add(uint64(n))
		c.cfg.Logger.Debug("transport: dropping stanzas", "count", n, "reason", why)
	}
}
