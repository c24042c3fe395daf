package e2e

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// admin sends a muc#admin set with one item and returns the answer.
func admin(t *testing.T, c *client, room stanza.JID, id, itemAttrs, reason string) stanza.Stanza {
	t.Helper()
	inner := ""
	if reason != "" {
		inner = "<reason>" + reason + "</reason>"
	}
	return iq(t, c, stanza.IQSet, room, id, fmt.Sprintf(`<query xmlns='http://jabber.org/protocol/muc#admin'><item %s>%s</item></query>`, itemAttrs, inner))
}

// TestModeration: kick (§8.2), ban (§9.1), voice in a moderated room
// (§8.3, §8.4) and what a non-moderator may not do.
func TestModeration(t *testing.T) {
	h := newHarness(t)
	alice, bob, carol := h.client("alice"), h.client("bob"), h.client("carol")

	t.Run("kick", func(t *testing.T) {
		room := h.room("kickroom")
		createInstant(t, alice, room, "Alice")
		mustJoin(t, bob, room, "Bob", "")
		mustJoin(t, carol, room, "Carol", "")
		carolOcc := occupant(room, "Carol")

		// §8.2: a participant may not kick.
		res := admin(t, bob, room, "k0", "nick='Carol' role='none'", "")
		assert.Equal(t, stanza.IQError, res.Head().Type)
		assert.Equal(t, stanza.Forbidden, errCondition(res))

		requireResult(t, admin(t, alice, room, "k1", "nick='Carol' role='none'", "Too loud"))
		p := expect(t, carol, "kicked", presenceFrom(carolOcc, stanza.PresenceUnavailable))
		assert.ElementsMatch(t, []int{110, 307}, statuses(t, p))
		assert.Equal(t, "Too loud", item(t, p).Reason)
		p = expect(t, bob, "Carol kicked", presenceFrom(carolOcc, stanza.PresenceUnavailable))
		assert.Equal(t, []int{307}, statuses(t, p))
		assert.Equal(t, stanza.RoleNone, item(t, p).Role)

		// The kicked user may come back (a kick is not a ban).
		mustJoin(t, carol, room, "Carol", "")
	})

	t.Run("ban", func(t *testing.T) {
		room := h.room("banroom")
		createInstant(t, alice, room, "Alice")
		mustJoin(t, carol, room, "Carol", "")
		carolOcc := occupant(room, "Carol")
		requireResult(t, admin(t, alice, room, "b1", fmt.Sprintf("jid='%s' affiliation='outcast'", carol.JID().Bare()), "Spam"))
		p := expect(t, carol, "banned", presenceFrom(carolOcc, stanza.PresenceUnavailable))
		assert.ElementsMatch(t, []int{110, 301}, statuses(t, p))
		assert.Equal(t, stanza.AffiliationOutcast, item(t, p).Affiliation)
		p = expect(t, alice, "Carol banned", presenceFrom(carolOcc, stanza.PresenceUnavailable))
		assert.Equal(t, []int{301}, statuses(t, p))

		// §7.2.7: a banned user cannot enter.
		r := join(t, carol, room, "Carol2", "")
		assert.Equal(t, stanza.PresenceError, r.self.Head().Type)
		assert.Equal(t, stanza.Forbidden, errCondition(r.self))

		// §9.2: the ban list holds her.
		res := iq(t, alice, stanza.IQGet, room, "b2", `<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast'/></query>`)
		requireResult(t, res)
		var q stanza.MUCAdmin
		_, err := stanza.Find(res, "http://jabber.org/protocol/muc#admin", "query", &q)
		require.NoError(t, err)
		require.Len(t, q.Items, 1)
		assert.Equal(t, carol.JID().Bare(), *q.Items[0].JID)
	})

	t.Run("voice in a moderated room", func(t *testing.T) {
		room := h.room("moderated")
		r := join(t, alice, room, "Alice", "")
		require.Contains(t, statuses(t, r.self), 201)
		requireResult(t, configure(t, alice, room, "m1", map[string]string{"muc#roomconfig_moderatedroom": "1"}))
		jr := mustJoin(t, bob, room, "Bob", "")
		bobOcc := occupant(room, "Bob")
		assert.Equal(t, stanza.RoleVisitor, item(t, jr.self).Role, "§5.1.2: visitor in a moderated room")

		// §7.4 / §8.4: a visitor may not speak.
		send(t, bob, `<message to='`+room.String()+`' type='groupchat' id='v1'><body>Can I speak?</body></message>`)
		e := expect(t, bob, "error", xmppclientByID("v1"))
		assert.Equal(t, stanza.MessageError, e.Head().Type)
		assert.Equal(t, stanza.Forbidden, errCondition(e))

		// §8.3: the moderator grants voice.
		requireResult(t, admin(t, alice, room, "m2", "nick='Bob' role='participant'", ""))
		p := expect(t, bob, "voice", presenceFrom(bobOcc, ""))
		assert.Equal(t, stanza.RoleParticipant, item(t, p).Role)
		send(t, bob, `<message to='`+room.String()+`' type='groupchat' id='v2'><body>Thank you</body></message>`)
		expect(t, alice, "voiced message", groupchat(room, "Thank you"))

		// §8.4: and revokes it.
		requireResult(t, admin(t, alice, room, "m3", "nick='Bob' role='visitor'", ""))
		p = expect(t, bob, "devoiced", func(s stanza.Stanza) bool {
			return presenceFrom(bobOcc, "")(s) && item(t, s).Role == stanza.RoleVisitor
		})
		assert.Equal(t, stanza.RoleVisitor, item(t, p).Role)
	})
}

