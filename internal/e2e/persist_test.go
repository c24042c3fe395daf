package e2e

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

// archived is one XEP-0313 result as a client sees it.
type archived struct {
	UID      string // the result's id: the archive UID
	ID       string // the forwarded message's id
	Body     string
	StanzaID string // the forwarded message's XEP-0359 stanza id
	RealJID  string // the muc#user item's jid, when shown
}

// mamResult is the payload of a result message (XEP-0313 §4.2).
type mamResult struct {
	XMLName   xml.Name `xml:"urn:xmpp:mam:2 result"`
	QueryID   string   `xml:"queryid,attr"`
	ID        string   `xml:"id,attr"`
	Forwarded struct {
		Message struct {
			ID       string `xml:"id,attr"`
			Body     string `xml:"body"`
			StanzaID struct {
				ID string `xml:"id,attr"`
			} `xml:"urn:xmpp:sid:0 stanza-id"`
			X struct {
				Item struct {
					JID string `xml:"jid,attr"`
				} `xml:"item"`
			} `xml:"http://jabber.org/protocol/muc#user x"`
		} `xml:"jabber:client message"`
	} `xml:"urn:xmpp:forward:0 forwarded"`
}

// mamFin is the IQ result ending a query (XEP-0313 §4.2, XEP-0059).
type mamFin struct {
	XMLName  xml.Name `xml:"urn:xmpp:mam:2 fin"`
	Complete bool     `xml:"complete,attr"`
	Set      struct {
		First string `xml:"first"`
		Count int    `xml:"count"`
	} `xml:"http://jabber.org/protocol/rsm set"`
}

// loadArchive does what Converse.js does to catch up on a room: a MAM
// query to the room JID for the last page (RSM <before/>), then the page
// before the first result it has, until the archive says it is complete.
// It returns the archive oldest first.
func loadArchive(t *testing.T, c *xmppclient.Client, room stanza.JID, page int) []archived {
	t.Helper()
	var all []archived
	before := ""
	for q := 0; ; q++ {
		require.Less(t, q, 1000, "paging does not end")
		qid := fmt.Sprintf("mam%d", q)
		send(t, c, fmt.Sprintf(`<iq type='set' id='%s' to='%s'><query xmlns='urn:xmpp:mam:2' queryid='%s'>`+
			`<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field></x>`+
			`<set xmlns='http://jabber.org/protocol/rsm'><before>%s</before><max>%d</max></set></query></iq>`, qid, room, qid, before, page))
		var got []archived
		for {
			st := expect(t, c, "MAM results of "+qid, func(s stanza.Stanza) bool {
				if s.Kind() == stanza.KindIQ {
					return s.Head().ID == qid
				}
				var r mamResult
				ok, _ := stanza.Find(s, "urn:xmpp:mam:2", "result", &r)
				return ok && r.QueryID == qid
			})
			if st.Kind() == stanza.KindIQ {
				requireResult(t, st)
				var fin mamFin
				ok, err := stanza.Find(st, "urn:xmpp:mam:2", "fin", &fin)
				require.NoError(t, err)
				require.True(t, ok, "no <fin/> in %s", stanza.Encode(st))
				require.LessOrEqual(t, len(got), page)
				all = append(got, all...)
				if fin.Complete || len(got) == 0 {
					return all
				}
				before = fin.Set.First
				break
			}
			require.Equal(t, room, st.Head().From, "results come from the archive's JID")
			var r mamResult
			_, err := stanza.Find(st, "urn:xmpp:mam:2", "result", &r)
			require.NoError(t, err)
			m := r.Forwarded.Message
			got = append(got, archived{UID: r.ID, ID: m.ID, Body: m.Body, StanzaID: m.StanzaID.ID, RealJID: m.X.Item.JID})
		}
	}
}

// affiliated returns the bare JIDs with affiliation aff (a muc#admin
// query, XEP-0045 §9.5).
func affiliated(t *testing.T, c *xmppclient.Client, room stanza.JID, aff string) []string {
	t.Helper()
	res := iq(t, c, stanza.IQGet, room, "list-"+aff, `<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='`+aff+`'/></query>`)
	requireResult(t, res)
	var q struct {
		Items []struct {
			JID string `xml:"jid,attr"`
		} `xml:"item"`
	}
	_, err := stanza.Find(res, stanza.NSMUCAdmin, "query", &q)
	require.NoError(t, err)
	var out []string
	for _, it := range q.Items {
		out = append(out, it.JID)
	}
	return out
}

