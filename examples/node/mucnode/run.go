package mucnode

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/xmppfmuc/fmuc/examples/node/mucstore"
	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
	"github.com/xmppfmuc/fmuc/transport"
)

// Exit codes of Main and of the node command.
const (
	// ExitOK: stopped by a signal (or its context) after a clean shutdown.
	ExitOK = 0
	// ExitFailure: any other runtime error.
	ExitFailure = 1
	// ExitConfig: bad flags or configuration (including a missing secret).
	ExitConfig = 2
	// ExitRefused: the server refused the handshake with not-authorized,
	// which almost always means a wrong secret (XEP-0114 §3).
	ExitRefused = 3
	// ExitRejected: the server refused the handshake with host-unknown
	// (it has no component of that name) or conflict (another component
	// is connected under the name).
	ExitRejected = 4
)

// NewLogger returns a slog logger writing to w in the configured format and
// level.
func NewLogger(c *Config, w io.Writer) (*slog.Logger, error) {
	lvl, err := parseLevel(c.LogLevel)
	if err != nil {
		return nil, err
	}
	opts := &slog.HandlerOptions{Level: lvl}
	if c.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts)), nil
	}
	return slog.New(slog.NewTextHandler(w, opts)), nil
}

// NewIDs returns a stanza id generator: a random prefix per process and a
// counter, so ids are unique across restarts without being guessable in
// advance.
func NewIDs() func() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	prefix := hex.EncodeToString(b[:]) + "-"
	var n atomic.Uint64
	return func() string { return prefix + strconv.FormatUint(n.Add(1), 36) }
}

// Node is a configured node ready to Run.
type Node struct {
	cfg     Config
	log     *slog.Logger
	machine *FederatedMachine
	comp    *transport.Component
	store   *mucstore.Bolt // nil: in memory
}

// New builds the service and the component. cfg must be valid (see
// ParseArgs, Config.Validate); log may be nil. With a data directory it
// opens the store there and restores its rooms: a directory another node
// holds is an error wrapping mucstore.ErrLocked, a file that is not a
// store of this format one wrapping mucstore.ErrFormat. Run closes the
// store when it returns.
func New(cfg Config, log *slog.Logger) (*Node, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	rc, err := cfg.RoomConfig()
	if err != nil {
		return nil, err
	}
	domain, err := stanza.Parse(cfg.Domain)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	key, err := cfg.occupantIDKey()
	if err != nil {
		return nil, err
	}
	fed, err := cfg.federation(domain)
	if err != nil {
		return nil, err
	}
	var (
		st   *mucstore.Bolt
		snap mucstore.Snapshot
	)
	if dir := cfg.dataDir(); dir == "" {
		log.Info("no data directory: rooms are kept in memory only and lost when the node stops")
	} else {
		if st, snap, err = openStore(dir, log); err != nil {
			return nil, err
		}
		if cfg.OccupantIDKeyFile == "" {
			if key, err = storedKey(st, snap); err != nil {
				_ = st.Close()
				return nil, err
			}
		}
	}
	n, err := newNode(cfg, log, domain, key, rc, fed, st, snap)
	if err != nil && st != nil {
		_ = st.Close()
	}
	return n, err
}

