package muc

import (
	"encoding/xml"
	"strconv"

	"github.com/xmppfmuc/fmuc/stanza"
)

// nsRSM is the XEP-0059 Result Set Management namespace.
const nsRSM = "http://jabber.org/protocol/rsm"

// rsmSet is the <set/> of a request (XEP-0059 §2). Nil fields are absent.
type rsmSet struct {
	XMLName xml.Name `xml:"http://jabber.org/protocol/rsm set"`
	Max     *string  `xml:"max"`
	After   *string  `xml:"after"`
	Before  *string  `xml:"before"`
	Index   *string  `xml:"index"`
}

// replyItems answers a disco#items request with a page of items, which
// are sorted by JID (XEP-0045 §6.3, §6.5; XEP-0059 for the paging). The
// JIDs are the UIDs of XEP-0059 §2.2 and give the order, so an <after/> or
// <before/> naming an item that is gone still finds its place (§2.4 asks
// for item-not-found only when it cannot). A page holds at most
// Limits.MaxDiscoItems items, fewer when the request's <max/> says so or
// when more would not fit in maxComposed bytes. Without a <set/> in the
// request the answer is the first page, with a <set/> (first, last,
// count) only when that is not all, so that clients learn there is more
// (XEP-0059: it "can also be proactively included by the responding
// entity when returning a limited result set"). <max>0</max> asks for the
// count only (§2.7).
func (r *Room) replyItems(tx *request, q *stanza.IQ, set *rsmSet, items []discoItem) {
	limit := r.opts.Limits.MaxDiscoItems
	start, end, backward := 0, len(items), false
	if set != nil {
		if set.Max != nil {
			n, err := strconv.Atoi(*set.Max)
			if err != nil || n < 0 {
				r.fail(tx, stanza.BadRequest, "bad <max/> in the result set request")
				return
			}
			limit = min(limit, n)
		}
		switch {
		case set.Index != nil:
			// §2.6: a page out of order, by index.
			n, err := strconv.Atoi(*set.Index)
			if err != nil || n < 0 {
				r.fail(tx, stanza.BadRequest, "bad <index/> in the result set request")
				return
			}
			start = min(n, len(items))
		case set.Before != nil:
			// §2.3: the page before an item; §2.5: the last page.
			backward = true
			if *set.Before != "" {
				end = firstAtOrAfter(items, *set.Before)
			}
		case set.After != nil && *set.After != "":
			start = firstAtOrAfter(items, *set.After)
			if start < len(items) && items[start].jid.String() == *set.After {
				start++
			}
		}
	}
	if backward {
		start = max(0, end-limit)
	} else {
		end = min(end, start+limit)
	}
	// Within maxComposed, less room for the query and the <set/>, whose
	// first and last UIDs may take 10 KB: drop items from the far end of
	// the page.
	size := 0
	for _, it := range items[start:end] {
		size += len(it.append(nil))
	}
	for size > maxComposed-16<<10 && start < end {
		if backward {
			size -= len(items[start].append(nil))
			start++
		} else {
			end--
			size -= len(items[end].append(nil))
		}
	}
	page := items[start:end]
	var out []byte
	if (set != nil || len(page) < len(items)) && len(items) > 0 {
		// §2.2: an empty full result set is an empty query.
		out = rsmResult(page, start, len(items))
	}
	r.reply(tx, r.result(q, discoItemsElement("", page, out)))
}

// firstAtOrAfter returns the index of the first item whose JID sorts at or
// after uid.
func firstAtOrAfter(items []discoItem, uid string) int {
	for i, it := range items {
		if it.jid.String() >= uid {
			return i
		}
	}
	return len(items)
}

// rsmResult builds the <set/> of an answer (XEP-0059 §2.2): first (with
// its index) and last when the page is not empty, and the count.
func rsmResult(page []discoItem, index, count int) []byte {
	b := []byte("<set xmlns='" + nsRSM + "'>")
	if len(page) > 0 {
		b = append(b, "<first index='"...)
		b = strconv.AppendInt(b, int64(index), 10)
		b = append(b, "'>"...)
		b = stanza.AppendEscaped(b, page[0].jid.String(), false)
		b = append(b, "</first><last>"...)
		b = stanza.AppendEscaped(b, page[len(page)-1].jid.String(), false)
		b = append(b, "</last>"...)
	}
	b = append(b, "<count>"...)
	b = strconv.AppendInt(b, int64(count), 10)
	return append(b, "</count></set>"...)
}
