package loadtest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Result is the outcome of one room's run.
type Result struct {
	// Room is the room tested.
	Room stanza.JID
	// Clients, Senders and Messages are N, S and M.
	Clients, Senders, Messages int
	// ConnectTime is how long the N logins took; JoinTime the N joins.
	ConnectTime, JoinTime time.Duration
	// Sent is how many messages were sent; Expected = Sent × Clients, since
	// a room reflects each message to every occupant, the sender included
	// (XEP-0045 §7.4).
	Sent, Expected int
	// Delivered counts distinct (message, receiver) pairs received.
	Delivered int
	// Lost is Expected − Delivered.
	Lost int
	// Duplicates counts receipts of a message a client already had.
	Duplicates int
	// Stray counts groupchat messages of this run that could not be
	// attributed (bad sender or sequence number).
	Stray int
	// Errors counts error messages from the room.
	Errors int
	// SendDuration is from the first send to the last.
	SendDuration time.Duration
	// Duration is from the first send to the last delivery.
	Duration time.Duration
	// Throughput is Delivered / Duration, in deliveries per second.
	Throughput float64
	// P50, P90, P99 and Max are latencies from send to receipt.
	P50, P90, P99, Max time.Duration
	// CPU lists the CPU used by each measured process from the first send
	// to the end of the drain; PID 0 is the load tool itself.
	CPU []ProcCPU
	// Counters are the increases of Config.Counters over the same span.
	Counters []int64
}

// Run tests each room of cfg in turn and returns one Result per room.
func Run(ctx context.Context, cfg Config) ([]Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	out := make([]Result, 0, len(cfg.Rooms))
	for i, room := range cfg.Rooms {
		r, err := runRoom(ctx, &cfg, i, room)
		if err != nil {
			return out, fmt.Errorf("loadtest: room %s: %w", room, err)
		}
		out = append(out, r)
	}
	return out, nil
}

