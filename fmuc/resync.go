package fmuc

import (
	"encoding/xml"
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// A link's session is the stretch of traffic between a federation join
// and the end of the federation (<left/>, the grace after a loss, a
// refused resync). Within it both rooms count the stanzas of shared
// traffic (those from an occupant JID) they send and receive, and keep
// the latest ones they sent in a bounded log. A stream between two
// servers is ordered, so a loss drops a tail of what was sent: when the
// link is back, the joining room asks for everything after the count it
// received, and the joined room answers with its own count, so exactly
// what the other side missed crosses the link, once, in order.
//
// On the wire (NSExt, ignorable): the joined room names the session after
// the entry sequence, <resync session='S' recv='0'/> in a presence from its
// bare JID; the joining room's rejoin is its federation join with
// <resync session='S' recv='N'/> and the XEP-0045 <history since/> for a
// peer that does not know the extension; the joined room answers
// <resync session='S' recv='M'/> and replays its log after N, or, when it
// cannot (another session, a log that no longer reaches back that far),
// answers as to a new federation join. Each replayed stanza carries its
// number in the session, <seq xmlns=NSExt n='K'/>: a stanza that crossed
// the rejoin on the wire arrives twice (the peer drops the copy), and the
// receiving count moves to K instead of counting it again, so that the
// counts stay aligned for the next loss.

// logged is one stanza kept for a resync.
type logged struct {
	seq  uint64
	at   time.Time
	st   stanza.Stanza
	size int
	// bounced: a server said it was not delivered. A broken stream loses
	// what was in flight, but what follows may arrive over a new one, so
	// the peer's count alone cannot tell; a bounced stanza goes again.
	bounced bool
}

// markBounced notes that the logged stanza a bounce returns was lost.
func (l *link) markBounced(b stanza.Stanza) {
	id := b.Head().ID
	if id == "" {
		return
	}
	for i := len(l.log) - 1; i >= 0; i-- {
		e := &l.log[i]
		if e.st.Kind() == b.Kind() && e.st.Head().ID == id && e.st.Head().To == b.Head().From {
			e.bounced = true
			return
		}
	}
}

// seqElement returns <seq xmlns=NSExt n='K'/>: the number in the session
// of a replayed stanza.
func seqElement(k uint64) stanza.Element {
	b := append([]byte(nil), "<seq xmlns='"+NSExt+"'"...)
	b = appendAttr(b, "n", strconv.FormatUint(k, 10))
	b = append(b, "/>"...)
	return stanza.Element{Name: xml.Name{Space: NSExt, Local: "seq"}, XML: b}
}

// resyncElement returns <resync xmlns=NSExt session recv/>; with ask,
// the joined room's request that the joining room rejoin (ask='rejoin').
func resyncElement(session string, recv uint64, ask ...bool) stanza.Element {
	b := append([]byte(nil), "<resync xmlns='"+NSExt+"'"...)
	b = appendAttr(b, "session", session)
	b = appendAttr(b, "recv", strconv.FormatUint(recv, 10))
	if len(ask) > 0 && ask[0] {
		b = appendAttr(b, "ask", "rejoin")
	}
	b = append(b, "/>"...)
	return stanza.Element{Name: xml.Name{Space: NSExt, Local: "resync"}, XML: b}
}

// counted reports whether st is shared traffic a session counts: a
// stanza from an occupant JID.
func counted(st stanza.Stanza) bool { return st.Head().From.Resource() != "" }

// emit sends st to the peer of l: logged (when the session counts it) and
// written while the link is federated; kept only in the log while it is
// lost or resyncing, for the resync to replay.
func (n *Node) emit(now time.Time, out *Output, l *link, st stanza.Stanza) {
	if len(l.pending) > 0 && counted(st) {
		n.coalesce(now, out, l, st, false)
	}
	n.emitNow(now, out, l, st)
}

// emitNow is emit without the presence coalescing.
func (n *Node) emitNow(now time.Time, out *Output, l *link, st stanza.Stanza) {
	if l.counting && counted(st) {
		l.sent++
		size := approxSize(st)
		l.log = append(l.log, logged{seq: l.sent, at: now, st: st, size: size})
		l.logBytes += size
		opts := &n.svc.opts
		for len(l.log) > 0 && (len(l.log) > opts.LinkLog || l.logBytes > opts.LinkLogBytes) {
			l.logBytes -= l.log[0].size
			l.log[0] = logged{}
			l.log = l.log[1:]
			l.Dropped++
		}
	}
	if l.State == LinkFederated || !counted(st) {
		if l.compact {
			st = compacted(st)
		}
		out.Stanzas = append(out.Stanzas, st)
	}
}

// approxSize is about the encoded size of st, without encoding it: the
// payload's bytes and the header's, for the log's byte bound.
func approxSize(st stanza.Stanza) int {
	h := st.Head()
	n := 66 + len(h.From.String()) + len(h.To.String()) + len(h.ID)
	for _, c := range st.Payload() {
		n += len(c.XML)
	}
	return n
}

// startSession begins counting on l.
func (l *link) startSession(session string) {
	l.session = session
	l.counting = true
	l.sent, l.recv = 0, 0
	l.log, l.logBytes = nil, 0
}

// endSession stops counting on l and forgets its log.
func (l *link) endSession() {
	l.pending = nil
	l.session, l.counting = "", false
	l.sent, l.recv = 0, 0
	l.log, l.logBytes = nil, 0
	l.failures = 0
	l.retry, l.grace = time.Time{}, time.Time{}
}

// replay writes the logged stanzas after seq, groupchat messages with a
// delay stamped when they were first sent (the peer shows them as the
// late messages they are). It reports false when the log no longer
// reaches back to seq: what it still holds (the newest; the oldest were
// dropped, counted in Link.Dropped) is written all the same.
func (n *Node) replay(out *Output, l *link, after uint64) bool {
	if after > l.sent {
		return false
	}
	complete := !(len(l.log) > 0 && l.log[0].seq > after+1 || len(l.log) == 0 && after < l.sent)
	for i := range l.log {
		e := &l.log[i]
		if e.seq <= after && !e.bounced {
			continue
		}
		e.bounced = false
		st := stanza.Clone(e.st)
		extra := []stanza.Element{seqElement(e.seq)}
		if m, ok := st.(*stanza.Message); ok && m.Type == stanza.MessageGroupchat && hasChild(m, "", "body") && !hasDelay(m) && !hasChild(m, NSExt, "echo") {
			extra = append(extra, stanza.Delay{From: n.room, Stamp: e.at}.Element())
		}
		p := st.Payload()
		st.SetPayload(append(p[:len(p):len(p)], extra...))
		if l.compact {
			st = compacted(st)
		}
		out.Stanzas = append(out.Stanzas, st)
	}
	return complete
}

// lose marks l lost: nothing more is written to it (what the room says
// is logged for the resync, master-slave messages waiting for the
// master's echo among it), the joining side retries with backoff and
// jitter, and the occupants reached through it stay listed until
// Options.RemoteGrace, after which they leave with 333.
func (n *Node) lose(now time.Time, out *Output, l *link, reason string) {
	if l.State != LinkFederated && l.State != LinkResyncing {
		return
	}
	n.set(out, l, LinkLost, now, reason)
	l.ping = ""
	opts := &n.svc.opts
	// The joining side rejoins; the joined side probes with pings and,
	// once one is answered, asks the joining side to rejoin (it may not
	// have noticed the loss).
	l.failures++
	l.retry = now.Add(backoff(l.failures, opts.RetryMin, opts.RetryMax, opts.Rand()))
	if l.grace.IsZero() {
		l.grace = now.Add(opts.RemoteGrace)
	}
	n.syncLinks()
}

// backoff is the delay before the k-th retry (k >= 1): min doubled k-1
// times, at most max, shortened by up to half at random (r in [0, 1)).
func backoff(k int, min, max time.Duration, r float64) time.Duration {
	d := min
	for i := 1; i < k && d < max; i++ {
		d *= 2
	}
	if d > max {
		d = max
	}
	return d - time.Duration(float64(d)*0.5*r)
}

// refuseEchoes answers the local messages waiting for the master's echo
// when the link's session ends: they will not come back.
func (n *Node) refuseEchoes(out *Output, l *link) {
	for _, id := range sortedKeys(n.echoes) {
		h := n.echoes[id]
		if !h.via.IsZero() {
			// A user of a room below: that room answers its own user.
			delete(n.echoes, id)
			continue
		}
		m := h.m
		e := &stanza.Error{Type: stanza.ErrorWait, Condition: stanza.RecipientUnavailable, By: n.room,
			Text: "the link to " + l.Peer.String() + " was lost before this message was confirmed; send it again later"}
		if reply := stanza.ErrorReply(m, e); reply != nil {
			out.Stanzas = append(out.Stanzas, reply)
		}
		delete(n.echoes, id)
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for k := i; k > 0 && keys[k] < keys[k-1]; k-- {
			keys[k], keys[k-1] = keys[k-1], keys[k]
		}
	}
	return keys
}

// isLoss reports whether s is a server's bounce saying that the peer
// cannot be reached (RFC 6120 §8.3.3.15, §8.3.3.16; service-unavailable
// for a peer whose component is gone).
func isLoss(s stanza.Stanza) bool {
	if s.Head().Type != "error" || s.Kind() == stanza.KindIQ {
		return false
	}
	e, ok := stanza.ErrorOf(s)
	if !ok {
		return false
	}
	switch e.Condition {
	case stanza.RemoteServerNotFound, stanza.RemoteServerTimeout, stanza.ServiceUnavailable:
		return true
	}
	return false
}

// resyncJoin sends the rejoin of a lost upstream link: a federation join
// for one of the room's users, with the session and what was received.
// A room with nobody left to present leaves the federation instead.
func (n *Node) resyncJoin(now time.Time, out *Output, l *link) {
	r := n.mucRoom()
	var who *stanza.Presence
	if r != nil {
		for _, o := range r.Occupants() {
			if o.Via == l.Peer {
				continue
			}
			to, err := n.room.WithResource(o.Nick)
			if err != nil {
				continue
			}
			who = &stanza.Presence{Header: stanza.Header{From: o.JID, To: to}, Children: o.Presence}
			break
		}
	}
	if who == nil {
		n.set(out, l, LinkLeft, now, "nobody left to federate for")
		l.endSession()
		if r != nil {
			mo, err := r.DropVia(now, l.Peer)
			n.mucCall(now, out, mo, err)
		}
		return
	}
	n.set(out, l, LinkResyncing, now, "")
	if l.session == "" {
		// A joined room without this package's resync sees a join from a
		// user it has as a presence update: part first, then rejoin
		// (XEP-0289 §9 suggests "part and then full rejoin").
		if from, err := n.room.WithResource(who.To.Resource()); err == nil {
			if to, err := l.Peer.WithResource(who.To.Resource()); err == nil {
				out.Stanzas = append(out.Stanzas, &stanza.Presence{Header: stanza.Header{From: from, To: to, Type: stanza.PresenceUnavailable},
					Children: []stanza.Element{fmucFrom(who.From)}})
			}
		}
	}
	n.sendJoin(now, out, l, who)
	l.seen = map[stanza.JID]bool{}
	if l.session != "" {
		// The join just written is the last stanza of out.
		j := out.Stanzas[len(out.Stanzas)-1]
		j.SetPayload(append(j.Payload()[:len(j.Payload()):len(j.Payload())], resyncElement(l.session, l.recv)))
	}
}

// tickLinks runs the links' timers: pings of quiet links, their
// deadlines, retries of lost upstream links, and the grace after which
// the users of a lost link leave.
func (n *Node) tickLinks(now time.Time, out *Output) {
	opts := &n.svc.opts
	for _, p := range n.peers() {
		l := n.links[p]
		n.flushCoalesced(now, out, l, false)
		switch {
		case l.State == LinkFederated && l.ping != "" && !now.Before(l.pingBy):
			n.lose(now, out, l, "no answer to a ping")
		case l.State == LinkFederated && l.ping == "" && opts.PingInterval > 0 && !now.Before(l.heard.Add(opts.PingInterval)):
			l.ping = opts.NewID()
			l.pingBy = now.Add(opts.PingTimeout)
			out.Stanzas = append(out.Stanzas, &stanza.IQ{
				Header:   stanza.Header{From: n.room, To: l.Peer, ID: l.ping, Type: stanza.IQGet},
				Children: []stanza.Element{stanza.EmptyElement(nsPing, "ping")},
			})
		case l.State == LinkResyncing && !l.deadline.IsZero() && !now.Before(l.deadline):
			l.State = LinkFederated // lose acts on federated and resyncing links
			n.lose(now, out, l, "no answer to the rejoin")
		}
		if (l.State == LinkLost || l.State == LinkResyncing) && !l.grace.IsZero() && !now.Before(l.grace) {
			n.expire(now, out, l)
		}
		if l.State == LinkLost && l.ping != "" && !now.Before(l.pingBy) {
			// A probe of a lost link went unanswered: probe again later.
			l.ping = ""
			l.failures++
			l.retry = now.Add(backoff(l.failures, opts.RetryMin, opts.RetryMax, opts.Rand()))
		}
		if l.State == LinkLost && !l.retry.IsZero() && !now.Before(l.retry) {
			l.retry = time.Time{}
			if l.Upstream {
				n.resyncJoin(now, out, l)
				if l.State == LinkResyncing {
					l.deadline = now.Add(opts.JoinTimeout)
				}
			} else if l.counting {
				l.ping = opts.NewID()
				l.pingBy = now.Add(opts.PingTimeout)
				out.Stanzas = append(out.Stanzas, &stanza.IQ{
					Header:   stanza.Header{From: n.room, To: l.Peer, ID: l.ping, Type: stanza.IQGet},
					Children: []stanza.Element{stanza.EmptyElement(nsPing, "ping")},
				})
			}
		}
	}
}

// expire ends a lost link's session after the grace: the occupants
// reached through it leave with 333 (XEP-0045 §7.14, removed because of
// an error). A joining side keeps retrying; its next success is a new
// federation.
func (n *Node) expire(now time.Time, out *Output, l *link) {
	var kept []logged
	if l.Upstream && l.counting && l.Mode != MasterSlave {
		kept = l.log
	}
	l.endSession()
	// What the room said in the ended session may not have reached the
	// joined room: it goes again, as late messages, at the next
	// federation (peerSubject). Not in master-slave: the messages
	// waiting for the master's echo are refused to their senders below.
	l.late = kept
	if l.Upstream {
		n.refuseEchoes(out, l)
	}
	if l.Upstream {
		if l.State == LinkResyncing {
			n.set(out, l, LinkLost, now, "lost for longer than the grace")
		}
		l.failures = 1
		l.retry = now.Add(backoff(1, n.svc.opts.RetryMin, n.svc.opts.RetryMax, n.svc.opts.Rand()))
	} else {
		n.set(out, l, LinkLeft, now, "lost for longer than the grace")
		delete(n.links, l.Peer)
	}
	n.syncLinks()
	if r := n.mucRoom(); r != nil {
		mo, err := r.DropVia(now, l.Peer, stanza.StatusErrorRemoved)
		n.mucCall(now, out, mo, err)
	}
}

// deadline is the earliest timer of l, zero for none.
func (l *link) nextDeadline(opts *Options) time.Time {
	var dl time.Time
	add := func(t time.Time) {
		if !t.IsZero() && (dl.IsZero() || t.Before(dl)) {
			dl = t
		}
	}
	add(l.deadline)
	add(l.retry)
	add(l.grace)
	for _, p := range l.pending {
		add(p.due)
	}
	if l.State == LinkLost && l.ping != "" {
		add(l.pingBy)
	}
	if l.State == LinkFederated {
		if l.ping != "" {
			add(l.pingBy)
		} else if opts.PingInterval > 0 {
			add(l.heard.Add(opts.PingInterval))
		}
	}
	return dl
}

// nsPing is XEP-0199.
const nsPing = "urn:xmpp:ping"

// errorCondition returns the stanza error condition of s.
func errorCondition(s stanza.Stanza) stanza.Condition {
	if e, ok := stanza.ErrorOf(s); ok {
		return e.Condition
	}
	return ""
}

// pingIQ handles XEP-0199 between rooms: the answer to our ping (a result,
// or an error from the peer: either shows it is there; a server's
// remote-server-not-found or -timeout says it is not), or the peer's ping,
// which is answered. It reports whether q was one.
func (n *Node) pingIQ(now time.Time, out *Output, l *link, q *stanza.IQ) bool {
	switch q.Type {
	case stanza.IQResult, stanza.IQError:
		if l.ping != "" && q.ID == l.ping {
			l.ping = ""
			c := errorCondition(q)
			lost := c == stanza.RemoteServerNotFound || c == stanza.RemoteServerTimeout
			switch {
			case lost && l.State == LinkLost:
				l.failures++
				l.retry = now.Add(backoff(l.failures, n.svc.opts.RetryMin, n.svc.opts.RetryMax, n.svc.opts.Rand()))
			case lost:
				n.lose(now, out, l, "ping bounced: "+string(c))
			case l.State == LinkLost && !l.Upstream && l.counting:
				n.askRejoin(now, out, l)
			}
			return true
		}
	case stanza.IQGet:
		if hasChild(q, nsPing, "ping") {
			out.Stanzas = append(out.Stanzas, &stanza.IQ{Header: stanza.Header{From: n.room, To: q.From, ID: q.ID, Type: stanza.IQResult}})
			return true
		}
	}
	return false
}

// askRejoin tells a joining room that this room lost their link and asks
// it to rejoin with its count (it may not have noticed the loss): once the
// link is heard from again, and again at most every RetryMin while it
// stays lost, in case the request itself is lost.
func (n *Node) askRejoin(now time.Time, out *Output, l *link) {
	if !l.asked.IsZero() && now.Before(l.asked.Add(n.svc.opts.RetryMin)) {
		return
	}
	l.asked = now
	out.Stanzas = append(out.Stanzas, &stanza.Presence{Header: stanza.Header{From: n.room, To: l.Peer},
		Children: []stanza.Element{fmucFrom(stanza.JID{}), resyncElement(l.session, l.recv, true)}})
}

// startJoinedSession begins the session of a link a joining room has
// just federated (or re-federated) with: named, counting from here, and
// announced to the joining room after the entry sequence.
func (n *Node) startJoinedSession(out *Output, l *link) {
	l.startSession(n.svc.opts.NewID())
	children := []stanza.Element{fmucFrom(stanza.JID{}), resyncElement(l.session, 0), compactElement}
	if path := n.path(); len(path) > 0 {
		children = append(children, pathElement(path))
	}
	out.Stanzas = append(out.Stanzas, &stanza.Presence{Header: stanza.Header{From: n.room, To: l.Peer}, Children: children})
}

// rejoined handles a federation join from a room that is linked already:
// it lost the link (or its own connection) and rejoins. With the session
// and a count this room's log still covers, only what it missed is
// replayed, after this room's own count; otherwise the link starts over
// as for a new federation join: its users leave and come again, and it
// gets the occupants, history (since what it asks) and subject.
func (n *Node) rejoined(now time.Time, out *Output, l *link, pres *stanza.Presence, p peer) {
	if p.resync != nil && l.counting && p.resync.session == l.session {
		l.compact = p.compact
		if ok := n.tryReplay(now, out, l, p.resync.recv); ok {
			return
		}
	}
	l.endSession()
	delete(n.links, l.Peer)
	n.syncLinks()
	if r := n.mucRoom(); r != nil {
		mo, err := r.DropVia(now, l.Peer)
		n.mucCall(now, out, mo, err)
	}
	n.inbound(now, out, pres, p)
}

// tryReplay answers a rejoin within the session: this room's count, then
// what the peer missed. It reports false when the log does not reach back.
func (n *Node) tryReplay(now time.Time, out *Output, l *link, recv uint64) bool {
	var replayed Output
	if !n.replay(&replayed, l, recv) {
		return false
	}
	children := []stanza.Element{fmucFrom(stanza.JID{}), resyncElement(l.session, l.recv), compactElement}
	if path := n.path(); len(path) > 0 {
		children = append(children, pathElement(path))
	}
	out.Stanzas = append(out.Stanzas, &stanza.Presence{Header: stanza.Header{From: n.room, To: l.Peer}, Children: children})
	out.Stanzas = append(out.Stanzas, replayed.Stanzas...)
	n.set(out, l, LinkFederated, now, "resynchronised")
	n.syncLinks()
	return true
}

// resynced handles the joined room's answer to this room's rejoin, or the
// naming of a new session: within the session, what the joined room
// missed is replayed after its count.
func (n *Node) resynced(now time.Time, out *Output, l *link, r resyncInfo) {
	switch {
	case r.ask && (l.State != LinkFederated || l.session != r.session):
		// A request to rejoin that crossed a rejoin already on its way.
	case l.State == LinkFederated && l.session == "":
		l.session = r.session
	case l.State == LinkFederated && l.session == r.session && r.ask:
		// The joined room lost the link and asks for a rejoin: it missed
		// what this room sent after r.recv, and this room may have missed
		// some of what it sent.
		l.State = LinkLost
		n.resyncJoin(now, out, l)
		if l.State == LinkResyncing {
			l.deadline = now.Add(n.svc.opts.JoinTimeout)
		}
	case l.State == LinkResyncing && l.counting && l.session == r.session && !r.ask:
		var replayed Output
		if !n.replay(&replayed, l, r.recv) {
			// The joined room missed more than this room kept: it gets
			// the newest; the oldest are lost (counted in the log's
			// Dropped).
			out.event(LinkChanged{RoomJID: n.room, Peer: l.Peer, Upstream: true, From: l.State, To: l.State, Reason: "could not replay all the joined room missed"})
		}
		n.set(out, l, LinkFederated, now, "resynchronised")
		l.seen, n.joiner = nil, stanza.JID{}
		n.syncLinks()
		out.Stanzas = append(out.Stanzas, replayed.Stanzas...)
	}
}

// resyncInfo is a <resync/> read from a peer.
type resyncInfo struct {
	session string
	recv    uint64
	// ask is the joined room's request to rejoin, not an answer.
	ask bool
}
