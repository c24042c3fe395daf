package mucnode

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/examples/node/mucstore"
	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
	"github.com/xmppfmuc/fmuc/transport"
)

// storeConfig is a node configuration on dir (never Run: the tests drive
// its Machine).
func storeConfig(dir string) Config {
	persistent := true
	// No message rate: the tests send their traffic at one instant.
	return Config{Server: "127.0.0.1:1", Domain: domain, Secret: secret, DataDir: &dir, Rooms: RoomDefaults{Persistent: &persistent}, InstantRooms: true,
		Abuse: Abuse{MessageBurst: -1}}
}

// feed hands m the stanzas as the transport would and returns what it
// sends.
func feed(t *testing.T, m transport.Machine, now time.Time, xmls ...string) []stanza.Stanza {
	t.Helper()
	var out []stanza.Stanza
	for _, x := range xmls {
		in, err := stanza.Decode([]byte(x))
		require.NoError(t, err, x)
		out = append(out, m.Handle(now, in)...)
	}
	return out
}

// roomTraffic gives a room an owner, a member, a ban, registered nicks, a
// configuration, a subject, history and archive.
func roomTraffic(room string) []string {
	xs := []string{
		`<presence from='alice@example.org/1' to='` + room + `/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
		`<iq from='alice@example.org/1' to='` + room + `' id='cfg' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_roomname'><value>Tea</value></field><field var='muc#roomconfig_moderatedroom'><value>1</value></field></x></query></iq>`,
		`<iq from='alice@example.org/1' to='` + room + `' id='aff' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item jid='bob@example.org' affiliation='member'/><item jid='eve@example.org' affiliation='outcast'><reason>spam</reason></item></query></iq>`,
		`<iq from='alice@example.org/1' to='` + room + `' id='reg' type='set'><query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value></field><field var='muc#register_roomnick'><value>Alice</value></field></x></query></iq>`,
		`<message from='alice@example.org/1' to='` + room + `' id='s' type='groupchat'><subject>Earl Grey</subject></message>`,
	}
	for i := range 25 {
		xs = append(xs, `<message from='alice@example.org/1' to='`+room+`' id='m`+strconv.Itoa(i)+`' type='groupchat'><body>cup `+strconv.Itoa(i)+`</body></message>`)
	}
	return append(xs, `<presence from='alice@example.org/1' to='`+room+`/Alice' type='unavailable'/>`)
}

func TestRestartKeepsRooms(t *testing.T) {
	dir := t.TempDir()
	n1, err := New(storeConfig(dir), nil)
	require.NoError(t, err)
	room := "tea@" + domain
	out := feed(t, n1.machine, time.Now(), roomTraffic(room)...)
	require.NotEmpty(t, out)
	want := n1.Service().State()
	require.Len(t, want, 1)
	require.Len(t, want[0].History, 20)
	require.Len(t, want[0].Archive, 26, "25 messages and the subject change")
	require.Equal(t, "Earl Grey", want[0].Subject.Text)
	require.NotEmpty(t, want[0].SubjectOccupantID)

	// A second node on the same directory is refused.
	_, err = New(storeConfig(dir), nil)
	require.ErrorIs(t, err, mucstore.ErrLocked)

	require.NoError(t, n1.store.Close())
	n2, err := New(storeConfig(dir), nil)
	require.NoError(t, err)
	defer n2.store.Close()
	assert.Equal(t, want, n2.Service().State())
}

// TestRestartKeepsFederation: a room's federation set by its owner in
// the configuration form (x-fmuc#upstream) is stored with the change and
// comes back at the restart.
func TestRestartKeepsFederation(t *testing.T) {
	dir := t.TempDir()
	n1, err := New(storeConfig(dir), nil)
	require.NoError(t, err)
	room := "tea@" + domain
	feed(t, n1.machine, time.Now(),
		`<presence from='alice@example.org/1' to='`+room+`/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`,
		`<iq from='alice@example.org/1' to='`+room+`' id='cfg' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='`+fmuc.FieldUpstream+`'><value>pot@rooms.elsewhere.lit</value></field></x></query></iq>`)
	want := n1.machine.Service().State()
	require.Len(t, want.Rooms, 1)
	require.NotNil(t, want.Rooms[0].Federation)
	require.Equal(t, stanza.MustParse("pot@rooms.elsewhere.lit"), want.Rooms[0].Federation.Upstream)
	require.NoError(t, n1.store.Close())

	n2, err := New(storeConfig(dir), nil)
	require.NoError(t, err)
	defer n2.store.Close()
	assert.Equal(t, want.Rooms, n2.machine.Service().State().Rooms)
}

