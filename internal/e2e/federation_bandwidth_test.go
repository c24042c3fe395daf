package e2e

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Bandwidth100Env=1 adds the 100-remote-occupant run to
// TestFederationBandwidth.
const Bandwidth100Env = "FMUC_BANDWIDTH_100"

// bandwidthRow is one measurement: s2s bytes for the same action through
// the node (fmuc) and through Prosody's own MUC with the remote users
// joined straight to it over s2s (plain).
type bandwidthRow struct {
	what        string
	remote      int
	plain, fmuc int64
}

// TestFederationBandwidth measures, with the proxies' counters, the s2s
// bytes between wonderland.lit and denmark.lit (both directions, stream
// overhead included) for a groupchat message, a presence change and a
// remote join with 20 messages of history, with 1, 10 (and, with
// FMUC_BANDWIDTH_100=1, 100) users of denmark.lit in a room of
// wonderland.lit: through the nodes (rooms.wonderland.lit joined by
// talk.denmark.lit) against Prosody's MUC conference.wonderland.lit.
func TestFederationBandwidth(t *testing.T) {
	sizes := []int{1, 10}
	if os.Getenv(Bandwidth100Env) == "1" {
		sizes = append(sizes, 100)
	}
	maxN := sizes[len(sizes)-1]
	f := newFederation(t)
	ws := f.prosody(wonderlandLit, roomsW, accounts(wonderlandUsers))
	ds := f.prosody(denmarkLit, talkD, accounts(nil, servers.Accounts("user", maxN, password)...))
	// The measurement sends as fast as the rooms answer: without the
	// occupants' message and presence rates (muc.Limits).
	noRates := func(c *mucnode.Config) { c.Abuse.MessageBurst, c.Abuse.PresenceBurst = muc.Unlimited, muc.Unlimited }
	w := f.add(ws, federate("", nil, talkD), noRates)
	d := f.add(ds, federate(roomsW, nil), noRates)
	alice := w.client("alice")
	remote := make([]*client, maxN)
	for i := range remote {
		remote[i] = d.client(fmt.Sprint("user", i+1))
	}
	plainDomain := ws.MUCDomain
	const quiet = 300 * time.Millisecond

	// measure returns the s2s bytes that act causes, from a quiet link to
	// a quiet link, once done has returned.
	measure := func(act, done func()) int64 {
		before := f.settle(quiet)
		act()
		done()
		return f.settle(quiet) - before
	}
	var rows []bandwidthRow
	for _, n := range sizes {
		users := remote[:n]
		fed := stanza.MustParse(fmt.Sprintf("bw%d@%s", n, roomsW))
		fedD := stanza.MustParse(fmt.Sprintf("bw%d@%s", n, talkD))
		plain := stanza.MustParse(fmt.Sprintf("bw%d@%s", n, plainDomain))
		createInstant(t, alice, fed, "Alice")
		createInstant(t, alice, plain, "Alice")
		for i, c := range users {
			mustJoin(t, c, fedD, fmt.Sprint("U", i+1), `<history maxstanzas='0'/>`)
			mustJoin(t, c, plain, fmt.Sprint("U", i+1), `<history maxstanzas='0'/>`)
		}
		msg := func(room stanza.JID, id string) int64 {
			body := fmt.Sprintf("Message %s to %d remote users, of an ordinary length for a chat line.", id, n)
			return measure(func() { say(t, alice, room, id, body) }, func() {
				for _, c := range users {
					expect(t, c, "the message", xmppclient.MessageWithBody(body))
				}
			})
		}
		pres := func(room stanza.JID, remoteRoom stanza.JID, status string) int64 {
			return measure(func() {
				send(t, alice, `<presence to='`+occupant(room, "Alice").String()+`'><show>away</show><status>`+status+`</status></presence>`)
			}, func() {
				for _, c := range users {
					expect(t, c, "the presence", func(s stanza.Stanza) bool {
						p, ok := s.(*stanza.Presence)
						return ok && p.From == occupant(remoteRoom, "Alice") && p.Status() == status
					})
				}
			})
		}
		rows = append(rows,
			bandwidthRow{what: "groupchat message", remote: n, plain: msg(plain, fmt.Sprint("p", n)), fmuc: msg(fed, fmt.Sprint("f", n))},
			bandwidthRow{what: "presence change", remote: n, plain: pres(plain, plain, fmt.Sprint("plain", n)), fmuc: pres(fed, fedD, fmt.Sprint("fmuc", n))},
		)
	}

	// A remote join with 20 messages of history (both rooms keep 20).
	fed, fedD := stanza.MustParse("hist@"+roomsW), stanza.MustParse("hist@"+talkD)
	plain := stanza.MustParse("hist@" + plainDomain)
	createInstant(t, alice, fed, "Alice")
	createInstant(t, alice, plain, "Alice")
	for i := 1; i <= 20; i++ {
		for _, room := range []stanza.JID{fed, plain} {
			body := fmt.Sprintf("History message %d, of an ordinary length for a chat line.", i)
			say(t, alice, room, fmt.Sprint("h", i), body)
			hears(t, alice, occupant(room, "Alice"), body)
		}
	}
	joinBytes := func(room stanza.JID) int64 {
		var r joinResult
		n := measure(func() { r = mustJoin(t, remote[0], room, "Joiner", "") }, func() {})
		histories := 0
		for _, st := range r.seen {
			if m, ok := st.(*stanza.Message); ok {
				if _, ok := m.Body(); ok {
					histories++
				}
			}
		}
		assert.Equal(t, 20, histories, "20 messages of history in %s", room)
		return n
	}
	rows = append(rows, bandwidthRow{what: "remote join, 20 history", remote: 1, plain: joinBytes(plain), fmuc: joinBytes(fedD)})
	t.Log("s2s bytes between wonderland.lit and denmark.lit (both directions):\n" + bandwidthTable(rows))

	for _, r := range rows {
		if r.what == "groupchat message" || r.what == "presence change" {
			assert.Positive(t, r.fmuc, "%s: the node sends one copy", r.what)
		}
	}
	// One copy per link whatever the number of remote users; plain MUC
	// sends one per remote user.
	byKey := map[string]bandwidthRow{}
	for _, r := range rows {
		byKey[fmt.Sprint(r.what, r.remote)] = r
	}
	for _, what := range []string{"groupchat message", "presence change"} {
		one, ten := byKey[what+"1"], byKey[what+"10"]
		assert.Less(t, ten.fmuc, one.fmuc*3/2, "%s: fmuc is one copy per link (%d bytes for 1 remote user, %d for 10)", what, one.fmuc, ten.fmuc)
		assert.Greater(t, ten.plain, one.plain*5, "%s: plain MUC is linear in remote users (%d, %d)", what, one.plain, ten.plain)
		assert.Less(t, ten.fmuc, ten.plain/5, "%s: with 10 remote users", what)
	}
}

// bandwidthTable formats rows as a Markdown table.
func bandwidthTable(rows []bandwidthRow) string {
	var b strings.Builder
	b.WriteString("| what | remote users | plain MUC (bytes) | fmuc (bytes) | plain / fmuc |\n| --- | ---: | ---: | ---: | ---: |\n")
	for _, r := range rows {
		ratio := "-"
		if r.fmuc > 0 {
			ratio = fmt.Sprintf("%.1f", float64(r.plain)/float64(r.fmuc))
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s |\n", r.what, r.remote, r.plain, r.fmuc, ratio)
	}
	return b.String()
}
