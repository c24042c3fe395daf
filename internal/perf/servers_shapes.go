package perf

import (
	"bufio"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/xmppfmuc/fmuc/internal/loadtest"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

// shapeBatch is the most bytes of one write in the batched variants, the
// transport's bound on one write.
const shapeBatch = 64 << 10

// shape is one way of writing the same groupchat deliveries to Prosody's
// component stream.
type shape struct {
	name string
	// stanza returns the i-th stanza, from a room occupant to receiver to.
	stanza func(i int, room, to stanza.JID) []byte
	// batched writes the stanzas up to shapeBatch bytes at a time, as the
	// transport does; otherwise one write per stanza.
	batched bool
}

// shapes are the variants ComponentShapes measures: the node's own
// groupchat reflection (body, XEP-0359 stanza-id, XEP-0421 occupant-id,
// the sender's xml:lang), written as the transport writes it and one
// stanza per write; the same without xml:lang; without the two id
// elements; and with a redundant xmlns on the stanza
// and its elements, as an encoder that qualifies every element would
// write it.
var shapes = []shape{
	{name: "as the node writes it, batched writes", stanza: nodeReflection, batched: true},
	{name: "as the node writes it, one write per stanza", stanza: nodeReflection},
	{name: "without xml:lang, batched", stanza: noLang, batched: true},
	{name: "body only (no stanza-id, occupant-id), batched", stanza: bodyOnly, batched: true},
	{name: "redundant xmlns on every element, batched", stanza: qualified, batched: true},
}

// shapeBody is a groupchat body of the loadtest's length.
func shapeBody(i int) string {
	return "lt k3x9a1 " + strconv.Itoa(i%10) + " " + strconv.Itoa(i/10) + " 1764634512345678901"
}

func shapeMessage(i int, room, to stanza.JID, children ...stanza.Element) *stanza.Message {
	from, _ := room.WithResource("u" + strconv.Itoa(i%10+1))
	return &stanza.Message{
		// The node keeps the sender's xml:lang, which Prosody's c2s sets.
		Header:   stanza.Header{From: from, To: to, ID: "lt-k3x9a1-" + strconv.Itoa(i%10) + "-" + strconv.Itoa(i/10), Type: stanza.MessageGroupchat, Lang: "en"},
		Children: append([]stanza.Element{stanza.TextElement("body", shapeBody(i))}, children...),
	}
}

// nodeIDs are the two id elements the node adds to a reflection, with ids
// of the lengths it gives them (mucnode.NewIDs, XEP-0421's base64 SHA-256).
func nodeIDs(i int, room stanza.JID) []stanza.Element {
	sid := stanza.Element{Name: xml.Name{Space: stanza.NSSID, Local: "stanza-id"},
		XML: []byte("<stanza-id xmlns='" + stanza.NSSID + "' id='5f1c9e0a2b7d-" + strconv.FormatInt(int64(i), 36) + "' by='" + room.String() + "'/>")}
	oid := stanza.Element{Name: xml.Name{Space: "urn:xmpp:occupant-id:0", Local: "occupant-id"},
		XML: []byte("<occupant-id xmlns='urn:xmpp:occupant-id:0' id='q7Vb2Yt0m3kPz9cXr1LwA8sD4fGhJ6nE5uIoKpQyTzM'/>")}
	return []stanza.Element{sid, oid}
}

func nodeReflection(i int, room, to stanza.JID) []byte {
	return stanza.Append(nil, shapeMessage(i, room, to, nodeIDs(i, room)...))
}

func noLang(i int, room, to stanza.JID) []byte {
	m := shapeMessage(i, room, to, nodeIDs(i, room)...)
	m.Lang = ""
	return stanza.Append(nil, m)
}

func bodyOnly(i int, room, to stanza.JID) []byte {
	return stanza.Append(nil, shapeMessage(i, room, to))
}

func qualified(i int, room, to stanza.JID) []byte {
	b := string(nodeReflection(i, room, to))
	b = strings.Replace(b, "<message ", "<message xmlns='jabber:component:accept' ", 1)
	b = strings.Replace(b, "<body>", "<body xmlns='jabber:component:accept'>", 1)
	return []byte(b)
}

// ComponentShapes measures what Prosody (srv, with no component attached)
// spends per stanza that a component writes to it, for the variants of
// shapes: a raw XEP-0114 connection writes opts.ShapeStanzas groupchat
// messages, round robin to opts.ShapeReceivers c2s clients (user1..userN
// of srv, created here), and the figures are Prosody's CPU from the first
// write until the last receipt, per stanza, and the stanzas per second.
func ComponentShapes(ctx context.Context, r *Report, srv *servers.Server, opts ServersOptions) error {
	opts.defaults()
	if err := srv.AddAccounts(ctx, servers.Accounts("user", opts.ShapeReceivers, password)...); err != nil {
		return err
	}
	rcv, err := newReceivers(ctx, srv, opts.ShapeReceivers)
	if err != nil {
		return err
	}
	defer rcv.close()
	conn, err := componentConn(ctx, srv)
	if err != nil {
		return err
	}
	defer conn.Close()
	room := stanza.MustParse("shape@" + srv.ComponentDomain)
	type sample struct {
		cpu     []float64 // µs per stanza, one per round
		rate    []float64 // stanzas per second
		size    int
		writes  int
		stanzas [][]byte
	}
	samples := make([]sample, len(shapes))
	for k, sh := range shapes {
		s := &samples[k]
		s.stanzas = make([][]byte, opts.ShapeStanzas)
		for i := range s.stanzas {
			s.stanzas[i] = sh.stanza(i, room, rcv.jids[i%len(rcv.jids)])
			s.size += len(s.stanzas[i])
		}
	}
	// Prosody's cost per stanza drifts during a run (its heap and
	// buffers grow): each round measures every variant, in an order
	// rotated by one per round, and the figure is the median round.
	for round := range opts.ShapeRounds {
		for j := range shapes {
			k := (j + round) % len(shapes)
			sh, s := shapes[k], &samples[k]
			opts.Logger.Info("measuring component stanzas", "shape", sh.name, "round", round+1)
			cpu, took, writes, err := writeMeasured(ctx, conn, rcv, srv.PID(), s.stanzas, sh.batched)
			if err != nil {
				return fmt.Errorf("perf: component shapes, %s: %w", sh.name, err)
			}
			s.writes = writes
			s.cpu = append(s.cpu, float64(cpu.Microseconds())/float64(len(s.stanzas)))
			s.rate = append(s.rate, float64(len(s.stanzas))/took.Seconds())
		}
	}
	for k, sh := range shapes {
		s := &samples[k]
		cond := fmt.Sprintf("%d stanzas of %d B average in %d writes, to %d c2s clients, median (range) of %d rounds, Prosody 0.12",
			len(s.stanzas), s.size/len(s.stanzas), s.writes, opts.ShapeReceivers, opts.ShapeRounds)
		slices.Sort(s.cpu)
		slices.Sort(s.rate)
		r.Add(ServersSection, "component stanza "+sh.name+": Prosody CPU per stanza", cond,
			"%.1f µs (%.1f–%.1f)", s.cpu[len(s.cpu)/2], s.cpu[0], s.cpu[len(s.cpu)-1])
		r.Add(ServersSection, "component stanza "+sh.name+": stanzas/s", cond,
			"%.0f (%.0f–%.0f)", s.rate[len(s.rate)/2], s.rate[0], s.rate[len(s.rate)-1])
	}
	return nil
}

// writeMeasured writes the stanzas to conn and waits until the receivers
// have them all; it returns the CPU process pid used meanwhile, how long
// it took and the number of writes.
func writeMeasured(ctx context.Context, conn net.Conn, rcv *receivers, pid int, stanzas [][]byte, batched bool) (cpu, took time.Duration, writes int, err error) {
	before, err := loadtest.CPUTime(pid)
	if err != nil {
		return 0, 0, 0, err
	}
	start := rcv.received.Load()
	t0 := time.Now()
	if writes, err = writeStanzas(conn, stanzas, batched); err != nil {
		return 0, 0, 0, fmt.Errorf("writing to the component port: %w", err)
	}
	want := start + int64(len(stanzas))
	deadline := time.Now().Add(2 * time.Minute)
	for rcv.received.Load() < want && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(2 * time.Millisecond)
	}
	took = time.Since(t0)
	after, err := loadtest.CPUTime(pid)
	if err != nil {
		return 0, 0, 0, err
	}
	if got := rcv.received.Load() - start; got != int64(len(stanzas)) {
		return 0, 0, 0, fmt.Errorf("%d of %d stanzas delivered", got, len(stanzas))
	}
	return after - before, took, writes, nil
}

