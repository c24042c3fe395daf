package e2e

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/internal/linkproxy"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

// The XEP-0289 cast on real servers: wonderland.lit hosts
// rabbithole@rooms.wonderland.lit, denmark.lit's elsinore@talk.denmark.lit
// joins it; court@talk.denmark.lit is hosted on denmark and joined by
// court@rooms.wonderland.lit (so that each side hosts a room and can kick
// the other's users); norway.lit makes a chain below denmark.
const (
	wonderlandLit = "wonderland.lit"
	denmarkLit    = "denmark.lit"
	norwayLit     = "norway.lit"
	roomsW        = "rooms.wonderland.lit"
	talkD         = "talk.denmark.lit"
	talkN         = "talk.norway.lit"
)

var (
	wonderlandUsers = []string{"alice", "hatter"}
	denmarkUsers    = []string{"hamlet", "ophelia"}
	norwayUsers     = []string{"fortinbras"}
)

// federation is a set of servers on loopback, each with the node as its
// component, whose s2s traffic to each other crosses one linkproxy per
// server (the proxy in front of a server carries every s2s connection
// opened to it).
type federation struct {
	t   *testing.T
	dns *servers.DNS
	// nodes by server domain.
	nodes   map[string]*harness
	proxies map[string]*linkproxy.Proxy
}

func newFederation(t *testing.T) *federation {
	t.Helper()
	dns, err := servers.StartDNS()
	require.NoError(t, err)
	t.Cleanup(func() { _ = dns.Close() })
	return &federation{t: t, dns: dns, nodes: map[string]*harness{}, proxies: map[string]*linkproxy.Proxy{}}
}

// accounts returns the accounts of users (and of extra generated ones).
func accounts(users []string, extra ...servers.Account) []servers.Account {
	out := make([]servers.Account, 0, len(users)+len(extra))
	for _, u := range users {
		out = append(out, servers.Account{User: u, Password: password})
	}
	return append(out, extra...)
}

// prosody starts a Prosody for domain with component component.
func (f *federation) prosody(domain, component string, accts []servers.Account) *servers.Server {
	f.t.Helper()
	return servers.StartProsody(f.t, servers.ProsodyOptions{Domain: domain, ComponentDomain: component, DNS: f.dns, Accounts: accts})
}

// ejabberd starts an ejabberd for domain with component component.
func (f *federation) ejabberd(domain, component string, accts []servers.Account) *servers.Server {
	f.t.Helper()
	return servers.StartEjabberd(f.t, servers.EjabberdOptions{Domain: domain, ComponentDomain: component, DNS: f.dns, Accounts: accts})
}

// add puts a proxy in front of srv's s2s port, points the DNS answers for
// srv's domains at it, and attaches the node configured by mods.
func (f *federation) add(srv *servers.Server, mods ...func(*mucnode.Config)) *harness {
	f.t.Helper()
	p, err := linkproxy.Listen("127.0.0.1:0", srv.S2SAddr())
	require.NoError(f.t, err)
	f.t.Cleanup(func() { _ = p.Close() })
	for _, d := range []string{srv.Domain, srv.MUCDomain, srv.ComponentDomain} {
		f.dns.Add(d, p.Port())
	}
	f.proxies[srv.Domain] = p
	mods = append([]func(*mucnode.Config){func(c *mucnode.Config) { c.InstantRooms = true }}, mods...)
	h := attach(f.t, srv, mods...)
	f.nodes[srv.Domain] = h
	return h
}

// proxyList is every proxy of the federation.
func (f *federation) proxyList() []*linkproxy.Proxy {
	ps := make([]*linkproxy.Proxy, 0, len(f.proxies))
	for _, p := range f.proxies {
		ps = append(ps, p)
	}
	return ps
}

// settle waits until no s2s byte has crossed for quiet (at most wait) and
// returns the traffic then.
func (f *federation) settle(quiet time.Duration) int64 {
	n, _ := linkproxy.Settle(context.Background(), quiet, wait, f.proxyList()...)
	return n
}

// federate returns a node configuration change.
func federate(with string, rooms map[string]string, allow ...string) func(*mucnode.Config) {
	return func(c *mucnode.Config) {
		c.Federation.With = with
		c.Federation.Rooms = rooms
		c.Federation.Allow = allow
	}
}

// noFMUC fails when a client received a federation payload (XEP-0289:
// fmuc payloads never reach local clients).
func noFMUC(t *testing.T, sts ...stanza.Stanza) {
	t.Helper()
	for _, st := range sts {
		for _, c := range st.Payload() {
			require.NotEqual(t, stanza.NSFMUC, c.Name.Space, "federation payload reached a client: %s", stanza.Encode(st))
			require.NotEqual(t, fmuc.NSExt, c.Name.Space, "federation extension reached a client: %s", stanza.Encode(st))
			require.False(t, strings.Contains(string(c.XML), stanza.NSFMUC), "nested federation payload reached a client: %s", stanza.Encode(st))
		}
	}
}

// expectNot fails if c receives a stanza matching m within d; the caller
// first makes sure (with a stanza that takes the same path) that anything
// m could match has already arrived.
func expectNot(t *testing.T, c *xmppclient.Client, d time.Duration, what string, m xmppclient.Match) {
	t.Helper()
	cx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	st, err := c.Expect(cx, m)
	require.Error(t, err, "%s received %s: %v", c.JID(), what, st)
}
