package e2e

import (
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// TestConversation follows one room through a conversation: joins, subject,
// history, groupchat, private messages, nick change and presence update.
// The subtests run in order and build on each other.
func TestConversation(t *testing.T) {
	h := newHarness(t)
	alice, bob, carol := h.client("alice"), h.client("bob"), h.client("carol")
	room := h.room("party")
	aliceOcc, bobOcc := occupant(room, "Alice"), occupant(room, "Bob")
	var bobPresenceOID string

	t.Run("join order and status codes", func(t *testing.T) {
		createInstant(t, alice, room, "Alice")
		r := mustJoin(t, bob, room, "Bob", "")
		// XEP-0045 §7.2.3: existing occupants first, the self-presence
		// (110) last; §7.2.4 semi-anonymous: no real JIDs for Bob.
		var presences []stanza.Stanza
		for _, st := range r.seen {
			if st.Kind() == stanza.KindPresence {
				presences = append(presences, st)
			}
		}
		require.Len(t, presences, 2)
		assert.Equal(t, aliceOcc, presences[0].Head().From)
		assert.Equal(t, stanza.AffiliationOwner, item(t, presences[0]).Affiliation)
		assert.Nil(t, item(t, presences[0]).JID, "semi-anonymous room: no real JID for a participant")
		assert.Equal(t, bobOcc, presences[1].Head().From)
		assert.Equal(t, []int{110}, statuses(t, presences[1]))
		assert.Equal(t, stanza.RoleParticipant, item(t, presences[1]).Role)
		// Alice, a moderator, sees Bob's real JID (§7.2.4).
		p := expect(t, alice, "Bob's presence", presenceFrom(bobOcc, ""))
		bobPresenceOID = occupantID(t, p)
		assert.NotEqual(t, occupantID(t, presences[0]), bobPresenceOID, "XEP-0421: distinct occupants, distinct ids")
		require.NotNil(t, item(t, p).JID)
		assert.Equal(t, bob.JID(), *item(t, p).JID)
	})

	t.Run("subject", func(t *testing.T) {
		send(t, alice, `<message to='`+room.String()+`' type='groupchat' id='subj1'><subject>Tea at four</subject></message>`)
		for _, c := range []*client{alice, bob} {
			m := expect(t, c, "subject", func(s stanza.Stanza) bool {
				msg, ok := s.(*stanza.Message)
				if !ok {
					return false
				}
				subj, has := msg.Subject()
				return has && subj == "Tea at four"
			}).(*stanza.Message)
			assert.Equal(t, aliceOcc, m.From, "§8.1: from the occupant who set it")
			assert.Equal(t, stanza.MessageGroupchat, m.Type)
		}
	})

	t.Run("groupchat reflection keeps the id", func(t *testing.T) {
		var oids []string
		send(t, bob, `<message to='`+room.String()+`' type='groupchat' id='bob-1'><body>Is there milk?</body><origin-id xmlns='urn:xmpp:sid:0' id='origin-bob-1'/></message>`)
		for _, c := range []*client{alice, bob} {
			m := expect(t, c, "Bob's message", groupchat(room, "Is there milk?"))
			assert.Equal(t, bobOcc, m.Head().From)
			assert.Equal(t, "bob-1", m.Head().ID, "XEP-0045 §7.4: the reflection keeps the id")
			oid, ok := stanza.OriginID(m)
			assert.True(t, ok, "origin-id relayed")
			assert.Equal(t, "origin-bob-1", oid)
			// XEP-0359 §5 / XEP-0045 §7.4: the room adds a stanza-id by
			// itself.
			sids := stanza.StanzaIDs(m)
			require.Len(t, sids, 1, "%s", stanza.Encode(m))
			assert.Equal(t, room, sids[0].By, "stanza-id by the room")
			assert.NotEmpty(t, sids[0].ID)
			// XEP-0421 §4: occupant-id, the same for Bob everywhere.
			oids = append(oids, occupantID(t, m))
		}
		assert.Equal(t, oids[0], oids[1], "one occupant-id per occupant")
		assert.NotEmpty(t, oids[0])
		assert.Equal(t, bobPresenceOID, oids[0], "the occupant-id of Bob's presence")
		send(t, alice, `<message to='`+room.String()+`' type='groupchat' id='alice-1'><body>Only lemon.</body></message>`)
		expect(t, alice, "Alice's message", groupchat(room, "Only lemon."))
		expect(t, bob, "Alice's message", groupchat(room, "Only lemon."))
	})

	t.Run("history and subject on join", func(t *testing.T) {
		r := mustJoin(t, carol, room, "Carol", "")
		var bodies []string
		var last stanza.Stanza
		for _, st := range r.seen {
			if m, ok := st.(*stanza.Message); ok {
				last = m
				if b, ok := m.Body(); ok {
					bodies = append(bodies, b)
					d, ok := stanza.FindDelay(m)
					assert.True(t, ok, "§7.2.15: history carries a delay")
					assert.Equal(t, room, d.From, "delay from the room")
				}
			}
		}
		assert.Equal(t, []string{"Is there milk?", "Only lemon."}, bodies, "history in order")
		subj, _ := last.(*stanza.Message).Subject()
		assert.Equal(t, "Tea at four", subj, "§7.2.16: the subject comes last")
		expect(t, alice, "Carol's presence", presenceFrom(occupant(room, "Carol"), ""))
		expect(t, bob, "Carol's presence", presenceFrom(occupant(room, "Carol"), ""))

		// §7.2.15: maxstanzas='0' asks for no history.
		dave := h.client("dave")
		t.Cleanup(func() { _ = dave.Close() })
		r = mustJoin(t, dave, room, "Dave", "<history maxstanzas='0'/>")
		for _, st := range r.seen {
			if m, ok := st.(*stanza.Message); ok {
				_, has := m.Body()
				assert.False(t, has, "no history with maxstanzas=0")
			}
		}
	})

	t.Run("private message", func(t *testing.T) {
		send(t, alice, `<message to='`+bobOcc.String()+`' type='chat' id='pm1'><body>psst</body></message>`)
		m := expect(t, bob, "private message", func(s stanza.Stanza) bool {
			msg, ok := s.(*stanza.Message)
			if !ok {
				return false
			}
			b, _ := msg.Body()
			return b == "psst"
		})
		assert.Equal(t, aliceOcc, m.Head().From, "§7.5: from Alice's occupant JID")
		assert.Equal(t, stanza.MessageChat, m.Head().Type)
		x := mucUser(t, m)
		assert.NotNil(t, x, "§7.5: a private message carries <x xmlns='muc#user'/>")

		// To a nick not in the room: item-not-found.
		send(t, alice, `<message to='`+occupant(room, "Nobody").String()+`' type='chat' id='pm2'><body>hello?</body></message>`)
		e := expect(t, alice, "error", xmppclientByID("pm2"))
		assert.Equal(t, stanza.ItemNotFound, errCondition(e))
	})

	t.Run("nick change", func(t *testing.T) {
		carolOcc, newOcc := occupant(room, "Carol"), occupant(room, "Caroline")
		send(t, carol, `<presence to='`+newOcc.String()+`'/>`)
		for _, c := range []*client{alice, bob, carol} {
			gone := expect(t, c, "303", presenceFrom(carolOcc, stanza.PresenceUnavailable))
			assert.Contains(t, statuses(t, gone), 303)
			assert.Equal(t, "Caroline", item(t, gone).Nick)
			back := expect(t, c, "new nick", presenceFrom(newOcc, ""))
			if c == carol {
				assert.Contains(t, statuses(t, gone), 110)
				assert.Contains(t, statuses(t, back), 110)
			}
		}
		// §7.6.3: the new nick is taken now.
		send(t, bob, `<presence to='`+newOcc.String()+`'/>`)
		e := expect(t, bob, "conflict", presenceFrom(newOcc, stanza.PresenceError))
		assert.Equal(t, stanza.Conflict, errCondition(e))
	})

	t.Run("presence update", func(t *testing.T) {
		send(t, bob, `<presence to='`+bobOcc.String()+`'><show>away</show><status>looking for milk</status></presence>`)
		for _, c := range []*client{alice, carol} {
			p := expect(t, c, "Bob away", presenceFrom(bobOcc, "")).(*stanza.Presence)
			assert.Equal(t, "away", p.Show())
			assert.Equal(t, "looking for milk", p.Status())
		}
		p := expect(t, bob, "own update", presenceFrom(bobOcc, ""))
		assert.True(t, slices.Contains(statuses(t, p), 110))
	})

	t.Run("leaving", func(t *testing.T) {
		send(t, bob, `<presence to='`+bobOcc.String()+`' type='unavailable'><status>bye</status></presence>`)
		p := expect(t, bob, "own exit", presenceFrom(bobOcc, stanza.PresenceUnavailable))
		assert.Contains(t, statuses(t, p), 110)
		p = expect(t, alice, "Bob left", presenceFrom(bobOcc, stanza.PresenceUnavailable))
		assert.Equal(t, "bye", p.(*stanza.Presence).Status())
		assert.Equal(t, stanza.RoleNone, item(t, p).Role)
	})
}
