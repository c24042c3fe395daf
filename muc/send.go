package muc

import (
	"slices"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// request is the context of one input stanza being handled by a room.
type request struct {
	now time.Time
	in  stanza.Stanza
	// from is the sender's real JID.
	from stanza.JID
	// via is the node the stanza arrived through; zero for local input.
	via stanza.JID
	// toOrigin makes broadcasts include via's node too: set for the
	// effects of moderation and configuration requests, which the node
	// that relayed the request did not enact itself (unlike a message or
	// presence it already delivered to its own occupants).
	toOrigin bool
	// entry is set while a federated node's first user enters with a
	// full entry sequence (XEP-0289 §4.1: the joined node sends the
	// occupants, history and subject); otherwise self-presences to
	// remote occupants are left to their node, which derives them from
	// the broadcast it gets.
	entry bool
	// moderatorsOnly restricts broadcasts to local moderators (and the
	// federation links): presence that only informs, in a crowded room
	// (broadcastInforming).
	moderatorsOnly bool
	out            *Output
}

// sender returns the occupant that sent the stanza, if any. A stanza that
// arrived through one node only speaks for occupants reached through that
// node.
func (r *Room) sender(tx *request) *Occupant {
	o := r.byJID[tx.from]
	if o == nil || o.Via != tx.via {
		return nil
	}
	return o
}

// reply sends s (addressed to the sender's real JID) back to the sender.
func (r *Room) reply(tx *request, s stanza.Stanza) {
	if s == nil {
		return
	}
	if tx.via.IsZero() {
		tx.out.Stanzas = append(tx.out.Stanzas, s)
		return
	}
	s.Head().To = tx.via
	// The requester's nick: its own, or the one it asked for.
	nick := ""
	if o := r.sender(tx); o != nil {
		nick = o.Nick
	} else if tx.in != nil {
		nick = tx.in.Head().To.Resource()
	}
	tx.out.Remote = append(tx.out.Remote, RemoteDelivery{Via: tx.via, About: tx.from, For: tx.from, ForNick: nick, Stanza: s})
}

// fail answers the input with a stanza error from the room (RFC 6120
// §8.3; XEP-0045 puts the room in 'by'). Errors are never answered.
func (r *Room) fail(tx *request, cond stanza.Condition, text string) {
	e := stanza.NewError(cond, text)
	e.By = r.jid
	r.reply(tx, stanza.ErrorReply(tx.in, e))
}

// failType is fail with an explicit error type.
func (r *Room) failType(tx *request, typ stanza.ErrorType, cond stanza.Condition, text string) {
	e := &stanza.Error{Type: typ, Condition: cond, Text: text, By: r.jid}
	r.reply(tx, stanza.ErrorReply(tx.in, e))
}

// send delivers s to one occupant: directly when local, as a
// RemoteDelivery through its node otherwise. s is addressed to o.JID;
// each further session of o (§7.2.8) gets a copy addressed to
// it. For one session only, send to o.narrow(jid).
func (r *Room) send(tx *request, o *Occupant, s stanza.Stanza) {
	r.sendAbout(tx, o, stanza.JID{}, s)
}

// sendAbout is send for a stanza about the occupant or author with the
// real JID about (zero when about the room), which a remote node needs to
// attribute it.
func (r *Room) sendAbout(tx *request, o *Occupant, about stanza.JID, s stanza.Stanza) {
	if o.Via.IsZero() {
		tx.out.Stanzas = append(tx.out.Stanzas, s)
		for _, x := range o.others {
			if c := retarget(s, x.jid); c != nil {
				tx.out.Stanzas = append(tx.out.Stanzas, c)
			}
		}
		return
	}
	s.Head().To = o.Via
	tx.out.Remote = append(tx.out.Remote, RemoteDelivery{Via: o.Via, About: about, For: o.JID, ForNick: o.Nick, Stanza: s})
}

// canSee reports whether o may see other occupants' real JIDs
// (XEP-0045 §7.2.3 and §7.2.4).
func (r *Room) canSee(o *Occupant) bool {
	return r.config.Whois == WhoisAnyone || o.Role == stanza.RoleModerator
}

// builder makes the stanza for one recipient: to is the recipient's
// address, full whether the real JID of the subject may be shown.
type builder func(to stanza.JID, full bool) stanza.Stanza

// broadcast sends one stanza per local occupant except skip, and one
// RemoteDelivery per distinct node (never back to tx.via, unless
// tx.toOrigin), built by mk; skip's own node is one of them.
// subject is the real JID the stanza is about.
func (r *Room) broadcast(tx *request, skip *Occupant, subject stanza.JID, mk builder) {
	if n := r.fanout(); cap(tx.out.Stanzas)-len(tx.out.Stanzas) < n {
		s := make([]stanza.Stanza, len(tx.out.Stanzas), len(tx.out.Stanzas)+n)
		copy(s, tx.out.Stanzas)
		tx.out.Stanzas = s
	}
	// The nodes reached, on the stack for the usual few.
	var viaBuf [4]stanza.JID
	vias := viaBuf[:0]
	for _, o := range r.occupants {
		if o == skip {
			continue
		}
		if o.Via.IsZero() {
			if tx.moderatorsOnly && o.Role != stanza.RoleModerator {
				continue
			}
			see := r.canSee(o)
			tx.out.Stanzas = append(tx.out.Stanzas, mk(o.JID, see))
			for _, x := range o.others {
				tx.out.Stanzas = append(tx.out.Stanzas, mk(x.jid, see)) // §7.2.8
			}
			continue
		}
		if o.Via == tx.via && !tx.toOrigin || containsJID(vias, o.Via) {
			continue
		}
		vias = append(vias, o.Via)
	}
	// Federation links get every broadcast, whether or not an occupant is
	// reached through them yet (SetLinks).
	for _, l := range r.links {
		if (l != tx.via || tx.toOrigin) && !containsJID(vias, l) {
			vias = append(vias, l)
		}
	}
	// The node of a remote skip learns what happened to its user (a kick,
	// a role change) from this broadcast, even when that user was its
	// only one (and has just been removed from the tables).
	if skip != nil && skip.Remote() && (skip.Via != tx.via || tx.toOrigin) && !containsJID(vias, skip.Via) {
		vias = append(vias, skip.Via)
	}
	for _, v := range vias {
		tx.out.Remote = append(tx.out.Remote, RemoteDelivery{Via: v, About: subject, Stanza: mk(v, true)})
	}
}

// fanout is the number of local deliveries of a broadcast at most: one
// per occupant and one per further session.
func (r *Room) fanout() int { return len(r.occupants) + r.sessions }

func containsJID(js []stanza.JID, j stanza.JID) bool {
	for _, x := range js {
		if x == j {
			return true
		}
	}
	return false
}

// view returns the payload others see in o's presence: its own presence
// children and a muc#user <x/> with role, affiliation and, when full, the
// real JID (XEP-0045 §7.2.2). The result is cached and shared; never
// modify it.
func (r *Room) view(o *Occupant, full bool) []stanza.Element {
	i := 0
	if full {
		i = 1
	}
	if o.view[i] == nil {
		o.view[i] = r.presenceView(o, full)
	}
	return o.view[i]
}

// presenceView builds the payload of view, with status codes in the
// muc#user <x/>.
func (r *Room) presenceView(o *Occupant, full bool, codes ...stanza.StatusCode) []stanza.Element {
	it := item{aff: o.Affiliation, role: o.Role}
	if full {
		it.jid = o.JID
	}
	p := make([]stanza.Element, 0, len(o.Presence)+2)
	p = append(p, o.Presence...)
	p = append(p, userX(&it, nil, codes...))
	p = r.withOID(o, p)
	// Clipped: copies share this slice, and an append to one must not
	// write into another's backing array.
	return p[:len(p):len(p)]
}

// presenceOf returns o's presence with payload, from its occupant JID.
func presenceOf(o *Occupant, to stanza.JID, typ, id string, payload []stanza.Element) *stanza.Presence {
	return &stanza.Presence{Header: stanza.Header{From: o.addr, To: to, ID: id, Type: typ}, Children: payload}
}

// broadcastPresence sends o's current presence to every other occupant
// allowed to receive it (muc#roomconfig_presencebroadcast), with id and
// status codes.
func (r *Room) broadcastPresence(tx *request, o *Occupant, id string, codes ...stanza.StatusCode) {
	if r.config.HidePresence.Has(o.Role) {
		return
	}
	var views [2][]stanza.Element
	view := func(full bool) []stanza.Element {
		if len(codes) == 0 {
			return r.view(o, full)
		}
		i := 0
		if full {
			i = 1
		}
		if views[i] == nil {
			views[i] = r.presenceView(o, full, codes...)
		}
		return views[i]
	}
	ps := newSlab[stanza.Presence](r.fanout())
	r.broadcast(tx, o, o.JID, func(to stanza.JID, full bool) stanza.Stanza {
		p := ps.next()
		*p = stanza.Presence{Header: stanza.Header{From: o.addr, To: to, ID: id}, Children: view(full)}
		return p
	})
}

// selfPresence sends o its own presence with status 110 and extra codes.
//
// A remote occupant gets it only within a full entry sequence (tx.entry):
// otherwise its node either made the change itself or learns it from the
// broadcast about o, which reaches it once (XEP-0289: one copy per node).
func (r *Room) selfPresence(tx *request, o *Occupant, typ, id string, it item, statuses ...stanza.StatusCode) {
	if o.Remote() && !tx.entry {
		return
	}
	codes := make([]stanza.StatusCode, 0, len(statuses)+1)
	codes = append(codes, stanza.StatusSelf)
	codes = append(codes, statuses...)
	slices.Sort(codes)
	if (r.canSee(o) || o.Remote()) && it.jid.IsZero() {
		it.jid = o.JID
	}
	var payload []stanza.Element
	if typ == "" {
		payload = append(payload, o.Presence...)
	}
	payload = append(payload, userX(&it, nil, codes...))
	payload = r.withOID(o, payload)
	r.sendAbout(tx, o, o.JID, presenceOf(o, o.JID, typ, id, payload))
}

// slab hands out pointers into one backing array, so that a fan-out of n
// stanzas costs one allocation instead of n. The stanzas of one slab stay
// in memory together until the last of them is dropped; an embedder sends
// an Output and drops it, so this is short-lived.
type slab[T any] struct{ buf []T }

func newSlab[T any](n int) *slab[T] {
	return &slab[T]{buf: make([]T, n)}
}

// next returns a pointer to a fresh zero T.
func (s *slab[T]) next() *T {
	if len(s.buf) == 0 {
		s.buf = make([]T, 8)
	}
	p := &s.buf[0]
	s.buf = s.buf[1:]
	return p
}