// TestRestartKeepsRoomsAndArchive: a persistent room with its owner,
// members, ban, registered nick, configuration, subject, history and
// archive is unchanged after the node restarts on the same data
// directory, and a client catches up on it through MAM as Converse.js
// does.
func TestRestartKeepsRoomsAndArchive(t *testing.T) {
	srv := startProsody(t)
	dir := t.TempDir()
	persistent := true
	withStore := func(c *mucnode.Config) {
		c.DataDir = &dir
		c.InstantRooms = true
		c.Rooms.Persistent = &persistent
		c.Abuse.MessageBurst = -1 // the test sends its messages at once
	}
	h := attach(t, srv, withStore)
	alice, bob := h.client("alice"), h.client("bob")
	room := h.room("tea")
	mustJoin(t, alice, room, "Alice", "")
	domain := h.srv.Domain
	requireResult(t, iq(t, alice, stanza.IQSet, room, "aff", `<query xmlns='http://jabber.org/protocol/muc#admin'><item jid='bob@`+domain+`' affiliation='member'/><item jid='dave@`+domain+`' affiliation='outcast'/></query>`))
	requireResult(t, iq(t, alice, stanza.IQSet, room, "cfg", `<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_roomname'><value>Tea room</value></field><field var='muc#roomconfig_whois'><value>anyone</value></field></x></query>`))
	requireResult(t, iq(t, bob, stanza.IQSet, room, "reg", `<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick'><value>Bobby</value></field></x></query>`))
	send(t, alice, `<message to='`+room.String()+`' id='s1' type='groupchat'><subject>Assam</subject></message>`)
	expect(t, alice, "subject", func(s stanza.Stanza) bool { return s.Head().ID == "s1" })
	const n = 45
	for i := range n {
		body := fmt.Sprintf("cup %d", i)
		send(t, alice, `<message to='`+room.String()+`' id='m`+fmt.Sprint(i)+`' type='groupchat'><body>`+body+`</body></message>`)
		expect(t, alice, body, groupchat(room, body))
	}
	h.stop()
	want := h.node.Service().State()
	require.Len(t, want, 1)

	h2 := attach(t, srv, withStore)
	carol := h2.client("carol")
	// Catching up from outside the room, as Converse.js does before or
	// right after entering: in pages of 20, backwards.
	arch := loadArchive(t, carol, room, 20)
	require.Len(t, arch, n+1, "the subject change and the messages")
	assert.Equal(t, "s1", arch[0].ID, "the subject change is archived (XEP-0313 §6.1.2)")
	arch = arch[1:]
	for i, a := range arch {
		assert.Equal(t, fmt.Sprintf("cup %d", i), a.Body)
		assert.Equal(t, fmt.Sprintf("m%d", i), a.ID)
		assert.Equal(t, a.UID, a.StanzaID, "result id is the live stanza-id")
		assert.Equal(t, "alice@"+domain+"/e2e", a.RealJID, "non-anonymous room: real JIDs shown")
	}
	// Reconnecting with messages cached, Converse.js asks for what came
	// after the newest one it has (RSM <after/>).
	qid := "after"
	send(t, carol, fmt.Sprintf(`<iq type='set' id='%s' to='%s'><query xmlns='urn:xmpp:mam:2' queryid='%s'><set xmlns='http://jabber.org/protocol/rsm'><max>50</max><after>%s</after></set></query></iq>`, qid, room, qid, arch[29].UID))
	var newer []string
	for {
		st := expect(t, carol, "MAM after", func(s stanza.Stanza) bool {
			var r mamResult
			ok, _ := stanza.Find(s, "urn:xmpp:mam:2", "result", &r)
			return s.Head().ID == qid || ok && r.QueryID == qid
		})
		if st.Kind() == stanza.KindIQ {
			requireResult(t, st)
			var fin mamFin
			_, err := stanza.Find(st, "urn:xmpp:mam:2", "fin", &fin)
			require.NoError(t, err)
			assert.True(t, fin.Complete)
			break
		}
		var r mamResult
		_, _ = stanza.Find(st, "urn:xmpp:mam:2", "result", &r)
		newer = append(newer, r.Forwarded.Message.Body)
	}
	require.Len(t, newer, n-30)
	assert.Equal(t, "cup 30", newer[0])
	// Entering gets the history and the subject that were stored.
	r := mustJoin(t, carol, room, "Carol", "")
	var bodies []string
	var subject string
	for _, st := range r.seen {
		if m, ok := st.(*stanza.Message); ok {
			if b, ok := m.Body(); ok {
				bodies = append(bodies, b)
			}
			if s, ok := m.Subject(); ok {
				subject = s
			}
		}
	}
	assert.Len(t, bodies, 20, "the room's history length")
	assert.Equal(t, "cup 44", bodies[len(bodies)-1])
	assert.Equal(t, "Assam", subject)
	mustJoin(t, alice, room, "Alice", "<history maxstanzas='0'/>")
	assert.Equal(t, []string{"bob@" + domain}, affiliated(t, alice, room, "member"))
	assert.Equal(t, []string{"dave@" + domain}, affiliated(t, alice, room, "outcast"))
	h2.stop()
	assert.Equal(t, want, h2.node.Service().State())
}

