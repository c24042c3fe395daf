package perf

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"time"

	"github.com/xmppfmuc/fmuc/internal/loadtest"
	"github.com/xmppfmuc/fmuc/internal/servers"
)

// ServersSection is the Report section of the real-server figures.
const ServersSection = "real servers"

// ErrNoServers: Prosody is not installed, so the real-server figures
// cannot be measured.
var ErrNoServers = errors.New("perf: Prosody is not installed")

// ServersOptions configures Servers. Zero fields take defaults.
type ServersOptions struct {
	// Sizes are the occupants of the rooms the node (a component of
	// Prosody) and Prosody's own MUC are compared at; default 10, 100, 1000.
	Sizes []int
	// RemoteSizes are the users of the second server in the rooms the
	// federated pair and plain MUC over s2s are compared at; default 10, 100.
	RemoteSizes []int
	// Senders is how many of a room's occupants send (at most all of
	// them); default 10.
	Senders int
	// Messages is the messages each sender sends; default 20.
	Messages int
	// Rate is the total messages per second of all senders; default 20.
	Rate float64
	// ShapeStanzas is the stanzas written per variant in the component
	// stanza-shape measurement; default 30000, negative skips it.
	ShapeStanzas int
	// ShapeReceivers is how many c2s clients receive them; default 1000.
	ShapeReceivers int
	// ShapeRounds is how many times each variant is measured; default 3.
	ShapeRounds int
	// Node is the node binary; "" builds examples/node into a temporary
	// directory.
	Node string
	// Logger reports progress; nil discards.
	Logger *slog.Logger
}

// prepare applies the defaults and builds the node binary when o names
// none; done removes what it built.
func (o *ServersOptions) prepare(ctx context.Context) (done func(), err error) {
	o.defaults()
	return nodeBinary(ctx, o)
}

func (o *ServersOptions) defaults() {
	if len(o.Sizes) == 0 {
		o.Sizes = []int{10, 100, 1000}
	}
	if len(o.RemoteSizes) == 0 {
		o.RemoteSizes = []int{10, 100}
	}
	if o.Senders <= 0 {
		o.Senders = 10
	}
	if o.Messages <= 0 {
		o.Messages = 20
	}
	if o.Rate <= 0 {
		o.Rate = 20
	}
	if o.ShapeStanzas == 0 {
		o.ShapeStanzas = 30000
	}
	if o.ShapeRounds <= 0 {
		o.ShapeRounds = 3
	}
	if o.ShapeReceivers <= 0 {
		o.ShapeReceivers = 1000
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// password is every account's password on the measured servers.
const password = "pw"

// Servers adds the "real servers" section to r: the node binary, attached
// to Prosody as its component, against Prosody's own MUC on the same
// Prosody (ServersComponent); the federated pair against plain MUC over
// s2s between two Prosodys (ServersFederation); and what Prosody spends
// on a component's stanzas by their shape (ComponentShapes). It returns an
// error wrapping ErrNoServers when Prosody is not installed.
func Servers(ctx context.Context, r *Report, opts ServersOptions) error {
	done, err := opts.prepare(ctx)
	if err != nil {
		return err
	}
	defer done()
	if err := ServersComponent(ctx, r, opts); err != nil {
		return err
	}
	return ServersFederation(ctx, r, opts)
}

// nodeBinary checks that Prosody is installed and, when opts names no node
// binary, builds one into a temporary directory that done removes.
func nodeBinary(ctx context.Context, opts *ServersOptions) (done func(), err error) {
	if _, err := exec.LookPath("prosody"); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoServers, err)
	}
	if opts.Node != "" {
		return func() {}, nil
	}
	dir, err := os.MkdirTemp("", "fmuc-perf-node-")
	if err != nil {
		return nil, err
	}
	done = func() { _ = os.RemoveAll(dir) }
	opts.Logger.Info("building the node")
	bin, err := servers.BuildNode(ctx, dir)
	if err != nil {
		done()
		return nil, err
	}
	opts.Node = bin
	return done, nil
}

// nodeFlags are the flags every measured node runs with: no store, and
// none of the limits that would make the node refuse what the load sends
// (occupants' message and presence rates, crowded-room presence), so that
// the node relays what Prosody's MUC relays.
var nodeFlags = []string{"-log-level", "warn", "-data-dir", "", "-instant-rooms",
	"-message-burst", "-1", "-presence-burst", "-1", "-max-broadcast-presence", "-1"}

// process names a measured process in the figures.
type process struct {
	name string
	pid  int
}

// addResult adds the figures of one loadtest room run: deliveries (and
// duplicates, strays and errors), their rate, latency p50 and p99, and the CPU per delivery of each process
// (procs in the order of the run's PIDs).
func addResult(r *Report, what, conditions string, res loadtest.Result, procs []process) {
	add := func(name, format string, args ...any) {
		r.Add(ServersSection, what+": "+name, conditions, format, args...)
	}
	add("delivered", "%d of %d", res.Delivered, res.Expected)
	add("duplicates, stray and error messages", "%d, %d, %d", res.Duplicates, res.Stray, res.Errors)
	add("deliveries/s", "%.0f", res.Throughput)
	add("latency p50", "%s", ms(res.P50))
	add("latency p99", "%s", ms(res.P99))
	for _, p := range procs {
		for _, c := range res.CPU {
			if c.PID != p.pid {
				continue
			}
			if c.Err != nil || res.Delivered == 0 {
				add("CPU per delivery, "+p.name, "n/a")
				continue
			}
			add("CPU per delivery, "+p.name, "%.1f µs", float64(c.Used.Microseconds())/float64(res.Delivered))
		}
	}
}

// cpuTimes returns the CPU time each process has used so far.
func cpuTimes(procs []process) ([]time.Duration, error) {
	out := make([]time.Duration, len(procs))
	for i, p := range procs {
		d, err := loadtest.CPUTime(p.pid)
		if err != nil {
			return nil, err
		}
		out[i] = d
	}
	return out, nil
}

// idle returns a loadtest settle step that waits until the processes
// together use less than a tenth of a core over half a second (at most 5
// minutes), so that a measurement starts after the servers have worked
// off what the joins left queued (a 1,000-occupant join storm is a
// million presence stanzas) instead of counting it.
func idle(log *slog.Logger, procs []process) func(context.Context) error {
	return func(ctx context.Context) error {
		const window = 500 * time.Millisecond
		begin := time.Now()
		prev, err := cpuTimes(procs)
		if err != nil {
			return err
		}
		for time.Since(begin) < 5*time.Minute {
			select {
			case <-time.After(window):
			case <-ctx.Done():
				return ctx.Err()
			}
			now, err := cpuTimes(procs)
			if err != nil {
				return err
			}
			var used time.Duration
			for i := range now {
				used += now[i] - prev[i]
			}
			prev = now
			if used < window/10 {
				log.Info("servers idle", "after", time.Since(begin).Round(time.Millisecond))
				return nil
			}
		}
		return errors.New("perf: the servers never went idle")
	}
}

// conditions describes a load run.
func conditions(clients, senders, messages int, rate float64, where string) string {
	return fmt.Sprintf("%d clients, %d senders × %d msgs, %g msg/s total, %s", clients, senders, messages, rate, where)
}

func ms(d time.Duration) string {
	return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
}