// writeStanzas writes the stanzas, batched or one per write, and returns
// the number of writes.
func writeStanzas(conn net.Conn, stanzas [][]byte, batched bool) (int, error) {
	writes := 0
	var buf []byte
	for i := 0; i < len(stanzas); {
		if !batched {
			if _, err := conn.Write(stanzas[i]); err != nil {
				return writes, err
			}
			writes++
			i++
			continue
		}
		buf = buf[:0]
		for i < len(stanzas) && (len(buf) == 0 || len(buf)+len(stanzas[i]) <= shapeBatch) {
			buf = append(buf, stanzas[i]...)
			i++
		}
		if _, err := conn.Write(buf); err != nil {
			return writes, err
		}
		writes++
	}
	return writes, nil
}

// componentConn opens an XEP-0114 stream to srv as its component and
// drains what the server sends on it.
func componentConn(ctx context.Context, srv *servers.Server) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", srv.ComponentAddr())
	if err != nil {
		return nil, err
	}
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	fail := func(err error) (net.Conn, error) {
		_ = conn.Close()
		return nil, fmt.Errorf("perf: component handshake: %w", err)
	}
	if _, err := fmt.Fprintf(conn, "<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='%s'>", srv.ComponentDomain); err != nil {
		return fail(err)
	}
	br := bufio.NewReader(conn)
	dec := xml.NewDecoder(br)
	id := ""
	for id == "" {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "stream" {
			for _, a := range se.Attr {
				if a.Name.Local == "id" {
					id = a.Value
				}
			}
			if id == "" {
				return fail(fmt.Errorf("stream header without id"))
			}
		}
	}
	sum := sha1.Sum([]byte(id + srv.ComponentSecret))
	if _, err := fmt.Fprintf(conn, "<handshake>%s</handshake>", hex.EncodeToString(sum[:])); err != nil {
		return fail(err)
	}
	for {
		tok, err := dec.Token()
		if err != nil {
			return fail(err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != "handshake" {
				return fail(fmt.Errorf("got <%s/> instead of <handshake/>", se.Name.Local))
			}
			break
		}
	}
	_ = conn.SetDeadline(time.Time{})
	go func() { _, _ = io.Copy(io.Discard, br) }()
	return conn, nil
}

