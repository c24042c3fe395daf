package muc

import (
	"encoding/xml"
	"errors"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// XEP-0313 namespaces.
const (
	nsMAM     = "urn:xmpp:mam:2"
	nsForward = "urn:xmpp:forward:0"
)

// mamPage is the default and largest number of results in one answer
// (XEP-0313 §4.3.1: the server MAY cap what the client asks for).
const mamPage = 100

// mamMaxIDs bounds the 'ids' field of a query.
const mamMaxIDs = mamPage

// mamPageBytes bounds the results of one answer in bytes: a page of large
// messages is cut short (and says so in its RSM <set/>) rather than
// flooding the requester's connection.
const mamPageBytes = 1 << 20

// mamQuery is a decoded XEP-0313 query (§4.1).
type mamQuery struct {
	queryID        string
	start, end     time.Time // zero: open
	with           stanza.JID
	afterID        string
	beforeID       string
	ids            []string
	set            *rsmSet
	hasWith, hasID bool
	flip           bool // §4.3.4 (extended): results in reverse order
}

var errMAMQuery = errors.New("bad MAM query")

// decodeMAMQuery decodes the <query xmlns='urn:xmpp:mam:2'/> of an IQ set:
// the data form fields of §4.1 (with, start, end, before-id, after-id,
// ids) and the XEP-0059 <set/>. Unknown fields are refused (§4.1.5: the
// client only uses fields the server advertised).
func decodeMAMQuery(p stanza.Element) (mamQuery, error) {
	var raw struct {
		XMLName xml.Name     `xml:"urn:xmpp:mam:2 query"`
		QueryID string       `xml:"queryid,attr"`
		Form    *stanza.Form `xml:"jabber:x:data x"`
		Set     *rsmSet      `xml:"http://jabber.org/protocol/rsm set"`
		Flip    *struct{}    `xml:"flip-page"`
	}
	var q mamQuery
	if err := p.Decode(&raw); err != nil {
		return q, errMAMQuery
	}
	if len(raw.QueryID) > 256 {
		return q, errMAMQuery
	}
	q.queryID, q.set, q.flip = raw.QueryID, raw.Set, raw.Flip != nil
	if raw.Form == nil {
		return q, nil
	}
	if ft := raw.Form.FormType(); ft != "" && ft != nsMAM {
		return q, errMAMQuery
	}
	one := func(f stanza.Field) (string, error) {
		if len(f.Values) > 1 {
			return "", errMAMQuery
		}
		if len(f.Values) == 0 {
			return "", nil
		}
		return f.Values[0], nil
	}
	for _, f := range raw.Form.Fields {
		if f.Var == "FORM_TYPE" {
			continue
		}
		if f.Var == "ids" {
			if len(f.Values)+len(q.ids) > mamMaxIDs {
				return q, errMAMQuery
			}
			q.ids = append(q.ids, f.Values...)
			q.hasID = true
			continue
		}
		v, err := one(f)
		if err != nil {
			return q, err
		}
		switch f.Var {
		case "with":
			if v == "" {
				continue
			}
			j, err := stanza.Parse(v)
			if err != nil {
				return q, errMAMQuery
			}
			q.with, q.hasWith = j, true
		case "start", "end":
			if v == "" {
				continue
			}
			t, err := stanza.ParseTime(v)
			if err != nil {
				return q, errMAMQuery
			}
			if f.Var == "start" {
				q.start = t
			} else {
				q.end = t
			}
		case "after-id":
			q.afterID = v
		case "before-id":
			q.beforeID = v
		default:
			return q, errMAMQuery
		}
	}
	return q, nil
}

// mamForm is the answer to a form request (XEP-0313 §4.1.5).
const mamForm = "<query xmlns='" + nsMAM + "'><x xmlns='jabber:x:data' type='form'>" +
	"<field type='hidden' var='FORM_TYPE'><value>" + nsMAM + "</value></field>" +
	"<field type='jid-single' var='with'/><field type='text-single' var='start'/>" +
	"<field type='text-single' var='end'/><field type='text-single' var='before-id'/>" +
	"<field type='text-single' var='after-id'/><field type='list-multi' var='ids'>" +
	"<validate xmlns='http://jabber.org/protocol/xdata-validate' datatype='xs:string'><open/></validate>" +
	"</field></x></query>"

// mam answers an XEP-0313 request to the room's archive (§4, §3.3.2
// MUC archives on the room's bare JID).
func (r *Room) mam(tx *request, q *stanza.IQ, p stanza.Element) {
	if r.opts.Archive.MaxMessages <= 0 {
		// RFC 6120 §8.4: a namespace this room does not serve.
		r.fail(tx, stanza.ServiceUnavailable, "")
		return
	}
	if !r.visible(tx) {
		r.fail(tx, stanza.ItemNotFound, "") // XEP-0045 §7.2.10
		return
	}
	metadata := p.Is(nsMAM, "metadata")
	if !p.Is(nsMAM, "query") && !(metadata && q.Type == stanza.IQGet) {
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	// XEP-0313 §6.1.2: only who may enter the room may read its archive:
	// never outcasts, and in a members-only room members and above.
	aff := r.Affiliation(tx.from)
	if aff == stanza.AffiliationOutcast || r.config.MembersOnly && aff == stanza.AffiliationNone {
		r.fail(tx, stanza.Forbidden, "")
		return
	}
	switch {
	case metadata:
		r.reply(tx, r.result(q, r.mamMetadata(tx.now)))
		return
	case q.Type == stanza.IQGet:
		r.reply(tx, r.result(q, stanza.Element{Name: xml.Name{Space: nsMAM, Local: "query"}, XML: []byte(mamForm)}))
		return
	}
	mq, err := decodeMAMQuery(p)
	if err != nil {
		r.fail(tx, stanza.BadRequest, "")
		return
	}
	seesJIDs := r.seesArchivedJIDs(tx, aff)
	if mq.hasWith && mq.with.Bare() != r.jid && !seesJIDs {
		// §4.1.1: filtering by publisher only for who may know it (a
		// visitor of a semi-anonymous room may not).
		r.fail(tx, stanza.Forbidden, "")
		return
	}
	r.mamQuery(tx, q, mq, seesJIDs)
}

// mamMetadata is the answer to a metadata request (XEP-0313 §5): the
// first and last messages a query can return, or nothing when there are
// none.
func (r *Room) mamMetadata(now time.Time) stanza.Element {
	es := r.archive.entries
	lo := 0
	if age := r.opts.Archive.MaxAge; age > 0 {
		cut := now.Add(-age)
		lo = sort.Search(len(es), func(i int) bool { return !es[i].Stamp.Before(cut) })
	}
	b := []byte("<metadata xmlns='" + nsMAM + "'>")
	if lo < len(es) {
		for _, x := range []struct {
			name string
			e    *ArchiveEntry
		}{{"start", &es[lo]}, {"end", &es[len(es)-1]}} {
			b = append(b, '<')
			b = append(b, x.name...)
			b = attr(b, "id", x.e.StanzaID)
			b = attr(b, "timestamp", stanza.FormatTime(x.e.Stamp))
			b = append(b, "/>"...)
		}
	}
	b = append(b, "</metadata>"...)
	return stanza.Element{Name: xml.Name{Space: nsMAM, Local: "metadata"}, XML: b}
}

// seesArchivedJIDs reports whether the requester may see the real JIDs of
// the archive's authors (XEP-0313 §6.1.2, XEP-0045 §7.2.3): in a
// non-anonymous room everyone, otherwise moderators (an occupant with that
// role, or an admin or owner, who would have it on entering).
func (r *Room) seesArchivedJIDs(tx *request, aff stanza.Affiliation) bool {
	if r.config.Whois == WhoisAnyone || aff == stanza.AffiliationOwner || aff == stanza.AffiliationAdmin {
		return true
	}
	o := r.sender(tx)
	return o != nil && o.Role == stanza.RoleModerator
}

// mamQuery runs a decoded query: the matching entries, in order, paged by
// RSM (XEP-0059 §2.1 forward with <after/>, §2.3 backward with <before/>,
// §2.5 the last page with an empty <before/>), each sent as a <result/>
// message, then the IQ result with <fin/> (§4.2, §4.3).
func (r *Room) mamQuery(tx *request, q *stanza.IQ, mq mamQuery, seesJIDs bool) {
	a := &r.archive
	es := a.entries
	lo, hi := 0, len(es)
	if age := r.opts.Archive.MaxAge; age > 0 {
		cut := tx.now.Add(-age)
		lo = sort.Search(len(es), func(i int) bool { return !es[i].Stamp.Before(cut) })
	}
	// §4.1.2 start and end are inclusive.
	if !mq.start.IsZero() {
		lo = max(lo, sort.Search(len(es), func(i int) bool { return !es[i].Stamp.Before(mq.start) }))
	}
	if !mq.end.IsZero() {
		hi = min(hi, sort.Search(len(es), func(i int) bool { return es[i].Stamp.After(mq.end) }))
	}
	// §4.1.3: an id not in the archive is item-not-found.
	pos := func(sid string) (int, bool) {
		i, ok := a.index(sid)
		if !ok {
			r.fail(tx, stanza.ItemNotFound, "no such message in the archive")
		}
		return i, ok
	}
	if mq.afterID != "" {
		i, ok := pos(mq.afterID)
		if !ok {
			return
		}
		lo = max(lo, i+1)
	}
	if mq.beforeID != "" {
		i, ok := pos(mq.beforeID)
		if !ok {
			return
		}
		hi = min(hi, i)
	}
	limit := mamPage
	backward := false
	if s := mq.set; s != nil {
		if s.Max != nil {
			n, err := strconv.Atoi(*s.Max)
			if err != nil || n < 0 {
				r.fail(tx, stanza.BadRequest, "bad <max/> in the result set request")
				return
			}
			limit = min(limit, n)
		}
		if s.After != nil && *s.After != "" {
			i, ok := pos(*s.After)
			if !ok {
				return
			}
			lo = max(lo, i+1)
		}
		if s.Before != nil {
			backward = true
			if *s.Before != "" {
				i, ok := pos(*s.Before)
				if !ok {
					return
				}
				hi = min(hi, i)
			}
		}
	}
	hi = max(hi, lo)
	match := r.mamMatcher(mq)
	var sel []int // the matching slice indexes, when not all of lo..hi
	count := hi - lo
	if match != nil {
		sel = make([]int, 0, min(count, 1024))
		for i := lo; i < hi; i++ {
			if match(&es[i]) {
				sel = append(sel, i)
			}
		}
		count = len(sel)
	}
	first := 0 // index of the page in the result set
	if mq.set != nil && mq.set.Index != nil && !backward {
		n, err := strconv.Atoi(*mq.set.Index)
		if err != nil || n < 0 {
			r.fail(tx, stanza.BadRequest, "bad <index/> in the result set request")
			return
		}
		first = min(n, count)
	}
	if backward {
		first = max(0, count-limit)
	}
	last := min(count, first+limit)
	at := func(k int) int {
		if sel != nil {
			return sel[k]
		}
		return lo + k
	}
	results := make([]stanza.Element, 0, last-first)
	size := 0
	for k := first; k < last; k++ {
		el := r.mamResult(mq.queryID, &es[at(k)], seesJIDs)
		results = append(results, el)
		size += len(el.XML)
	}
	// Within mamPageBytes: drop results from the far end of the page
	// (the oldest when paging backwards), keeping at least one.
	for size > mamPageBytes && len(results) > 1 {
		if backward {
			size -= len(results[0].XML)
			results = results[1:]
			first++
		} else {
			size -= len(results[len(results)-1].XML)
			results = results[:len(results)-1]
			last--
		}
	}
	if mq.flip {
		// §4.3.4: the same page, sent newest first.
		slices.Reverse(results)
	}
	msgs := newSlab[stanza.Message](len(results))
	for _, el := range results {
		m := msgs.next()
		*m = stanza.Message{Header: stanza.Header{From: r.jid, To: tx.from, ID: r.opts.NewID()}, Children: []stanza.Element{el}}
		r.reply(tx, m)
	}
	// §4.3: complete when the page reaches the end of the results in the
	// direction of paging.
	complete := last == count
	if backward {
		complete = first == 0
	}
	b := []byte("<fin xmlns='" + nsMAM + "'")
	if complete {
		b = append(b, " complete='true'"...)
	}
	b = append(b, "><set xmlns='"+nsRSM+"'>"...)
	if last > first {
		b = append(b, "<first index='"...)
		b = strconv.AppendInt(b, int64(first), 10)
		b = append(b, "'>"...)
		b = stanza.AppendEscaped(b, es[at(first)].StanzaID, false)
		b = append(b, "</first><last>"...)
		b = stanza.AppendEscaped(b, es[at(last-1)].StanzaID, false)
		b = append(b, "</last>"...)
	}
	b = append(b, "<count>"...)
	b = strconv.AppendInt(b, int64(count), 10)
	b = append(b, "</count></set></fin>"...)
	r.reply(tx, r.result(q, stanza.Element{Name: xml.Name{Space: nsMAM, Local: "fin"}, XML: b}))
}

// mamMatcher returns the filter of the 'with' and 'ids' fields, nil when
// every entry in range matches. XEP-0313 §4.1.1: in a MUC archive 'with'
// matches the publisher: an occupant JID (room@service/nick) by nick, a
// real JID by the author's (bare when bare).
func (r *Room) mamMatcher(mq mamQuery) func(*ArchiveEntry) bool {
	var fs []func(*ArchiveEntry) bool
	if mq.hasWith {
		w := mq.with
		switch {
		case w.Bare() == r.jid && w.Resource() != "":
			k := nickKey(w.Resource())
			seen := map[string]bool{} // nick -> matches, so nickKey runs once per nick
			fs = append(fs, func(e *ArchiveEntry) bool {
				m, ok := seen[e.Nick]
				if !ok {
					m = nickKey(e.Nick) == k
					if len(seen) < 4096 {
						seen[e.Nick] = m
					}
				}
				return m
			})
		case w.Bare() == r.jid:
			// The room itself: every message.
		case w.IsBare():
			fs = append(fs, func(e *ArchiveEntry) bool { return e.JID.Bare() == w })
		default:
			fs = append(fs, func(e *ArchiveEntry) bool { return e.JID == w })
		}
	}
	if mq.hasID {
		ids := slices.Clone(mq.ids)
		fs = append(fs, func(e *ArchiveEntry) bool { return slices.Contains(ids, e.StanzaID) })
	}
	switch len(fs) {
	case 0:
		return nil
	case 1:
		return fs[0]
	}
	return func(e *ArchiveEntry) bool { return fs[0](e) && fs[1](e) }
}

// mamResult builds the <result/> of one archived message (XEP-0313 §4.2,
// §6.1.2): the XEP-0297 forwarded groupchat message from the author's
// occupant JID with its XEP-0203 delay, and a muc#user item with the
// author's real JID for who may see it.
func (r *Room) mamResult(queryID string, e *ArchiveEntry, seesJIDs bool) stanza.Element {
	from, _ := r.addr(e.Nick)
	children := e.Payload
	if seesJIDs && !e.JID.IsZero() {
		x := []byte("<x xmlns='" + stanza.NSMUCUser + "'><item")
		x = attr(x, "jid", e.JID.String())
		x = append(x, "/></x>"...)
		children = append(slices.Clip(children), stanza.Element{Name: xml.Name{Space: stanza.NSMUCUser, Local: "x"}, XML: x})
	}
	inner := stanza.Encode(&stanza.Message{Header: stanza.Header{From: from, ID: e.ID, Type: stanza.MessageGroupchat}, Children: children})
	b := make([]byte, 0, len(inner)+256)
	b = append(b, "<result xmlns='"+nsMAM+"'"...)
	if queryID != "" {
		b = attr(b, "queryid", queryID)
	}
	b = attr(b, "id", e.StanzaID)
	b = append(b, "><forwarded xmlns='"+nsForward+"'>"...)
	b = append(b, stanza.Delay{Stamp: e.Stamp}.Element().XML...)
	// XEP-0297 §3: the forwarded stanza is in its own namespace.
	b = append(b, "<message xmlns='jabber:client'"...)
	b = append(b, inner[len("<message"):]...)
	b = append(b, "</forwarded></result>"...)
	return stanza.Element{Name: xml.Name{Space: nsMAM, Local: "result"}, XML: b}
}
