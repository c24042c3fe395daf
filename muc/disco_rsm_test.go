package muc

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

// withRooms restores n public rooms r000@muc.example ... with names of
// nameLen characters (0: no name), bypassing the limits on names.
func withRooms(t *testing.T, h *harness, n, nameLen int) {
	t.Helper()
	for i := range n {
		cfg := DefaultConfig()
		if nameLen > 0 {
			cfg.Name = strings.Repeat("n", nameLen)
		}
		_, err := h.svc.Restore(State{JID: stanza.MustParse(fmt.Sprintf("r%03d@muc.example", i)), Config: cfg})
		require.NoError(t, err)
	}
}

// itemsPage sends a service disco#items with the given <set/> content
// ("-" for none) and returns the room localparts listed and the <set/>.
func itemsPage(t *testing.T, h *harness, set string) (rooms []string, rsm string) {
	t.Helper()
	x := ""
	if set != "-" {
		x = `<set xmlns='http://jabber.org/protocol/rsm'>` + set + `</set>`
	}
	h.do(`<iq from='z@x/1' to='muc.example' id='it' type='get'><query xmlns='http://jabber.org/protocol/disco#items'>` + x + `</query></iq>`)
	requireSized(t, h.out)
	res := replyOf(t, h.out)
	if res.Head().Type == "error" {
		return nil, string(condOf(t, res))
	}
	q, ok := stanza.Child(res, nsDiscoItems, "query")
	require.True(t, ok)
	var v struct {
		Items []struct {
			JID string `xml:"jid,attr"`
		} `xml:"item"`
		Set *struct {
			Inner string `xml:",innerxml"`
		} `xml:"http://jabber.org/protocol/rsm set"`
	}
	require.NoError(t, q.Decode(&v))
	for _, it := range v.Items {
		rooms = append(rooms, strings.TrimSuffix(it.JID, "@muc.example"))
	}
	if v.Set != nil {
		rsm = v.Set.Inner
	}
	return rooms, rsm
}

func span(from, to int) []string {
	var out []string
	for i := from; i < to; i++ {
		out = append(out, fmt.Sprintf("r%03d", i))
	}
	return out
}

// TestDiscoItemsPaged: the service's disco#items is paged with XEP-0059
// result set management, by room JID, and capped without it.
func TestDiscoItemsPaged(t *testing.T) {
	h := newHarness(t)
	withRooms(t, h, 250, 0)
	set := func(first, index, last string, count int) string {
		if first == "" {
			return fmt.Sprintf("<count>%d</count>", count)
		}
		return fmt.Sprintf("<first index='%s'>%s@muc.example</first><last>%s@muc.example</last><count>%d</count>", index, first, last, count)
	}
	tests := []struct {
		name, req string
		rooms     []string
		set       string
	}{
		{"no rsm: first page and a set", "-", span(0, 100), set("r000", "0", "r099", 250)},
		{"max", "<max>10</max>", span(0, 10), set("r000", "0", "r009", 250)},
		{"max above the cap", "<max>1000</max>", span(0, 100), set("r000", "0", "r099", 250)},
		{"after", "<max>10</max><after>r009@muc.example</after>", span(10, 20), set("r010", "10", "r019", 250)},
		{"after a gone room", "<max>3</max><after>r009a@muc.example</after>", span(10, 13), set("r010", "10", "r012", 250)},
		{"after the last", "<max>10</max><after>r249@muc.example</after>", nil, set("", "", "", 250)},
		{"before", "<max>10</max><before>r020@muc.example</before>", span(10, 20), set("r010", "10", "r019", 250)},
		{"last page", "<max>10</max><before/>", span(240, 250), set("r240", "240", "r249", 250)},
		{"index", "<max>5</max><index>100</index>", span(100, 105), set("r100", "100", "r104", 250)},
		{"count only", "<max>0</max>", nil, set("", "", "", 250)},
		{"bad max", "<max>-1</max>", nil, "bad-request"},
		{"bad index", "<index>x</index>", nil, "bad-request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rooms, rsm := itemsPage(t, h, tc.req)
			require.Equal(t, tc.rooms, rooms)
			require.Equal(t, tc.set, rsm)
		})
	}

	// Without RSM and within the cap: all rooms, no <set/>.
	h = newHarness(t, func(o *ServiceOptions) { o.Limits.MaxDiscoItems = 300 })
	withRooms(t, h, 250, 0)
	rooms, rsm := itemsPage(t, h, "-")
	require.Equal(t, span(0, 250), rooms)
	require.Empty(t, rsm)
}

// TestDiscoItemsLarge: rooms with very long names (beyond the room name
// limit, from a restored state) are listed in pages that fit
// MaxOutputSize, and paging with <after/> reaches every room once.
func TestDiscoItemsLarge(t *testing.T) {
	h := newHarness(t)
	withRooms(t, h, 12, 48<<10)
	var all []string
	after := ""
	for range 12 {
		rooms, rsm := itemsPage(t, h, "<max>100</max>"+after)
		require.NotEmpty(t, rooms)
		require.Less(t, len(rooms), 12)
		require.Contains(t, rsm, "<count>12</count>")
		all = append(all, rooms...)
		if len(all) == 12 {
			break
		}
		after = "<after>" + rooms[len(rooms)-1] + "@muc.example</after>"
	}
	require.Equal(t, span(0, 12), all)
}

// TestRoomItemsPaged: a room listing its occupants pages them too, by
// occupant JID.
func TestRoomItemsPaged(t *testing.T) {
	h := setup2(t)
	cfg := h.room(roomJID).Config()
	cfg.ListOccupants = true
	h.room(roomJID).config = cfg
	h.join("c@x/1", roomJID+"/0C")
	h.do(`<iq from='z@x/1' to='r@muc.example' id='it' type='get'><query xmlns='http://jabber.org/protocol/disco#items'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max></set></query></iq>`)
	require.Equal(t, []string{`<iq from='r@muc.example' to='z@x/1' id='it' type='result'><query xmlns='http://jabber.org/protocol/disco#items'><item jid='r@muc.example/0C'/><item jid='r@muc.example/A'/><set xmlns='http://jabber.org/protocol/rsm'><first index='0'>r@muc.example/0C</first><last>r@muc.example/A</last><count>3</count></set></query></iq>`}, render(h.out))
}

// TestDiscoItemsEmpty: XEP-0059 §2.2, an empty full result set is an
// empty query, with or without a result set request.
func TestDiscoItemsEmpty(t *testing.T) {
	h := newHarness(t)
	for _, req := range []string{"-", "<max>10</max>", "<max>0</max>"} {
		rooms, rsm := itemsPage(t, h, req)
		require.Empty(t, rooms)
		require.Empty(t, rsm)
	}
}