func runRoom(ctx context.Context, cfg *Config, idx int, room stanza.JID) (Result, error) {
	log := cfg.Logger.With("room", room.String())
	run := &roomRun{
		id:       strconv.FormatInt(time.Now().UnixNano(), 36) + strconv.Itoa(idx),
		senders:  cfg.Senders,
		messages: cfg.Messages,
	}
	res := Result{Room: room, Clients: cfg.Clients, Senders: cfg.Senders, Messages: cfg.Messages}

	occ := make([]*occupant, cfg.Clients)
	defer closeAll(occ)

	// Log in.
	begin := time.Now()
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(cfg.ConnectConcurrency)
	for i := range occ {
		g.Go(func() error {
			j, err := cfg.user(i, "lt-"+run.id)
			if err != nil {
				return err
			}
			dctx, cancel := context.WithTimeout(gctx, cfg.JoinTimeout)
			defer cancel()
			c, err := xmppclient.DialConfig(dctx, xmppclient.Config{Addr: cfg.Addr, JID: j, Password: cfg.Password})
			if err != nil {
				return err
			}
			occ[i] = newOccupant(c, room, run)
			go occ[i].loop()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return res, fmt.Errorf("logging in: %w", err)
	}
	res.ConnectTime = time.Since(begin)
	log.Info("logged in", "clients", cfg.Clients, "took", res.ConnectTime)

	// Join: the first occupant alone (it may create the room), then the rest.
	begin = time.Now()
	if err := join(ctx, occ[0], 0, cfg.JoinTimeout); err != nil {
		return res, err
	}
	g, gctx = errgroup.WithContext(ctx)
	g.SetLimit(cfg.ConnectConcurrency)
	var joined atomic.Int64
	step := max(int64(len(occ))/10, 1)
	for i := 1; i < len(occ); i++ {
		g.Go(func() error {
			if err := join(gctx, occ[i], i, cfg.JoinTimeout); err != nil {
				return err
			}
			if k := joined.Add(1); k%step == 0 {
				log.Info("joining", "joined", k+1, "of", len(occ), "after", time.Since(begin))
			}
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return res, err
	}
	res.JoinTime = time.Since(begin)
	log.Info("joined", "took", res.JoinTime)

	if cfg.Settle != nil {
		if err := cfg.Settle(ctx); err != nil {
			return res, fmt.Errorf("settling: %w", err)
		}
	}

	// Send.
	pids := append([]int{0}, cfg.PIDs...)
	meter := startCPU(pids)
	counted := make([]int64, len(cfg.Counters))
	for i, f := range cfg.Counters {
		counted[i] = f()
	}
	t0 := time.Now()
	var sent atomic.Int64
	var wg sync.WaitGroup
	sendErrs := make([]error, cfg.Senders)
	for s := range cfg.Senders {
		wg.Go(func() { sendErrs[s] = send(ctx, cfg, run, occ[s], s, t0, &sent) })
	}
	wg.Wait()
	res.SendDuration = time.Since(t0)
	res.Sent = int(sent.Load())
	if err := errors.Join(sendErrs...); err != nil {
		return res, fmt.Errorf("sending: %w", err)
	}
	log.Info("sent", "messages", res.Sent, "took", res.SendDuration)

	// Drain: wait until everything arrived, or nothing more arrives.
	res.Expected = res.Sent * cfg.Clients
	deadline := time.Now().Add(cfg.Drain)
	for int(run.delivered.Load()) < res.Expected && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	res.CPU = meter.stop()
	for i, f := range cfg.Counters {
		counted[i] = f() - counted[i]
	}
	res.Counters = counted
	closeAll(occ)
	res.summarise(occ, t0, run)
	log.Info("done", "delivered", res.Delivered, "lost", res.Lost)
	return res, nil
}

// closeAll closes the clients in parallel and waits for their loops.
func closeAll(occ []*occupant) {
	var wg sync.WaitGroup
	for _, o := range occ {
		if o != nil {
			wg.Go(func() {
				_ = o.c.Close()
				<-o.done
			})
		}
	}
	wg.Wait()
}

func join(ctx context.Context, o *occupant, i int, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	nick, err := o.room.WithResource("u" + strconv.Itoa(i+1))
	if err != nil {
		return err
	}
	p := &stanza.Presence{
		Header:   stanza.Header{To: nick},
		Children: []stanza.Element{stanza.MustElement(stanza.MUC{History: &stanza.History{MaxStanzas: new(int)}})},
	}
	if err := o.c.Send(p); err != nil {
		return err
	}
	select {
	case <-o.joined:
		if o.joinErr != nil {
			return fmt.Errorf("joining as %s: %w", nick, o.joinErr)
		}
		return nil
	case <-ctx.Done():
		return fmt.Errorf("joining as %s: %w", nick, ctx.Err())
	}
}

// send sends sender s's messages, paced so that all senders together keep
// cfg.Rate: message m of sender s is due at t0 + (m·S + s)/Rate.
func send(ctx context.Context, cfg *Config, run *roomRun, o *occupant, s int, t0 time.Time, sent *atomic.Int64) error {
	for m := range cfg.Messages {
		if cfg.Rate > 0 {
			due := t0.Add(time.Duration(float64(m*cfg.Senders+s) / cfg.Rate * float64(time.Second)))
			if d := time.Until(due); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
					return ctx.Err()
				}
			}
		}
		id := "lt-" + run.id + "-" + strconv.Itoa(s) + "-" + strconv.Itoa(m)
		msg := &stanza.Message{
			Header:   stanza.Header{ID: id, To: o.room, Type: stanza.MessageGroupchat},
			Children: []stanza.Element{stanza.TextElement("body", body(run.id, s, m, time.Now(), cfg.Body))},
		}
		if err := o.c.Send(msg); err != nil {
			return err
		}
		sent.Add(1)
	}
	return nil
}

func (r *Result) summarise(occ []*occupant, t0 time.Time, run *roomRun) {
	var lat []time.Duration
	for _, o := range occ {
		lat = append(lat, o.latencies...)
		r.Duplicates += o.duplicates
		r.Stray += o.stray
		r.Errors += o.errors
	}
	r.Delivered = len(lat)
	r.Lost = r.Expected - r.Delivered
	if last := run.lastNano.Load(); last > 0 {
		r.Duration = time.Duration(last - t0.UnixNano())
	}
	if r.Duration > 0 {
		r.Throughput = float64(r.Delivered) / r.Duration.Seconds()
	}
	slices.Sort(lat)
	r.P50, r.P90, r.P99 = percentile(lat, 50), percentile(lat, 90), percentile(lat, 99)
	if len(lat) > 0 {
		r.Max = lat[len(lat)-1]
	}
}

// percentile returns the nearest-rank p-th percentile of sorted values.
func percentile(sorted []time.Duration, p int) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := (p*len(sorted) + 99) / 100 // ceil(p/100 · n)
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}
