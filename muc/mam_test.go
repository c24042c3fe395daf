package muc

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// withArchive keeps an archive of n messages per room.
func withArchive(n int, age time.Duration) func(*ServiceOptions) {
	return func(o *ServiceOptions) { o.Archive = Archive{MaxMessages: n, MaxAge: age} }
}

// mamIQ is a MAM query from user with the given form fields (var=value)
// and RSM set children.
func mamIQ(user, id, set string, kv ...string) string {
	var b strings.Builder
	b.WriteString(`<iq from='` + user + `' to='r@muc.example' id='` + id + `' type='set'><query xmlns='urn:xmpp:mam:2' queryid='q-` + id + `'>`)
	if len(kv) > 0 {
		b.WriteString(`<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>urn:xmpp:mam:2</value></field>`)
		for i := 0; i+1 < len(kv); i += 2 {
			b.WriteString(`<field var='` + kv[i] + `'><value>` + kv[i+1] + `</value></field>`)
		}
		b.WriteString(`</x>`)
	}
	if set != "" {
		b.WriteString(`<set xmlns='http://jabber.org/protocol/rsm'>` + set + `</set>`)
	}
	b.WriteString(`</query></iq>`)
	return b.String()
}

func TestMAMTranscript(t *testing.T) {
	h := setup2(t, withArchive(10, 0))
	for i := 1; i <= 4; i++ {
		h.do(`<message from='b@x/1' to='r@muc.example' id='m` + strconv.Itoa(i) + `' type='groupchat'><body>hi ` + strconv.Itoa(i) + `</body><x xmlns='http://jabber.org/protocol/muc#user'><item jid='spoof@evil'/></x></message>`)
		h.now = h.now.Add(time.Minute)
	}
	transcript(t, h, "mam",
		// §7: the room advertises urn:xmpp:mam:2.
		local(`<iq from='c@x/1' to='r@muc.example' id='d' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`),
		// §4.1.5: the form.
		local(`<iq from='c@x/1' to='r@muc.example' id='f' type='get'><query xmlns='urn:xmpp:mam:2'/></iq>`),
		// What Converse.js sends on entering: the last page, backwards.
		// A non-occupant of an open semi-anonymous room sees no real JIDs;
		// the spoofed muc#user <x/> is gone (§6.1.2).
		local(mamIQ("c@x/1", "c1", "<max>2</max><before/>")),
		// Then the page before it.
		local(mamIQ("c@x/1", "c2", "<max>2</max><before>id5</before>")),
		// The moderator sees real JIDs; forward from a stanza id.
		local(mamIQ("a@x/1", "a1", "<max>5</max><after>id5</after>")),
		// By time: start and end are inclusive.
		local(mamIQ("a@x/1", "t1", "", "start", "2026-03-04T05:07:07Z", "end", "2026-03-04T05:08:07Z")),
		// with: an occupant JID for anyone, a real JID for who may see it.
		local(mamIQ("c@x/1", "w1", "", "with", "r@muc.example/B")),
		local(mamIQ("c@x/1", "w2", "", "with", "b@x")),
		local(mamIQ("a@x/1", "w3", "<max>1</max>", "with", "b@x")),
		// ids, and an unknown id.
		local(mamIQ("a@x/1", "i1", "", "ids", "id6")),
		local(mamIQ("a@x/1", "i2", "", "after-id", "nope")),
		// Bad input.
		local(mamIQ("a@x/1", "b1", "", "start", "yesterday")),
		local(mamIQ("a@x/1", "b2", "", "bogus", "1")),
		// Count only.
		local(mamIQ("c@x/1", "n1", "<max>0</max>")),
		// Extended (§4.3.4, §5): a flipped page, the archive's metadata.
		local(strings.Replace(mamIQ("c@x/1", "p1", "<max>2</max><before/>"), "</query>", "<flip-page/></query>", 1)),
		local(`<iq from='c@x/1' to='r@muc.example' id='md' type='get'><metadata xmlns='urn:xmpp:mam:2'/></iq>`),
	)
}

func TestMAMAccess(t *testing.T) {
	h := setup2(t, withArchive(10, 0))
	h.do(`<message from='b@x/1' to='r@muc.example' id='m1' type='groupchat'><body>hi</body></message>`)
	// §6.1.2: outcasts never read the archive.
	h.do(`<iq from='a@x/1' to='r@muc.example' id='ban' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item jid='e@x' affiliation='outcast'/></query></iq>`)
	got := h.do(mamIQ("e@x/1", "q", ""))
	require.Len(t, got, 1)
	require.Contains(t, got[0], "<forbidden")
	// Members-only: members and above only.
	h.configure(roomJID, "a@x/1", "muc#roomconfig_membersonly", "1")
	got = h.do(mamIQ("c@x/1", "q", ""))
	require.Contains(t, got[0], "<forbidden")
	got = h.do(mamIQ("a@x/1", "q", ""))
	require.Len(t, got, 2)
	require.Contains(t, got[0], "<result xmlns='urn:xmpp:mam:2'")
}

