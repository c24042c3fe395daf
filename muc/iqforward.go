package muc

import (
	"sort"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Namespaces of IQs to occupant JIDs that the room treats specially.
const (
	nsPing  = "urn:xmpp:ping"
	nsVCard = "vcard-temp"
	// nsSelfPing is the XEP-0410 §3.3 feature: the room answers a
	// self-ping itself.
	nsSelfPing = "http://jabber.org/protocol/muc#self-ping-optimization"
)

// pendingIQ is an IQ the room forwarded to an occupant (XEP-0045 §17.4)
// and whose answer it waits for, under the id the room gave it.
type pendingIQ struct {
	id       string     // the requester's id
	from     stanza.JID // the requester's real JID
	via      stanza.JID // the node the requester is reached through
	to       stanza.JID // where the room sent the request (real JID)
	toVia    stanza.JID // the node that address is reached through
	addr     stanza.JID // the target's occupant JID: 'from' of the answer
	deadline time.Time
}

// occupantIQ handles an IQ to room/nick.
//
// Requests (XEP-0045 §17.4 point 3; §6.6 for disco) are forwarded to the
// target occupant's real JID from the requester's occupant JID, under a
// fresh id from Options.NewID, so that neither side learns the other's
// real JID and answers cannot be forged or mixed up; the room remembers
// the request and routes the answer back under the requester's id. An
// answer that does not come in Options.IQTimeout is replaced by a
// remote-server-timeout error (see Tick). vCard requests (vcard-temp) go
// to the occupant's bare JID: a vCard belongs to the account and is served
// by the user's server (XEP-0054 has another user's vCard requested from
// the bare JID), not by the client.
//
// Exceptions:
//   - non-occupants get not-acceptable (XEP-0410 §3.2), or bad-request for
//     disco queries (XEP-0045 §6.6: MUST);
//   - a ping (XEP-0199) to one's own occupant JID is answered by the room
//     (XEP-0410 §3.3, advertised as muc#self-ping-optimization);
//   - an unknown nick gets item-not-found (XEP-0410 §3.2 reads it as "you
//     are joined but your nick changed").
func (r *Room) occupantIQ(tx *request, q *stanza.IQ) {
	if q.Type == stanza.IQResult || q.Type == stanza.IQError {
		r.iqAnswer(tx, q)
		return
	}
	if q.Type != stanza.IQGet && q.Type != stanza.IQSet {
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	p, ok := q.Query()
	if !ok {
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	o := r.sender(tx)
	if o == nil {
		if p.Name.Space == nsDiscoInfo || p.Name.Space == nsDiscoItems {
			r.fail(tx, stanza.BadRequest, "")
			return
		}
		r.fail(tx, stanza.NotAcceptable, "")
		return
	}
	target := r.occupantByNick(q.To.Resource())
	if target == nil {
		r.fail(tx, stanza.ItemNotFound, "")
		return
	}
	if target == o && q.Type == stanza.IQGet && p.Is(nsPing, "ping") {
		r.reply(tx, r.result(q))
		return
	}
	if text := r.iqRoomFor(tx); text != "" {
		r.failType(tx, stanza.ErrorWait, stanza.ResourceConstraint, text)
		return
	}
	to := target.JID
	if p.Is(nsVCard, "vCard") {
		to = target.JID.Bare()
	}
	id := r.opts.NewID()
	if r.iqs == nil {
		r.iqs = map[string]*pendingIQ{}
	}
	if _, dup := r.iqs[id]; dup {
		// A broken id source: never let one answer reach two requesters.
		r.failType(tx, stanza.ErrorWait, stanza.InternalServerError, "")
		return
	}
	r.iqs[id] = &pendingIQ{id: q.ID, from: tx.from, via: tx.via, to: to, toVia: target.Via, addr: target.addr, deadline: tx.now.Add(r.opts.IQTimeout)}
	r.deliver(tx, to, target.Via, tx.from, target.Nick, &stanza.IQ{
		Header:   stanza.Header{ID: id, From: o.addr, To: to, Type: q.Type, Lang: q.Lang},
		Children: q.Children,
	})
}

// iqRoomFor checks Limits.MaxPendingIQs and Limits.MaxPendingIQsPerSender
// (by the requester's bare JID and node) for one more forwarded IQ from
// the sender of tx; it returns why not, or "".
func (r *Room) iqRoomFor(tx *request) string {
	lim := r.opts.Limits
	if len(r.iqs) >= lim.MaxPendingIQs {
		return "too many requests to occupants await an answer"
	}
	bare, n := tx.from.Bare(), 0
	for _, pi := range r.iqs {
		if pi.via == tx.via && pi.from.Bare() == bare {
			n++
		}
	}
	if n >= lim.MaxPendingIQsPerSender {
		return "too many of your requests to occupants await an answer"
	}
	return ""
}

// iqAnswer routes the answer to a forwarded IQ back to its requester,
// from the answering occupant's JID and under the requester's id. Answers
// that match no pending request, or come from anyone but the address the
// request went to, are dropped (RFC 6120 §8.2.3: never answer a response).
func (r *Room) iqAnswer(tx *request, q *stanza.IQ) {
	pi, ok := r.iqs[q.ID]
	if !ok || pi.to != tx.from || pi.toVia != tx.via {
		return
	}
	delete(r.iqs, q.ID)
	children := q.Children
	if q.Type == stanza.IQError {
		children = r.anonymousError(children)
	}
	nick := ""
	if o := r.byJID[pi.from]; o != nil {
		nick = o.Nick
	}
	r.deliver(tx, pi.from, pi.via, tx.from, nick, &stanza.IQ{
		Header:   stanza.Header{ID: pi.id, From: pi.addr, To: pi.from, Type: q.Type, Lang: q.Lang},
		Children: children,
	})
}

// anonymousError rewrites the <error/> of a relayed answer so that its
// 'by' names the room, not the answering entity: §17.4 forbids revealing
// the target's real JID to the requester (an unreadable error becomes
// undefined-condition).
func (r *Room) anonymousError(children []stanza.Element) []stanza.Element {
	out := make([]stanza.Element, len(children))
	for i, c := range children {
		if c.Is("", "error") {
			e, err := stanza.ParseError(c)
			if err != nil {
				e = &stanza.Error{Type: stanza.ErrorCancel, Condition: stanza.UndefinedCondition}
			}
			e.By = r.jid
			c = e.Element()
		}
		out[i] = c
	}
	return out
}

// deliver sends s to the real JID to, directly when via is zero, through
// the federated node via otherwise; about is the real JID of the
// occupant it comes from, nick the nick of to in the room.
func (r *Room) deliver(tx *request, to, via, about stanza.JID, nick string, s stanza.Stanza) {
	if via.IsZero() {
		tx.out.Stanzas = append(tx.out.Stanzas, s)
		return
	}
	s.Head().To = via
	tx.out.Remote = append(tx.out.Remote, RemoteDelivery{Via: via, About: about, For: to, ForNick: nick, Stanza: s})
}

// expireIQs answers every forwarded IQ whose time is up with a
// remote-server-timeout error from the target's occupant JID.
func (r *Room) expireIQs(now time.Time, out *Output) {
	tx := &request{now: now, out: out}
	e := &stanza.Error{Type: stanza.ErrorWait, Condition: stanza.RemoteServerTimeout, By: r.jid}
	r.failIQs(tx, e, func(pi *pendingIQ) bool { return !now.Before(pi.deadline) })
}

// failIQs answers the forwarded IQs for which due is true with e, from
// each target's occupant JID, oldest first (ties by id, so the output is
// deterministic), and forgets them.
func (r *Room) failIQs(tx *request, e *stanza.Error, due func(*pendingIQ) bool) {
	var ids []string
	for id, pi := range r.iqs {
		if due(pi) {
			ids = append(ids, id)
		}
	}
	sort.Slice(ids, func(i, k int) bool {
		a, b := r.iqs[ids[i]], r.iqs[ids[k]]
		if !a.deadline.Equal(b.deadline) {
			return a.deadline.Before(b.deadline)
		}
		return ids[i] < ids[k]
	})
	for _, id := range ids {
		pi := r.iqs[id]
		delete(r.iqs, id)
		nick := ""
		if o := r.byJID[pi.from]; o != nil {
			nick = o.Nick
		}
		r.deliver(tx, pi.from, pi.via, stanza.JID{}, nick, &stanza.IQ{
			Header:   stanza.Header{ID: pi.id, From: pi.addr, To: pi.from, Type: stanza.IQError},
			Children: []stanza.Element{e.Element()},
		})
	}
}

// iqDeadline is the earliest deadline of a forwarded IQ, or zero.
func (r *Room) iqDeadline() time.Time {
	var next time.Time
	for _, pi := range r.iqs {
		if next.IsZero() || pi.deadline.Before(next) {
			next = pi.deadline
		}
	}
	return next
}

// PendingIQs returns how many forwarded IQs await an answer.
func (r *Room) PendingIQs() int { return len(r.iqs) }