// flakyStore is a Store whose writes fail while full is set.
type flakyStore struct {
	full    bool
	applied int
}

func (s *flakyStore) Load() (mucstore.Snapshot, error) { return mucstore.Snapshot{}, nil }
func (s *flakyStore) Close() error                     { return nil }
func (s *flakyStore) Apply(b *mucstore.Batch) error {
	if s.full {
		return errors.New("write rooms.db: no space left on device")
	}
	s.applied++
	return nil
}

func TestFullDiskStopsChanges(t *testing.T) {
	svc, err := muc.NewService(muc.ServiceOptions{Domain: stanza.MustParse(domain), NewID: NewIDs(), Locking: muc.LockNever, Archive: muc.Archive{MaxMessages: 10}})
	require.NoError(t, err)
	st := &flakyStore{}
	var logs strings.Builder
	m := NewPersistentMachine(svc, st, slog.New(slog.NewTextHandler(&logs, nil)))
	room := "tea@" + domain
	now := time.Now()
	feed(t, m, now, `<presence from='alice@example.org/1' to='`+room+`/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	require.Equal(t, 1, st.applied)

	st.full = true
	out := feed(t, m, now, `<message from='alice@example.org/1' to='`+room+`' id='m1' type='groupchat'><body>one</body></message>`)
	assert.Empty(t, out, "no reflection of what could not be stored")
	assert.Contains(t, logs.String(), "store write failed")
	assert.Equal(t, now.Add(storeRetry), m.NextDeadline())
	out = feed(t, m, now, `<message from='alice@example.org/1' to='`+room+`' id='m2' type='groupchat'><body>two</body></message>`)
	require.Len(t, out, 1)
	e, ok := stanza.ErrorOf(out[0])
	require.True(t, ok)
	assert.Equal(t, stanza.ResourceConstraint, e.Condition)
	assert.Equal(t, stanza.ErrorWait, e.Type)
	assert.Empty(t, m.Tick(now.Add(storeRetry)), "still full")

	st.full = false
	out = m.Tick(now.Add(2 * storeRetry))
	require.Len(t, out, 1, "the held reflection goes out once stored")
	assert.Equal(t, "m1", out[0].Head().ID)
	assert.Len(t, svc.Rooms()[0].Archive(), 1, "m2 never reached the room")
	assert.Contains(t, logs.String(), "store writable again")
}

func TestInMemoryIsLogged(t *testing.T) {
	var logs strings.Builder
	cfg := storeConfig("")
	_, err := New(cfg, slog.New(slog.NewTextHandler(&logs, nil)))
	require.NoError(t, err)
	assert.Contains(t, logs.String(), "in memory only")
}

func TestDataDirFlag(t *testing.T) {
	base := []string{"-server", "127.0.0.1:5347", "-domain", domain, "-secret", "s"}
	c, err := ParseArgs(base, env(nil), nil)
	require.NoError(t, err)
	assert.Equal(t, DefaultDataDir, c.dataDir())
	assert.Equal(t, muc.Archive{MaxMessages: DefaultArchiveMax}, c.archive())
	c, err = ParseArgs(append(base, "-data-dir", "", "-archive-max", "0", "-archive-max-age", "24h"), env(nil), nil)
	require.NoError(t, err)
	assert.Equal(t, "", c.dataDir())
	assert.Equal(t, muc.Archive{MaxAge: 24 * time.Hour}, c.archive())
	_, err = ParseArgs(append(base, "-archive-max", "-1"), env(nil), nil)
	assert.ErrorIs(t, err, ErrConfig)
}

func TestForeignDataFileRefused(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, mucstore.FileName), []byte(strings.Repeat("not a database ", 1000)), 0o600))
	_, err := New(storeConfig(dir), nil)
	require.ErrorIs(t, err, mucstore.ErrFormat)
	assert.Contains(t, err.Error(), filepath.Join(dir, mucstore.FileName))
	assert.Equal(t, ExitFailure, ExitCode(err))
}
