package e2e

import (
	"os"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/xmppfmuc/fmuc/internal/servers"
	"github.com/xmppfmuc/fmuc/stanza"
)

// EjabberdEnv=0 skips TestEjabberdSmoke (it adds about ten seconds: the
// Erlang VM starts slowly). It is skipped anyway when ejabberd is not
// installed, unless FMUC_REQUIRE_SERVERS=1.
const EjabberdEnv = "FMUC_EJABBERD"

// TestEjabberdSmoke: the node attached to ejabberd 23.01 as an
// ejabberd_service component: join, groupchat, private message, leave.
func TestEjabberdSmoke(t *testing.T) {
	if os.Getenv(EjabberdEnv) == "0" {
		t.Skip(EjabberdEnv + "=0")
	}
	srv := servers.StartEjabberd(t, servers.EjabberdOptions{Accounts: testAccounts()})
	h := attach(t, srv)
	alice, bob := h.client("alice"), h.client("bob")
	room := h.room("smoke")
	aliceOcc, bobOcc := occupant(room, "Alice"), occupant(room, "Bob")

	createInstant(t, alice, room, "Alice")
	r := mustJoin(t, bob, room, "Bob", "")
	assert.Equal(t, []int{110}, statuses(t, r.self))
	expect(t, alice, "Bob's presence", presenceFrom(bobOcc, ""))

	send(t, bob, `<message to='`+room.String()+`' type='groupchat' id='e1'><body>hello from ejabberd</body></message>`)
	for _, c := range []*client{alice, bob} {
		m := expect(t, c, "groupchat", groupchat(room, "hello from ejabberd"))
		assert.Equal(t, "e1", m.Head().ID)
		assert.Equal(t, bobOcc, m.Head().From)
	}

	send(t, alice, `<message to='`+bobOcc.String()+`' type='chat' id='e2'><body>private</body></message>`)
	m := expect(t, bob, "private message", xmppclientByID("e2"))
	assert.Equal(t, aliceOcc, m.Head().From)
	assert.Equal(t, stanza.MessageChat, m.Head().Type)

	send(t, bob, `<presence to='`+bobOcc.String()+`' type='unavailable'/>`)
	expect(t, bob, "own exit", presenceFrom(bobOcc, stanza.PresenceUnavailable))
	p := expect(t, alice, "Bob left", presenceFrom(bobOcc, stanza.PresenceUnavailable))
	assert.Equal(t, stanza.RoleNone, item(t, p).Role)
}
