// Package fmuctest is a deterministic in-memory XMPP network for testing
// federated MUC services without servers, sockets or a real clock.
//
// A Network routes stanzas by the domain of their 'to': to a registered
// service (anything with the transport's Handle/Tick/NextDeadline shape,
// such as an fmuc.Service) or else to a client inbox keyed by the full
// JID. Time is virtual: it moves only with Advance, which fires every
// timer due. Delivery is first in, first out, so the same inputs always
// give the same traffic, byte for byte. Links between two services can
// be partitioned and healed, single stanzas dropped, and the bytes that
// cross each link are counted.
//
// A Network is not safe for concurrent use.
package fmuctest

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Machine is a service the network drives: the shape of
// transport.Machine without the connection events.
type Machine interface {
	Handle(now time.Time, in stanza.Stanza) []stanza.Stanza
	Tick(now time.Time) []stanza.Stanza
	NextDeadline() time.Time
}

// ErrNotStable is returned by Stabilize when traffic does not die down
// within MaxDeliveries: a loop, or a test that needs a larger bound.
var ErrNotStable = errors.New("fmuctest: traffic did not stabilize")

// Link names the traffic from one service domain to another.
type Link struct{ From, To string }

// Traffic counts what crossed a link.
type Traffic struct {
	Stanzas int
	Bytes   int64
	// Dropped counts stanzas lost to a partition or to Drop.
	Dropped int
}

// Network is the simulated network. Create it with New.
type Network struct {
	now      time.Time
	services map[string]Machine
	domains  []string
	queue    []stanza.Stanza
	inboxes  map[stanza.JID][]stanza.Stanza
	traffic  map[Link]*Traffic
	cut      map[Link]bool
	log      []string
	// MaxDeliveries bounds one Stabilize; default 100,000.
	MaxDeliveries int
	// Drop, when set, is asked about every stanza between two services;
	// true loses it (counted in Traffic.Dropped).
	Drop func(l Link, s stanza.Stanza) bool
	// Record keeps a line per delivered stanza (see Log).
	Record bool
	// Bounce makes a stanza lost to a partition or to Drop come back to
	// its sender as an error from its recipient, remote-server-not-found,
	// the way a server answers what it cannot deliver over a broken
	// server-to-server link (RFC 6120 §8.3.3.16). Errors are not bounced.
	Bounce bool
}

// New returns an empty network whose clock starts at start.
func New(start time.Time) *Network {
	return &Network{
		now:      start,
		services: map[string]Machine{},
		inboxes:  map[stanza.JID][]stanza.Stanza{},
		traffic:  map[Link]*Traffic{},
		cut:      map[Link]bool{},
	}
}

// Add registers m as the service of domain.
func (n *Network) Add(domain string, m Machine) {
	if _, ok := n.services[domain]; !ok {
		n.domains = append(n.domains, domain)
		slices.Sort(n.domains)
	}
	n.services[domain] = m
}

// Now is the network's current time.
func (n *Network) Now() time.Time { return n.now }

// Send queues s, from a client (its 'from' must be set).
func (n *Network) Send(s stanza.Stanza) { n.queue = append(n.queue, s) }

// SendXML decodes xml and queues it.
func (n *Network) SendXML(xml string) error {
	s, err := stanza.Decode([]byte(xml))
	if err != nil {
		return err
	}
	n.Send(s)
	return nil
}

// Stabilize delivers queued stanzas, and everything they cause, until
// none is left. It returns how many were delivered.
func (n *Network) Stabilize() (int, error) {
	max := n.MaxDeliveries
	if max <= 0 {
		max = 100_000
	}
	done := 0
	for len(n.queue) > 0 {
		if done >= max {
			return done, fmt.Errorf("%w after %d deliveries", ErrNotStable, done)
		}
		s := n.queue[0]
		n.queue[0] = nil
		n.queue = n.queue[1:]
		n.deliver(s)
		done++
	}
	return done, nil
}