// TestCrashKeepsAcknowledged kills the node with SIGKILL in the middle of
// traffic through Prosody, restarts it on the same data directory and
// checks that every acknowledged change (an IQ answered with a result)
// and every message reflected to its sender is still there.
func TestCrashKeepsAcknowledged(t *testing.T) {
	srv := startProsody(t)
	bin := filepath.Join(t.TempDir(), "node")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/xmppfmuc/fmuc/examples/node").CombinedOutput()
	require.NoError(t, err, "%s", out)
	dir := t.TempDir()
	var logs logBuffer
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, nodeProcessArgs(srv.ComponentAddr(), srv.ComponentDomain, dir)...)
		startProcess(t, cmd, srv.ComponentSecret, &logs)
		return cmd
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("node log:\n%s", logs.String())
		}
	})
	node := start()
	h := &harness{t: t, srv: srv, logs: &logs, service: stanza.MustParse(srv.ComponentDomain)}
	alice := h.client("alice")
	room := h.room("crash")
	mustJoin(t, alice, room, "Alice", "")
	domain := srv.Domain

	// Acknowledged changes, one at a time.
	var members []string
	for _, u := range []string{"bob", "carol"} {
		requireResult(t, iq(t, alice, stanza.IQSet, room, "aff-"+u, `<query xmlns='http://jabber.org/protocol/muc#admin'><item jid='`+u+`@`+domain+`' affiliation='member'/></query>`))
		members = append(members, u+"@"+domain)
	}
	// Messages: the first ones one at a time, then a burst that the kill
	// interrupts.
	reflected := map[string]string{} // message id -> stanza-id seen
	isReflection := func(s stanza.Stanza) bool {
		m, ok := s.(*stanza.Message)
		return ok && m.Type == stanza.MessageGroupchat && m.From == occupant(room, "Alice")
	}
	note := func(s stanza.Stanza) {
		sid := ""
		for _, x := range stanza.StanzaIDs(s) {
			if x.By == room {
				sid = x.ID
			}
		}
		require.NotEmpty(t, sid, "reflection without a stanza-id: %s", stanza.Encode(s))
		reflected[s.Head().ID] = sid
	}
	for i := range 20 {
		send(t, alice, fmt.Sprintf(`<message to='%s' id='a%d' type='groupchat'><body>acked %d</body></message>`, room, i, i))
		note(expect(t, alice, "reflection", isReflection))
	}
	// The burst: messages, and every 25th an affiliation change, none
	// waited for.
	const burst = 300
	for i := range burst {
		send(t, alice, fmt.Sprintf(`<message to='%s' id='b%d' type='groupchat'><body>burst %d</body></message>`, room, i, i))
		if i%25 == 0 {
			send(t, alice, fmt.Sprintf(`<iq type='set' id='baff%d' to='%s'><query xmlns='http://jabber.org/protocol/muc#admin'><item jid='u%d@%s' affiliation='member'/></query></iq>`, i, room, i, domain))
		}
	}
	isAck := func(s stanza.Stanza) bool {
		return s.Kind() == stanza.KindIQ && s.Head().Type == stanza.IQResult && strings.HasPrefix(s.Head().ID, "baff")
	}
	ack := func(s stanza.Stanza) {
		n, _ := strconv.Atoi(strings.TrimPrefix(s.Head().ID, "baff"))
		members = append(members, fmt.Sprintf("u%d@%s", n, domain))
	}
	either := func(s stanza.Stanza) bool { return isReflection(s) || isAck(s) }
	for range 30 {
		st := expect(t, alice, "burst reflection", either)
		if isAck(st) {
			ack(st)
		} else {
			note(st)
		}
	}
	require.NoError(t, node.Process.Signal(syscall.SIGKILL))
	// What the node wrote before dying still reaches alice through
	// Prosody: it was reflected or acknowledged, so it must survive.
	drain, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	for {
		st, err := alice.Expect(drain, either)
		if err != nil {
			break
		}
		if isAck(st) {
			ack(st)
		} else {
			note(st)
		}
	}
	cancel()
	t.Logf("%d messages reflected and %d affiliation changes acknowledged before the kill (of %d and %d sent)", len(reflected), len(members), 20+burst, 2+burst/25)

	start()
	h.waitServing(alice)
	mustJoin(t, alice, room, "Alice", "<history maxstanzas='0'/>")
	got := affiliated(t, alice, room, "member")
	for _, m := range members {
		assert.Contains(t, got, m, "acknowledged member lost")
	}
	arch := loadArchive(t, alice, room, 100)
	stored := map[string]string{}
	for _, a := range arch {
		stored[a.ID] = a.UID
	}
	for id, sid := range reflected {
		assert.Equal(t, sid, stored[id], "reflected message %s lost or renamed", id)
	}
	t.Logf("archive after restart: %d messages", len(arch))
}

