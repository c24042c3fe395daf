package mucstore

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// TestFMUCStateRecord: fmuc.Service.State survives the store as the
// MetaFMUC record (JSON), federation settings and upstream log included.
func TestFMUCStateRecord(t *testing.T) {
	hist := 5
	want := fmuc.State{Rooms: []fmuc.RoomState{{
		Room:       stanza.MustParse("elsinore@talk.denmark.lit"),
		Federation: &fmuc.Federation{Upstream: stanza.MustParse("rabbithole@rooms.wonderland.lit"), Mode: fmuc.MasterSlave, History: &hist},
		Upstream: &fmuc.UpstreamState{Peer: stanza.MustParse("rabbithole@rooms.wonderland.lit"), Session: "s1", Heard: t0,
			Log: []fmuc.LoggedStanza{{Seq: 7, At: t0.Add(time.Second), XML: `<message from='elsinore@talk.denmark.lit/Hamlet' type='groupchat'><body>to be</body></message>`}}},
	}}}
	dir := t.TempDir()
	s, err := Open(dir)
	require.NoError(t, err)
	b, err := json.Marshal(want)
	require.NoError(t, err)
	require.NoError(t, s.Apply(&Batch{Meta: map[string][]byte{MetaFMUC: b}}))
	require.NoError(t, s.Close())
	s, err = Open(dir)
	require.NoError(t, err)
	defer s.Close()
	snap, err := s.Load()
	require.NoError(t, err)
	var got fmuc.State
	require.NoError(t, json.Unmarshal(snap.Meta[MetaFMUC], &got))
	require.Equal(t, want, got)
}
