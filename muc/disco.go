package muc

import (
	"encoding/xml"

	"github.com/xmppfmuc/fmuc/stanza"
)

// XEP-0045 §6 feature names.
const (
	nsMUCStableID = "http://jabber.org/protocol/muc#stable_id"
)

// discoQuery holds what a disco request asks: the optional node and, for
// disco#items, an XEP-0059 result set request.
type discoQuery struct {
	Node string  `xml:"node,attr"`
	Set  *rsmSet `xml:"http://jabber.org/protocol/rsm set"`
}

// identity is an XEP-0030 identity.
type identity struct{ category, typ, name string }

// discoInfoElement builds a disco#info <query/> (XEP-0030 §3.1).
func discoInfoElement(node string, ids []identity, features []string, extra ...stanza.Element) stanza.Element {
	b := []byte("<query xmlns='" + nsDiscoInfo + "'")
	if node != "" {
		b = attr(b, "node", node)
	}
	b = append(b, '>')
	for _, id := range ids {
		b = append(b, "<identity"...)
		b = attr(b, "category", id.category)
		if id.name != "" {
			b = attr(b, "name", id.name)
		}
		b = attr(b, "type", id.typ)
		b = append(b, "/>"...)
	}
	for _, f := range features {
		b = append(b, "<feature"...)
		b = attr(b, "var", f)
		b = append(b, "/>"...)
	}
	for _, e := range extra {
		b = append(b, e.XML...)
	}
	b = append(b, "</query>"...)
	return stanza.Element{Name: xml.Name{Space: nsDiscoInfo, Local: "query"}, XML: b}
}

// discoItem is an XEP-0030 item.
type discoItem struct {
	jid  stanza.JID
	name string
}

// discoItemsElement builds a disco#items <query/> (XEP-0030 §4.1) with
// the page items and, when set is not nil, the result set after them.
func discoItemsElement(node string, items []discoItem, set []byte) stanza.Element {
	b := []byte("<query xmlns='" + nsDiscoItems + "'")
	if node != "" {
		b = attr(b, "node", node)
	}
	if len(items) == 0 && set == nil {
		b = append(b, "/>"...)
		return stanza.Element{Name: xml.Name{Space: nsDiscoItems, Local: "query"}, XML: b}
	}
	b = append(b, '>')
	for _, it := range items {
		b = it.append(b)
	}
	b = append(b, set...)
	b = append(b, "</query>"...)
	return stanza.Element{Name: xml.Name{Space: nsDiscoItems, Local: "query"}, XML: b}
}

// append writes the <item/>.
func (it discoItem) append(b []byte) []byte {
	b = append(b, "<item"...)
	b = attr(b, "jid", it.jid.String())
	if it.name != "" {
		b = attr(b, "name", it.name)
	}
	return append(b, "/>"...)
}

// Features returns the room's disco#info features (XEP-0045 §6.4, §16.3).
func (r *Room) Features() []string {
	c := r.config
	pick := func(b bool, yes, no string) string {
		if b {
			return yes
		}
		return no
	}
	base := []string{
		stanza.NSMUC,
		nsMUCStableID,
		pick(c.MembersOnly, "muc_membersonly", "muc_open"),
		pick(c.Moderated, "muc_moderated", "muc_unmoderated"),
		pick(c.NonAnonymous(), "muc_nonanonymous", "muc_semianonymous"),
		pick(c.PasswordProtected, "muc_passwordprotected", "muc_unsecured"),
		pick(c.Persistent, "muc_persistent", "muc_temporary"),
		pick(c.Public, "muc_public", "muc_hidden"),
	}
	return append(base, r.extraFeatures()...)
}

// Name returns the room's natural-language name: the configured one, or
// its localpart.
func (r *Room) Name() string {
	if r.config.Name != "" {
		return r.config.Name
	}
	return r.jid.Local()
}

// visible reports whether the room exists for the requester: a locked
// room exists only for its owners (XEP-0045 §7.2.10).
func (r *Room) visible(tx *request) bool {
	return !r.locked || r.Affiliation(tx.from) == stanza.AffiliationOwner
}

// discoInfo answers disco#info to the room (XEP-0045 §6.4).
func (r *Room) discoInfo(tx *request, q *stanza.IQ, p stanza.Element) {
	if q.Type != stanza.IQGet {
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	var dq discoQuery
	_ = p.Decode(&dq)
	if !r.visible(tx) {
		r.fail(tx, stanza.ItemNotFound, "")
		return
	}
	if dq.Node != "" {
		r.discoInfoNode(tx, q, dq.Node)
		return
	}
	el := discoInfoElement("", []identity{{"conference", "text", r.Name()}}, r.Features(), r.roomInfoForms(tx)...)
	r.replyComposed(tx, q, el)
}

// discoItems answers disco#items to the room (XEP-0045 §6.5). The XEP lets
// a room return its occupants or nothing; to protect occupants' privacy
// this room returns an empty list.
func (r *Room) discoItems(tx *request, q *stanza.IQ, p stanza.Element) {
	if q.Type != stanza.IQGet {
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	var dq discoQuery
	_ = p.Decode(&dq)
	if !r.visible(tx) || dq.Node != "" {
		r.fail(tx, stanza.ItemNotFound, "")
		return
	}
	r.replyItems(tx, q, dq.Set, r.roomItems())
}