// receivers are c2s clients that count the messages they receive.
type receivers struct {
	clients  []*xmppclient.Client
	jids     []stanza.JID
	received atomic.Int64
	wg       sync.WaitGroup
}

func newReceivers(ctx context.Context, srv *servers.Server, n int) (*receivers, error) {
	r := &receivers{clients: make([]*xmppclient.Client, n), jids: make([]stanza.JID, n)}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(32)
	for i := range n {
		g.Go(func() error {
			j, err := stanza.NewJID("user"+strconv.Itoa(i+1), srv.Domain, "shape")
			if err != nil {
				return err
			}
			dctx, cancel := context.WithTimeout(gctx, 2*time.Minute)
			defer cancel()
			c, err := xmppclient.DialConfig(dctx, xmppclient.Config{Addr: srv.C2SAddr(), JID: j, Password: password, Presence: true})
			if err != nil {
				return err
			}
			r.clients[i], r.jids[i] = c, c.JID()
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		r.close()
		return nil, err
	}
	for _, c := range r.clients {
		r.wg.Go(func() {
			for {
				st, err := c.Recv(context.Background())
				if err != nil {
					return
				}
				if m, ok := st.(*stanza.Message); ok && m.Type == stanza.MessageGroupchat {
					r.received.Add(1)
				}
			}
		})
	}
	return r, nil
}

func (r *receivers) close() {
	for _, c := range r.clients {
		if c != nil {
			_ = c.Close()
		}
	}
	r.wg.Wait()
}
