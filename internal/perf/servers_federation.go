package perf

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/xmppfmuc/fmuc/internal/linkproxy"
	"github.com/xmppfmuc/fmuc/internal/loadtest"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/stanza"
)

// The two servers of the federation measurement: A hosts the rooms, B's
// users are in them.
const (
	domainA, componentA = "wonderland.lit", "rooms.wonderland.lit"
	domainB, componentB = "denmark.lit", "talk.denmark.lit"
)

// pair is two Prosodys on loopback doing s2s through a linkproxy in front
// of each (every s2s connection opened to a server crosses its proxy), each
// with the node binary as its component: B's node federates its rooms with
// A's rooms of the same name; A's node admits B's and creates the room a
// federation join asks for.
type pair struct {
	dns     *servers.DNS
	a, b    *servers.Server
	nodeA   *servers.NodeProcess
	nodeB   *servers.NodeProcess
	proxies []*linkproxy.Proxy
	closers []func()
}

func (p *pair) close() {
	for i := len(p.closers) - 1; i >= 0; i-- {
		p.closers[i]()
	}
}

// startPair starts the two servers (B with users user1..userN) and nodes.
func startPair(ctx context.Context, opts ServersOptions, users int) (_ *pair, err error) {
	p := &pair{}
	defer func() {
		if err != nil {
			p.close()
		}
	}()
	if p.dns, err = servers.StartDNS(); err != nil {
		return nil, err
	}
	p.closers = append(p.closers, func() { _ = p.dns.Close() })
	launch := func(domain, component string, accts []servers.Account) (*servers.Server, error) {
		srv, err := servers.LaunchProsody(servers.ProsodyOptions{Domain: domain, ComponentDomain: component, DNS: p.dns, Accounts: accts})
		if err != nil {
			return nil, err
		}
		p.closers = append(p.closers, func() { _ = srv.Close() })
		px, err := linkproxy.Listen("127.0.0.1:0", srv.S2SAddr())
		if err != nil {
			return nil, err
		}
		p.closers = append(p.closers, func() { _ = px.Close() })
		for _, d := range []string{srv.Domain, srv.MUCDomain, srv.ComponentDomain} {
			p.dns.Add(d, px.Port())
		}
		p.proxies = append(p.proxies, px)
		return srv, nil
	}
	// A needs user1 only, to wait for its node.
	if p.a, err = launch(domainA, componentA, servers.Accounts("user", 1, password)); err != nil {
		return nil, err
	}
	if p.b, err = launch(domainB, componentB, servers.Accounts("user", users, password)); err != nil {
		return nil, err
	}
	// B's users create rooms on A's node in the plain-over-s2s runs; no
	// peer rate, so that a join storm of B's users is relayed as it comes.
	common := append([]string{"-federation-peer-interval", "-1s"}, nodeFlags...)
	start := func(srv *servers.Server, args ...string) (*servers.NodeProcess, error) {
		n, err := servers.StartNode(opts.Node, srv, append(args, common...)...)
		if err != nil {
			return nil, err
		}
		p.closers = append(p.closers, n.Stop)
		wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if err := servers.WaitServing(wctx, srv, "user1", password); err != nil {
			return nil, fmt.Errorf("%w; node log:\n%s", err, n.Log())
		}
		return n, nil
	}
	if p.nodeA, err = start(p.a, "-federation-allow", componentB, "-federation-remote-create", "-create-rooms", "anyone"); err != nil {
		return nil, err
	}
	if p.nodeB, err = start(p.b, "-federate-with", componentA); err != nil {
		return nil, err
	}
	return p, nil
}

// linkBytes is the s2s bytes delivered so far through both proxies, both
// directions.
func (p *pair) linkBytes() int64 { return linkproxy.Total(p.proxies...) }