// TestRoomTypes: members-only (§7.2.6, §9.3) and password-protected
// (§7.2.5) rooms.
func TestRoomTypes(t *testing.T) {
	h := newHarness(t)
	alice, bob, carol := h.client("alice"), h.client("bob"), h.client("carol")

	t.Run("members-only", func(t *testing.T) {
		room := h.room("members")
		join(t, alice, room, "Alice", "")
		requireResult(t, configure(t, alice, room, "mo1", map[string]string{"muc#roomconfig_membersonly": "1"}))
		r := join(t, carol, room, "Carol", "")
		assert.Equal(t, stanza.PresenceError, r.self.Head().Type)
		assert.Equal(t, stanza.RegistrationRequired, errCondition(r.self))

		requireResult(t, admin(t, alice, room, "mo2", fmt.Sprintf("jid='%s' affiliation='member'", carol.JID().Bare()), ""))
		jr := mustJoin(t, carol, room, "Carol", "")
		assert.Equal(t, stanza.AffiliationMember, item(t, jr.self).Affiliation)

		// §9.4: removing her membership removes her (321).
		requireResult(t, admin(t, alice, room, "mo3", fmt.Sprintf("jid='%s' affiliation='none'", carol.JID().Bare()), ""))
		p := expect(t, carol, "removed", presenceFrom(occupant(room, "Carol"), stanza.PresenceUnavailable))
		assert.Contains(t, statuses(t, p), 321)
	})

	t.Run("password", func(t *testing.T) {
		room := h.room("secret")
		join(t, alice, room, "Alice", "")
		requireResult(t, configure(t, alice, room, "pw1", map[string]string{
			"muc#roomconfig_passwordprotectedroom": "1",
			"muc#roomconfig_roomsecret":            "cheshire",
		}))
		r := join(t, bob, room, "Bob", "")
		assert.Equal(t, stanza.PresenceError, r.self.Head().Type)
		assert.Equal(t, stanza.NotAuthorized, errCondition(r.self))
		r = join(t, bob, room, "Bob", "<password>wrong</password>")
		assert.Equal(t, stanza.NotAuthorized, errCondition(r.self))
		mustJoin(t, bob, room, "Bob", "<password>cheshire</password>")

		info := getDiscoInfo(t, carol, room, "pw2")
		assert.True(t, info.has("muc_passwordprotected"))
	})

	t.Run("non-anonymous", func(t *testing.T) {
		room := h.room("open-faces")
		join(t, alice, room, "Alice", "")
		requireResult(t, configure(t, alice, room, "na1", map[string]string{"muc#roomconfig_whois": "anyone"}))
		r := mustJoin(t, bob, room, "Bob", "")
		// §7.2.3: status 100 in the self-presence; everyone sees real JIDs.
		assert.Contains(t, statuses(t, r.self), 100)
		for _, st := range r.seen {
			if st.Kind() == stanza.KindPresence && st.Head().From == occupant(room, "Alice") {
				require.NotNil(t, item(t, st).JID, "real JID for a participant")
				assert.Equal(t, alice.JID(), *item(t, st).JID)
			}
		}
		info := getDiscoInfo(t, carol, room, "na2")
		assert.True(t, info.has("muc_nonanonymous"))
	})

	t.Run("max users", func(t *testing.T) {
		room := h.room("small")
		join(t, alice, room, "Alice", "")
		requireResult(t, configure(t, alice, room, "mu1", map[string]string{"muc#roomconfig_maxusers": "2"}))
		mustJoin(t, bob, room, "Bob", "")
		r := join(t, carol, room, "Carol", "")
		assert.Equal(t, stanza.PresenceError, r.self.Head().Type)
		assert.Equal(t, stanza.ServiceUnavailable, errCondition(r.self), "§7.2.10")
	})
}

// TestAffiliationNotice: XEP-0045 §9.3, §10.6: when the user whose
// affiliation changes is not in the room, the occupants get a message from
// the room with the new affiliation, after the admin's result; the real
// JID only for those who may see real JIDs (here the owner, a moderator,
// in a semi-anonymous room).
func TestAffiliationNotice(t *testing.T) {
	h := newHarness(t)
	alice, bob, dave := h.client("alice"), h.client("bob"), h.client("dave")
	room := h.room("notices")
	createInstant(t, alice, room, "Alice")
	mustJoin(t, bob, room, "Bob", "")
	daveBare := dave.JID().Bare()

	notice := func(aff stanza.Affiliation) func(stanza.Stanza) bool {
		return func(s stanza.Stanza) bool {
			m, ok := s.(*stanza.Message)
			if !ok || m.From != room {
				return false
			}
			var x stanza.MUCUser
			found, err := stanza.Find(m, stanza.NSMUCUser, "x", &x)
			return err == nil && found && len(x.Items) == 1 && x.Items[0].Affiliation == aff
		}
	}
	requireResult(t, admin(t, alice, room, "m1", fmt.Sprintf("jid='%s' affiliation='member'", daveBare), ""))
	m := expect(t, alice, "member notice", notice(stanza.AffiliationMember))
	it := item(t, m)
	require.NotNil(t, it.JID)
	assert.Equal(t, daveBare, *it.JID)
	assert.Equal(t, stanza.RoleNone, it.Role)
	m = expect(t, bob, "member notice", notice(stanza.AffiliationMember))
	assert.Nil(t, item(t, m).JID, "semi-anonymous: no real JID for a participant")

	requireResult(t, admin(t, alice, room, "a1", fmt.Sprintf("jid='%s' affiliation='admin'", daveBare), ""))
	expect(t, alice, "admin notice", notice(stanza.AffiliationAdmin))
	expect(t, bob, "admin notice", notice(stanza.AffiliationAdmin))
}
