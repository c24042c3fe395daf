package transport

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

func TestNewValidation(t *testing.T) {
	m := newTestMachine()
	ok := func() Config {
		return Config{Address: "127.0.0.1:5347", Domain: "rooms.example", Secret: "s", Machine: m}
	}
	tests := []struct {
		name   string
		change func(*Config)
		valid  bool
	}{
		{name: "minimal", change: func(*Config) {}, valid: true},
		{name: "ipv6", change: func(c *Config) { c.Address = "[::1]:5347" }, valid: true},
		{name: "no port", change: func(c *Config) { c.Address = "localhost" }},
		{name: "ipv6 without port", change: func(c *Config) { c.Address = "::1" }},
		{name: "empty port", change: func(c *Config) { c.Address = "localhost:" }},
		{name: "port zero", change: func(c *Config) { c.Address = "localhost:0" }},
		{name: "port out of range", change: func(c *Config) { c.Address = "localhost:70000" }},
		{name: "no host", change: func(c *Config) { c.Address = ":5347" }},
		{name: "empty domain", change: func(c *Config) { c.Domain = "" }},
		{name: "domain with localpart", change: func(c *Config) { c.Domain = "room@rooms.example" }},
		{name: "domain with resource", change: func(c *Config) { c.Domain = "rooms.example/r" }},
		{name: "empty secret", change: func(c *Config) { c.Secret = "" }},
		{name: "nil machine", change: func(c *Config) { c.Machine = nil }},
		{name: "max below min", change: func(c *Config) { c.BackoffMin, c.BackoffMax = time.Second, time.Millisecond }},
		{name: "negative backoff", change: func(c *Config) { c.BackoffMin = -1 }},
		{name: "jitter above one", change: func(c *Config) { c.Jitter = 1.5 }},
		{name: "negative queue", change: func(c *Config) { c.OutboundQueue = -1 }},
		{name: "negative size", change: func(c *Config) { c.MaxStanzaSize = -1 }},
		{name: "negative outbound size", change: func(c *Config) { c.MaxOutboundSize = -1 }},
		{name: "outbound size below RFC 6120's minimum", change: func(c *Config) { c.MaxOutboundSize = 9999 }},
		{name: "outbound size at RFC 6120's minimum", change: func(c *Config) { c.MaxOutboundSize = 10000 }, valid: true},
		{name: "negative timeout", change: func(c *Config) { c.ConnectTimeout = -1 }},
		{name: "negative overflow timeout", change: func(c *Config) { c.OverflowTimeout = -1 }},
		{name: "negative stable after", change: func(c *Config) { c.StableAfter = -1 }},
		{name: "negative ping timeout", change: func(c *Config) { c.PingTimeout = -1 }},
		{name: "negative ping interval disables pings", change: func(c *Config) { c.PingInterval = -1 }, valid: true},
		{name: "bad ping address", change: func(c *Config) { c.PingTo = "@@" }},
		{name: "ping to the server's host", change: func(c *Config) { c.PingTo = "example.org" }, valid: true},
		{name: "negative queue bytes", change: func(c *Config) { c.OutboundQueueBytes = -1 }},
		{name: "queue bytes below the largest stanza", change: func(c *Config) { c.OutboundQueueBytes = DefaultMaxOutboundSize - 1 }},
		{name: "queue bytes at the largest stanza", change: func(c *Config) { c.OutboundQueueBytes = DefaultMaxOutboundSize }, valid: true},
		{name: "default queue bytes below a large MaxOutboundSize", change: func(c *Config) { c.MaxOutboundSize = 32 << 20 }, valid: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := ok()
			tt.change(&cfg)
			c, err := New(cfg)
			if tt.valid {
				require.NoError(t, err)
				require.NotNil(t, c)
				return
			}
			assert.ErrorIs(t, err, ErrConfig)
			assert.Nil(t, c)
		})
	}
}

