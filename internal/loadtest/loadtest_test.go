package loadtest_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/loadtest"
	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/stanza"
)

func TestProsodyMUC(t *testing.T) {
	const n, s, m = 10, 3, 20
	srv := servers.StartProsody(t, servers.ProsodyOptions{Accounts: servers.Accounts("user", n, "pw")})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	rooms := []stanza.JID{
		stanza.MustParse("load1@" + srv.MUCDomain),
		stanza.MustParse("load2@" + srv.MUCDomain),
	}
	// The counter counts the settles, so that each room's increase is 0:
	// it is read after its room's settle, before and after the sends.
	settles := 0
	results, err := loadtest.Run(ctx, loadtest.Config{
		Addr: srv.C2SAddr(), Domain: srv.Domain, Password: "pw",
		Rooms: rooms, Clients: n, Senders: s, Messages: m, Rate: 500,
		PIDs:     []int{srv.PID()},
		Settle:   func(context.Context) error { settles++; return nil },
		Counters: []func() int64{func() int64 { return int64(settles) }},
	})
	require.NoError(t, err)
	require.Len(t, results, 2)
	assert.Equal(t, 2, settles, "one settle per room")
	for i, r := range results {
		assert.Equal(t, rooms[i], r.Room)
		assert.Equal(t, s*m, r.Sent)
		assert.Equal(t, s*m*n, r.Expected)
		assert.Equal(t, r.Expected, r.Delivered, "Prosody's MUC on loopback loses nothing")
		assert.Zero(t, r.Lost)
		assert.Zero(t, r.Duplicates)
		assert.Zero(t, r.Errors)
		assert.Positive(t, r.P50)
		assert.LessOrEqual(t, r.P50, r.P99)
		assert.LessOrEqual(t, r.P99, r.Max)
		require.Len(t, r.CPU, 2)
		assert.NoError(t, r.CPU[1].Err)
		assert.Equal(t, srv.PID(), r.CPU[1].PID)
		assert.NotEqual(t, "?", r.CPU[1].Name)
		assert.Equal(t, []int64{0}, r.Counters)
	}
	var out bytes.Buffer
	require.NoError(t, loadtest.WriteTable(&out, results))
	assert.Contains(t, out.String(), rooms[0].String())
	assert.Contains(t, out.String(), rooms[1].String())
	t.Logf("\n%s", out.String())
}

func TestConfigErrors(t *testing.T) {
	room := stanza.MustParse("r@conference.example")
	good := loadtest.Config{Addr: "127.0.0.1:1", Domain: "example", Rooms: []stanza.JID{room}, Clients: 2, Senders: 1}
	for name, mut := range map[string]func(*loadtest.Config){
		"no rooms":          func(c *loadtest.Config) { c.Rooms = nil },
		"no clients":        func(c *loadtest.Config) { c.Clients = 0 },
		"too many senders":  func(c *loadtest.Config) { c.Senders = 3 },
		"negative rate":     func(c *loadtest.Config) { c.Rate = -1 },
		"occupant JID room": func(c *loadtest.Config) { c.Rooms = []stanza.JID{stanza.MustParse("r@conference.example/nick")} },
		"no address":        func(c *loadtest.Config) { c.Addr = "" },
	} {
		t.Run(name, func(t *testing.T) {
			c := good
			mut(&c)
			_, err := loadtest.Run(context.Background(), c)
			assert.ErrorIs(t, err, loadtest.ErrConfig)
		})
	}
}
