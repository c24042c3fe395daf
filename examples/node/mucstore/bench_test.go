package mucstore

import (
	"encoding/xml"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/muctest"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// BenchmarkRestore measures a start: Load and muc.Service.Restore of
// FMUC_BENCH_ROOMS rooms (default 100,000), each with an owner, two
// members, a subject and 3 messages of history.
func BenchmarkRestore(b *testing.B) {
	n := 100_000
	if s := os.Getenv("FMUC_BENCH_ROOMS"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(b, err)
	}
	dir := b.TempDir()
	s, err := Open(dir)
	require.NoError(b, err)
	svc := newService(b)
	cfg := muc.DefaultConfig()
	cfg.Persistent, cfg.HistoryLength = true, 3
	body := stanza.MustElement(struct {
		XMLName struct{} `xml:"body"`
		Text    string   `xml:",chardata"`
	}{Text: "hello"})
	owner := stanza.MustParse("owner@example.org")
	var batch Batch
	for i := range n {
		room := stanza.MustParse("room" + strconv.Itoa(i) + "@muc.example")
		batch.Rooms = append(batch.Rooms, muc.State{JID: room, Config: cfg,
			Affiliations: []muc.AffiliationEntry{
				{JID: stanza.MustParse("m1@example.org"), Affiliation: stanza.AffiliationMember},
				{JID: stanza.MustParse("m2@example.org"), Affiliation: stanza.AffiliationMember},
				{JID: owner, Affiliation: stanza.AffiliationOwner, Nick: "Owner"},
			},
			Subject: muc.Subject{Text: "topic", Nick: "Owner", Set: t0}})
		for k := range 3 {
			batch.History = append(batch.History, HistoryAppend{Room: room, Keep: 3, Entry: muc.HistoryEntry{ID: "m" + strconv.Itoa(k), Nick: "Owner", JID: owner, Stamp: t0, Payload: []stanza.Element{body}}})
		}
		if len(batch.Rooms) == 10_000 {
			require.NoError(b, s.Apply(&batch))
			batch.Reset()
		}
	}
	require.NoError(b, s.Apply(&batch))
	_ = svc
	fi, err := os.Stat(s.Path())
	require.NoError(b, err)
	for b.Loop() {
		snap, err := s.Load()
		require.NoError(b, err)
		svc := newService(b)
		require.NoError(b, Restore(svc, snap))
		if len(svc.Rooms()) != n {
			b.Fatal(len(svc.Rooms()))
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/room")
	b.ReportMetric(float64(fi.Size())/float64(n), "file-bytes/room")
	require.NoError(b, s.Close())
}

// BenchmarkWritePerMessage is the cost the store adds to a groupchat
// message: one Handle, its Batch and one fsynced Apply (history and
// archive appends), against Handle alone.
func BenchmarkWritePerMessage(b *testing.B) {
	for _, persist := range []bool{false, true} {
		name := "memory"
		if persist {
			name = "bbolt"
		}
		b.Run(name, func(b *testing.B) {
			s, err := Open(b.TempDir())
			require.NoError(b, err)
			defer s.Close()
			n := &node{t: b, svc: newService(b), store: s, now: t0}
			n.do(`<presence from='a@x/1' to='r@muc.example/A'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
			in := muctest.Decode(b, `<message from='a@x/1' to='r@muc.example' id='m' type='groupchat'><body>a message of ordinary length, about sixty characters long.</body></message>`)
			var batch Batch
			for b.Loop() {
				out, err := n.svc.Handle(n.now, in)
				if err != nil {
					b.Fatal(err)
				}
				n.now = n.now.Add(time.Millisecond)
				if !persist {
					continue
				}
				batch.Reset()
				batch.Record(n.svc, out)
				if err := s.Apply(&batch); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkLoadArchive measures the start of a node whose room has a large
// archive: Load and Restore of one room with FMUC_BENCH_ARCHIVE messages
// (default 200,000) in the file.
func BenchmarkLoadArchive(b *testing.B) {
	n := 200_000
	if s := os.Getenv("FMUC_BENCH_ARCHIVE"); s != "" {
		var err error
		n, err = strconv.Atoi(s)
		require.NoError(b, err)
	}
	s, err := Open(b.TempDir())
	require.NoError(b, err)
	defer s.Close()
	mk := func() *muc.Service {
		cfg := muc.DefaultConfig()
		cfg.Persistent = true
		svc, err := muc.NewService(muc.ServiceOptions{Domain: stanza.MustParse("muc.example"), NewID: func() string { return "x" }, RoomDefaults: &cfg, Archive: muc.Archive{MaxMessages: n}})
		require.NoError(b, err)
		return svc
	}
	room := stanza.MustParse("big@muc.example")
	owner := stanza.MustParse("owner@example.org")
	cfg := muc.DefaultConfig()
	cfg.Persistent = true
	batch := Batch{Rooms: []muc.State{{JID: room, Config: cfg, Affiliations: []muc.AffiliationEntry{{JID: owner, Affiliation: stanza.AffiliationOwner}}}}}
	for i := range n {
		sid := "s" + strconv.Itoa(i)
		batch.Archive = append(batch.Archive, ArchiveAppend{Room: room, Entry: muc.ArchiveEntry{StanzaID: sid, ID: "m" + strconv.Itoa(i), Nick: "Owner", JID: owner, Stamp: t0.Add(time.Duration(i) * time.Second),
			Payload: []stanza.Element{
				{Name: xmlName("", "body"), XML: []byte("<body>a message of ordinary length, about sixty characters long.</body>")},
				stanza.StanzaID{ID: sid, By: room}.Element(),
			}}})
		if len(batch.Archive) == 20_000 {
			require.NoError(b, s.Apply(&batch))
			batch = Batch{}
		}
	}
	require.NoError(b, s.Apply(&batch))
	fi, err := os.Stat(s.Path())
	require.NoError(b, err)
	for b.Loop() {
		snap, err := s.Load()
		require.NoError(b, err)
		svc := mk()
		require.NoError(b, Restore(svc, snap))
		if got := len(svc.Rooms()[0].Archive()); got != n {
			b.Fatal(got)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/message")
	b.ReportMetric(float64(fi.Size())/float64(n), "file-bytes/message")
}

func xmlName(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }
