package muc

import (
	"fmt"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Namespaces the room dispatches on.
const (
	nsDiscoInfo  = "http://jabber.org/protocol/disco#info"
	nsDiscoItems = "http://jabber.org/protocol/disco#items"
)

// Handle processes one stanza from a local entity addressed to the room
// (room@service) or to one of its occupant JIDs (room@service/nick).
// in.From is the sender's real full JID. Protocol problems are answered
// with error stanzas in the Output; the error reports misuse only.
func (r *Room) Handle(now time.Time, in stanza.Stanza) (Output, error) {
	return r.handle(now, stanza.JID{}, in, false)
}

// HandleRemote processes a stanza that arrived through the federated node
// via on behalf of a remote user: in.From is that user's real full JID,
// in.To the room or an occupant JID. All local policy applies (bans,
// members-only, password, maximum occupants...); a join from a bare JID
// is refused with not-acceptable, as for local users (XEP-0045 §4.1:
// occupants are full JIDs). Stanzas for the sender
// and for other occupants of the same node go out as RemoteDeliveries to
// via; broadcasts of what the user sent (messages, presence) are never
// sent back to via, whose node fans out itself, but the effects of its
// muc#admin and muc#owner requests (kicks, role changes, destruction...)
// go to via's node too, since that node only relayed the request.
func (r *Room) HandleRemote(now time.Time, via stanza.JID, in stanza.Stanza) (Output, error) {
	if via.IsZero() {
		return Output{}, fmt.Errorf("%w: HandleRemote without a node", ErrConfig)
	}
	return r.handle(now, via, in, false)
}

// EchoRemote is HandleRemote for a groupchat message whose node shows it
// to its own users only once the room has it (XEP-0289 master-slave mode,
// "the sending room waits for the echo back"): the broadcast goes to via
// as well, as the echo.
func (r *Room) EchoRemote(now time.Time, via stanza.JID, in stanza.Stanza) (Output, error) {
	if via.IsZero() {
		return Output{}, fmt.Errorf("%w: EchoRemote without a node", ErrConfig)
	}
	return r.handle(now, via, in, true)
}

func (r *Room) handle(now time.Time, via stanza.JID, in stanza.Stanza, echo bool) (Output, error) {
	if in == nil || in.Head() == nil {
		return Output{}, ErrNilStanza
	}
	if r.destroyed {
		return Output{}, ErrDestroyed
	}
	h := in.Head()
	if h.To.Bare() != r.jid {
		return Output{}, fmt.Errorf("%w: %q is not in room %q", ErrWrongAddress, h.To.String(), r.jid.String())
	}
	var out Output
	tx := &request{now: now, in: in, from: h.From, via: via, out: &out, toOrigin: echo}
	if h.From.IsZero() {
		// RFC 6120 §8.1.2.1: the server stamps 'from'; without it there is
		// nobody to answer.
		return out, nil
	}
	switch s := in.(type) {
	case *stanza.Presence:
		r.onPresence(tx, s)
	case *stanza.Message:
		r.onMessage(tx, s)
	case *stanza.IQ:
		r.onIQ(tx, s)
	}
	return out, nil
}

// onPresence dispatches presence (XEP-0045 §7.2, §7.6, §7.7, §7.14).
func (r *Room) onPresence(tx *request, p *stanza.Presence) {
	nick := p.To.Resource()
	switch p.Type {
	case stanza.PresenceAvailable:
		if !visibleNick(nick) {
			// §7.2.1: no nickname specified; §17.1: nor an invisible one.
			r.fail(tx, stanza.JIDMalformed, "")
			return
		}
		o := r.sender(tx)
		if nickKey(nick) == "" {
			// RFC 8266: a nick the Nickname profile refuses (nickKey);
			// §7.2.1 for entering, §7.6 (service policy) for a change.
			cond := stanza.JIDMalformed
			if o != nil {
				cond = stanza.NotAcceptable
			}
			r.fail(tx, cond, "this nickname is not allowed")
			return
		}
		if !tx.toOrigin {
			changing := ""
			if o == nil || o.Nick != nick {
				changing = nick
			}
			if cond, text := r.refuseSize(p.Children, changing); cond != "" {
				r.fail(tx, cond, text)
				return
			}
			// Limits.PresenceInterval: entering is not limited; a nick
			// change over the rate is refused, anything else dropped.
			if o != nil && !r.presenceAllowed(tx, o) {
				if o.Nick != nick {
					r.presenceRefused(tx)
				}
				return
			}
		}
		switch {
		case o == nil:
			r.enter(tx, p)
		case o.Nick != nick:
			if !r.lockedNickChange(tx, o, p) {
				r.changeNick(tx, o, p)
			}
		default:
			r.updatePresence(tx, o, p)
		}
	case stanza.PresenceUnavailable:
		// §17.3 (Presence business rules): unavailable presence from a
		// non-occupant is silently ignored. §7.14 addresses the exit to
		// the occupant JID; an occupant that sends it to the bare room
		// JID (or to another nick) leaves all the same, its <status/>
		// relayed as for any exit: it is not in the room any more as far
		// as its client is concerned.
		if o := r.sender(tx); o != nil {
			if cond, _ := r.refuseSize(p.Children, ""); cond != "" && !tx.toOrigin {
				// An exit is never refused: one whose status is beyond
				// the Limits leaves without it.
				c := *p
				c.Children = nil
				p = &c
			}
			r.exit(tx, o, p)
		}
	case stanza.PresenceError:
		r.onPresenceError(tx, p)
	case stanza.PresenceProbe:
		// §17.3: a probe is neither a join nor an exit; a service MAY
		// answer it, and this one does.
		r.probe(tx, p)
	default:
		// §17.3: subscriptions are neither joins nor exits.
	}
}

// onMessage dispatches messages (XEP-0045 §7.4, §7.5, §8.1).
func (r *Room) onMessage(tx *request, m *stanza.Message) {
	if m.Type == stanza.MessageError {
		r.onMessageError(tx, m)
		return
	}
	if !tx.toOrigin {
		if o := r.sender(tx); o != nil && !r.messageAllowed(tx, o) {
			return
		}
		if cond, text := r.refuseSize(m.Children, ""); cond != "" {
			r.fail(tx, cond, text)
			return
		}
	}
	if m.To.Resource() != "" {
		r.privateMessage(tx, m)
		return
	}
	if m.Type == stanza.MessageGroupchat {
		r.groupchat(tx, m)
		return
	}
	r.roomMessage(tx, m)
}

// roomMessage handles a non-groupchat message to the bare room JID:
// mediated invitations (§7.8.2) and declines, voice requests (§7.13) and
// registration decisions, dispatched on payload by payloadMessage.
// Anything else is refused: §7.4 lets a service reject messages that are
// not of type groupchat.
func (r *Room) roomMessage(tx *request, m *stanza.Message) {
	if r.payloadMessage(tx, m) {
		return
	}
	r.fail(tx, stanza.BadRequest, "messages to the room must be of type groupchat")
}

// onIQ dispatches IQs. This switch on the payload namespace is the one
// place where IQ features plug in.
func (r *Room) onIQ(tx *request, q *stanza.IQ) {
	if q.To.Resource() != "" {
		r.occupantIQ(tx, q)
		return
	}
	if q.Type == stanza.IQResult || q.Type == stanza.IQError {
		return // RFC 6120 §8.2.3: never answer a response
	}
	p, ok := q.Query()
	if !ok {
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	switch p.Name.Space {
	case nsDiscoInfo:
		r.discoInfo(tx, q, p)
	case nsDiscoItems:
		r.discoItems(tx, q, p)
	case stanza.NSMUCAdmin:
		tx.toOrigin = true
		r.admin(tx, q, p)
	case stanza.NSMUCOwner:
		tx.toOrigin = true
		r.owner(tx, q, p)
	case nsRegister:
		r.register(tx, q, p)
	case nsMAM:
		r.mam(tx, q, p)
	default:
		// RFC 6120 §8.4: an IQ for a namespace nobody handles.
		r.fail(tx, stanza.ServiceUnavailable, "")
	}
}

// result builds the IQ result answering q, with an optional payload.
func (r *Room) result(q *stanza.IQ, payload ...stanza.Element) *stanza.IQ {
	return &stanza.IQ{Header: stanza.Header{ID: q.ID, From: q.To, To: q.From, Type: stanza.IQResult}, Children: payload}
}
