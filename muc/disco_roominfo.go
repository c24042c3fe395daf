package muc

import (
	"sort"
	"strconv"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Disco nodes and form types of XEP-0045 §6.4, §7.12 and §18.1.1.
const (
	nsRoomInfo = "http://jabber.org/protocol/muc#roominfo"
	// nodeRoomUser is the §7.12 node for discovering one's reserved nick.
	nodeRoomUser = "x-roomuser-item"
	// nodeTraffic is the §18.1.1 node listing allowed payload namespaces.
	nodeTraffic = "http://jabber.org/protocol/muc#traffic"
)

// maxContacts bounds the muc#roominfo_contactjid values of disco#info.
const maxContacts = 10

// extraFeatures are the room's disco#info features beyond the room type
// (XEP-0045 §6.4, §16.3): registration (§7.10), voice requests (§7.13),
// XEP-0359 stanza ids, XEP-0410 self-ping answered by the room, and
// XEP-0421 occupant ids when the room adds them.
func (r *Room) extraFeatures() []string {
	f := make([]string, 0, 6)
	if r.config.Registration != RegistrationNone {
		f = append(f, nsRegister)
	}
	f = append(f, nsRequest, nsSelfPing, stanza.NSSID)
	if len(r.opts.OccupantIDKey) > 0 {
		f = append(f, nsOccupantID)
	}
	if r.opts.Archive.MaxMessages > 0 {
		// XEP-0313 §7: the archive, and #extended: before-id, after-id,
		// ids, flipped pages and metadata are supported.
		f = append(f, nsMAM, nsMAM+"#extended")
	}
	return append(f, r.opts.Features...)
}

// features are the service's disco#info features (XEP-0045 §6.2), with
// XEP-0059 result set management (§4: advertised) for disco#items.
// XEP-0421 §4: with a service-wide key every room adds occupant ids, so
// the service advertises them too.
func (s *Service) features() []string {
	f := []string{nsDiscoInfo, nsDiscoItems, stanza.NSMUC, nsMUCStableID, nsRSM}
	if len(s.roomOpts.OccupantIDKey) > 0 {
		f = append(f, nsOccupantID)
	}
	return append(f, s.roomOpts.Features...)
}

// discoInfoNode answers disco#info to a node of the room.
func (r *Room) discoInfoNode(tx *request, q *stanza.IQ, node string) {
	switch node {
	case nodeRoomUser:
		// §7.12: the reserved nick as the name of a conference/text
		// identity, or an empty query when there is none; occupants may
		// ask too.
		var ids []identity
		if nick, ok := r.nicks[tx.from.Bare()]; ok {
			ids = append(ids, identity{"conference", "text", nick})
		}
		r.reply(tx, r.result(q, discoInfoElement(nodeRoomUser, ids, nil)))
	case nodeTraffic:
		// §18.1.1: a room that discards no payload namespaces MUST answer
		// service-unavailable.
		r.fail(tx, stanza.ServiceUnavailable, "")
	default:
		r.fail(tx, stanza.ItemNotFound, "")
	}
}

// roomInfoForms returns the XEP-0128 extension of the room's disco#info:
// the muc#roominfo form of XEP-0045 §6.4 and §16.5.4.
//
// Contact addresses (muc#roominfo_contactjid) are the owners' bare JIDs,
// given only in non-anonymous rooms: elsewhere the owner list is not public
// (§10.5). They are the first maxContacts owners in JID order: contacts
// for a room, not its owner list, which owners get with muc#admin, and
// this answer goes to anyone who asks. The logs URL is Config.LogsURL.
func (r *Room) roomInfoForms(tx *request) []stanza.Element {
	c := r.config
	text := func(v, label, value string) stanza.Field {
		return stanza.Field{Var: v, Type: fieldTextSingle, Label: label, Values: []string{value}}
	}
	fields := []stanza.Field{
		{Var: "FORM_TYPE", Type: "hidden", Values: []string{nsRoomInfo}},
		text(fMaxHistory, "Maximum Number of History Messages Returned by Room", strconv.Itoa(c.HistoryLength)),
	}
	if c.NonAnonymous() {
		var owners []string
		for _, j := range r.jidsWith(stanza.AffiliationOwner) {
			if len(owners) == maxContacts {
				break
			}
			owners = append(owners, j.String())
		}
		fields = append(fields, stanza.Field{Var: "muc#roominfo_contactjid", Type: "jid-multi", Label: "Contact Addresses (normally, room owner or owners)", Values: owners})
	}
	if c.Description != "" {
		fields = append(fields, text("muc#roominfo_description", "Short Description of Room", c.Description))
	}
	if c.Lang != "" {
		fields = append(fields, text("muc#roominfo_lang", "Natural Language for Room Discussions", c.Lang))
	}
	if c.LogsURL != "" {
		fields = append(fields, text("muc#roominfo_logs", "URL for Archived Discussion Logs", c.LogsURL))
	}
	fields = append(fields, text("muc#roominfo_occupants", "Current Number of Occupants in Room", strconv.Itoa(len(r.occupants))))
	if r.subject.Text != "" {
		fields = append(fields, text("muc#roominfo_subject", "Current Discussion Topic", r.subject.Text))
	}
	fields = append(fields,
		stanza.Field{Var: "muc#roominfo_subjectmod", Type: fieldBoolean, Label: "The room subject can be modified by participants", Values: []string{boolValue(c.ChangeSubject)}},
		// §6.4: any muc#roomconfig field may be included; clients read
		// this one (the §6.4 example shows it).
		stanza.Field{Var: fChangeSubject, Type: fieldBoolean, Label: "Subject can be modified", Values: []string{boolValue(c.ChangeSubject)}},
		text(fRoomName, "Natural-Language Room Name", r.Name()),
	)
	if c.MaxUsers > 0 {
		// §6.4 allows any muc#roomconfig field: the occupant limit, next
		// to muc#roominfo_occupants, tells a client whether it fits.
		fields = append(fields, text(fMaxUsers, "Maximum Number of Occupants", strconv.Itoa(c.MaxUsers)))
	}
	form := stanza.Form{Type: stanza.FormResult, Fields: fields}
	return []stanza.Element{form.Element()}
}

// roomItems are the room's disco#items (§6.5): the occupant JIDs when
// Config.ListOccupants is set (only occupants whose presence is
// broadcast), sorted for paging, else none.
func (r *Room) roomItems() []discoItem {
	if !r.config.ListOccupants {
		return nil
	}
	var items []discoItem
	for _, o := range r.occupants {
		if !r.config.HidePresence.Has(o.Role) {
			items = append(items, discoItem{jid: o.addr})
		}
	}
	sort.Slice(items, func(i, k int) bool { return items[i].jid.String() < items[k].jid.String() })
	return items
}
