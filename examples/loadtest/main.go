// Command loadtest measures MUC rooms under load over real c2s connections
// and prints the rooms side by side: deliveries per second, latency p50/p90/p99
// from send to each receipt, lost and duplicated deliveries, and the CPU
// time of given processes (a server, a federated MUC node) during the run.
//
// Against a running server (accounts user1..userN with one password):
//
//	go run ./examples/loadtest -addr 127.0.0.1:5222 -domain wonderland.lit -password pw \
//	    -rooms room@rooms.wonderland.lit,room@conference.wonderland.lit \
//	    -n 100 -s 10 -m 100 -rate 1000 -pids 1234,5678
//
// On a machine with Prosody installed, -selfhost starts a private Prosody on
// free loopback ports with the N accounts, tests its own MUC and reports its
// CPU; extra -rooms (say, a node attached to the printed component port) are
// tested in the same run:
//
//	go run ./examples/loadtest -selfhost -n 100
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/internal/loadtest"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/stanza"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "loadtest:", err)
		os.Exit(1)
	}
}

func run() error {
	var (
		addr     = flag.String("addr", "127.0.0.1:5222", "server c2s `host:port`")
		domain   = flag.String("domain", servers.DefaultDomain, "user domain")
		prefix   = flag.String("user-prefix", "user", "accounts are `prefix`1..prefixN")
		password = flag.String("password", "pw", "password of every account")
		rooms    = flag.String("rooms", "", "comma-separated room JIDs, tested one after another and printed side by side")
		n        = flag.Int("n", 10, "clients (occupants) per room")
		s        = flag.Int("s", 0, "senders among the clients (default min(n, 10))")
		m        = flag.Int("m", 50, "messages per sender")
		rate     = flag.Float64("rate", 500, "total messages per second over all senders (0 = unpaced)")
		drain    = flag.Duration("drain", 10*time.Second, "how long to wait for deliveries after the last send")
		pids     = flag.String("pids", "", "comma-separated PIDs whose CPU time to report")
		bodyLen  = flag.Int("body", 0, "pad message bodies to this many bytes")
		conc     = flag.Int("concurrency", 32, "simultaneous logins and joins")
		selfhost = flag.Bool("selfhost", false, "start a private Prosody with the accounts and test its own MUC too")
		keep     = flag.Duration("hold", 0, "with -selfhost: keep Prosody running this long before the run (to attach a node)")
		timeout  = flag.Duration("timeout", 15*time.Minute, "give up after this long")
		joinTO   = flag.Duration("join-timeout", 2*time.Minute, "bound on each login and each join")
		verbose  = flag.Bool("v", false, "log progress")
	)
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "Usage: %s [flags]\n\nJoins N clients to each room, has S of them send M messages at the given rate,\nand reports throughput, latency, loss, duplicates and CPU per process.\n\nFlags:\n", os.Args[0])
		flag.PrintDefaults()
	}
	flag.Parse()
	if *s == 0 {
		*s = min(*n, 10)
	}

	cfg := loadtest.Config{
		Addr: *addr, Domain: *domain, UserPrefix: *prefix, Password: *password,
		Clients: *n, Senders: *s, Messages: *m, Rate: *rate, Drain: *drain,
		Body: *bodyLen, ConnectConcurrency: *conc, JoinTimeout: *joinTO,
	}
	if *verbose {
		cfg.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	for _, r := range splitList(*rooms) {
		j, err := stanza.Parse(r)
		if err != nil {
			return fmt.Errorf("-rooms: %w", err)
		}
		cfg.Rooms = append(cfg.Rooms, j)
	}
	for _, p := range splitList(*pids) {
		pid, err := strconv.Atoi(p)
		if err != nil {
			return fmt.Errorf("-pids: %w", err)
		}
		cfg.PIDs = append(cfg.PIDs, pid)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()

	if *selfhost {
		begin := time.Now()
		srv, err := servers.LaunchProsody(servers.ProsodyOptions{
			Domain:   *domain,
			Accounts: servers.Accounts(*prefix, *n, *password),
		})
		if err != nil {
			return err
		}
		defer srv.Close()
		fmt.Printf("prosody pid %d started in %v (with %d accounts in %v): c2s %s, component %s for %s secret %q, MUC %s\n",
			srv.PID(), srv.StartDuration.Round(time.Millisecond), *n, time.Since(begin).Round(time.Millisecond),
			srv.C2SAddr(), srv.ComponentAddr(), srv.ComponentDomain, srv.ComponentSecret, srv.MUCDomain)
		cfg.Addr, cfg.Domain = srv.C2SAddr(), srv.Domain
		cfg.PIDs = append([]int{srv.PID()}, cfg.PIDs...)
		cfg.Rooms = append([]stanza.JID{stanza.MustParse("loadtest@" + srv.MUCDomain)}, cfg.Rooms...)
		if *keep > 0 {
			fmt.Printf("holding for %v\n", *keep)
			select {
			case <-time.After(*keep):
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	if len(cfg.Rooms) == 0 {
		return errors.New("no rooms: give -rooms or -selfhost")
	}

	results, err := loadtest.Run(ctx, cfg)
	if len(results) > 0 {
		fmt.Println()
		if werr := loadtest.WriteTable(os.Stdout, results); werr != nil {
			return werr
		}
	}
	return err
}

func splitList(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}
