package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
	"github.com/xmppfmuc/fmuc/stanza"
)

// TestProsodyRestart: Prosody is restarted under the running node. The node
// reconnects by itself and serves again; the clients reconnect and rejoin.
// (Prosody sends the clients' unavailable presence as it shuts down, so a
// temporary room would empty and vanish: the room is persistent.)
func TestProsodyRestart(t *testing.T) {
	h := newHarness(t)
	alice, bob := h.client("alice"), h.client("bob")
	room := h.room("survivor")
	join(t, alice, room, "Alice", "")
	requireResult(t, configure(t, alice, room, "persist", map[string]string{"muc#roomconfig_persistentroom": "1"}))
	mustJoin(t, bob, room, "Bob", "")
	send(t, alice, `<message to='`+room.String()+`' type='groupchat' id='before'><body>before the restart</body></message>`)
	expect(t, bob, "message", groupchat(room, "before the restart"))

	require.NoError(t, h.srv.Restart())
	_ = alice.Close()
	_ = bob.Close()

	// The clients log in again (with the same resources) and rejoin;
	// client() waits until the node answers through the new Prosody.
	alice, bob = h.client("alice"), h.client("bob")
	assert.GreaterOrEqual(t, h.node.Stats().Reconnects, uint64(1), "the node reconnected")
	ra := mustJoin(t, alice, room, "Alice", "")
	assert.Equal(t, stanza.AffiliationOwner, item(t, ra.self).Affiliation, "the room and its owner survived")
	assert.NotContains(t, statuses(t, ra.self), 201, "not a new room")
	mustJoin(t, bob, room, "Bob", "")
	send(t, bob, `<message to='`+room.String()+`' type='groupchat' id='after'><body>after the restart</body></message>`)
	for _, c := range []*client{alice, bob} {
		m := expect(t, c, "message after restart", groupchat(room, "after the restart"))
		assert.Equal(t, "after", m.Head().ID)
	}
}