// newNode builds the service (restoring the rooms and the federation
// state of snap), the machine and the component.
func newNode(cfg Config, log *slog.Logger, domain stanza.JID, key []byte, rc muc.Config, fed fmucSettings, st *mucstore.Bolt, snap mucstore.Snapshot) (*Node, error) {
	mopts := muc.ServiceOptions{
		Archive:       cfg.archive(),
		OccupantIDKey: key,
		Name:          cfg.Name,
		RoomDefaults:  &rc,
		Locking:       cfg.locking(),
		LockTimeout:   cfg.lockTimeout(),
	}
	if err := cfg.abuseOptions(&mopts); err != nil {
		return nil, err
	}
	m, err := NewFederatedMachine(fmuc.Options{
		Domain:       domain,
		NewID:        NewIDs(),
		MUC:          mopts,
		Federation:   fed.federationFunc(),
		Inbound:      fmuc.Policy{Allow: fed.allow},
		RemoteCreate: cfg.Federation.RemoteCreate,
		PeerInterval: time.Duration(cfg.Federation.PeerInterval),
		PeerBurst:    cfg.Federation.PeerBurst,
		Logger:       log,
	}, log)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if st != nil {
		if err := m.restore(st, snap); err != nil {
			return nil, err
		}
	}
	comp, err := transport.New(transport.Config{
		Address:            cfg.Server,
		Domain:             cfg.Domain,
		Secret:             cfg.Secret,
		Machine:            m,
		Logger:             log,
		BackoffMin:         500 * time.Millisecond,
		BackoffMax:         cfg.backoffMax(),
		OutboundQueue:      cfg.queue(),
		OutboundQueueBytes: cfg.QueueBytes,
		PingInterval:       time.Duration(cfg.PingInterval),
		PingTo:             cfg.PingTo,
		MaxStanzaSize:      cfg.maxStanzaSize(),
		MaxOutboundSize:    cfg.maxOutboundSize(),
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Node{cfg: cfg, log: log, machine: m, comp: comp, store: st}, nil
}

// Service returns the node's MUC service, for inspection before Run or
// after it returned (the Machine drives it from Run's goroutine).
func (n *Node) Service() *muc.Service { return n.machine.Service().MUC() }

// Stats returns the component's counters; safe from any goroutine.
func (n *Node) Stats() transport.Stats { return n.comp.Stats() }

// Figures returns the federation counters; safe from any goroutine.
func (n *Node) Figures() Figures { return n.machine.Figures() }

// logFigures logs the federation figures and the component's counters
// every interval until done is closed.
func (n *Node) logFigures(every time.Duration, done <-chan struct{}) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-done:
			return
		case <-t.C:
		}
		f := n.Figures()
		st := n.comp.Stats()
		attrs := []any{"in", st.In, "out", st.Out, "dropped", st.Dropped, "reconnects", st.Reconnects, "oversize", st.Oversize,
			"queued_bytes", st.QueuedBytes, "back_pressure", st.BackPressure}
		for _, state := range slices.Sorted(maps.Keys(f.Links)) {
			attrs = append(attrs, "links_"+state, f.Links[state])
		}
		for _, p := range f.Peers {
			attrs = append(attrs, slog.Group(p.Peer.String(), "stanzas", p.Stanzas, "bytes", p.Bytes))
		}
		n.log.Info("figures", attrs...)
	}
}

// Run serves until ctx is done (then it shuts the rooms down, closes the
// stream and the store, and returns nil) or the server refuses the
// handshake.
func (n *Node) Run(ctx context.Context) error {
	n.log.Info("starting", "server", n.cfg.Server, "domain", n.cfg.Domain)
	if every := time.Duration(n.cfg.StatsInterval); every > 0 {
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() { defer wg.Done(); n.logFigures(every, done) }()
		defer func() { close(done); wg.Wait() }()
	}
	err := n.comp.Run(ctx)
	if n.store != nil {
		if cerr := n.store.Close(); cerr != nil {
			n.log.Error("closing the store", "err", cerr)
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		st := n.comp.Stats()
		n.log.Info("stopped", "in", st.In, "out", st.Out, "dropped", st.Dropped, "reconnects", st.Reconnects)
		return nil
	}
	return err
}

// ExitCode maps an error of ParseArgs, New or Run to an exit code.
func ExitCode(err error) int {
	switch {
	case err == nil:
		return ExitOK
	case errors.Is(err, ErrConfig), errors.Is(err, transport.ErrConfig), errors.Is(err, ErrHelp):
		return ExitConfig
	case errors.Is(err, transport.ErrNotAuthorized):
		return ExitRefused
	case errors.Is(err, transport.ErrHostUnknown), errors.Is(err, transport.ErrConflict):
		return ExitRejected
	default:
		return ExitFailure
	}
}

// Main is the whole node command: it parses args (without the program
// name), logs to stderr, serves until ctx is done and returns the exit code.
func Main(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) int {
	cfg, err := ParseArgs(args, getenv, stderr)
	if errors.Is(err, ErrHelp) {
		return ExitOK
	}
	if err != nil {
		fmt.Fprintln(stderr, "node:", err)
		return ExitCode(err)
	}
	log, err := NewLogger(&cfg, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "node:", err)
		return ExitCode(err)
	}
	n, err := New(cfg, log)
	if err == nil {
		err = n.Run(ctx)
	}
	if err != nil {
		log.Error("node failed", "err", err)
		fmt.Fprintln(stderr, "node:", err)
		if errors.Is(err, transport.ErrNotAuthorized) {
			fmt.Fprintln(stderr, "node: the server refused the component secret; check it against the server's component_secret / password")
		}
	}
	return ExitCode(err)
}
