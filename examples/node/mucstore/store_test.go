package mucstore

import (
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	bolt "go.etcd.io/bbolt"

	"github.com/xmppfmuc/fmuc/internal/muctest"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

var t0 = time.Date(2026, 3, 4, 5, 6, 7, 0, time.UTC)

// node is a service whose every call is persisted, as an embedder does.
type node struct {
	t     testing.TB
	svc   *muc.Service
	store Store
	now   time.Time
}

func newService(t testing.TB) *muc.Service {
	n := 0
	cfg := muc.DefaultConfig()
	cfg.Persistent = true
	cfg.HistoryLength = 3
	cfg.Registration = muc.RegistrationApproval
	svc, err := muc.NewService(muc.ServiceOptions{
		Domain:        stanza.MustParse("muc.example"),
		NewID:         func() string { n++; return "id" + strconv.Itoa(n) },
		RoomDefaults:  &cfg,
		Locking:       muc.LockNever,
		OccupantIDKey: []byte("0123456789abcdef"),
		Archive:       muc.Archive{MaxMessages: 5},
	})
	require.NoError(t, err)
	return svc
}

func (n *node) do(xml string) muc.Output {
	n.t.Helper()
	in := muctest.Decode(n.t, xml)
	out, err := n.svc.Handle(n.now, in)
	require.NoError(n.t, err)
	var b Batch
	b.Record(n.svc, out, in.Head().To)
	require.NoError(n.t, n.store.Apply(&b))
	n.now = n.now.Add(time.Second)
	return out
}

// traffic makes a room hold something of everything State has.
func traffic(n *node) {
	n.do(`<presence from='a@x/1' to='r@muc.example/A'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	n.do(`<iq from='a@x/1' to='r@muc.example' id='m' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item jid='b@x' affiliation='member'/><item jid='e@x' affiliation='outcast'/></query></iq>`)
	n.do(`<presence from='b@x/1' to='r@muc.example/B'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	n.do(`<iq from='b@x/1' to='r@muc.example' id='reg' type='set'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick'><value>Bee</value></field></x></query></iq>`)
	n.do(`<iq from='a@x/1' to='r@muc.example' id='reg' type='set'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick'><value>Al</value></field></x></query></iq>`)
	n.do(`<message from='a@x/1' to='r@muc.example' id='s' type='groupchat'><subject>Spells</subject></message>`)
	for i := 0; i < 7; i++ {
		n.do(`<message from='b@x/1' to='r@muc.example' id='m` + strconv.Itoa(i) + `' type='groupchat'><body>hi ` + strconv.Itoa(i) + `</body></message>`)
	}
	n.do(`<message from='a@x/1' to='r@muc.example' id='inv'><x xmlns='http://jabber.org/protocol/muc#user'><invite to='c@x'/></x></message>`)
	// A temporary room that goes away with its last occupant.
	n.do(`<presence from='a@x/1' to='t@muc.example/A'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	n.do(`<iq from='a@x/1' to='t@muc.example' id='c' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_persistentroom'><value>0</value></field></x></query></iq>`)
	n.do(`<message from='a@x/1' to='t@muc.example' type='groupchat'><body>gone soon</body></message>`)
	n.do(`<presence from='a@x/1' to='t@muc.example/A' type='unavailable'/>`)
}

func TestRoundTrip(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	n := &node{t: t, svc: newService(t), store: s, now: t0}
	traffic(n)
	want := n.svc.State()
	require.Len(t, want, 1)
	require.Len(t, want[0].History, 3)
	require.Len(t, want[0].Archive, 5)
	require.NotEmpty(t, want[0].PendingRegistrations, "registration approval")
	require.NotEmpty(t, want[0].Invitations)
	require.NotEmpty(t, want[0].SubjectOccupantID)
	require.Contains(t, want[0].Affiliations, muc.AffiliationEntry{JID: stanza.MustParse("a@x"), Affiliation: stanza.AffiliationOwner, Nick: "Al"})
	require.NoError(t, s.Close())

	s, err = Open(dir)
	require.NoError(t, err)
	defer s.Close()
	snap, err := s.Load()
	require.NoError(t, err)
	svc := newService(t)
	require.NoError(t, Restore(svc, snap))
	require.Equal(t, want, svc.State())
}

func TestLocked(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	defer s.Close()
	_, err = Open(dir)
	require.ErrorIs(t, err, ErrLocked)
	require.Contains(t, err.Error(), "another node")
}

func TestRefusesOtherFiles(t *testing.T) {
	t.Run("not bbolt", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), []byte("this is not a database, just text that is long enough to look like a page header and then some more bytes to fill it"), 0o600))
		_, err := Open(dir)
		require.ErrorIs(t, err, ErrFormat)
	})
	t.Run("zeros", func(t *testing.T) {
		dir := t.TempDir()
		require.NoError(t, os.WriteFile(filepath.Join(dir, FileName), make([]byte, 64<<10), 0o600))
		_, err := Open(dir)
		require.ErrorIs(t, err, ErrFormat)
	})
	t.Run("foreign bbolt", func(t *testing.T) {
		dir := t.TempDir()
		db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
		require.NoError(t, err)
		require.NoError(t, db.Update(func(tx *bolt.Tx) error { _, err := tx.CreateBucket([]byte("widgets")); return err }))
		require.NoError(t, db.Close())
		_, err = Open(dir)
		require.ErrorIs(t, err, ErrFormat)
		require.Contains(t, err.Error(), "another program")
	})
	t.Run("other version", func(t *testing.T) {
		dir := t.TempDir()
		s, err := Open(dir)
		require.NoError(t, err)
		require.NoError(t, s.db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put([]byte("format"), []byte("99")) }))
		require.NoError(t, s.Close())
		_, err = Open(dir)
		require.ErrorIs(t, err, ErrFormat)
		require.Contains(t, err.Error(), `"99"`)
	})
	t.Run("corrupt record", func(t *testing.T) {
		dir := t.TempDir()
		s, err := Open(dir)
		require.NoError(t, err)
		require.NoError(t, s.db.Update(func(tx *bolt.Tx) error {
			return tx.Bucket(bucketRooms).Put([]byte("r@muc.example"), []byte("{not json"))
		}))
		_, err = s.Load()
		require.ErrorIs(t, err, ErrFormat)
		require.Contains(t, err.Error(), "r@muc.example")
		require.NoError(t, s.Close())
	})
	t.Run("garbled pages", func(t *testing.T) {
		// Whatever the damage, an error or a usable store, never a crash.
		for seed := 0; seed < 40; seed++ {
			dir := t.TempDir()
			s, err := Open(dir)
			require.NoError(t, err)
			n := &node{t: t, svc: newService(t), store: s, now: t0}
			traffic(n)
			require.NoError(t, s.Close())
			p := filepath.Join(dir, FileName)
			b, err := os.ReadFile(p)
			require.NoError(t, err)
			step := 3 + seed%17
			for i := (seed % 8) << 12; i < len(b); i += step {
				b[i] ^= byte(0x5a + seed)
			}
			require.NoError(t, os.WriteFile(p, b, 0o600))
			s, err = Open(dir)
			if err != nil {
				continue
			}
			if _, err := s.Load(); err == nil {
				_ = s.Apply(&Batch{Meta: map[string][]byte{"k": []byte("v")}})
			}
			_ = s.Close()
		}
	})
}