// TestHostileClient: a client sends malformed and hostile stanzas through
// Prosody. The node answers each with the error the XEPs ask for (or at
// least some answer), never loses its stream, and keeps serving the others.
func TestHostileClient(t *testing.T) {
	h := newHarness(t)
	alice, bob, dave := h.client("alice"), h.client("bob"), h.client("dave")
	room := h.room("target")
	createInstant(t, alice, room, "Alice")
	mustJoin(t, bob, room, "Bob", "")
	mustJoin(t, dave, room, "Mallory", "")
	other := h.room("elsewhere")
	createInstant(t, alice, other, "Alice")

	deep := strings.Repeat("<a xmlns='urn:example:deep'>", 100) + strings.Repeat("</a>", 100)
	many := strings.Repeat("<x xmlns='urn:example:many'/>", 2000)
	tests := []struct {
		name string
		xml  string
		// want are the acceptable error conditions; nil accepts any
		// answer (error or normal processing) as long as one comes.
		want []stanza.Condition
	}{
		{"groupchat to a room one is not in (§7.4)",
			`<message to='` + other.String() + `' type='groupchat' id='h1'><body>spam</body></message>`,
			[]stanza.Condition{stanza.NotAcceptable}},
		{"groupchat-typed private message (§7.5)",
			`<message to='` + occupant(room, "Bob").String() + `' type='groupchat' id='h2'><body>pm?</body></message>`,
			[]stanza.Condition{stanza.BadRequest}},
		{"unknown IQ namespace to the room",
			`<iq to='` + room.String() + `' type='set' id='h3'><query xmlns='urn:example:nonsense'/></iq>`,
			[]stanza.Condition{stanza.ServiceUnavailable, stanza.FeatureNotImplemented}},
		{"unknown IQ namespace to the service",
			`<iq to='` + h.service.String() + `' type='get' id='h4'><query xmlns='urn:example:nonsense'/></iq>`,
			[]stanza.Condition{stanza.ServiceUnavailable, stanza.FeatureNotImplemented}},
		{"kick by a participant (§8.2)",
			`<iq to='` + room.String() + `' type='set' id='h5'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Alice' role='none'/></query></iq>`,
			[]stanza.Condition{stanza.Forbidden, stanza.NotAllowed}},
		{"malformed JID in muc#admin",
			`<iq to='` + room.String() + `' type='set' id='h6'><query xmlns='http://jabber.org/protocol/muc#admin'><item jid='@@@' affiliation='outcast'/></query></iq>`,
			[]stanza.Condition{stanza.JIDMalformed, stanza.BadRequest, stanza.Forbidden, stanza.NotAcceptable}},
		{"configuration by a non-owner (§10.2)",
			`<iq to='` + room.String() + `' type='set' id='h7'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='muc#roomconfig_maxusers'><value>-5</value></field></x></query></iq>`,
			[]stanza.Condition{stanza.Forbidden}},
		{"admin query without items",
			`<iq to='` + room.String() + `' type='get' id='h8'><query xmlns='http://jabber.org/protocol/muc#admin'/></iq>`,
			[]stanza.Condition{stanza.BadRequest, stanza.Forbidden}},
		{"payload nested 100 deep (over the decoder's depth limit)",
			`<message to='` + room.String() + `' type='groupchat' id='h9'><body>deep</body>` + deep + `</message>`,
			nil},
		{"2000 payload children",
			`<message to='` + room.String() + `' type='groupchat' id='h10'><body>many</body>` + many + `</message>`,
			nil},
		{"empty IQ get to the room",
			`<iq to='` + room.String() + `' type='get' id='h11'/>`,
			nil},
		{"history request with garbage attributes",
			`<presence to='` + occupant(other, "Mallory").String() + `' id='h12'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='lots' since='yesterday'/></x></presence>`,
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id := tt.xml[strings.Index(tt.xml, "id='")+4:]
			id = id[:strings.IndexByte(id, '\'')]
			require.NoError(t, dave.SendRaw([]byte(tt.xml)))
			got := expect(t, dave, "answer to "+id, func(s stanza.Stanza) bool {
				return s.Head().ID == id || s.Head().Type == stanza.PresenceError && s.Kind() == stanza.KindPresence && id == "h12"
			})
			cond := errCondition(got)
			if tt.want == nil {
				t.Logf("answered with %s %q", got.Head().Type, cond)
				return
			}
			assert.True(t, slices.Contains(tt.want, cond), "got %q, want one of %v: %s", cond, tt.want, stanza.Encode(got))
		})
	}

	// Broken XML ends the sender's own c2s stream at Prosody (RFC 6120
	// §4.9.3.13); the room sees the resulting unavailable presence.
	carol := h.client("carol")
	mustJoin(t, carol, room, "Carol", "")
	require.NoError(t, carol.SendRaw([]byte(`<message to='`+room.String()+`' type='groupchat'><body>unclosed</bod></message>`)))
	expect(t, bob, "Carol gone with her stream", presenceFrom(occupant(room, "Carol"), stanza.PresenceUnavailable))

	// Everyone else is still served, on the same stream.
	send(t, alice, `<message to='`+room.String()+`' type='groupchat' id='ok1'><body>still here</body></message>`)
	expect(t, bob, "message after the attack", groupchat(room, "still here"))
	getDiscoInfo(t, bob, h.service, "ok2")
	assert.Zero(t, h.node.Stats().Reconnects, "the node kept its stream")
}

// TestWrongSecret: a node with the wrong component secret stops with a
// clear error and ExitRefused instead of retrying for ever.
func TestWrongSecret(t *testing.T) {
	srv := startProsody(t)
	var out logBuffer
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	code := mucnode.Main(ctx, []string{"-server", srv.ComponentAddr(), "-domain", srv.ComponentDomain, "-data-dir", ""},
		func(k string) string {
			if k == mucnode.SecretEnv {
				return "not-the-secret"
			}
			return ""
		}, &out)
	assert.Equal(t, mucnode.ExitRefused, code, "%s", out.String())
	assert.Less(t, time.Since(start), 10*time.Second, "no retries on a refused handshake")
	assert.Contains(t, out.String(), "not-authorized")
	assert.Contains(t, out.String(), "refused the component secret")

	// An unknown component name is refused as well, with its own code.
	out = logBuffer{}
	code = mucnode.Main(ctx, []string{"-server", srv.ComponentAddr(), "-domain", "unknown." + srv.Domain, "-data-dir", ""},
		func(string) string { return srv.ComponentSecret }, &out)
	assert.Contains(t, []int{mucnode.ExitRejected, mucnode.ExitRefused}, code, "%s", out.String())
	t.Logf("unknown component name: exit %d", code)
}