func TestMAMOff(t *testing.T) {
	h := setup2(t)
	h.do(`<message from='b@x/1' to='r@muc.example' id='m1' type='groupchat'><body>hi</body></message>`)
	require.Empty(t, eventsOf[MessageArchived](h.out))
	got := h.do(mamIQ("a@x/1", "q", ""))
	require.Contains(t, got[0], "<service-unavailable")
	require.NotContains(t, strings.Join(h.room(roomJID).Features(), " "), nsMAM)
}

func TestMAMRetention(t *testing.T) {
	h := setup2(t, withArchive(3, time.Hour))
	for i := 0; i < 5; i++ {
		h.do(`<message from='b@x/1' to='r@muc.example' type='groupchat'><body>x</body></message>`)
		ev := eventsOf[MessageArchived](h.out)
		require.Len(t, ev, 1)
		require.Equal(t, max(0, min(1, i-2)), ev[0].Expired)
	}
	require.Len(t, h.room(roomJID).Archive(), 3)
	// Older than MaxAge: hidden from queries, dropped by the next message.
	h.now = h.now.Add(2 * time.Hour)
	got := h.do(mamIQ("a@x/1", "q", ""))
	require.Len(t, got, 1)
	require.Contains(t, got[0], "<count>0</count>")
	h.do(`<message from='b@x/1' to='r@muc.example' type='groupchat'><body>x</body></message>`)
	require.Equal(t, 3, eventsOf[MessageArchived](h.out)[0].Expired)
	require.Len(t, h.room(roomJID).Archive(), 1)
	// Subject changes are (§6.1.2 SHOULD).
	h.do(`<message from='a@x/1' to='r@muc.example' type='groupchat'><subject>new</subject></message>`)
	require.Len(t, eventsOf[MessageArchived](h.out), 1)
	// Bodyless and no-store messages are not archived (§6.1.2).
	h.do(`<message from='b@x/1' to='r@muc.example' type='groupchat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`)
	require.Empty(t, eventsOf[MessageArchived](h.out))
}

// A page of large messages is cut to mamPageBytes, from the far end, and
// its RSM <set/> says where it stopped.
func TestMAMPageBytes(t *testing.T) {
	h := setup2(t, withArchive(50, 0), func(o *ServiceOptions) {
		// 100 KiB bodies, twenty at once.
		o.Limits.MaxBody, o.Limits.MaxStanza, o.Limits.MessageBurst = 200<<10, 1<<20, Unlimited
	})
	big := strings.Repeat("x", 100<<10)
	for i := 0; i < 20; i++ {
		h.do(`<message from='b@x/1' to='r@muc.example' id='m` + strconv.Itoa(i) + `' type='groupchat'><body>` + big + `</body></message>`)
	}
	got := h.do(mamIQ("a@x/1", "q", "<max>20</max><before/>"))
	n := len(got) - 1
	require.Less(t, n, 20)
	require.Greater(t, n, 1)
	fin := got[n]
	require.Contains(t, fin, "<count>20</count>")
	require.Contains(t, fin, "<first index='"+strconv.Itoa(20-n)+"'>")
	require.NotContains(t, fin, "complete=")
	require.Contains(t, got[n-1], "id='m19'", "the newest kept when paging backwards")
	got = h.do(mamIQ("a@x/1", "q2", "<max>20</max>"))
	require.Contains(t, got[0], "id='m0'", "the oldest kept when paging forwards")
	require.NotContains(t, got[len(got)-1], "complete=")
}

func TestMAMStateRoundTrip(t *testing.T) {
	h := setup2(t, withArchive(10, 0))
	for i := 0; i < 3; i++ {
		h.do(`<message from='b@x/1' to='r@muc.example' type='groupchat'><body>x</body></message>`)
	}
	r := h.room(roomJID)
	st := r.State()
	require.Len(t, st.Archive, 3)
	r2, err := Restore(st, r.opts)
	require.NoError(t, err)
	require.Equal(t, st, r2.State())
	require.Equal(t, st.Archive[1], r2.Archive()[1])
	_, ok := r2.archive.index(st.Archive[2].StanzaID)
	require.True(t, ok)
	bad := st
	bad.Archive = append([]ArchiveEntry{st.Archive[0]}, st.Archive...)
	_, err = Restore(bad, r.opts)
	require.ErrorIs(t, err, ErrState)
}