// settle waits until no s2s byte has crossed for 300 ms (at most 30 s).
func (p *pair) settle(ctx context.Context) error {
	if _, ok := linkproxy.Settle(ctx, 300*time.Millisecond, 30*time.Second, p.proxies...); !ok {
		return errors.Join(errors.New("perf: the s2s link never went quiet"), ctx.Err())
	}
	return nil
}

// ServersFederation measures, at each of opts.RemoteSizes, N users of
// server B in one room over s2s, three ways: plain MUC, a room of A's
// Prosody MUC and a room of A's node, each joined by B's users over s2s;
// and fmuc, B's users in a room of B's node federated (XEP-0289) with
// the room of the same name on A's node. opts.Senders of the users send
// opts.Messages each at opts.Rate in total. Besides deliveries, latency
// and CPU per delivery for both Prosodys and both nodes, it reports the
// s2s bytes per message sent, both directions, from the link proxies.
func ServersFederation(ctx context.Context, r *Report, opts ServersOptions) error {
	done, err := opts.prepare(ctx)
	if err != nil {
		return err
	}
	defer done()
	maxN := slices.Max(opts.RemoteSizes)
	p, err := startPair(ctx, opts, maxN)
	if err != nil {
		return err
	}
	defer p.close()
	procs := []process{{"Prosody A", p.a.PID()}, {"Prosody B", p.b.PID()}, {"node A", p.nodeA.PID()}, {"node B", p.nodeB.PID()}}
	shown := slices.Concat(procs, []process{{"load clients", 0}})
	pids := make([]int, len(procs))
	for i, pr := range procs {
		pids[i] = pr.pid
	}
	for _, n := range opts.RemoteSizes {
		runs := []struct {
			what string
			room stanza.JID
		}{
			{fmt.Sprintf("plain over s2s, A's Prosody MUC, %d remote users", n), stanza.MustParse(fmt.Sprintf("s2s%d@%s", n, p.a.MUCDomain))},
			{fmt.Sprintf("plain over s2s, A's node, %d remote users", n), stanza.MustParse(fmt.Sprintf("s2s%d@%s", n, p.a.ComponentDomain))},
			{fmt.Sprintf("fmuc, B's node federated with A's, %d users", n), stanza.MustParse(fmt.Sprintf("fed%d@%s", n, p.b.ComponentDomain))},
		}
		for _, run := range runs {
			senders := min(n, opts.Senders)
			opts.Logger.Info("measuring", "room", run.room.String())
			res, err := loadtest.Run(ctx, loadtest.Config{
				Addr: p.b.C2SAddr(), Domain: p.b.Domain, UserPrefix: "user", Password: password,
				Rooms: []stanza.JID{run.room}, Clients: n, Senders: senders, Messages: opts.Messages,
				Rate: opts.Rate, PIDs: pids, JoinTimeout: 5 * time.Minute,
				Drain: 30*time.Second + time.Duration(n)*300*time.Millisecond,
				Settle: func(ctx context.Context) error {
					if err := p.settle(ctx); err != nil {
						return err
					}
					return idle(opts.Logger, procs)(ctx)
				},
				Counters: []func() int64{p.linkBytes},
				Logger:   opts.Logger,
			})
			if err != nil {
				return fmt.Errorf("perf: %s: %w", run.what, err)
			}
			for _, nd := range []*servers.NodeProcess{p.nodeA, p.nodeB} {
				if err := nd.Exited(); err != nil {
					return fmt.Errorf("perf: %s: %w; node log:\n%s", run.what, err, nd.Log())
				}
			}
			cond := conditions(n, senders, opts.Messages, opts.Rate, "two Prosody 0.12, s2s on loopback")
			res0 := res[0]
			addResult(r, run.what, cond, res0, shown)
			perMsg := 0.0
			if res0.Sent > 0 {
				perMsg = float64(res0.Counters[0]) / float64(res0.Sent)
			}
			r.Add(ServersSection, run.what+": s2s bytes per message", cond, "%.0f B", perMsg)
		}
	}
	return nil
}
