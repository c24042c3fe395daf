package mucnode

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestAbuseFlags(t *testing.T) {
	base := []string{"-server", "127.0.0.1:5347", "-domain", "rooms.wonderland.lit"}
	parse := func(args ...string) (muc.ServiceOptions, error) {
		c, err := ParseArgs(append(append([]string(nil), base...), args...), env(map[string]string{SecretEnv: "s"}), io.Discard)
		if err != nil {
			return muc.ServiceOptions{}, err
		}
		var o muc.ServiceOptions
		return o, c.abuseOptions(&o)
	}
	o, err := parse()
	require.NoError(t, err)
	require.Equal(t, muc.CreatorsDomains, o.Creators)
	require.Equal(t, []string{"wonderland.lit"}, o.CreateDomains, "the server's own domain")
	require.Equal(t, muc.Limits{MaxStanza: 256 << 10}, o.Limits, "muc.DefaultLimits, the rooms relaying what the node reads")

	o, err = parse("-create-rooms", "admins", "-admins", "boss@wonderland.lit, root@example.org", "-create-domains", "looking-glass.lit",
		"-max-rooms", "-1", "-max-rooms-per-creator", "3", "-max-user-rooms", "7", "-max-user-sessions", "2",
		"-message-interval", "3s", "-message-burst", "4", "-presence-interval", "5s", "-presence-burst", "6",
		"-max-room-local", "20", "-max-nick", "21", "-max-status", "22", "-max-body", "23", "-max-broadcast-presence", "24")
	require.NoError(t, err)
	require.Equal(t, muc.CreatorsAdmins, o.Creators)
	require.Equal(t, []stanza.JID{stanza.MustParse("boss@wonderland.lit"), stanza.MustParse("root@example.org")}, o.Admins)
	require.Equal(t, []string{"wonderland.lit", "looking-glass.lit"}, o.CreateDomains)
	require.Equal(t, muc.Limits{MaxRooms: muc.Unlimited, MaxRoomsPerCreator: 3, MaxUserRooms: 7, MaxUserSessions: 2,
		MessageInterval: 3 * time.Second, MessageBurst: 4, PresenceInterval: 5 * time.Second, PresenceBurst: 6,
		MaxRoomLocal: 20, MaxNick: 21, MaxStatus: 22, MaxBody: 23, MaxStanza: 256 << 10, MaxBroadcastPresence: 24}, o.Limits)

	_, err = parse("-create-rooms", "everyone")
	require.ErrorIs(t, err, ErrConfig)
	_, err = parse("-admins", "boss@wonderland.lit/phone")
	require.ErrorIs(t, err, ErrConfig)

	// The JSON form.
	file := filepath.Join(t.TempDir(), "node.json")
	require.NoError(t, os.WriteFile(file, []byte(`{"abuse": {"create_rooms": "anyone", "max_user_rooms": 9, "message_interval": "2s"}}`), 0o600))
	o, err = parse("-config", file)
	require.NoError(t, err)
	require.Equal(t, muc.CreatorsAnyone, o.Creators)
	require.Equal(t, 9, o.Limits.MaxUserRooms)
	require.Equal(t, 2*time.Second, o.Limits.MessageInterval)

	require.Equal(t, "example", serverDomain("example"))
}

func TestAbuseFlagsInvalid(t *testing.T) {
	for _, args := range [][]string{{"-max-nick", "-1"}, {"-max-user-rooms", "-2"}, {"-message-interval", "-5s"}} {
		_, err := ParseArgs(append([]string{"-server", "127.0.0.1:5347", "-domain", "rooms.wonderland.lit"}, args...), env(map[string]string{SecretEnv: "s"}), io.Discard)
		require.ErrorIs(t, err, ErrConfig, "%v", args)
	}
}
