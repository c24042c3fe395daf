// Package fmuctest is a deterministic in-memory XMPP network for testing
// federated MUC services without servers, sockets or a real clock.
//
// A Network routes stanzas by the domain of their 'to': to a registered
// service (anything with the transport's Handle/Tick/NextDeadline shape,
// such as an fmuc.Service) or else to a client inbox keyed by the full
// JID. Time is virtual: it moves only with Advance, which fires every
// timer due. Delivery is first in, first out (on a shaped link, first in,
// first out on that link), so the same inputs always give the same
// traffic, byte for byte. Links between two services can
// be partitioned and healed, single stanzas dropped, and the bytes that
// cross each link are counted.
//
// # Link emulation
//
// A link between two services is instantaneous unless Shape gives it a
// LinkShape: a delay, a rate and a random jitter, each direction a
// queue of its own (a full-duplex link). A stanza sent on a shaped link
// is put on the wire when the link has finished sending what was before
// it, takes its encoded size divided by the rate to send, and arrives
// the delay plus its jitter later:
//
//	start = max(now, when the link is free)
//	free  = start + size/BytesPerSecond
//	due   = max(free + Delay + jitter, due of the stanza before it)
//
// The last term keeps each direction first in, first out: one XMPP
// stream is ordered, so jitter delays stanzas but never reorders them.
// Only the stanza bytes count (no TCP, TLS or stream framing). Traffic
// between a client and a service is never shaped; to put clients behind a
// shaped link, register their server as a service that keeps what it is
// sent, and send their stanzas from it. Stabilize delivers what
// is due now and what that causes; Advance moves through time to each
// arrival and each service timer in time order, an arrival before a timer
// due at the same instant, arrivals in Links order, timers in domain
// order.
//
// DropConnection loses what is in flight between two services, the way a
// broken server-to-server stream loses what it had not delivered (bounced
// with Bounce set); later stanzas travel on a new stream, which starts
// empty. Partition does the same to what is in flight and then loses
// everything sent until Heal.
//
// A Network is not safe for concurrent use.
package fmuctest

import (
	"errors"
	"fmt"
	"math/rand/v2"
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
	// Dropped counts stanzas lost to a partition, to Drop or to
	// DropConnection.
	Dropped int
}

// LinkShape is how a link between two services carries stanzas (see
// Link emulation in the package documentation). The zero LinkShape is
// an instantaneous link.
type LinkShape struct {
	// Delay is the one-way latency added to every stanza.
	Delay time.Duration
	// BytesPerSecond is the rate at which the link sends a stanza's
	// encoded bytes; 0 is unlimited. 2,400 bit/s is 300.
	BytesPerSecond int
	// Jitter is the most random delay added to a stanza on top of Delay,
	// drawn uniformly from [0, Jitter] with Rand. It never reorders the
	// stanzas of a link.
	Jitter time.Duration
	// Rand is the seeded source of the jitter; required with Jitter.
	Rand *rand.Rand
}

// ErrShape is returned by Shape for a LinkShape it cannot emulate.
var ErrShape = errors.New("fmuctest: bad link shape")

// wire is one direction of a shaped link: the stanzas in flight, in the
// order they arrive.
type wire struct {
	shape LinkShape
	free  time.Time // when the link has sent everything put on it
	last  time.Time // when the last stanza in flight arrives
	queue []flight
}

type flight struct {
	due time.Time
	s   stanza.Stanza
}

// put sends s on the wire at now.
func (w *wire) put(now time.Time, s stanza.Stanza) {
	start := now
	if w.free.After(start) {
		start = w.free
	}
	w.free = start
	if r := w.shape.BytesPerSecond; r > 0 {
		w.free = start.Add(time.Duration(int64(len(stanza.Encode(s))) * int64(time.Second) / int64(r)))
	}
	due := w.free.Add(w.shape.Delay)
	if j := w.shape.Jitter; j > 0 {
		due = due.Add(time.Duration(w.shape.Rand.Int64N(int64(j) + 1)))
	}
	if due.Before(w.last) {
		due = w.last
	}
	w.last = due
	w.queue = append(w.queue, flight{due: due, s: s})
}

// reset starts a new, empty stream at now and returns what was in flight.
func (w *wire) reset(now time.Time) []flight {
	lost := w.queue
	w.queue, w.free, w.last = nil, now, now
	return lost
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
	wires    map[Link]*wire
	shaped   []Link // the keys of wires, sorted
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
		wires:    map[Link]*wire{},
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
// none is left; on shaped links, it delivers what is due by now and
// leaves the rest in flight. It returns how many were delivered.
func (n *Network) Stabilize() (int, error) {
	max := n.MaxDeliveries
	if max <= 0 {
		max = 100_000
	}
	done := 0
	for {
		l, ok := Link{}, false
		if len(n.queue) == 0 {
			if l, _, ok = n.nextArrival(n.now); !ok {
				return done, nil
			}
		}
		if done >= max {
			return done, fmt.Errorf("%w after %d deliveries", ErrNotStable, done)
		}
		if ok {
			n.arrive(l)
		} else {
			s := n.queue[0]
			n.queue[0] = nil
			n.queue = n.queue[1:]
			n.deliver(s)
		}
		done++
	}
}

// deliver routes s: onto the wire of a shaped link, lost, or handed over
// at once.
func (n *Network) deliver(s stanza.Stanza) {
	h := s.Head()
	from, to := h.From.Domain(), h.To.Domain()
	_, isService := n.services[to]
	if _, fromService := n.services[from]; fromService && isService && from != to {
		l := Link{From: from, To: to}
		t := n.link(l)
		if n.cut[l] || n.Drop != nil && n.Drop(l, s) {
			n.lose(l, s)
			return
		}
		if w := n.wires[l]; w != nil && (w.shape != LinkShape{} || len(w.queue) > 0) {
			w.put(n.now, s)
			return
		}
		t.Stanzas++
		t.Bytes += int64(len(stanza.Encode(s)))
	}
	n.hand(s)
}

// hand gives s to its recipient now: a service's Handle or a client's
// inbox.
func (n *Network) hand(s stanza.Stanza) {
	n.record("", s)
	to := s.Head().To
	m, isService := n.services[to.Domain()]
	if !isService {
		n.inboxes[to] = append(n.inboxes[to], s)
		return
	}
	n.queue = append(n.queue, m.Handle(n.now, s)...)
}

// link returns the counters of l.
func (n *Network) link(l Link) *Traffic {
	t := n.traffic[l]
	if t == nil {
		t = &Traffic{}
		n.traffic[l] = t
	}
	return t
}

// lose counts s as dropped on l and, with Bounce, answers its sender.
func (n *Network) lose(l Link, s stanza.Stanza) {
	n.link(l).Dropped++
	n.record("DROP", s)
	if !n.Bounce {
		return
	}
	e := &stanza.Error{Type: stanza.ErrorCancel, Condition: stanza.RemoteServerNotFound}
	if b := stanza.ErrorReply(s, e); b != nil {
		// The sender's own server answers: nothing crosses the broken
		// link.
		n.record("BOUNCE", b)
		if m, ok := n.services[l.From]; ok {
			n.queue = append(n.queue, m.Handle(n.now, b)...)
		}
	}
}

// nextArrival returns the shaped link whose next stanza arrives first,
// and when, if that is not after limit; ties go to the first link in
// Links order.
func (n *Network) nextArrival(limit time.Time) (Link, time.Time, bool) {
	var (
		best Link
		due  time.Time
		ok   bool
	)
	for _, l := range n.shaped {
		w := n.wires[l]
		if len(w.queue) == 0 || w.queue[0].due.After(limit) || ok && !w.queue[0].due.Before(due) {
			continue
		}
		best, due, ok = l, w.queue[0].due, true
	}
	return best, due, ok
}

// arrive delivers the next stanza in flight on l.
func (n *Network) arrive(l Link) {
	w := n.wires[l]
	f := w.queue[0]
	w.queue[0] = flight{}
	w.queue = w.queue[1:]
	t := n.link(l)
	t.Stanzas++
	t.Bytes += int64(len(stanza.Encode(f.s)))
	n.hand(f.s)
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

// Advance stabilizes, then moves the clock forward by d, delivering the
// stanzas in flight on shaped links as they arrive and firing each
// service's timers as they come due, in time order (an arrival before a
// timer at the same instant, services in domain order), and stabilizing
// after each.
func (n *Network) Advance(d time.Duration) error {
	end := n.now.Add(d)
	if _, err := n.Stabilize(); err != nil {
		return err
	}
	for {
		next, dom := time.Time{}, ""
		for _, name := range n.domains {
			dl := n.services[name].NextDeadline()
			if !dl.IsZero() && !dl.After(end) && (next.IsZero() || dl.Before(next)) {
				next, dom = dl, name
			}
		}
		if l, due, ok := n.nextArrival(end); ok && (dom == "" || !due.After(next) || !due.After(n.now)) {
			if due.After(n.now) {
				n.now = due
			}
			n.arrive(l)
		} else if dom != "" {
			if next.After(n.now) {
				n.now = next
			}
			n.queue = append(n.queue, n.services[dom].Tick(n.now)...)
		} else {
			break
		}
		if _, err := n.Stabilize(); err != nil {
			return err
		}
	}
	n.now = end
	_, err := n.Stabilize()
	return err
}

// Partition cuts the links between services a and b both ways: what is
// in flight between them is lost (as by DropConnection), and so is every
// stanza sent until Heal, as over a broken server-to-server link.
func (n *Network) Partition(a, b string) {
	n.cut[Link{a, b}], n.cut[Link{b, a}] = true, true
	n.DropConnection(a, b)
}

// Heal restores the links between a and b.
func (n *Network) Heal(a, b string) {
	delete(n.cut, Link{a, b})
	delete(n.cut, Link{b, a})
}

// Shape makes the link between services a and b, in each direction,
// carry stanzas as s says (see Link emulation in the package
// documentation); the zero LinkShape makes it instantaneous again. What
// is already in flight keeps its arrival time, and nothing sent later
// overtakes it. Shape returns ErrShape for a negative value or a Jitter
// without Rand.
func (n *Network) Shape(a, b string, s LinkShape) error {
	if s.Delay < 0 || s.BytesPerSecond < 0 || s.Jitter < 0 {
		return fmt.Errorf("%w: negative value in %+v", ErrShape, s)
	}
	if s.Jitter > 0 && s.Rand == nil {
		return fmt.Errorf("%w: Jitter needs Rand", ErrShape)
	}
	for _, l := range []Link{{a, b}, {b, a}} {
		w := n.wires[l]
		if w == nil {
			w = &wire{free: n.now, last: n.now}
			n.wires[l] = w
			i, _ := slices.BinarySearchFunc(n.shaped, l, compareLinks)
			n.shaped = slices.Insert(n.shaped, i, l)
		}
		w.shape = s
	}
	return nil
}

// DropConnection breaks the server-to-server connection between services
// a and b: what is in flight on it, both ways, is lost (counted in
// Traffic.Dropped, bounced to its sender with Bounce set, the answers
// queued for the next Stabilize or Advance). What is sent afterwards goes
// on a new stream, which starts empty. Nothing is ever in flight on a
// link Shape has not shaped.
func (n *Network) DropConnection(a, b string) {
	for _, l := range []Link{{a, b}, {b, a}} {
		if w := n.wires[l]; w != nil {
			for _, f := range w.reset(n.now) {
				n.lose(l, f.s)
			}
		}
	}
}

// InFlight returns how many stanzas are on their way over the link from
// service from to service to.
func (n *Network) InFlight(from, to string) int {
	if w := n.wires[Link{from, to}]; w != nil {
		return len(w.queue)
	}
	return 0
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
	slices.SortFunc(ls, compareLinks)
	return ls
}

func compareLinks(a, b Link) int {
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
}

// Log returns the recorded deliveries (with Record set), and forgets them.
func (n *Network) Log() []string {
	l := n.log
	n.log = nil
	return l
}
