package servers_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

func login(ctx context.Context, t *testing.T, s *servers.Server, user, password string) *xmppclient.Client {
	t.Helper()
	c, err := xmppclient.DialConfig(ctx, xmppclient.Config{
		Addr: s.C2SAddr(), JID: stanza.MustParse(user + "@" + s.Domain), Password: password, Presence: true,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// chat has a send a chat message to b and checks that b gets it intact.
func chat(ctx context.Context, t *testing.T, a, b *xmppclient.Client) {
	t.Helper()
	body := fmt.Sprintf("hello from %s", a.JID())
	extra := stanza.EmptyElement("urn:example:unknown", "payload")
	require.NoError(t, a.Send(&stanza.Message{
		Header:   stanza.Header{ID: "m1", To: b.JID().Bare(), Type: stanza.MessageChat},
		Children: []stanza.Element{stanza.TextElement("body", body), extra},
	}))
	got, err := b.Expect(ctx, xmppclient.MessageWithBody(body))
	require.NoError(t, err)
	assert.Equal(t, a.JID(), got.Head().From)
	_, ok := stanza.Child(got, "urn:example:unknown", "payload")
	assert.True(t, ok, "unknown payload relayed: %s", got)
}

func testHarness(t *testing.T, s *servers.Server) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	assert.NotZero(t, s.PID())
	alice := login(ctx, t, s, "alice", "alice-pw")
	bob := login(ctx, t, s, "bob", "bob-pw")
	chat(ctx, t, alice, bob)
	chat(ctx, t, bob, alice)

	_, err := xmppclient.Dial(ctx, s.C2SAddr(), stanza.MustParse("alice@"+s.Domain), "wrong")
	assert.ErrorIs(t, err, xmppclient.ErrAuth)
}

var testAccounts = []servers.Account{
	{User: "alice", Password: "alice-pw"},
	{User: "bob", Password: "bob-pw"},
	{User: "carol", Password: "carol-pw"},
}

func TestEjabberd(t *testing.T) {
	t.Parallel()
	s := servers.StartEjabberd(t, servers.EjabberdOptions{Accounts: testAccounts})
	t.Logf("ejabberd start time: %v", s.StartDuration)
	testHarness(t, s)
	testOwnMUC(t, s)

	t.Run("accounts added while running", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, s.AddAccounts(ctx, servers.Account{User: "dave", Password: "dave-pw"}))
		login(ctx, t, s, "dave", "dave-pw")
	})

	t.Run("restart keeps ports and data", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, s.Restart())
		t.Logf("ejabberd restart time: %v", s.StartDuration)
		login(ctx, t, s, "dave", "dave-pw")
	})
}

func TestProsody(t *testing.T) {
	t.Parallel()
	s := servers.StartProsody(t, servers.ProsodyOptions{Accounts: testAccounts})
	testHarness(t, s)

	testOwnMUC(t, s)

	t.Run("restart keeps ports and data", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		port, pid := s.C2SPort, s.PID()
		require.NoError(t, s.Restart())
		assert.Equal(t, port, s.C2SPort)
		assert.NotEqual(t, pid, s.PID())
		login(ctx, t, s, "carol", "carol-pw")
	})

	t.Run("accounts added while running", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, s.AddAccounts(ctx, servers.Account{User: "dave", Password: "dave-pw"}))
		login(ctx, t, s, "dave", "dave-pw")
	})

	t.Run("prosodyctl register", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		require.NoError(t, s.RegisterWithProsodyctl(servers.Account{User: "erin", Password: "erin pw"}))
		login(ctx, t, s, "erin", "erin pw")
	})
}

func join(ctx context.Context, t *testing.T, c *xmppclient.Client, room stanza.JID, nick string) {
	t.Helper()
	occ := must(room.WithResource(nick))
	require.NoError(t, c.Send(&stanza.Presence{
		Header:   stanza.Header{To: occ},
		Children: []stanza.Element{stanza.MustElement(stanza.MUC{History: &stanza.History{MaxStanzas: new(int)}})},
	}))
	p, err := c.Expect(ctx, xmppclient.SelfPresence(room))
	require.NoError(t, err)
	require.NotEqual(t, stanza.PresenceError, p.Head().Type, "join refused: %s", p)
	assert.Equal(t, occ, p.Head().From)
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// testOwnMUC joins the server's own MUC with three clients and checks
// that a groupchat message reaches all of them.
func testOwnMUC(t *testing.T, s *servers.Server) {
	t.Run("own MUC", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		room := stanza.MustParse("tea@" + s.MUCDomain)
		var cs []*xmppclient.Client
		for _, a := range testAccounts {
			c := login(ctx, t, s, a.User, a.Password)
			join(ctx, t, c, room, a.User)
			cs = append(cs, c)
		}
		require.NoError(t, cs[0].Send(&stanza.Message{
			Header:   stanza.Header{ID: "g1", To: room, Type: stanza.MessageGroupchat},
			Children: []stanza.Element{stanza.TextElement("body", "curiouser and curiouser")},
		}))
		for _, c := range cs {
			m, err := c.Expect(ctx, xmppclient.MessageWithBody("curiouser and curiouser"))
			require.NoError(t, err)
			assert.Equal(t, must(room.WithResource("alice")), m.Head().From)
			assert.Equal(t, "g1", m.Head().ID, "XEP-0045 §7.4: the reflection keeps the id")
		}
	})

}

// TestProsodyS2S federates two Prosody instances over loopback through the
// harness's DNS server: a chat message crosses from one to the other.
func TestProsodyS2S(t *testing.T) {
	t.Parallel()
	dns, err := servers.StartDNS()
	require.NoError(t, err)
	t.Cleanup(func() { _ = dns.Close() })
	a := servers.StartProsody(t, servers.ProsodyOptions{Domain: "wonderland.lit", DNS: dns, Accounts: testAccounts[:1]})
	b := servers.StartProsody(t, servers.ProsodyOptions{Domain: "looking-glass.lit", DNS: dns, Accounts: testAccounts[1:2]})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	alice := login(ctx, t, a, "alice", "alice-pw")
	bob := login(ctx, t, b, "bob", "bob-pw")
	chat(ctx, t, alice, bob)
	chat(ctx, t, bob, alice)

	// And into the other server's MUC.
	room := stanza.MustParse("tea@" + b.MUCDomain)
	join(ctx, t, alice, room, "alice")
}

// TestMixedS2S federates Prosody with ejabberd over loopback.
func TestMixedS2S(t *testing.T) {
	t.Parallel()
	dns, err := servers.StartDNS()
	require.NoError(t, err)
	t.Cleanup(func() { _ = dns.Close() })
	a := servers.StartProsody(t, servers.ProsodyOptions{Domain: "wonderland.lit", DNS: dns, Accounts: testAccounts[:1]})
	b := servers.StartEjabberd(t, servers.EjabberdOptions{Domain: "looking-glass.lit", DNS: dns, Accounts: testAccounts[1:2]})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	alice := login(ctx, t, a, "alice", "alice-pw")
	bob := login(ctx, t, b, "bob", "bob-pw")
	chat(ctx, t, alice, bob)
	chat(ctx, t, bob, alice)
	join(ctx, t, alice, stanza.MustParse("tea@"+b.MUCDomain), "alice")
	join(ctx, t, bob, stanza.MustParse("tea@"+a.MUCDomain), "bob")
}
