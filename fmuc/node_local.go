package fmuc

import (
	"slices"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// fromLocal handles a stanza from a client of the server.
func (n *Node) fromLocal(now time.Time, out *Output, in stanza.Stanza) {
	in = stripped(in)
	r := n.mucRoom()
	switch s := in.(type) {
	case *stanza.Presence:
		if s.Type == stanza.PresenceAvailable && n.holdJoin(now, out, r, s) {
			return
		}
	case *stanza.Message:
		if s.Type == stanza.MessageGroupchat && n.masterSlave(now, out, r, s) {
			return
		}
	}
	n.handle(now, out, in)
}

// held is a groupchat message waiting for the master's echo: as its user
// sent it (From the real JID, to this room), and the link it came
// through (zero for this room's own user).
type held struct {
	m   *stanza.Message
	via stanza.JID
}

// masterSlave holds a local groupchat message of a master-slave room
// until the master echoes it (XEP-0289 §2), or refuses it while the
// master is unreachable. It reports whether it took the message.
func (n *Node) masterSlave(now time.Time, out *Output, r *muc.Room, m *stanza.Message) bool {
	l := n.upstream()
	if l == nil || l.Mode != MasterSlave || r == nil {
		return false
	}
	if _, isSubject := m.Subject(); isSubject && !hasChild(m, "", "body") {
		// Subject changes converge by their time (subjectNewer), not by
		// the master's order.
		return false
	}
	o, ok := r.OccupantByJID(m.From)
	if !ok || o.Remote() || (o.Role != stanza.RoleParticipant && o.Role != stanza.RoleModerator) {
		return false // the room answers as for any other message
	}
	if l.State != LinkFederated {
		e := &stanza.Error{Type: stanza.ErrorWait, Condition: stanza.RecipientUnavailable, By: n.room,
			Text: "this room follows " + l.Peer.String() + ", which cannot be reached now; try again later"}
		if reply := stanza.ErrorReply(m, e); reply != nil {
			out.Stanzas = append(out.Stanzas, reply)
		}
		return true
	}
	h := stanza.Clone(m).(*stanza.Message)
	if h.ID == "" {
		h.ID = n.svc.opts.NewID()
	}
	if _, dup := n.echoes[h.ID]; dup {
		return true
	}
	if len(n.echoes) >= maxEchoes {
		e := &stanza.Error{Type: stanza.ErrorWait, Condition: stanza.ResourceConstraint, By: n.room,
			Text: "too many messages are waiting for the master room"}
		if reply := stanza.ErrorReply(m, e); reply != nil {
			out.Stanzas = append(out.Stanzas, reply)
		}
		return true
	}
	n.forwardForEcho(now, out, l, o.Addr(), h, stanza.JID{})
	return true
}

// forwardForEcho sends h, from this room's occupant JID from, to the
// master l with an echo request, and holds it until the echo comes back.
func (n *Node) forwardForEcho(now time.Time, out *Output, l *link, from stanza.JID, h *stanza.Message, via stanza.JID) {
	n.echoes[h.ID] = held{m: h, via: via}
	wire := &stanza.Message{
		Header:   stanza.Header{From: from, To: l.Peer, ID: h.ID, Type: stanza.MessageGroupchat, Lang: h.Lang},
		Children: append(slices.Clip(withoutFederation(h.Children)), fmucFrom(h.From), echoElement),
	}
	n.emit(now, out, l, wire)
}

// maxEchoes bounds the messages of one room waiting for the master.
const maxEchoes = 1024
