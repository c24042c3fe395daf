package e2e

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

const (
	password = "pw"
	// wait bounds every single expectation.
	wait = 5 * time.Second
)

// users are the accounts every harness creates.
var users = []string{"alice", "bob", "carol", "dave"}

// logBuffer collects the node's logs and prints them when the test fails.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// harness is a Prosody with the node attached as its component.
type harness struct {
	t    *testing.T
	srv  *servers.Server
	node *mucnode.Node
	logs *logBuffer
	// stop ends the node and waits for it.
	stop func()
	// service is the node's domain, rooms.wonderland.lit.
	service stanza.JID
}

// nodeConfig is the configuration the e2e node runs with.
func nodeConfig(srv *servers.Server, secret string) mucnode.Config {
	return mucnode.Config{
		Server:     srv.ComponentAddr(),
		Domain:     srv.ComponentDomain,
		Secret:     secret,
		LogLevel:   "debug",
		BackoffMax: mucnode.Duration(time.Second),
		DataDir:    new(""), // in memory; the persistence tests give a directory
	}
}

// startProsody starts a Prosody with the test accounts.
func startProsody(t *testing.T) *servers.Server {
	t.Helper()
	return servers.StartProsody(t, servers.ProsodyOptions{Accounts: testAccounts()})
}

// testAccounts are the accounts of users.
func testAccounts() []servers.Account {
	accts := make([]servers.Account, 0, len(users))
	for _, u := range users {
		accts = append(accts, servers.Account{User: u, Password: password})
	}
	return accts
}

// newHarness starts Prosody and the node, and waits until the node serves.
// mods change the node's configuration first.
func newHarness(t *testing.T, mods ...func(*mucnode.Config)) *harness {
	t.Helper()
	return attach(t, startProsody(t), mods...)
}

// attach runs the node as the component of srv, its configuration
// changed by mods.
func attach(t *testing.T, srv *servers.Server, mods ...func(*mucnode.Config)) *harness {
	t.Helper()
	h := &harness{t: t, srv: srv, logs: &logBuffer{}, service: stanza.MustParse(srv.ComponentDomain)}
	cfg := nodeConfig(srv, srv.ComponentSecret)
	for _, m := range mods {
		m(&cfg)
	}
	h.startNode(cfg)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("node log:\n%s", h.logs.String())
		}
	})
	return h
}

// startNode runs the node in-process until the test ends.
func (h *harness) startNode(cfg mucnode.Config) {
	t := h.t
	t.Helper()
	log := slog.New(slog.NewTextHandler(h.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	n, err := mucnode.New(cfg, log)
	require.NoError(t, err)
	h.node = n
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- n.Run(ctx) }()
	var once sync.Once
	h.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("node: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("node did not stop")
			}
		})
	}
	t.Cleanup(h.stop)
}

// client logs user in (with initial presence) and waits until the node
// answers through the server.
func (h *harness) client(user string) *xmppclient.Client {
	t := h.t
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	jid := stanza.MustParse(user + "@" + h.srv.Domain + "/e2e")
	c, err := xmppclient.DialConfig(ctx, xmppclient.Config{Addr: h.srv.C2SAddr(), JID: jid, Password: password, Presence: true})
	require.NoError(t, err, "login %s", user)
	t.Cleanup(func() { _ = c.Close() })
	h.waitServing(c)
	return c
}