func (n *Network) deliver(s stanza.Stanza) {
	h := s.Head()
	from, to := h.From.Domain(), h.To.Domain()
	m, isService := n.services[to]
	if _, fromService := n.services[from]; fromService && isService && from != to {
		l := Link{From: from, To: to}
		t := n.traffic[l]
		if t == nil {
			t = &Traffic{}
			n.traffic[l] = t
		}
		if n.cut[l] || n.Drop != nil && n.Drop(l, s) {
			t.Dropped++
			n.record("DROP", s)
			if n.Bounce {
				e := &stanza.Error{Type: stanza.ErrorCancel, Condition: stanza.RemoteServerNotFound}
				if b := stanza.ErrorReply(s, e); b != nil {
					// The sender's own server answers: nothing crosses
					// the broken link.
					n.record("BOUNCE", b)
					n.queue = append(n.queue, n.services[from].Handle(n.now, b)...)
				}
			}
			return
		}
		t.Stanzas++
		t.Bytes += int64(len(stanza.Encode(s)))
	}
	n.record("", s)
	if !isService {
		n.inboxes[h.To] = append(n.inboxes[h.To], s)
		return
	}
	n.queue = append(n.queue, m.Handle(n.now, s)...)
}

func (n *Network) record(tag string, s stanza.Stanza) {
	if !n.Record {
		return
	}
	line := string(stanza.Encode(s))
	if tag != "" {
		line = tag + " " + line
	}
	n.log = append(n.log, line)
}

// Advance moves the clock forward by d, firing each service's timers as
// they come due (in time order, services in domain order) and
// stabilizing after each.
func (n *Network) Advance(d time.Duration) error {
	end := n.now.Add(d)
	for {
		next, dom := time.Time{}, ""
		for _, name := range n.domains {
			dl := n.services[name].NextDeadline()
			if !dl.IsZero() && !dl.After(end) && (next.IsZero() || dl.Before(next)) {
				next, dom = dl, name
			}
		}
		if dom == "" {
			break
		}
		if next.After(n.now) {
			n.now = next
		}
		n.queue = append(n.queue, n.services[dom].Tick(n.now)...)
		if _, err := n.Stabilize(); err != nil {
			return err
		}
	}
	n.now = end
	_, err := n.Stabilize()
	return err
}

// Partition cuts the links between services a and b both ways: stanzas
// between them are lost, as over a broken server-to-server link.
func (n *Network) Partition(a, b string) {
	n.cut[Link{a, b}], n.cut[Link{b, a}] = true, true
}

// Heal restores the links between a and b.
func (n *Network) Heal(a, b string) {
	delete(n.cut, Link{a, b})
	delete(n.cut, Link{b, a})
}

// Received returns and forgets what was delivered to the client jid.
func (n *Network) Received(jid stanza.JID) []stanza.Stanza {
	s := n.inboxes[jid]
	delete(n.inboxes, jid)
	return s
}

// Peek returns what was delivered to jid, keeping it.
func (n *Network) Peek(jid stanza.JID) []stanza.Stanza { return slices.Clone(n.inboxes[jid]) }

// Traffic returns what crossed the link from service from to service to.
func (n *Network) Traffic(from, to string) Traffic {
	if t := n.traffic[Link{from, to}]; t != nil {
		return *t
	}
	return Traffic{}
}

// Links returns every link that carried or dropped traffic, sorted.
func (n *Network) Links() []Link {
	ls := make([]Link, 0, len(n.traffic))
	for l := range n.traffic {
		ls = append(ls, l)
	}
	slices.SortFunc(ls, func(a, b Link) int {
		if a.From != b.From {
			if a.From < b.From {
				return -1
			}
			return 1
		}
		if a.To < b.To {
			return -1
		}
		if a.To > b.To {
			return 1
		}
		return 0
	})
	return ls
}

// Log returns the recorded deliveries (with Record set), and forgets them.
func (n *Network) Log() []string {
	l := n.log
	n.log = nil
	return l
}
