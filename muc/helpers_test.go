package muc

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/muctest"
	"github.com/xmppfmuc/fmuc/stanza"
)

// harness drives a Service with a fixed clock and a counting id source.
type harness struct {
	t   testing.TB
	svc *Service
	now time.Time
	ids int
	out Output
}

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

func newHarness(t testing.TB, mod ...func(*ServiceOptions)) *harness {
	h := &harness{t: t, now: t0}
	opts := ServiceOptions{
		Domain: stanza.MustParse("muc.example"),
		NewID:  func() string { h.ids++; return "id" + strconv.Itoa(h.ids) },
	}
	for _, m := range mod {
		m(&opts)
	}
	svc, err := NewService(opts)
	require.NoError(t, err)
	h.svc = svc
	return h
}

func decode(t testing.TB, xml string) stanza.Stanza {
	t.Helper()
	return muctest.Decode(t, xml)
}

// do feeds one stanza and returns the rendered output lines.
func (h *harness) do(xml string) []string {
	h.t.Helper()
	out, err := h.svc.Handle(h.now, decode(h.t, xml))
	require.NoError(h.t, err)
	h.out = out
	return render(out)
}

// remote feeds one stanza arriving through node via.
func (h *harness) remote(via, xml string) []string {
	h.t.Helper()
	out, err := h.svc.HandleRemote(h.now, stanza.MustParse(via), decode(h.t, xml))
	require.NoError(h.t, err)
	h.out = out
	return render(out)
}

// expect feeds xml and requires exactly the want lines as output.
func (h *harness) expect(xml string, want ...string) {
	h.t.Helper()
	got := h.do(xml)
	require.Equal(h.t, strings.Join(want, "\n"), strings.Join(got, "\n"), "input: %s", xml)
}

// expectRemote is expect for HandleRemote.
func (h *harness) expectRemote(via, xml string, want ...string) {
	h.t.Helper()
	got := h.remote(via, xml)
	require.Equal(h.t, strings.Join(want, "\n"), strings.Join(got, "\n"), "input: %s", xml)
}

// render prints local stanzas as XML and remote deliveries as
// "=> via (subject) XML" (muctest.Remote).
func render(out Output) []string {
	var lines []string
	for _, s := range out.Stanzas {
		lines = append(lines, string(stanza.Encode(s)))
	}
	for _, r := range out.Remote {
		lines = append(lines, muctest.Remote(r.Via, r.About, r.For, r.ForNick, r.Stanza))
	}
	return lines
}

// join enters room/nick as user with an empty muc <x/> and no history.
func (h *harness) join(user, occ string) []string {
	h.t.Helper()
	return h.do(`<presence from='` + user + `' to='` + occ + `'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`)
}

// instant creates room with owner as an instant room, joined as nick.
func (h *harness) instant(room, owner, nick string) {
	h.t.Helper()
	h.join(owner, room+"/"+nick)
	h.expect(`<iq from='`+owner+`' to='`+room+`' id='inst' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`,
		`<iq from='`+room+`' to='`+owner+`' id='inst' type='result'/>`)
}

// configure submits form fields (var=value pairs) as owner.
func (h *harness) configure(room, owner string, kv ...string) []string {
	h.t.Helper()
	var b strings.Builder
	for i := 0; i+1 < len(kv); i += 2 {
		b.WriteString(`<field var='` + kv[i] + `'><value>` + kv[i+1] + `</value></field>`)
	}
	return h.do(`<iq from='` + owner + `' to='` + room + `' id='cfg' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>` + b.String() + `</x></query></iq>`)
}

func (h *harness) room(jid string) *Room {
	h.t.Helper()
	r, ok := h.svc.Room(stanza.MustParse(jid))
	require.True(h.t, ok, "room %s", jid)
	return r
}

// eventsOf returns the events of the last call of type T.
func eventsOf[T Event](out Output) []T {
	var es []T
	for _, e := range out.Events {
		if x, ok := e.(T); ok {
			es = append(es, x)
		}
	}
	return es
}

// canon returns the canonical form of one XML element.
func canon(t testing.TB, xml string) string {
	t.Helper()
	e, err := stanza.ParseElement([]byte(xml))
	require.NoError(t, err)
	return e.String()
}
