package fmuc_test

import (
	"fmt"
	"maps"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// propertySeeds is how many random federations TestFederationProperty
// plays: a fixed budget in CI, more with FMUC_PROPERTY_SEEDS.
func propertySeeds() int {
	if n, err := strconv.Atoi(os.Getenv("FMUC_PROPERTY_SEEDS")); err == nil && n > 0 {
		return n
	}
	return 40
}

// propertyFaults reports whether TestFederationProperty also shapes links
// (delay, rate, jitter) and drops connections: FMUC_PROPERTY_FAULTS=1.
// The rooms do not yet pass with it, so CI leaves it off.
func propertyFaults() bool { return os.Getenv("FMUC_PROPERTY_FAULTS") != "" }

// propertySubjects reports whether TestFederationProperty also changes
// the subject and checks that the rooms agree on it:
// FMUC_PROPERTY_SUBJECTS=1. They do not always yet (140 of 600 seeds
// disagree after a partition), so CI leaves it off.
func propertySubjects() bool { return os.Getenv("FMUC_PROPERTY_SUBJECTS") != "" }

// TestFederationProperty plays random federations of 2 to 6 rooms in a
// random tree, with two users each, and a random schedule of messages,
// presence changes, partitions of tree links (the servers bouncing what
// they cannot deliver), heals and time passing; with FMUC_PROPERTY_FAULTS
// set, also shaped tree links (delay, rate and jitter, fmuctest.LinkShape)
// and dropped connections; with FMUC_PROPERTY_SUBJECTS set, subject
// changes. After every link is healed and the rooms have resynchronised:
//   - every message a user saw reflected reaches every user exactly once
//     (nothing lost, nothing doubled), and no other message does;
//   - every room lists the same occupants under the same nicks;
//   - with FMUC_PROPERTY_SUBJECTS, every room shows the same subject;
//   - in master-slave federations, every user saw the same order;
//   - no link's log is beyond its bound.
//
// FMUC_PROPERTY_LOG=1 logs the schedule and, on a failure, the traffic;
// FMUC_PROPERTY_SHRINK=1 shrinks a failing schedule (drops what the
// failure does not need) and logs the smallest one found.
func TestFederationProperty(t *testing.T) {
	for seed := range propertySeeds() {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			p := newProperty(uint64(seed))
			failure := p.play(t, os.Getenv("FMUC_PROPERTY_LOG") != "")
			if failure != "" && os.Getenv("FMUC_PROPERTY_SHRINK") != "" {
				p.shrink(t)
			}
			if failure != "" {
				t.Fatalf("seed %d, %d rooms, %s: %s", seed, p.k, p.mode, failure)
			}
		})
	}
}

// The schedule's operations: 0-9 are the base schedule, the same with or
// without the optional ones, which come after them.
const (
	opSay      = 0 // 0-4
	opPresence = 5
	opCut      = 6
	opHeal     = 7
	opAdvance  = 8 // 8-9
)

const (
	opSubject = 10 + iota
	opShape
	opDropConnection
)

// propertyStep is one operation of a schedule; which fields count
// depends on op.
type propertyStep struct {
	op    int
	n     int // the step's number: the message body, status or subject
	user  int
	link  int // the room whose upstream link is meant
	d     time.Duration
	shape fmuctest.LinkShape // without Rand
}

func (s propertyStep) String() string {
	switch {
	case s.op < opPresence:
		return fmt.Sprintf("say(u%d, m%d)", s.user, s.n)
	case s.op == opPresence:
		return fmt.Sprintf("presence(u%d)", s.user)
	case s.op == opCut:
		return fmt.Sprintf("cut(%d)", s.link)
	case s.op == opHeal:
		return fmt.Sprintf("heal(%d)", s.link)
	case s.op < opSubject:
		return fmt.Sprintf("advance(%s)", s.d)
	case s.op == opSubject:
		return fmt.Sprintf("subject(u%d, t%d)", s.user, s.n)
	case s.op == opShape:
		return fmt.Sprintf("shape(%d, delay %s, %d B/s, jitter %s)", s.link, s.shape.Delay, s.shape.BytesPerSecond, s.shape.Jitter)
	default:
		return fmt.Sprintf("dropConnection(%d)", s.link)
	}
}

// property is one random federation and its schedule.
type property struct {
	seed   uint64
	k      int
	mode   fmuc.Mode
	parent []int
	steps  []propertyStep
}

