package muc

import (
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Temporary neutral hooks; replaced file by file by the features of
// XEP-0045 §6.4-§6.6, §7.8, §7.10, §7.13, §10.2.1, §12 and XEP-0359/0421/0410.

const nsRegister = "jabber:iq:register"
const nsOccupantID = "urn:xmpp:occupant-id:0"

// Registration says whether and how users register with a room.
type Registration uint8

// Registration values.
const (
	RegistrationAuto Registration = iota
	RegistrationNone
)

type pendingIQ struct{}
type regRequest struct{}

func (r *Room) payloadMessage(tx *request, m *stanza.Message) bool { return false }
func (r *Room) register(tx *request, q *stanza.IQ, p stanza.Element) {
	r.fail(tx, stanza.ServiceUnavailable, "")
}
func (r *Room) onPresenceError(tx *request, p *stanza.Presence) {}
func (r *Room) onMessageError(tx *request, m *stanza.Message)   {}
func (r *Room) extraFeatures() []string                         { return nil }
func (r *Room) discoInfoNode(tx *request, q *stanza.IQ, node string) {
	r.fail(tx, stanza.ItemNotFound, "")
}
func (r *Room) roomInfoForms(tx *request) []stanza.Element { return nil }
func (r *Room) roomItems() []discoItem                     { return nil }
func (r *Room) configNotify(tx *request, old Config)       {}
func (r *Room) withOID(o *Occupant, p []stanza.Element) []stanza.Element {
	return p
}
func withoutOID(p []stanza.Element) []stanza.Element { return p }
func (r *Room) reflectPayload(o *Occupant, p []stanza.Element) []stanza.Element {
	return p
}
func (r *Room) expireIQs(now time.Time, out *Output) {}
func (r *Room) iqDeadline() time.Time               { return time.Time{} }
func (s *Service) features() []string {
	return []string{nsDiscoInfo, nsDiscoItems, stanza.NSMUC, nsMUCStableID}
}

// occupantIQ handles an IQ to room/nick.
func (r *Room) occupantIQ(tx *request, q *stanza.IQ) {
	o := r.sender(tx)
	response := q.Type == stanza.IQResult || q.Type == stanza.IQError
	if o == nil {
		if !response {
			r.fail(tx, stanza.NotAcceptable, "")
		}
		return
	}
	target, ok := r.byNick[q.To.Resource()]
	if !ok {
		if !response {
			r.fail(tx, stanza.ItemNotFound, "")
		}
		return
	}
	r.send(tx, target, &stanza.IQ{
		Header:   stanza.Header{ID: q.ID, From: o.addr, To: target.JID, Type: q.Type, Lang: q.Lang},
		Children: q.Children,
	})
}
