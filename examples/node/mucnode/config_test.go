package mucnode

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
	"github.com/xmppfmuc/fmuc/transport"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestParseArgs(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "secret")
	require.NoError(t, os.WriteFile(secretFile, []byte("from-file\n"), 0o600))
	cfgFile := filepath.Join(dir, "node.json")
	require.NoError(t, os.WriteFile(cfgFile, []byte(`{
		"server": "127.0.0.1:5347", "domain": "rooms.example.org",
		"max_stanza_size": 100000, "rooms": {"persistent": true, "moderated": true, "history": 5, "max_users": 30, "anonymity": "non"}, "instant_rooms": false,
		"log_level": "debug", "log_format": "json", "lock_timeout": "10m"}`), 0o600))
	badFile := filepath.Join(dir, "bad.json")
	require.NoError(t, os.WriteFile(badFile, []byte(`{"server": "a:1", "domian": "x"}`), 0o600))

	shortKey := filepath.Join(dir, "short.key")
	require.NoError(t, os.WriteFile(shortKey, []byte("too short\n"), 0o600))
	goodKey := filepath.Join(dir, "good.key")
	require.NoError(t, os.WriteFile(goodKey, []byte("0123456789abcdef0123\n"), 0o600))

	base := []string{"-server", "127.0.0.1:5347", "-domain", "rooms.example.org"}
	withEnv := env(map[string]string{SecretEnv: "from-env"})
	tests := []struct {
		name   string
		args   []string
		getenv func(string) string
		check  func(t *testing.T, c Config)
		err    bool
	}{
		{name: "secret from env", args: base, getenv: withEnv, check: func(t *testing.T, c Config) {
			assert.Equal(t, "from-env", c.Secret)
			rc, err := c.RoomConfig()
			require.NoError(t, err)
			assert.Equal(t, muc.DefaultConfig(), rc, "no room flag: muc defaults")
		}},
		{name: "secret file wins over env", args: append(base, "-secret-file", secretFile), getenv: withEnv, check: func(t *testing.T, c Config) {
			assert.Equal(t, "from-file", c.Secret)
		}},
		{name: "secret flag", args: append(base, "-secret", "flag"), getenv: withEnv, check: func(t *testing.T, c Config) {
			assert.Equal(t, "flag", c.Secret)
		}},
		{name: "no secret", args: base, getenv: env(nil), err: true},
		{name: "missing secret file", args: append(base, "-secret-file", filepath.Join(dir, "nope")), getenv: env(nil), err: true},
		{name: "no server", args: []string{"-domain", "rooms.example.org"}, getenv: withEnv, err: true},
		{name: "server without port", args: []string{"-server", "localhost", "-domain", "rooms.example.org"}, getenv: withEnv, err: true},
		{name: "domain with local part", args: []string{"-server", "h:1", "-domain", "a@rooms.example.org"}, getenv: withEnv, err: true},
		{name: "bad log level", args: append(base, "-log-level", "loud"), getenv: withEnv, err: true},
		{name: "bad log format", args: append(base, "-log-format", "xml"), getenv: withEnv, err: true},
		{name: "bad anonymity", args: append(base, "-room-anonymity", "full"), getenv: withEnv, err: true},
		{name: "short occupant id key", args: append(base, "-occupant-id-key-file", shortKey), getenv: withEnv, err: true},
		{name: "occupant id key", args: append(base, "-occupant-id-key-file", goodKey), getenv: withEnv, check: func(t *testing.T, c Config) {
			key, err := c.occupantIDKey()
			require.NoError(t, err)
			assert.Equal(t, "0123456789abcdef0123", string(key))
		}},
		{name: "stanza size defaults", args: base, getenv: withEnv, check: func(t *testing.T, c Config) {
			assert.Equal(t, int64(transport.DefaultMaxStanzaSize), c.maxStanzaSize())
			assert.Equal(t, int64(transport.DefaultMaxOutboundSize), c.maxOutboundSize())
		}},
		{name: "stanza sizes", args: append(base, "-max-stanza-size", "1048576", "-max-outbound-size", "2097152"), getenv: withEnv, check: func(t *testing.T, c Config) {
			assert.Equal(t, int64(1<<20), c.maxStanzaSize())
			assert.Equal(t, int64(2<<20), c.maxOutboundSize())
		}},
		{name: "stanza size leaves no room to relay", args: append(base, "-max-stanza-size", "510000"), getenv: withEnv, err: true},
		{name: "negative stanza size", args: append(base, "-max-outbound-size", "-1"), getenv: withEnv, err: true},
		{name: "transport defaults", args: base, getenv: withEnv, check: func(t *testing.T, c Config) {
			assert.Zero(t, c.QueueBytes)
			assert.Zero(t, c.PingInterval)
			assert.Empty(t, c.PingTo)
		}},
		{name: "queue bytes and pings", args: append(base, "-queue-bytes", "1048576", "-ping-interval", "20s", "-ping-to", "example.org"), getenv: withEnv, check: func(t *testing.T, c Config) {
			assert.Equal(t, int64(1<<20), c.QueueBytes)
			assert.Equal(t, Duration(20*time.Second), c.PingInterval)
			assert.Equal(t, "example.org", c.PingTo)
		}},
		{name: "pings disabled", args: append(base, "-ping-interval", "-1s"), getenv: withEnv, check: func(t *testing.T, c Config) {
			assert.Equal(t, Duration(-time.Second), c.PingInterval)
		}},
		{name: "queue bytes below the largest stanza", args: append(base, "-queue-bytes", "1000"), getenv: withEnv, err: true},
		{name: "negative queue bytes", args: append(base, "-queue-bytes", "-1"), getenv: withEnv, err: true},
		{name: "bad ping address", args: append(base, "-ping-to", "@@"), getenv: withEnv, err: true},
		{name: "unknown flag", args: append(base, "-nope"), getenv: withEnv, err: true},
		{name: "stray argument", args: append(base, "extra"), getenv: withEnv, err: true},
		{name: "unknown field in file", args: []string{"-config", badFile}, getenv: withEnv, err: true},
		{name: "file", args: []string{"-config", cfgFile}, getenv: withEnv, check: func(t *testing.T, c Config) {
			rc, err := c.RoomConfig()
			require.NoError(t, err)
			assert.True(t, rc.Persistent)
			assert.True(t, rc.Moderated)
			assert.Equal(t, 5, rc.HistoryLength)
			assert.Equal(t, 30, rc.MaxUsers)
			assert.Equal(t, muc.WhoisAnyone, rc.Whois)
			assert.Equal(t, "debug", c.LogLevel)
			assert.Equal(t, "json", c.LogFormat)
			require.NotNil(t, c.LockTimeout)
			assert.Equal(t, 10*time.Minute, c.lockTimeout())
			assert.Equal(t, muc.LockUntilConfigured, c.locking())
			assert.Equal(t, int64(100000), c.MaxStanzaSize)
		}},
		{name: "lock defaults", args: base, getenv: withEnv, check: func(t *testing.T, c Config) {
			assert.Nil(t, c.LockTimeout)
			assert.Equal(t, DefaultLockTimeout, c.lockTimeout(), "Prosody's 300 s")
			assert.Equal(t, muc.LockUntilConfigured, c.locking())
		}},
		{name: "lock flags", args: append(base, "-lock-timeout", "0", "-instant-rooms"), getenv: withEnv, check: func(t *testing.T, c Config) {
			assert.Equal(t, time.Duration(0), c.lockTimeout(), "0: locked until configured")
			assert.Equal(t, muc.LockNever, c.locking())
		}},
		{name: "negative lock timeout", args: append(base, "-lock-timeout", "-1s"), getenv: withEnv, err: true},
		{name: "flags override file", args: []string{"-config", cfgFile, "-room-moderated=false", "-room-history", "0", "-domain", "muc.example.org"}, getenv: withEnv, check: func(t *testing.T, c Config) {
			rc, err := c.RoomConfig()
			require.NoError(t, err)
			assert.False(t, rc.Moderated)
			assert.True(t, rc.Persistent, "not overridden")
			assert.Equal(t, 0, rc.HistoryLength)
			assert.Equal(t, "muc.example.org", c.Domain)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := ParseArgs(tt.args, tt.getenv, io.Discard)
			if tt.err {
				require.Error(t, err)
				assert.ErrorIs(t, err, ErrConfig)
				assert.Equal(t, ExitConfig, ExitCode(err))
				return
			}
			require.NoError(t, err)
			tt.check(t, c)
		})
	}
}

