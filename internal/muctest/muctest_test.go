package muctest_test

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/muctest"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestDescribe(t *testing.T) {
	require.Equal(t, "OccupantJoined", muctest.Describe(muc.OccupantJoined{}))
	require.Equal(t, "NickRegistered", muctest.Describe(&muc.NickRegistered{}))
	require.Equal(t, "other", muctest.Describe(nil))
}

func TestCanonAndRemote(t *testing.T) {
	s := muctest.Decode(t, `<message type="groupchat" to='r@muc.example' from='a@x/1'><body>hi</body></message>`)
	require.Equal(t, `<message from='a@x/1' to='r@muc.example' type='groupchat'><body>hi</body></message>`, string(stanza.Encode(s)))
	require.Equal(t, string(stanza.Encode(s)), muctest.Canon(t, `<message type="groupchat" to='r@muc.example' from='a@x/1'><body>hi</body></message>`))
	via, about := stanza.MustParse("node2.example"), stanza.MustParse("a@x/1")
	require.Equal(t, "=> node2.example (a@x/1) "+string(stanza.Encode(s)), muctest.Remote(via, about, stanza.JID{}, "", s))
	require.Equal(t, "=> node2.example (a@x/1) for b@y/2/B "+string(stanza.Encode(s)), muctest.Remote(via, about, stanza.MustParse("b@y/2"), "B", s))
}

func TestGolden(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "g.txt")
	muctest.Golden(t, path, "one\n", true)
	muctest.Golden(t, path, "one\n", false)
}