func TestClosed(t *testing.T) {
	s, err := Open(t.TempDir())
	require.NoError(t, err)
	require.NoError(t, s.Close())
	err = s.Apply(&Batch{Meta: map[string][]byte{"k": []byte("v")}})
	require.ErrorIs(t, err, ErrClosed)
	_, err = s.Load()
	require.ErrorIs(t, err, ErrClosed)
}

func TestMeta(t *testing.T) {
	s, err := Open(t.TempDir())
	require.NoError(t, err)
	defer s.Close()
	require.NoError(t, s.Apply(&Batch{Meta: map[string][]byte{"occupant-id-key": []byte("k"), "fmuc": []byte("{}")}}))
	require.NoError(t, s.Apply(&Batch{Meta: map[string][]byte{"fmuc": nil}}))
	snap, err := s.Load()
	require.NoError(t, err)
	require.Equal(t, map[string][]byte{"occupant-id-key": []byte("k")}, snap.Meta)
}

// TestRecordDestroyAndTrim: a destroyed room leaves the store with its
// history and archive; a shorter history length trims the stored history.
func TestRecordDestroyAndTrim(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	defer s.Close()
	n := &node{t: t, svc: newService(t), store: s, now: t0}
	traffic(n)
	n.do(`<iq from='a@x/1' to='r@muc.example' id='h' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='muc#maxhistoryfetch'><value>1</value></field></x></query></iq>`)
	snap, err := s.Load()
	require.NoError(t, err)
	require.Len(t, snap.Rooms, 1)
	require.Len(t, snap.Rooms[0].History, 1)
	require.Equal(t, n.svc.State(), snap.Rooms)

	// Destruction (XEP-0045 §10.9) removes the room, history and archive.
	out := n.do(`<iq from='a@x/1' to='r@muc.example' id='d' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>`)
	require.NotEmpty(t, out.Events)
	snap, err = s.Load()
	require.NoError(t, err)
	require.Empty(t, snap.Rooms)
	require.NoError(t, s.db.View(func(tx *bolt.Tx) error {
		require.Nil(t, tx.Bucket(bucketHistory).Bucket([]byte("r@muc.example")))
		require.Nil(t, tx.Bucket(bucketArchive).Bucket([]byte("r@muc.example")))
		return nil
	}))
}