func newProperty(seed uint64) *property {
	rnd := rand.New(rand.NewPCG(seed, 0x5eed))
	p := &property{seed: seed, k: 2 + rnd.IntN(5), mode: fmuc.MasterMaster}
	if rnd.IntN(4) == 0 {
		p.mode = fmuc.MasterSlave
	}
	p.parent = make([]int, p.k)
	for i := 1; i < p.k; i++ {
		p.parent[i] = rnd.IntN(i)
	}
	var extra []int
	if propertySubjects() {
		extra = append(extra, opSubject)
	}
	if propertyFaults() {
		extra = append(extra, opShape, opDropConnection)
	}
	users := 2 * p.k
	var cut []int // sorted
	for n := range 20 + rnd.IntN(40) {
		s := propertyStep{op: rnd.IntN(10 + len(extra)), n: n}
		if s.op >= 10 {
			s.op = extra[s.op-10]
		}
		switch {
		case s.op < opPresence || s.op == opPresence || s.op == opSubject:
			s.user = rnd.IntN(users)
		case s.op == opCut || s.op == opShape || s.op == opDropConnection:
			if p.k == 1 {
				continue
			}
			s.link = 1 + rnd.IntN(p.k-1)
			if s.op == opCut {
				if i, found := slices.BinarySearch(cut, s.link); !found {
					cut = slices.Insert(cut, i, s.link)
				}
			}
			if s.op == opShape {
				s.shape = fmuctest.LinkShape{
					Delay:          time.Duration(rnd.IntN(5000)) * time.Millisecond,
					BytesPerSecond: []int{0, 300, 1200, 10_000}[rnd.IntN(4)],
					Jitter:         time.Duration(rnd.IntN(3000)) * time.Millisecond,
				}
			}
		case s.op == opHeal:
			if len(cut) == 0 {
				continue
			}
			s.link, cut = cut[0], cut[1:]
		default:
			s.d = time.Duration(1+rnd.IntN(180)) * time.Second
		}
		p.steps = append(p.steps, s)
	}
	return p
}

// shrink looks for a shorter schedule that still fails the same way,
// dropping one step at a time while the kind of failure stays, and logs
// it.
func (p *property) shrink(t *testing.T) {
	failure := p.play(t, false)
	kind, _, _ := strings.Cut(failure, ":")
	for changed := true; changed; {
		changed = false
		for i := len(p.steps) - 1; i >= 0; i-- {
			q := *p
			q.steps = slices.Delete(slices.Clone(p.steps), i, i+1)
			if f := q.play(t, false); strings.HasPrefix(f, kind+":") {
				p.steps, failure, changed = q.steps, f, true
			}
		}
	}
	var lines []string
	for _, s := range p.steps {
		lines = append(lines, s.String())
	}
	t.Logf("shrunk: seed %d, %d rooms, %s, parents %v, %d steps: %s\n  fails with: %s",
		p.seed, p.k, p.mode, p.parent, len(p.steps), strings.Join(lines, "; "), failure)
	p.play(t, true)
}

// play runs the schedule and returns what it found wrong ("" when
// nothing); with verbose, it logs the schedule, and the traffic when it
// fails.
func (p *property) play(t *testing.T, verbose bool) string {
	k := p.k
	w := newWorld(t)
	w.net.Record = verbose
	w.net.Bounce = true
	domain := func(i int) string { return "rooms.n" + strconv.Itoa(i) + ".lit" }
	room := func(i int) string { return "r@" + domain(i) }
	for i := range k {
		w.service(domain(i), func(o *fmuc.Options) {
			o.Inbound.Func = func(_, peer stanza.JID) bool { return true }
			o.RemoteCreate = true
			o.MUC.Locking = muc.LockNever
		})
		if i > 0 {
			require.NoError(t, w.svcs[domain(i)].SetFederation(stanza.MustParse(room(i)), fmuc.Federation{Upstream: stanza.MustParse(room(p.parent[i])), Mode: p.mode}))
		}
	}
	var users []string
	for i := range k {
		for _, s := range []string{"a", "b"} {
			u := "u" + strconv.Itoa(i) + s + "@n" + strconv.Itoa(i) + ".lit/1"
			users = append(users, u)
			w.join(u, room(i), "U"+strconv.Itoa(i)+s)
		}
	}
	require.NoError(t, w.net.Advance(time.Minute))
	node := func(u string) int { return int(u[1] - '0') }
	for _, u := range users {
		w.net.Received(stanza.MustParse(u))
	}
	// The schedule.
	cut := map[int]bool{}
	said := map[string]string{} // body -> sender
	received := map[string][]string{}
	drain := func() {
		for _, u := range users {
			for _, s := range w.net.Received(stanza.MustParse(u)) {
				if m, ok := s.(*stanza.Message); ok && m.Type == stanza.MessageGroupchat {
					if b, ok := m.Body(); ok {
						received[u] = append(received[u], b)
					}
				}
			}
		}
	}
	jitter := rand.New(rand.NewPCG(p.seed, 0x7177))
	for _, s := range p.steps {
		if verbose {
			t.Log(w.net.Now().Sub(t0), s)
		}
		n := strconv.Itoa(s.n)
		switch u, i := users[s.user], s.link; {
		case s.op < opPresence:
			said["m"+n] = u
			w.say(u, room(node(u)), "m"+n, "m"+n)
		case s.op == opPresence:
			w.send(`<presence from='` + u + `' to='` + room(node(u)) + `/U` + u[1:3] + `'><show>away</show><status>s` + n + `</status></presence>`)
		case s.op == opCut:
			cut[i] = true
			w.net.Partition(domain(i), domain(p.parent[i]))
		case s.op == opHeal:
			delete(cut, i)
			w.net.Heal(domain(i), domain(p.parent[i]))
		case s.op < opSubject:
			require.NoError(t, w.net.Advance(s.d))
		case s.op == opSubject:
			// XEP-0045 §8.1: in the default configuration participants may
			// change the subject.
			w.send(`<message from='` + u + `' to='` + room(node(u)) + `' id='t` + n + `' type='groupchat'><subject>t` + n + `</subject></message>`)
		case s.op == opShape:
			shape := s.shape
			shape.Rand = jitter
			require.NoError(t, w.net.Shape(domain(i), domain(p.parent[i]), shape))
		case s.op == opDropConnection:
			w.net.DropConnection(domain(i), domain(p.parent[i]))
		}
		drain()
	}
	for i := range cut {
		w.net.Heal(domain(i), domain(p.parent[i]))
	}
	for range 3 {
		require.NoError(t, w.net.Advance(fmuc.DefaultPingInterval+fmuc.DefaultPingTimeout+fmuc.DefaultRetryMax))
	}
	drain()

	failure := p.check(w, users, said, received, domain, room)
	if failure != "" && verbose {
		for _, l := range w.net.Log() {
			if len(l) > 300 {
				l = l[:300]
			}
			t.Log(l)
		}
		for i := range k {
			t.Log(domain(i), "parent", p.parent[i], w.svcs[domain(i)].Links(stanza.MustParse(room(i))))
			for _, e := range w.evs[domain(i)] {
				if e, ok := e.(fmuc.LinkChanged); ok {
					t.Logf("%s: %+v", domain(i), e)
				}
			}
		}
	}
	return failure
}

