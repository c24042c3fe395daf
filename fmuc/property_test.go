package fmuc_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
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

// TestFederationProperty plays random federations of 2 to 6 rooms in a
// random tree, with two users each, and a random schedule of messages,
// presence changes, partitions of tree links (the servers bouncing what
// they cannot deliver), heals and time passing. After every link is healed
// and the rooms have resynchronised:
//   - every message a user saw reflected reaches every user exactly once
//     (nothing lost, nothing doubled), and no other message does;
//   - every room lists the same occupants under the same nicks;
//   - in master-slave federations, every user saw the same order;
//   - no link's log is beyond its bound.
func TestFederationProperty(t *testing.T) {
	for seed := range propertySeeds() {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) { federationProperty(t, uint64(seed)) })
	}
}

func federationProperty(t *testing.T, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 0x5eed))
	k := 2 + rnd.IntN(5)
	mode := fmuc.MasterMaster
	if rnd.IntN(4) == 0 {
		mode = fmuc.MasterSlave
	}
	w := newWorld(t)
	w.net.Record = os.Getenv("FMUC_PROPERTY_LOG") != ""
	w.net.Bounce = true
	domain := func(i int) string { return "rooms.n" + strconv.Itoa(i) + ".lit" }
	room := func(i int) string { return "r@" + domain(i) }
	parent := make([]int, k)
	for i := range k {
		w.service(domain(i), func(o *fmuc.Options) {
			o.Inbound.Func = func(_, peer stanza.JID) bool { return true }
			o.RemoteCreate = true
			o.MUC.Locking = muc.LockNever
		})
		if i > 0 {
			parent[i] = rnd.IntN(i)
			require.NoError(t, w.svcs[domain(i)].SetFederation(stanza.MustParse(room(i)), fmuc.Federation{Upstream: stanza.MustParse(room(parent[i])), Mode: mode}))
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
	steps := 20 + rnd.IntN(40)
	for step := range steps {
		switch op := rnd.IntN(10); {
		case op < 5:
			u := users[rnd.IntN(len(users))]
			body := "m" + strconv.Itoa(step)
			said[body] = u
			if w.net.Record {
				t.Log("SAY", u, body, w.net.Now())
			}
			w.say(u, room(node(u)), body, body)
		case op == 5:
			u := users[rnd.IntN(len(users))]
			w.send(`<presence from='` + u + `' to='` + room(node(u)) + `/U` + u[1:3] + `'><show>away</show><status>s` + strconv.Itoa(step) + `</status></presence>`)
		case op == 6 && k > 1:
			i := 1 + rnd.IntN(k-1)
			cut[i] = true
			if w.net.Record {
				t.Log("CUT", i, parent[i], w.net.Now())
			}
			w.net.Partition(domain(i), domain(parent[i]))
		case op == 7:
			for i := range cut {
				delete(cut, i)
				if w.net.Record {
					t.Log("HEAL", i, parent[i], w.net.Now())
				}
				w.net.Heal(domain(i), domain(parent[i]))
				break
			}
		default:
			require.NoError(t, w.net.Advance(time.Duration(1+rnd.IntN(180))*time.Second))
		}
		drain()
	}
	for i := range cut {
		w.net.Heal(domain(i), domain(parent[i]))
	}
	for range 3 {
		require.NoError(t, w.net.Advance(fmuc.DefaultPingInterval+fmuc.DefaultPingTimeout+fmuc.DefaultRetryMax))
	}
	drain()

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
		for b := range expected {
			if count[b] != 1 && w.net.Record {
				for _, l := range w.net.Log() {
					if len(l) > 300 {
						l = l[:300]
					}
					t.Log(l)
				}
				for i := range k {
					t.Log(domain(i), "parent", parent[i], w.svcs[domain(i)].Links(stanza.MustParse(room(i))))
				}
			}
			require.Equal(t, 1, count[b], "seed %d, %d rooms: %s got %q %d times", seed, k, u, b, count[b])
		}
		for b := range count {
			require.True(t, expected[b], "seed %d: %s got %q, which its sender never saw", seed, u, b)
		}
	}
	if mode == fmuc.MasterSlave {
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
			require.Equal(t, order(users[0]), order(u), "seed %d: master-slave order differs for %s", seed, u)
		}
	}
	var roster []string
	for i := range k {
		r, ok := w.svcs[domain(i)].MUC().Room(stanza.MustParse(room(i)))
		require.True(t, ok)
		var occ []string
		for _, o := range r.Occupants() {
			occ = append(occ, o.Nick+"="+o.JID.String())
		}
		slices.Sort(occ)
		if i == 0 {
			roster = occ
			require.Len(t, roster, len(users), "seed %d: %v", seed, occ)
			continue
		}
		require.Equal(t, roster, occ, "seed %d: room %d lists other occupants", seed, i)
		for _, l := range w.svcs[domain(i)].Links(stanza.MustParse(room(i))) {
			require.LessOrEqual(t, l.Logged, fmuc.DefaultLinkLog)
		}
	}
	_ = fmuctest.Link{}
}