func TestHelp(t *testing.T) {
	_, err := ParseArgs([]string{"-h"}, env(nil), io.Discard)
	assert.ErrorIs(t, err, ErrHelp)
}

func TestFederationArgs(t *testing.T) {
	dir := t.TempDir()
	cfgFile := filepath.Join(dir, "node.json")
	require.NoError(t, os.WriteFile(cfgFile, []byte(`{
		"server": "127.0.0.1:5347", "domain": "talk.denmark.lit",
		"federation": {"with": "rooms.wonderland.lit", "rooms": {"elsinore": "rabbithole@rooms.wonderland.lit"},
			"mode": "master-slave", "allow": ["talk.norway.lit", "fjord@talk.sweden.lit"], "history": 20},
		"stats_interval": "1m"}`), 0o600))
	base := []string{"-server", "127.0.0.1:5347", "-domain", "talk.denmark.lit"}
	withEnv := env(map[string]string{SecretEnv: "s"})
	domain := stanza.MustParse("talk.denmark.lit")
	parse := func(t *testing.T, args ...string) (Config, fmucSettings) {
		t.Helper()
		c, err := ParseArgs(args, withEnv, io.Discard)
		require.NoError(t, err)
		s, err := c.federation(domain)
		require.NoError(t, err)
		return c, s
	}

	t.Run("none", func(t *testing.T) {
		_, s := parse(t, base...)
		assert.Nil(t, s.federationFunc(), "no federation flag: no room federates")
		assert.Empty(t, s.allow, "no peer admitted")
	})
	t.Run("file", func(t *testing.T) {
		c, s := parse(t, "-config", cfgFile)
		assert.Equal(t, Duration(time.Minute), c.StatsInterval)
		f := s.federationFunc()
		require.NotNil(t, f)
		got := f(stanza.MustParse("elsinore@talk.denmark.lit"))
		assert.Equal(t, stanza.MustParse("rabbithole@rooms.wonderland.lit"), got.Upstream, "the per-room upstream wins")
		assert.Equal(t, fmuc.MasterSlave, got.Mode)
		require.NotNil(t, got.History)
		assert.Equal(t, 20, *got.History)
		got = f(stanza.MustParse("tea@talk.denmark.lit"))
		assert.Equal(t, stanza.MustParse("tea@rooms.wonderland.lit"), got.Upstream, "the same name on the default upstream")
		assert.Equal(t, []stanza.JID{stanza.MustParse("talk.norway.lit"), stanza.MustParse("fjord@talk.sweden.lit")}, s.allow)
	})
	t.Run("flags", func(t *testing.T) {
		c, s := parse(t, append(base, "-federate-rooms", "elsinore=rabbithole@rooms.wonderland.lit, moat=pond@rooms.wonderland.lit",
			"-federation-allow", "talk.norway.lit,,rooms.wonderland.lit", "-federation-history", "0", "-federation-remote-create", "-stats-interval", "30s",
			"-federation-peer-interval", "50ms", "-federation-peer-burst", "500")...)
		f := s.federationFunc()
		require.NotNil(t, f)
		assert.Equal(t, stanza.MustParse("pond@rooms.wonderland.lit"), f(stanza.MustParse("moat@talk.denmark.lit")).Upstream)
		assert.True(t, f(stanza.MustParse("tea@talk.denmark.lit")).Upstream.IsZero(), "no default upstream")
		assert.Equal(t, fmuc.ModeUnset, f(stanza.MustParse("moat@talk.denmark.lit")).Mode, "default mode: master-master")
		require.NotNil(t, f(stanza.MustParse("moat@talk.denmark.lit")).History)
		assert.Zero(t, *f(stanza.MustParse("moat@talk.denmark.lit")).History, "-federation-history 0: none")
		assert.Len(t, s.allow, 2)
		assert.True(t, c.Federation.RemoteCreate)
		assert.Equal(t, Duration(50*time.Millisecond), c.Federation.PeerInterval)
		assert.Equal(t, 500, c.Federation.PeerBurst)
		assert.Equal(t, Duration(30*time.Second), c.StatsInterval)
	})
	t.Run("flags override file", func(t *testing.T) {
		_, s := parse(t, "-config", cfgFile, "-federate-with", "rooms.looking-glass.lit", "-federation-mode", "master-master")
		f := s.federationFunc()
		assert.Equal(t, stanza.MustParse("tea@rooms.looking-glass.lit"), f(stanza.MustParse("tea@talk.denmark.lit")).Upstream)
		assert.Equal(t, fmuc.MasterMaster, f(stanza.MustParse("tea@talk.denmark.lit")).Mode)
	})

	bad := map[string][]string{
		"mode":                  {"-federation-mode", "master"},
		"with a room":           {"-federate-with", "tea@rooms.wonderland.lit"},
		"with itself":           {"-federate-with", "talk.denmark.lit"},
		"with garbage":          {"-federate-with", "@@"},
		"room without upstream": {"-federate-rooms", "elsinore"},
		"room twice":            {"-federate-rooms", "a=b@c.lit,a=d@c.lit"},
		"upstream a domain":     {"-federate-rooms", "elsinore=rooms.wonderland.lit"},
		"upstream full JID":     {"-federate-rooms", "elsinore=a@rooms.wonderland.lit/x"},
		"upstream here":         {"-federate-rooms", "elsinore=other@talk.denmark.lit"},
		"bad room name":         {"-federate-rooms", "a b@c=x@rooms.wonderland.lit"},
		"allow full JID":        {"-federation-allow", "a@b.lit/c"},
		"negative history":      {"-federation-history", "-1"},
		"negative stats":        {"-stats-interval", "-1s"},
	}
	for name, args := range bad {
		t.Run("bad "+name, func(t *testing.T) {
			_, err := ParseArgs(append(base, args...), withEnv, io.Discard)
			require.ErrorIs(t, err, ErrConfig)
			assert.Equal(t, ExitConfig, ExitCode(err))
		})
	}
}
