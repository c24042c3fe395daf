package muc

import (
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// isSubjectChange reports whether m is a subject change: XEP-0045 §8.1, a
// <subject/> and neither <body/> nor <thread/>.
func isSubjectChange(m *stanza.Message) bool {
	hasSubject := false
	for _, c := range m.Children {
		switch {
		case c.Is("", "subject"):
			hasSubject = true
		case c.Is("", "body"), c.Is("", "thread"):
			return false
		}
	}
	return hasSubject
}

// mayChangeSubject is the §8.1 rule: moderators always; participants when
// muc#roomconfig_changesubject is on; visitors never.
func (r *Room) mayChangeSubject(o *Occupant) bool {
	switch o.Role {
	case stanza.RoleModerator:
		return true
	case stanza.RoleParticipant:
		return r.config.ChangeSubject
	}
	return false
}

// changeSubject handles a subject change from occupant o (XEP-0045 §8.1).
func (r *Room) changeSubject(tx *request, o *Occupant, m *stanza.Message) {
	if !r.mayChangeSubject(o) {
		r.fail(tx, stanza.Forbidden, "")
		return
	}
	text, _ := m.Subject()
	if n := r.opts.Limits.MaxSubject; tooLong(text, n) {
		r.fail(tx, stanza.NotAcceptable, "subjects are limited to "+strconv.Itoa(n)+" characters") // Limits.MaxSubject
		return
	}
	id := m.ID
	if id == "" {
		id = r.opts.NewID()
	}
	payload, sid := r.reflectPayloadID(o, m.Children)
	set := tx.now.UTC()
	if !set.After(r.subject.Set) {
		// A change made after another is stamped after it, even within
		// one tick of the clock or behind the stamp of one adopted from
		// a federated room, so that the nodes of a federation, which keep
		// the latest stamp, all keep this one.
		set = r.subject.Set.Add(time.Nanosecond)
	}
	r.subject = Subject{Text: text, Nick: o.Nick, JID: o.JID, Set: set, StanzaID: sid}
	r.subjectOID, _ = r.oidOf(o)
	r.broadcast(tx, nil, o.JID, func(to stanza.JID, _ bool) stanza.Stanza {
		return &stanza.Message{Header: stanza.Header{From: o.addr, To: to, ID: id, Type: stanza.MessageGroupchat}, Children: payload}
	})
	tx.out.event(SubjectChanged{RoomJID: r.jid, Subject: r.subject})
	// XEP-0313 §6.1.2: subject changes SHOULD be archived too.
	r.archiveMessage(tx, o, id, sid, payload)
}

// sendSubject sends o the current subject after the history (§7.2.15):
// an empty <subject/> when there is none; stamped with a delay from the
// room when it was ever set.
func (r *Room) sendSubject(tx *request, o *Occupant) {
	from := r.jid
	if r.subject.Nick != "" {
		if a, err := r.addr(r.subject.Nick); err == nil {
			from = a
		}
	}
	payload := []stanza.Element{stanza.TextElement("subject", r.subject.Text)}
	if r.subject.StanzaID != "" {
		// XEP-0359 §4: the id the room gave the subject change.
		payload = append(payload, stanza.StanzaID{ID: r.subject.StanzaID, By: r.jid}.Element())
	}
	if !r.subject.Set.IsZero() {
		origin := r.subject.Origin
		if origin.IsZero() {
			origin = r.jid
		}
		payload = append(payload, stanza.Delay{From: origin, Stamp: r.subject.Set}.Element())
	}
	if from != r.jid && r.subjectOID.XML != nil {
		payload = append(payload, r.subjectOID) // XEP-0421 §5
	}
	r.sendAbout(tx, o, r.subject.JID, &stanza.Message{
		Header:   stanza.Header{From: from, To: o.JID, ID: r.opts.NewID(), Type: stanza.MessageGroupchat},
		Children: payload,
	})
}