// waitServing sends disco#info to the service until the node answers it
// (Prosody answers service-unavailable while no component is connected).
func (h *harness) waitServing(c *xmppclient.Client) {
	t := h.t
	t.Helper()
	deadline := time.Now().Add(3 * wait)
	for i := 0; time.Now().Before(deadline); i++ {
		id := fmt.Sprintf("ready%d", i)
		res := iq(t, c, stanza.IQGet, h.service, id, `<query xmlns='http://jabber.org/protocol/disco#info'/>`)
		if res.Head().Type == stanza.IQResult {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("the node never answered through the server")
}

// room returns the bare JID of a room of the node.
func (h *harness) room(name string) stanza.JID {
	return stanza.MustParse(name + "@" + h.service.Domain())
}

// ctx returns a context bounded by wait.
func ctx(t *testing.T) context.Context {
	t.Helper()
	c, cancel := context.WithTimeout(context.Background(), wait)
	t.Cleanup(cancel)
	return c
}

// send writes a stanza given as XML (from is set by the server).
func send(t *testing.T, c *xmppclient.Client, xml string) {
	t.Helper()
	st, err := stanza.Decode([]byte(xml))
	require.NoError(t, err, "test stanza %s", xml)
	require.NoError(t, c.Send(st))
}

// expect waits for a stanza matching m.
func expect(t *testing.T, c *xmppclient.Client, what string, m xmppclient.Match) stanza.Stanza {
	t.Helper()
	st, err := c.Expect(ctx(t), m)
	require.NoError(t, err, "%s waiting for %s", c.JID(), what)
	return st
}

// iq sends an IQ and returns the answer.
func iq(t *testing.T, c *xmppclient.Client, typ string, to stanza.JID, id, payload string) stanza.Stanza {
	t.Helper()
	send(t, c, fmt.Sprintf(`<iq type='%s' id='%s' to='%s'>%s</iq>`, typ, id, to, payload))
	return expect(t, c, "iq "+id, func(s stanza.Stanza) bool {
		h := s.Head()
		return s.Kind() == stanza.KindIQ && h.ID == id && (h.Type == stanza.IQResult || h.Type == stanza.IQError)
	})
}

// requireResult fails unless st is an IQ result.
func requireResult(t *testing.T, st stanza.Stanza) {
	t.Helper()
	require.Equal(t, stanza.IQResult, st.Head().Type, "%s", stanza.Encode(st))
}

// errCondition returns the stanza error condition of st, "" when none.
func errCondition(st stanza.Stanza) stanza.Condition {
	if e, ok := stanza.ErrorOf(st); ok {
		return e.Condition
	}
	return ""
}

// mucUser returns the muc#user payload of st (nil when absent).
func mucUser(t *testing.T, st stanza.Stanza) *stanza.MUCUser {
	t.Helper()
	var x stanza.MUCUser
	found, err := stanza.Find(st, stanza.NSMUCUser, "x", &x)
	require.NoError(t, err)
	if !found {
		return nil
	}
	return &x
}

// statuses returns the muc#user status codes of st.
func statuses(t *testing.T, st stanza.Stanza) []int {
	t.Helper()
	x := mucUser(t, st)
	if x == nil {
		return nil
	}
	var codes []int
	for _, s := range x.Statuses {
		codes = append(codes, int(s.Code))
	}
	return codes
}

// item returns the first muc#user item of st.
func item(t *testing.T, st stanza.Stanza) stanza.Item {
	t.Helper()
	x := mucUser(t, st)
	require.NotNil(t, x, "no muc#user in %s", stanza.Encode(st))
	require.NotEmpty(t, x.Items, "no item in %s", stanza.Encode(st))
	return x.Items[0]
}

// presenceFrom matches presence of the given type from an occupant JID.
func presenceFrom(occ stanza.JID, typ string) xmppclient.Match {
	return func(s stanza.Stanza) bool {
		return s.Kind() == stanza.KindPresence && s.Head().From == occ && s.Head().Type == typ
	}
}

// groupchat matches a groupchat message with the given body from the room.
func groupchat(room stanza.JID, body string) xmppclient.Match {
	return func(s stanza.Stanza) bool {
		m, ok := s.(*stanza.Message)
		if !ok || m.From.Bare() != room || m.Type != stanza.MessageGroupchat {
			return false
		}
		b, _ := m.Body()
		return b == body
	}
}

// joinResult is everything a client received from the room up to and
// including its self-presence (or the error).
type joinResult struct {
	seen []stanza.Stanza
	self stanza.Stanza
}

// join enters room as nick (with extra XML inside the muc <x/>) and
// collects what the room sends until the self-presence or an error.
func join(t *testing.T, c *xmppclient.Client, room stanza.JID, nick, extra string) joinResult {
	t.Helper()
	occ := occupant(room, nick)
	send(t, c, fmt.Sprintf(`<presence to='%s'><x xmlns='http://jabber.org/protocol/muc'>%s</x></presence>`, occ, extra))
	var r joinResult
	cx := ctx(t)
	for {
		st, err := c.Recv(cx)
		require.NoError(t, err, "%s joining %s", c.JID(), occ)
		if st.Head().From.Bare() != room {
			continue
		}
		r.seen = append(r.seen, st)
		if st.Kind() != stanza.KindPresence {
			continue
		}
		if st.Head().Type == stanza.PresenceError && st.Head().From == occ {
			r.self = st
			return r
		}
		if x := mucUser(t, st); x != nil && x.HasStatus(110) {
			r.self = st
			return r
		}
	}
}

// mustJoin joins and fails on an error presence; it also waits for the
// subject message that ends the join sequence (XEP-0045 §7.2.16).
func mustJoin(t *testing.T, c *xmppclient.Client, room stanza.JID, nick, extra string) joinResult {
	t.Helper()
	r := join(t, c, room, nick, extra)
	require.NotEqual(t, stanza.PresenceError, r.self.Head().Type, "join %s: %s", nick, stanza.Encode(r.self))
	cx := ctx(t)
	for {
		st, err := c.Recv(cx)
		require.NoError(t, err, "%s waiting for the subject of %s", c.JID(), room)
		if st.Head().From.Bare() != room {
			continue
		}
		r.seen = append(r.seen, st)
		if m, ok := st.(*stanza.Message); ok {
			if _, has := m.Subject(); has {
				return r
			}
		}
	}
}

// occupant returns room/nick.
func occupant(room stanza.JID, nick string) stanza.JID {
	j, err := room.WithResource(nick)
	if err != nil {
		panic(err)
	}
	return j
}

// createInstant creates room as its owner with an empty submit form (the
// instant room of XEP-0045 §10.1.2).
func createInstant(t *testing.T, c *xmppclient.Client, room stanza.JID, nick string) {
	t.Helper()
	r := join(t, c, room, nick, "")
	require.Contains(t, statuses(t, r.self), 201, "new room: %s", stanza.Encode(r.self))
	res := iq(t, c, stanza.IQSet, room, "instant-"+room.Local(), `<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query>`)
	requireResult(t, res)
}

// configure submits a muc#roomconfig form with the given fields.
func configure(t *testing.T, c *xmppclient.Client, room stanza.JID, id string, fields map[string]string) stanza.Stanza {
	t.Helper()
	var b strings.Builder
	b.WriteString(`<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>`)
	b.WriteString(`<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field>`)
	for _, k := range sortedKeys(fields) {
		fmt.Fprintf(&b, `<field var='%s'><value>%s</value></field>`, k, fields[k])
	}
	b.WriteString(`</x></query>`)
	return iq(t, c, stanza.IQSet, room, id, b.String())
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// discoInfo is a parsed disco#info result (XEP-0030 §3.1).
type discoInfo struct {
	Identities []struct {
		Category string `xml:"category,attr"`
		Type     string `xml:"type,attr"`
		Name     string `xml:"name,attr"`
	} `xml:"identity"`
	Features []struct {
		Var string `xml:"var,attr"`
	} `xml:"feature"`
}

// has reports whether the feature is advertised.
func (d discoInfo) has(feature string) bool {
	for _, f := range d.Features {
		if f.Var == feature {
			return true
		}
	}
	return false
}

// discoItems is a parsed disco#items result (XEP-0030 §4.1).
type discoItems struct {
	Items []struct {
		JID  string `xml:"jid,attr"`
		Name string `xml:"name,attr"`
	} `xml:"item"`
}

// getDiscoInfo queries disco#info of to and parses the result.
func getDiscoInfo(t *testing.T, c *xmppclient.Client, to stanza.JID, id string) discoInfo {
	t.Helper()
	res := iq(t, c, stanza.IQGet, to, id, `<query xmlns='http://jabber.org/protocol/disco#info'/>`)
	requireResult(t, res)
	var d discoInfo
	q, ok := stanza.Child(res, "http://jabber.org/protocol/disco#info", "query")
	require.True(t, ok, "%s", stanza.Encode(res))
	require.NoError(t, q.Decode(&d))
	return d
}

// client is a logged-in test user.
type client = xmppclient.Client

// xmppclientByID matches the stanza with the given id.
func xmppclientByID(id string) xmppclient.Match { return xmppclient.ByID(id) }

// occupantID returns the XEP-0421 occupant-id of st ("" when absent).
func occupantID(t *testing.T, st stanza.Stanza) string {
	t.Helper()
	var v struct {
		ID string `xml:"id,attr"`
	}
	found, err := stanza.Find(st, "urn:xmpp:occupant-id:0", "occupant-id", &v)
	require.NoError(t, err)
	if !found {
		return ""
	}
	return v.ID
}