// FuzzMAMQuery feeds arbitrary <query xmlns='urn:xmpp:mam:2'/> payloads
// to the decoder and to a room with an archive: no panic, and every query
// is answered by one IQ (result or error) after its results.
func FuzzMAMQuery(f *testing.F) {
	f.Add(`<query xmlns='urn:xmpp:mam:2' queryid='q'><set xmlns='http://jabber.org/protocol/rsm'><max>2</max><before/></set></query>`)
	f.Add(`<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:xmpp:mam:2</value></field><field var='start'><value>2026-03-04T05:07:07Z</value></field><field var='with'><value>r@muc.example/B</value></field></x></query>`)
	f.Add(`<query xmlns='urn:xmpp:mam:2'><x xmlns='jabber:x:data' type='submit'><field var='ids'><value>id3</value><value>id4</value></field><field var='after-id'><value>id3</value></field></x><set xmlns='http://jabber.org/protocol/rsm'><index>1</index></set></query>`)
	h := newHarness(f, withArchive(10, 0))
	h.instant(roomJID, "a@x/1", "A")
	h.join("b@x/1", roomJID+"/B")
	for i := 0; i < 4; i++ {
		h.do(`<message from='b@x/1' to='r@muc.example' type='groupchat'><body>x</body></message>`)
	}
	f.Fuzz(func(t *testing.T, q string) {
		el, err := stanza.ParseElement([]byte(q))
		if err != nil {
			return
		}
		_, _ = decodeMAMQuery(el)
		in := &stanza.IQ{Header: stanza.Header{From: stanza.MustParse("a@x/1"), To: stanza.MustParse(roomJID), ID: "f", Type: stanza.IQSet}, Children: []stanza.Element{el}}
		out, err := h.svc.Handle(h.now, in)
		if err != nil {
			t.Fatal(err)
		}
		n := len(out.Stanzas)
		if n == 0 {
			t.Fatal("no answer")
		}
		last, ok := out.Stanzas[n-1].(*stanza.IQ)
		if !ok || last.ID != "f" {
			t.Fatalf("last stanza is not the answer: %s", stanza.Encode(out.Stanzas[n-1]))
		}
		if n-1 > mamPage {
			t.Fatalf("%d results", n-1)
		}
		for _, s := range out.Stanzas {
			if len(stanza.Encode(s)) > MaxOutputSize {
				t.Fatalf("stanza above MaxOutputSize")
			}
		}
	})
}

// BenchmarkMAMQuery measures queries on a room with a large archive
// (FMUC_BENCH_ARCHIVE messages, default 1,000,000; the entries share one
// payload so that the archive fits in memory): Converse.js's last page,
// a page after a stanza id in the middle, a time range in the middle, and
// a 'with' filter (a scan of the whole archive).
func BenchmarkMAMQuery(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("FMUC_BENCH_ARCHIVE"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(b, err)
	}
	h := newHarness(b, withArchive(n, 0))
	h.instant(roomJID, "a@x/1", "A")
	st := h.room(roomJID).State()
	payload := []stanza.Element{stanza.MustElement(struct {
		XMLName struct{} `xml:"body"`
		Text    string   `xml:",chardata"`
	}{Text: "a message of ordinary length, about sixty characters long."})}
	st.Archive = make([]ArchiveEntry, n)
	from := stanza.MustParse("b@x/1")
	for i := range st.Archive {
		st.Archive[i] = ArchiveEntry{StanzaID: "s" + strconv.Itoa(i), ID: "m" + strconv.Itoa(i), Nick: "B", JID: from, Stamp: t0.Add(time.Duration(i) * time.Second), Payload: payload}
	}
	start := time.Now()
	r, err := h.svc.Restore(st)
	require.NoError(b, err)
	b.Logf("restored a %d-message archive in %v", n, time.Since(start))
	st = State{}
	h.now = t0.Add(time.Duration(n) * time.Second)
	mid := strconv.Itoa(n / 2)
	cases := []struct{ name, q string }{
		{"last-page-50", mamIQ("a@x/1", "q", "<max>50</max><before/>")},
		{"after-id-mid-50", mamIQ("a@x/1", "q", "<max>50</max><after>s"+mid+"</after>")},
		{"time-range-mid-50", mamIQ("a@x/1", "q", "<max>50</max>", "start", stanza.FormatTime(t0.Add(time.Duration(n/2)*time.Second)), "end", stanza.FormatTime(t0.Add(time.Duration(n/2+3600)*time.Second)))},
		{"with-nick-scan-50", mamIQ("a@x/1", "q", "<max>50</max><before/>", "with", roomJID+"/B")},
	}
	for _, c := range cases {
		in := decode(b, c.q)
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				out, err := r.Handle(h.now, in)
				if err != nil || len(out.Stanzas) != 51 {
					b.Fatalf("%v, %d stanzas", err, len(out.Stanzas))
				}
			}
		})
	}
}
