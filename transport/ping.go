package transport

import (
	"encoding/xml"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// nsPing is the XEP-0199 namespace.
const nsPing = "urn:xmpp:ping"

// pingIDPrefix starts the id of every ping the transport sends; answers
// carrying it are the transport's, never the Machine's.
const pingIDPrefix = "transport-ping-"

// errPingTimeout reports a server silent for PingTimeout after a ping.
var errPingTimeout = errors.New("transport: nothing heard from the server within PingTimeout of an XEP-0199 ping")

// pingStanza encodes the n-th liveness ping: an XEP-0199 §4 IQ get from
// the component's domain to PingTo.
func (c *Component) pingStanza(n uint64) []byte {
	iq := &stanza.IQ{
		Header: stanza.Header{From: c.domain, To: c.pingTo, ID: pingIDPrefix + strconv.FormatUint(n, 10), Type: stanza.IQGet},
		Children: []stanza.Element{{
			Name: xml.Name{Space: nsPing, Local: "ping"},
			XML:  []byte("<ping xmlns='" + nsPing + "'/>"),
		}},
	}
	return stanza.Append(nil, iq)
}

// isPingAnswer reports whether st answers one of the transport's pings
// (of this stream or an earlier one): an IQ from PingTo with a ping id,
// of type result or error (XEP-0199 §4: both say the server is there) or,
// when PingTo is the component's own domain, the ping itself, which the
// server routed back (Prosody 0.12 and ejabberd 23.01 both do).
func (c *Component) isPingAnswer(st stanza.Stanza) bool {
	if st.Kind() != stanza.KindIQ {
		return false
	}
	h := st.Head()
	if h.From != c.pingTo || !strings.HasPrefix(h.ID, pingIDPrefix) {
		return false
	}
	switch h.Type {
	case stanza.IQResult, stanza.IQError:
		return true
	case stanza.IQGet:
		return c.pingTo == c.domain
	}
	return false
}

// heardNow records that the server was heard from (or that the reader
// stopped reading by our choice, see lastHeard).
func (s *session) heardNow() { s.heard.Store(int64(time.Since(s.epoch))) }

// lastHeard is when the reader last got a byte from the server. While the
// reader waits for the driver to take a stanza it reads nothing, by the
// component's choice (back-pressure), not the server's: that time counts
// as hearing from it.
func (s *session) lastHeard(now time.Time) time.Time {
	if s.handing.Load() {
		return now
	}
	return s.epoch.Add(time.Duration(s.heard.Load()))
}

// liveness is the writer's liveness check (XEP-0199), run when its timer
// fires: once nothing has been heard from the server for PingInterval it
// writes a ping (as soon as the outbound queue is empty), and if nothing
// at all (an answer, another stanza, whitespace) is heard within
// PingTimeout of the ping, it reports errPingTimeout. It returns when to
// run again (while a ping is unanswered, within PingInterval at the
// latest, so that an answered ping is followed by the next one after
// PingInterval of silence even when PingTimeout is the longer) and
// whether it wrote.
func (s *session) liveness(c *Component, pingedAt *time.Time) (next time.Duration, wrote bool, err error) {
	cfg := &c.cfg
	now := time.Now()
	heard := s.lastHeard(now)
	if !pingedAt.IsZero() {
		if heard.Before(*pingedAt) {
			if left := pingedAt.Add(cfg.PingTimeout).Sub(now); left > 0 {
				return min(left, cfg.PingInterval), false, nil
			}
			c.stats.pingTimeouts.Add(1)
			return 0, false, errPingTimeout
		}
		*pingedAt = time.Time{}
	}
	if idle := now.Sub(heard); idle < cfg.PingInterval {
		return cfg.PingInterval - idle, false, nil
	}
	if len(s.queue) > 0 {
		// A ping written now would wait behind the queued output at a
		// server that reads slowly, and its answer with it. While the
		// writer is busy, a server that stops reading is found by
		// WriteTimeout; ping once the queue is empty.
		return min(cfg.PingInterval, time.Second), false, nil
	}
	if err := s.write(c.pingStanza(c.stats.pings.Add(1)), cfg.WriteTimeout); err != nil {
		return 0, false, err
	}
	*pingedAt = now
	return min(cfg.PingTimeout, cfg.PingInterval), true, nil
}