// TestFullDiskRefusesChanges runs the node binary with a file size limit
// (ulimit -f: writes past it fail, as on a full disk) and sends messages
// until the store cannot take them: the node logs the failure, stops
// reflecting and answers with a wait-type resource-constraint error; after
// a restart without the limit, every message it reflected is archived.
func TestFullDiskRefusesChanges(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh for ulimit")
	}
	srv := startProsody(t)
	bin := filepath.Join(t.TempDir(), "node")
	out, err := exec.Command("go", "build", "-o", bin, "github.com/xmppfmuc/fmuc/examples/node").CombinedOutput()
	require.NoError(t, err, "%s", out)
	dir := t.TempDir()
	var logs logBuffer
	var stops []func() // SIGKILL each node started, before a restart
	start := func(limitKB int) {
		args := "exec " + bin + " " + strings.Join(nodeProcessArgs(srv.ComponentAddr(), srv.ComponentDomain, dir), " ")
		if limitKB > 0 {
			// ulimit -f counts 512-byte blocks in POSIX sh.
			args = fmt.Sprintf("ulimit -f %d && %s", limitKB*2, args)
		}
		cmd := exec.Command("sh", "-c", args)
		done := startProcess(t, cmd, srv.ComponentSecret, &logs)
		stops = append(stops, func() { _ = cmd.Process.Kill(); <-done })
	}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("node log:\n%s", logs.String())
		}
	})
	start(256)
	h := &harness{t: t, srv: srv, logs: &logs, service: stanza.MustParse(srv.ComponentDomain)}
	alice := h.client("alice")
	room := h.room("full")
	mustJoin(t, alice, room, "Alice", "")
	body := strings.Repeat("all work and no play makes jack a dull boy ", 5)
	reflected := map[string]bool{}
	refused := false
	for i := 0; i < 5000 && !refused; i++ {
		id := fmt.Sprintf("f%d", i)
		send(t, alice, fmt.Sprintf(`<message to='%s' id='%s' type='groupchat'><body>%s</body></message>`, room, id, body))
		cx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		st, err := alice.Expect(cx, func(s stanza.Stanza) bool { return s.Head().ID == id })
		cancel()
		switch {
		case err != nil:
			// Held back: not stored, so not reflected.
		case st.Head().Type == stanza.MessageError:
			e, _ := stanza.ErrorOf(st)
			require.Equal(t, stanza.ResourceConstraint, e.Condition, "%s", stanza.Encode(st))
			require.Equal(t, stanza.ErrorWait, e.Type)
			refused = true
		default:
			reflected[id] = true
		}
	}
	require.True(t, refused, "the store never filled up")
	assert.Contains(t, logs.String(), "store write failed")
	t.Logf("%d messages reflected before the store was full", len(reflected))

	stops[0]()
	start(0)
	h.waitServing(alice)
	mustJoin(t, alice, room, "Alice", "<history maxstanzas='0'/>")
	stored := map[string]bool{}
	for _, a := range loadArchive(t, alice, room, 100) {
		stored[a.ID] = true
	}
	for id := range reflected {
		assert.True(t, stored[id], "reflected message %s lost", id)
	}
}

// nodeProcessArgs are the flags of a node binary the persistence tests
// run: its data directory, persistent instant rooms, quick reconnection,
// and no message rate (they send bursts).
func nodeProcessArgs(server, domain, dir string) []string {
	return []string{"-server", server, "-domain", domain, "-data-dir", dir,
		"-instant-rooms", "-room-persistent", "-backoff-max", "1s", "-message-burst", "-1"}
}

// startProcess starts cmd with the component secret in its environment
// and its stderr in logs, and kills it when the test ends; done closes
// when it has exited.
func startProcess(t *testing.T, cmd *exec.Cmd, secret string, logs *logBuffer) (done chan struct{}) {
	t.Helper()
	cmd.Env = append(os.Environ(), mucnode.SecretEnv+"="+secret)
	cmd.Stderr = logs
	require.NoError(t, cmd.Start())
	done = make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})
	return done
}
