package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/fmuc/fmuctest"
	"github.com/xmppfmuc/fmuc/stanza"
)

// tally is what crossed the server-to-server link, each way.
type tally struct {
	down fmuctest.Traffic // wonderland.lit -> denmark.lit
	up   fmuctest.Traffic // denmark.lit -> wonderland.lit
}

func (t tally) minus(u tally) tally {
	return tally{down: sub(t.down, u.down), up: sub(t.up, u.up)}
}

func (t tally) total() fmuctest.Traffic {
	return fmuctest.Traffic{Stanzas: t.down.Stanzas + t.up.Stanzas, Bytes: t.down.Bytes + t.up.Bytes}
}

func sub(a, b fmuctest.Traffic) fmuctest.Traffic {
	return fmuctest.Traffic{Stanzas: a.Stanzas - b.Stanzas, Bytes: a.Bytes - b.Bytes, Dropped: a.Dropped - b.Dropped}
}

// crossing wraps the wonderland service and counts the stanzas it
// exchanges with denmark.lit (its users or its rooms), measured as
// fmuctest measures a link: the length of the encoded stanza. Every such
// stanza crosses the server-to-server link between the two servers.
type crossing struct {
	m        fmuctest.Machine
	down, up fmuctest.Traffic
}

// Handle implements fmuctest.Machine.
func (c *crossing) Handle(now time.Time, in stanza.Stanza) []stanza.Stanza {
	if inDenmark(in.Head().From) {
		count(&c.up, in)
	}
	return c.sent(c.m.Handle(now, in))
}

// Tick implements fmuctest.Machine.
func (c *crossing) Tick(now time.Time) []stanza.Stanza { return c.sent(c.m.Tick(now)) }

// NextDeadline implements fmuctest.Machine.
func (c *crossing) NextDeadline() time.Time { return c.m.NextDeadline() }

func (c *crossing) sent(out []stanza.Stanza) []stanza.Stanza {
	for _, s := range out {
		if inDenmark(s.Head().To) {
			count(&c.down, s)
		}
	}
	return out
}

func (c *crossing) tally() tally { return tally{down: c.down, up: c.up} }

func count(t *fmuctest.Traffic, s stanza.Stanza) {
	t.Stanzas++
	t.Bytes += int64(len(stanza.Encode(s)))
}

// inDenmark reports whether jid is on the denmark.lit server: one of its
// users (denmark.lit) or one of its components (talk.denmark.lit).
func inDenmark(jid stanza.JID) bool {
	d := jid.Domain()
	return d == "denmark.lit" || strings.HasSuffix(d, ".denmark.lit")
}

// short writes t as "3 stanzas, 1,234 bytes".
func short(t fmuctest.Traffic) string {
	if t.Stanzas == 0 {
		return "nothing"
	}
	unit := "stanzas"
	if t.Stanzas == 1 {
		unit = "stanza"
	}
	return fmt.Sprintf("%d %s, %s bytes", t.Stanzas, unit, thousands(t.Bytes))
}

// thousands writes n with comma separators.
func thousands(n int64) string {
	s := strconv.FormatInt(n, 10)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// table writes the traffic of the whole conversation, federated next to
// plain, and what is counted.
func table(w io.Writer, fed, plain tally) {
	fmt.Fprint(w, "\nWhat crossed the server-to-server link in the whole conversation:\n\n")
	const format = "%-30s %9s %9s %9s %9s %13s\n"
	fmt.Fprintf(w, "%-30s %19s %19s %13s\n", "", "federated (fmuc)", "plain MUC", "fmuc bytes")
	fmt.Fprintf(w, format, "", "stanzas", "bytes", "stanzas", "bytes", "vs plain")
	row := func(name string, f, p fmuctest.Traffic) {
		vs := "-"
		if p.Bytes > 0 {
			vs = fmt.Sprintf("%+d%%", (f.Bytes-p.Bytes)*100/p.Bytes)
		}
		fmt.Fprintf(w, format, name, strconv.Itoa(f.Stanzas), thousands(f.Bytes), strconv.Itoa(p.Stanzas), thousands(p.Bytes), vs)
	}
	row("wonderland.lit -> denmark.lit", fed.down, plain.down)
	row("denmark.lit -> wonderland.lit", fed.up, plain.up)
	row("both ways", fed.total(), plain.total())
	fmt.Fprint(w, counted)
}

const counted = `
Federated: fmuctest's count of the link between the two services
(rooms.wonderland.lit <-> talk.denmark.lit). Each user's traffic with the
room of their own server stays on that server and is not counted.
Plain MUC: every stanza between rabbithole and a denmark.lit user (hamlet,
ophelia), counted at the room; each crosses the link between the servers.
Bytes are the stanza as the component writes it (the length fmuctest
counts); stream framing, TLS and compression come on top, alike for both.
Plain MUC sends one copy of each message and presence per denmark.lit
user across the link, federation one per link: between two rooms of this
library a message costs about one plain copy (the compact envelope leaves
out what the peer knows), while the federation join, a private message
(which names its recipient) and history carry federation payloads. The
more users a node has, the wider the gap.
`
