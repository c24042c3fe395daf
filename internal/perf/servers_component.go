package perf

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/xmppfmuc/fmuc/internal/loadtest"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/stanza"
)

// ServersComponent measures, at each of opts.Sizes, a room of the node
// (its binary as its own process, the XEP-0114 component of a Prosody on
// loopback) and a room of that Prosody's own MUC, one after the other: N
// clients join, opts.Senders of them send opts.Messages each at opts.Rate
// in total. Then, on the same Prosody with the node detached, it measures
// what Prosody spends per stanza a component writes, by the stanzas'
// shape (ComponentShapes), unless opts.ShapeStanzas is negative.
func ServersComponent(ctx context.Context, r *Report, opts ServersOptions) error {
	done, err := opts.prepare(ctx)
	if err != nil {
		return err
	}
	defer done()
	maxN := slices.Max(opts.Sizes)
	srv, err := servers.LaunchProsody(servers.ProsodyOptions{Accounts: servers.Accounts("user", maxN, password)})
	if err != nil {
		return err
	}
	defer srv.Close()
	node, err := servers.StartNode(opts.Node, srv, nodeFlags...)
	if err != nil {
		return err
	}
	stopped := false
	defer func() {
		if !stopped {
			node.Stop()
		}
	}()
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	err = servers.WaitServing(wctx, srv, "user1", password)
	cancel()
	if err != nil {
		return fmt.Errorf("%w; node log:\n%s", err, node.Log())
	}
	procs := []process{{"Prosody", srv.PID()}, {"node", node.PID()}}
	// The figures show the load clients' CPU too: on a small machine
	// they compete with the servers for the cores.
	shown := slices.Concat(procs, []process{{"load clients", 0}})
	where := "Prosody 0.12 on loopback"
	for _, n := range opts.Sizes {
		rooms := []struct {
			what string
			room stanza.JID
		}{
			{fmt.Sprintf("node (component), %d occupants", n), stanza.MustParse(fmt.Sprintf("load%d@%s", n, srv.ComponentDomain))},
			{fmt.Sprintf("Prosody MUC, %d occupants", n), stanza.MustParse(fmt.Sprintf("load%d@%s", n, srv.MUCDomain))},
		}
		for _, room := range rooms {
			senders := min(n, opts.Senders)
			// The previous room's leave storm must not count here.
			if err := idle(opts.Logger, procs)(ctx); err != nil {
				return err
			}
			opts.Logger.Info("measuring", "room", room.room.String())
			begin := time.Now()
			before, err := cpuTimes(shown)
			if err != nil {
				return err
			}
			res, err := loadtest.Run(ctx, loadtest.Config{
				Addr: srv.C2SAddr(), Domain: srv.Domain, UserPrefix: "user", Password: password,
				Rooms: []stanza.JID{room.room}, Clients: n, Senders: senders, Messages: opts.Messages,
				Rate: opts.Rate, PIDs: []int{srv.PID(), node.PID()},
				// A 1,000-occupant join is a million presence stanzas
				// through the server: give it time, and the deliveries
				// time to drain.
				JoinTimeout: 20 * time.Minute,
				Drain:       30*time.Second + time.Duration(n)*300*time.Millisecond,
				Settle:      idle(opts.Logger, procs),
				Logger:      opts.Logger,
			})
			if err != nil {
				return fmt.Errorf("perf: %s: %w", room.what, err)
			}
			if err := node.Exited(); err != nil {
				return fmt.Errorf("perf: %s: %w; node log:\n%s", room.what, err, node.Log())
			}
			after, err := cpuTimes(shown)
			if err != nil {
				return err
			}
			cond := conditions(n, senders, opts.Messages, opts.Rate, where)
			addResult(r, room.what, cond, res[0], shown)
			for i, p := range shown {
				r.Add(ServersSection, room.what+": CPU of the whole run, "+p.name, cond+", logins and joins included",
					"%.2f s in %v", (after[i] - before[i]).Seconds(), time.Since(begin).Round(time.Second))
			}
		}
	}
	if opts.ShapeStanzas < 0 {
		return nil
	}
	node.Stop()
	stopped = true
	if err := idle(opts.Logger, procs[:1])(ctx); err != nil {
		return err
	}
	return ComponentShapes(ctx, r, srv, opts)
}