func TestConfigDefaults(t *testing.T) {
	cfg, domain, err := Config{Address: "h:1", Domain: "Rooms.Example", Secret: "s", Machine: newTestMachine()}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, "rooms.example", domain.String())
	assert.Equal(t, DefaultKeepAlive, cfg.KeepAlive)
	assert.Equal(t, DefaultBackoffMin, cfg.BackoffMin)
	assert.Equal(t, DefaultBackoffMax, cfg.BackoffMax)
	assert.Equal(t, DefaultJitter, cfg.Jitter)
	assert.Equal(t, DefaultPingInterval, cfg.PingInterval)
	assert.Equal(t, DefaultPingTimeout, cfg.PingTimeout)
	assert.Equal(t, "rooms.example", cfg.PingTo, "pings go to the component's own domain")
	assert.Equal(t, DefaultBackoffMax, cfg.StableAfter, "the longer of DefaultStableAfter and BackoffMax")
	assert.Equal(t, DefaultOutboundQueue, cfg.OutboundQueue)
	assert.Equal(t, int64(DefaultOutboundQueueBytes), cfg.OutboundQueueBytes)
	assert.Equal(t, DefaultConnectTimeout, cfg.ConnectTimeout)
	assert.Equal(t, DefaultWriteTimeout, cfg.WriteTimeout)
	assert.Equal(t, DefaultCloseTimeout, cfg.CloseTimeout)
	assert.Equal(t, DefaultOverflowTimeout, cfg.OverflowTimeout)
	assert.Equal(t, int64(DefaultMaxStanzaSize), cfg.MaxStanzaSize)
	assert.Equal(t, stanza.DefaultLimits.MaxSize, cfg.MaxStanzaSize, "the decoder's default and the transport's agree")
	assert.Equal(t, int64(DefaultMaxOutboundSize), cfg.MaxOutboundSize)
	assert.NotNil(t, cfg.Logger)
	assert.NotNil(t, cfg.Clock)
	assert.NotNil(t, cfg.Rand)
}

func TestBackoff(t *testing.T) {
	const ms = time.Millisecond
	tests := []struct {
		n      int
		jitter float64
		r      float64
		want   time.Duration
	}{
		{n: 1, want: 100 * ms},
		{n: 2, want: 200 * ms},
		{n: 3, want: 400 * ms},
		{n: 5, want: 1000 * ms}, // capped
		{n: 50, want: 1000 * ms},
		{n: 1, jitter: 0.5, r: 0.5, want: 75 * ms},
		{n: 5, jitter: 1, r: 0.25, want: 750 * ms},
		{n: 1, jitter: 0.5, r: 1.5, want: 100 * ms}, // out-of-range r ignored
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, backoff(tt.n, 100*ms, time.Second, tt.jitter, tt.r), "n=%d jitter=%v r=%v", tt.n, tt.jitter, tt.r)
	}
}

func TestHandshakeDigest(t *testing.T) {
	// SHA-1("abc") from FIPS 180-2, as id "a" and secret "bc".
	assert.Equal(t, "a9993e364706816aba3e25717850c26c9cd0d89d", handshakeDigest("a", "bc"))
}

func TestStreamHeader(t *testing.T) {
	assert.Equal(t,
		"<?xml version='1.0'?><stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='rooms.example'>",
		string(streamHeader("rooms.example")))
}

func TestStableAfterDefault(t *testing.T) {
	base := Config{Address: "h:1", Domain: "rooms.example", Secret: "s", Machine: newTestMachine()}
	for _, tt := range []struct {
		backoffMax, stableAfter, want time.Duration
	}{
		{backoffMax: 0, want: DefaultBackoffMax},
		{backoffMax: 5 * time.Second, want: DefaultStableAfter},
		{backoffMax: 5 * time.Minute, want: 5 * time.Minute},
		{backoffMax: 5 * time.Minute, stableAfter: time.Second, want: time.Second},
	} {
		c := base
		c.BackoffMax, c.StableAfter = tt.backoffMax, tt.stableAfter
		got, _, err := c.withDefaults()
		require.NoError(t, err)
		assert.Equal(t, tt.want, got.StableAfter, "BackoffMax %v StableAfter %v", tt.backoffMax, tt.stableAfter)
	}
}