// check returns what the end of a play shows wrong, "" when nothing: a
// kind of failure (lost, doubled, unseen, order, roster, subject, bound),
// a colon and what was seen.
func (p *property) check(w *world, users []string, said map[string]string, received map[string][]string, domain, room func(int) string) string {
	// A message counts when its sender saw it reflected.
	expected := map[string]bool{}
	for body, u := range said {
		if slices.Contains(received[u], body) {
			expected[body] = true
		}
	}
	for _, u := range users {
		count := map[string]int{}
		for _, b := range received[u] {
			count[b]++
		}
		for _, b := range slices.Sorted(maps.Keys(expected)) {
			if count[b] != 1 {
				kind := "lost"
				if count[b] > 1 {
					kind = "doubled"
				}
				return fmt.Sprintf("%s: %s got %q %d times", kind, u, b, count[b])
			}
		}
		for _, b := range slices.Sorted(maps.Keys(count)) {
			if !expected[b] {
				return fmt.Sprintf("unseen: %s got %q, which its sender never saw", u, b)
			}
		}
	}
	if p.mode == fmuc.MasterSlave {
		order := func(u string) []string {
			var o []string
			for _, b := range received[u] {
				if expected[b] {
					o = append(o, b)
				}
			}
			return o
		}
		for _, u := range users[1:] {
			if !slices.Equal(order(users[0]), order(u)) {
				return fmt.Sprintf("order: master-slave order differs for %s: %v, %s saw %v", u, order(u), users[0], order(users[0]))
			}
		}
	}
	var roster []string
	var subject muc.Subject
	for i := range p.k {
		r, ok := w.svcs[domain(i)].MUC().Room(stanza.MustParse(room(i)))
		if !ok {
			return fmt.Sprintf("roster: room %d is gone", i)
		}
		var occ []string
		for _, o := range r.Occupants() {
			occ = append(occ, o.Nick+"="+o.JID.String())
		}
		slices.Sort(occ)
		// What users see of the subject: its text and who set it (each
		// room keeps its own stanza id and time of adoption).
		sub := muc.Subject{Text: r.Subject().Text, Nick: r.Subject().Nick, JID: r.Subject().JID}
		if i == 0 {
			roster, subject = occ, sub
			if len(roster) != len(users) {
				return fmt.Sprintf("roster: room 0 lists %v", occ)
			}
			continue
		}
		if !slices.Equal(roster, occ) {
			return fmt.Sprintf("roster: room %d lists %v, room 0 %v", i, occ, roster)
		}
		if propertySubjects() && subject != sub {
			return fmt.Sprintf("subject: room %d shows the subject %q by %s, room 0 %q by %s", i, sub.Text, sub.Nick, subject.Text, subject.Nick)
		}
		for _, l := range w.svcs[domain(i)].Links(stanza.MustParse(room(i))) {
			if l.Logged > fmuc.DefaultLinkLog {
				return fmt.Sprintf("bound: room %d logs %d stanzas for %s", i, l.Logged, l.Peer)
			}
		}
	}
	return ""
}
