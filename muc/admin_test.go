package muc

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

func adminIQ(from, id, typ, items string) string {
	return `<iq from='` + from + `' to='r@muc.example' id='` + id + `' type='` + typ + `'><query xmlns='http://jabber.org/protocol/muc#admin'>` + items + `</query></iq>`
}

// iqErr renders an error reply; cond may be "condition|text".
func iqErr(to, id, payload, typ, cond string) string {
	text := ""
	if c, t, ok := strings.Cut(cond, "|"); ok {
		cond, text = c, `<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>`+t+`</text>`
	}
	return `<iq from='r@muc.example' to='` + to + `' id='` + id + `' type='error'>` + payload + `<error type='` + typ + `' by='r@muc.example'><` + cond + ` xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>` + text + `</error></iq>`
}

func iqResult(to, id string) string {
	return `<iq from='r@muc.example' to='` + to + `' id='` + id + `' type='result'/>`
}

// setup3 is setup2 plus c@x/1 as C.
func setup3(t *testing.T, mod ...func(*ServiceOptions)) *harness {
	h := setup2(t, mod...)
	h.join("c@x/1", roomJID+"/C")
	return h
}

func TestKick(t *testing.T) {
	h := setup3(t)
	// §8.2: the kicked occupant first (307, 110, actor, reason), then the
	// moderator's result, then the others.
	h.expect(adminIQ("a@x/1", "k1", "set", `<item nick='C' role='none'><reason>Avaunt</reason></item>`),
		`<presence from='r@muc.example/C' to='c@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'><actor nick='A'/><reason>Avaunt</reason></item><status code='110'/><status code='307'/></x></presence>`,
		iqResult("a@x/1", "k1"),
		`<presence from='r@muc.example/C' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='none'><actor nick='A'/><reason>Avaunt</reason></item><status code='307'/></x></presence>`,
		`<presence from='r@muc.example/C' to='b@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'><actor nick='A'/><reason>Avaunt</reason></item><status code='307'/></x></presence>`)
	left := eventsOf[OccupantLeft](h.out)
	require.Len(t, left, 1)
	require.Equal(t, stanza.StatusKicked, left[0].Status)
	require.Equal(t, 2, h.room(roomJID).Len())
}

func TestRoleChangeErrors(t *testing.T) {
	item := func(nick, role string) string { return `<item nick='` + nick + `' role='` + role + `'/>` }
	q := func(items string) string {
		return `<query xmlns='http://jabber.org/protocol/muc#admin'>` + items + `</query>`
	}
	tests := []struct {
		name, from, item, typ, cond string
		setup                       func(h *harness)
	}{
		{"participant cannot kick", "b@x/1", item("C", "none"), "auth", "forbidden", nil},
		{"non-occupant cannot kick", "z@x/1", item("C", "none"), "auth", "forbidden", nil},
		{"unknown nick", "a@x/1", item("Z", "none"), "cancel", "item-not-found", nil},
		{"no nick", "a@x/1", `<item role='none'/>`, "modify", "bad-request", nil},
		{"role and affiliation at once §17.4", "a@x/1", `<item nick='C' role='none' affiliation='none'/>`, "modify", "bad-request|an item changes either a role or an affiliation", nil},
		{"unknown role", "a@x/1", item("C", "king"), "modify", "bad-request|unknown role or affiliation", nil},
		{"member moderator cannot kick admin §8.2", "b@x/1", item("C", "none"), "cancel", "not-allowed", func(h *harness) {
			h.do(adminIQ("a@x/1", "s", "set", `<item affiliation='member' jid='b@x'/>`))
			h.do(adminIQ("a@x/1", "s", "set", `<item nick='B' role='moderator'/>`))
			h.do(adminIQ("a@x/1", "s", "set", `<item affiliation='admin' jid='c@x'/>`))
		}},
		{"admin cannot kick owner §8.2", "c@x/1", item("A", "none"), "cancel", "not-allowed", func(h *harness) {
			h.do(adminIQ("a@x/1", "s", "set", `<item affiliation='admin' jid='c@x'/>`))
		}},
		{"nobody revokes voice from an admin §8.4", "a@x/1", item("C", "visitor"), "cancel", "not-allowed", func(h *harness) {
			h.do(adminIQ("a@x/1", "s", "set", `<item affiliation='admin' jid='c@x'/>`))
		}},
		{"moderator cannot devoice at its own level §8.4", "b@x/1", item("C", "visitor"), "cancel", "not-allowed", func(h *harness) {
			h.do(adminIQ("a@x/1", "s", "set", `<item nick='B' role='moderator'/>`))
		}},
		{"only admins grant moderator §9.6", "b@x/1", item("C", "moderator"), "auth", "forbidden", func(h *harness) {
			h.do(adminIQ("a@x/1", "s", "set", `<item nick='B' role='moderator'/>`))
		}},
		{"admin cannot revoke moderator from admin §9.7", "c@x/1", item("B", "participant"), "cancel", "not-allowed", func(h *harness) {
			h.do(adminIQ("a@x/1", "s", "set", `<item affiliation='admin' jid='c@x'/>`))
			h.do(adminIQ("a@x/1", "s", "set", `<item affiliation='admin' jid='b@x'/>`))
		}},
		{"all or nothing", "a@x/1", item("C", "visitor") + item("Z", "none"), "cancel", "item-not-found", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setup3(t)
			if tc.setup != nil {
				tc.setup(h)
			}
			before := h.room(roomJID).Occupants()
			h.expect(adminIQ(tc.from, "e", "set", tc.item), iqErr(tc.from, "e", q(tc.item), tc.typ, tc.cond))
			require.Equal(t, before, h.room(roomJID).Occupants())
			require.Empty(t, h.out.Events)
		})
	}
}

func TestVoiceAndModerator(t *testing.T) {
	h := setup3(t)
	h.configure(roomJID, "a@x/1", "muc#roomconfig_moderatedroom", "1")
	// §8.4: revoke voice; updated presence to all, the subject with 110.
	h.expect(adminIQ("a@x/1", "v1", "set", `<item nick='C' role='visitor'><reason>shh</reason></item>`),
		iqResult("a@x/1", "v1"),
		`<presence from='r@muc.example/C' to='a@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='visitor'/></x></presence>`,
		`<presence from='r@muc.example/C' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='visitor'/></x></presence>`,
		`<presence from='r@muc.example/C' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='visitor'/><status code='110'/></x></presence>`)
	rc := eventsOf[RoleChanged](h.out)
	require.Len(t, rc, 1)
	require.Equal(t, RoleChanged{RoomJID: stanza.MustParse(roomJID), Nick: "C", JID: stanza.MustParse("c@x/1"), From: stanza.RoleParticipant, To: stanza.RoleVisitor, Actor: stanza.MustParse("a@x/1"), Reason: "shh"}, rc[0])
	// §8.5: the voice list holds the participants.
	h.expect(adminIQ("a@x/1", "l1", "get", `<item role='participant'/>`),
		`<iq from='r@muc.example' to='a@x/1' id='l1' type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='none' jid='b@x/1' nick='B' role='participant'/></query></iq>`)
	// §8.3: grant voice back.
	h.do(adminIQ("a@x/1", "v2", "set", `<item nick='C' role='participant'/>`))
	o, _ := h.room(roomJID).Occupant("C")
	require.Equal(t, stanza.RoleParticipant, o.Role)
	// §9.6: grant moderator; C now sees real JIDs.
	h.do(adminIQ("a@x/1", "v3", "set", `<item nick='C' role='moderator'/>`))
	lines := h.do(`<presence from='b@x/1' to='r@muc.example/B'><show>away</show></presence>`)
	require.Contains(t, lines[1], `to='c@x/1'`)
	require.Contains(t, lines[1], `jid='b@x/1'`)
	// §9.8: the moderator list is for admins and owners.
	h.expect(adminIQ("c@x/1", "l2", "get", `<item role='moderator'/>`),
		iqErr("c@x/1", "l2", `<query xmlns='http://jabber.org/protocol/muc#admin'><item role='moderator'/></query>`, "auth", "forbidden"))
	h.expect(adminIQ("a@x/1", "l3", "get", `<item role='moderator'/>`),
		`<iq from='r@muc.example' to='a@x/1' id='l3' type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner' jid='a@x/1' nick='A' role='moderator'/><item affiliation='none' jid='c@x/1' nick='C' role='moderator'/></query></iq>`)
	// A participant cannot read the voice list.
	h.expect(adminIQ("b@x/1", "l4", "get", `<item role='participant'/>`),
		iqErr("b@x/1", "l4", `<query xmlns='http://jabber.org/protocol/muc#admin'><item role='participant'/></query>`, "auth", "forbidden"))
}

func TestBan(t *testing.T) {
	h := setup3(t)
	// §9.1: by bare JID, 301 to the banned occupant, result, then others.
	h.expect(adminIQ("a@x/1", "b1", "set", `<item affiliation='outcast' jid='c@x/1'><reason>Treason</reason></item>`),
		`<presence from='r@muc.example/C' to='c@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='outcast' role='none'><actor nick='A'/><reason>Treason</reason></item><status code='110'/><status code='301'/></x></presence>`,
		iqResult("a@x/1", "b1"),
		`<presence from='r@muc.example/C' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='outcast' jid='c@x/1' role='none'><actor nick='A'/><reason>Treason</reason></item><status code='301'/></x></presence>`,
		`<presence from='r@muc.example/C' to='b@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='outcast' role='none'><actor nick='A'/><reason>Treason</reason></item><status code='301'/></x></presence>`)
	ac := eventsOf[AffiliationChanged](h.out)
	require.Equal(t, []AffiliationChanged{{RoomJID: stanza.MustParse(roomJID), JID: stanza.MustParse("c@x"), From: stanza.AffiliationNone, To: stanza.AffiliationOutcast, Actor: stanza.MustParse("a@x/1"), Reason: "Treason"}}, ac)
	// §9.2: the ban list.
	h.expect(adminIQ("a@x/1", "l", "get", `<item affiliation='outcast'/>`),
		`<iq from='r@muc.example' to='a@x/1' id='l' type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast' jid='c@x'/></query></iq>`)
	h.expect(adminIQ("b@x/1", "l", "get", `<item affiliation='outcast'/>`),
		iqErr("b@x/1", "l", `<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='outcast'/></query>`, "auth", "forbidden"))
	// Unban.
	h.expect(adminIQ("a@x/1", "u", "set", `<item affiliation='none' jid='c@x'/>`), iqResult("a@x/1", "u"))
	require.Equal(t, stanza.AffiliationNone, h.room(roomJID).Affiliation(stanza.MustParse("c@x")))
}

func TestAffiliationErrors(t *testing.T) {
	aff := func(jid, a string) string { return `<item affiliation='` + a + `' jid='` + jid + `'/>` }
	q := func(items string) string {
		return `<query xmlns='http://jabber.org/protocol/muc#admin'>` + items + `</query>`
	}
	makeAdmin := func(j string) func(h *harness) {
		return func(h *harness) { h.do(adminIQ("a@x/1", "s", "set", aff(j, "admin"))) }
	}
	tests := []struct {
		name, from, item, typ, cond string
		setup                       func(h *harness)
	}{
		{"participant cannot ban", "b@x/1", aff("c@x", "outcast"), "auth", "forbidden", nil},
		{"participant cannot grant membership", "b@x/1", aff("c@x", "member"), "auth", "forbidden", nil},
		{"admin cannot grant admin §10.6", "c@x/1", aff("b@x", "admin"), "auth", "forbidden", makeAdmin("c@x")},
		{"admin cannot grant owner §10.3", "c@x/1", aff("b@x", "owner"), "auth", "forbidden", makeAdmin("c@x")},
		{"admin cannot ban owner §9.1", "c@x/1", aff("a@x", "outcast"), "cancel", "not-allowed", makeAdmin("c@x")},
		{"admin cannot demote admin", "c@x/1", aff("b@x", "member"), "cancel", "not-allowed", func(h *harness) {
			makeAdmin("c@x")(h)
			makeAdmin("b@x")(h)
		}},
		{"self ban §9.1", "a@x/1", aff("a@x", "outcast"), "cancel", "conflict", nil},
		{"sole owner cannot leave ownership §10.6", "a@x/1", aff("a@x", "admin"), "cancel", "conflict|a room needs an owner", nil},
		{"missing jid", "a@x/1", `<item affiliation='member'/>`, "modify", "bad-request", nil},
		{"unknown affiliation", "a@x/1", aff("c@x", "king"), "modify", "bad-request|unknown role or affiliation", nil},
		{"all or nothing", "a@x/1", aff("c@x", "member") + aff("a@x", "outcast"), "cancel", "conflict", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setup3(t)
			if tc.setup != nil {
				tc.setup(h)
			}
			before := h.room(roomJID).State()
			h.expect(adminIQ(tc.from, "e", "set", tc.item), iqErr(tc.from, "e", q(tc.item), tc.typ, tc.cond))
			require.Equal(t, before, h.room(roomJID).State())
			require.Empty(t, h.out.Events)
		})
	}
}

func TestAffiliationGrants(t *testing.T) {
	h := setup3(t)
	h.configure(roomJID, "a@x/1", "muc#roomconfig_moderatedroom", "1")
	h.join("d@x/1", roomJID+"/D")
	// §9.3: membership in a moderated room makes a visitor a participant.
	h.expect(adminIQ("a@x/1", "m", "set", `<item affiliation='member' jid='d@x' nick='dee'/>`),
		iqResult("a@x/1", "m"),
		`<presence from='r@muc.example/D' to='a@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='d@x/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/D' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/D' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/D' to='d@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' role='participant'/><status code='110'/></x></presence>`)
	require.Equal(t, []NickRegistered{{RoomJID: stanza.MustParse(roomJID), JID: stanza.MustParse("d@x"), Nick: "dee"}}, eventsOf[NickRegistered](h.out))
	// §10.6: admin makes a moderator; §10.3 owner too.
	h.do(adminIQ("a@x/1", "ad", "set", `<item affiliation='admin' jid='b@x'/>`))
	o, _ := h.room(roomJID).Occupant("B")
	require.Equal(t, stanza.RoleModerator, o.Role)
	h.do(adminIQ("a@x/1", "ow", "set", `<item affiliation='owner' jid='c@x'/>`))
	o, _ = h.room(roomJID).Occupant("C")
	require.Equal(t, stanza.RoleModerator, o.Role)
	// Lists: §9.5 members, §10.8 admins, §10.5 owners (sorted by JID).
	h.expect(adminIQ("a@x/1", "l1", "get", `<item affiliation='member'/>`),
		`<iq from='r@muc.example' to='a@x/1' id='l1' type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='d@x' nick='dee'/></query></iq>`)
	// §9.5: the nick of a member list item is the member's reserved nick;
	// nobody else may take it, as a nick or as a reservation.
	nick, ok := h.room(roomJID).RegisteredNick(stanza.MustParse("d@x"))
	require.True(t, ok)
	require.Equal(t, "dee", nick)
	h.expect(adminIQ("a@x/1", "m2", "set", `<item affiliation='member' jid='e@x' nick='dee'/>`),
		iqErr("a@x/1", "m2", `<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='e@x' nick='dee'/></query>`, "cancel", "conflict"))
	h.do(`<presence from='b@x/1' to='r@muc.example/dee'/>`)
	require.Contains(t, h.do(`<presence from='b@x/1' to='r@muc.example/dee'/>`)[0], "<conflict ")
	h.expect(adminIQ("a@x/1", "l2", "get", `<item affiliation='admin'/>`),
		`<iq from='r@muc.example' to='a@x/1' id='l2' type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='admin' jid='b@x'/></query></iq>`)
	h.expect(adminIQ("a@x/1", "l3", "get", `<item affiliation='owner'/>`),
		`<iq from='r@muc.example' to='a@x/1' id='l3' type='result'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner' jid='a@x'/><item affiliation='owner' jid='c@x'/></query></iq>`)
	// Admin lists are for owners in semi-anonymous rooms.
	h.expect(adminIQ("b@x/1", "l4", "get", `<item affiliation='owner'/>`),
		iqErr("b@x/1", "l4", `<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='owner'/></query>`, "auth", "forbidden"))
	// The member list is open to the roles of getmemberlist (all by
	// default): d is a participant.
	h.do(adminIQ("d@x/1", "l5", "get", `<item affiliation='member'/>`))
	require.Equal(t, "result", h.out.Stanzas[0].Head().Type)
	h.configure(roomJID, "a@x/1", "muc#roomconfig_getmemberlist", "moderator")
	h.do(adminIQ("d@x/1", "l6", "get", `<item affiliation='member'/>`))
	require.Equal(t, "error", h.out.Stanzas[0].Head().Type)
	// With two owners, one may step down to admin (§10.4) and stays a
	// moderator.
	h.expect(adminIQ("a@x/1", "down", "set", `<item affiliation='admin' jid='a@x'/>`),
		iqResult("a@x/1", "down"),
		`<presence from='r@muc.example/A' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' jid='a@x/1' role='moderator'/></x></presence>`,
		`<presence from='r@muc.example/A' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' jid='a@x/1' role='moderator'/></x></presence>`,
		`<presence from='r@muc.example/A' to='d@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' role='moderator'/></x></presence>`,
		`<presence from='r@muc.example/A' to='a@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' jid='a@x/1' role='moderator'/><status code='110'/></x></presence>`)
	// Losing admin status falls back to the default role (moderated:
	// visitor for none).
	h.do(adminIQ("c@x/1", "r", "set", `<item affiliation='none' jid='b@x'/>`))
	o, _ = h.room(roomJID).Occupant("B")
	require.Equal(t, stanza.RoleVisitor, o.Role)
}

func TestMembersOnlyRemoval(t *testing.T) {
	h := setup3(t)
	h.do(adminIQ("a@x/1", "m", "set", `<item affiliation='member' jid='b@x'/>`))
	// §10.2: switching to members-only removes non-members with 322.
	lines := h.configure(roomJID, "a@x/1", "muc#roomconfig_membersonly", "1")
	require.Equal(t, []string{
		`<presence from='r@muc.example/C' to='c@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='110'/><status code='322'/></x></presence>`,
		iqResult("a@x/1", "cfg"),
		`<presence from='r@muc.example/C' to='a@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='none'/><status code='322'/></x></presence>`,
		`<presence from='r@muc.example/C' to='b@x/1' type='unavailable'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='none'/><status code='322'/></x></presence>`,
		// §10.2.1: then the notice of the change.
		`<message from='r@muc.example' to='a@x/1' id='id4' type='groupchat'><x xmlns='http://jabber.org/protocol/muc#user'><status code='104'/></x></message>`,
		`<message from='r@muc.example' to='b@x/1' id='id4' type='groupchat'><x xmlns='http://jabber.org/protocol/muc#user'><status code='104'/></x></message>`,
	}, lines)
	// §9.4: revoking membership in a members-only room removes with 321.
	lines = h.do(adminIQ("a@x/1", "r", "set", `<item affiliation='none' jid='b@x'/>`))
	require.Contains(t, lines[0], `<status code='321'/>`)
	require.Equal(t, 1, h.room(roomJID).Len())
}

func TestAffiliationNoticeOutOfRoom(t *testing.T) {
	h := setup2(t)
	h.remote(node2, `<presence from='r1@far/1' to='r@muc.example/R1'>`+joinX+`</presence>`)
	notice := func(id, aff string) []string {
		x := func(jid string) string {
			return `<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='` + aff + `'` + jid + ` role='none'/></x>`
		}
		return []string{
			`<message from='r@muc.example' to='a@x/1' id='` + id + `'>` + x(` jid='d@x'`) + `</message>`,
			`<message from='r@muc.example' to='b@x/1' id='` + id + `'>` + x("") + `</message>`,
			`=> node2.example (d@x) <message from='r@muc.example' to='node2.example' id='` + id + `'>` + x(` jid='d@x'`) + `</message>`,
		}
	}
	// §9.3: d@x is not in the room: after the admin's result, a message
	// from the room to every occupant with the new affiliation; the real
	// JID only for those who may see it (A, a moderator; the node, which
	// renders for its own occupants), not for B in this semi-anonymous room.
	h.expect(adminIQ("a@x/1", "m1", "set", `<item affiliation='member' jid='d@x/home'/>`),
		append([]string{iqResult("a@x/1", "m1")}, notice("id4", "member")...)...)
	// §10.3, §10.7, §9.4 likewise.
	h.expect(adminIQ("a@x/1", "o1", "set", `<item affiliation='owner' jid='d@x'/>`),
		append([]string{iqResult("a@x/1", "o1")}, notice("id5", "owner")...)...)
	h.expect(adminIQ("a@x/1", "o2", "set", `<item affiliation='admin' jid='d@x'/>`),
		append([]string{iqResult("a@x/1", "o2")}, notice("id6", "admin")...)...)
	h.expect(adminIQ("a@x/1", "o3", "set", `<item affiliation='none' jid='d@x'/>`),
		append([]string{iqResult("a@x/1", "o3")}, notice("id7", "none")...)...)
	// §10.5 through the owner form's lists too.
	h.expect(cfgIQ(fRoomAdmins, "d@x"), append([]string{iqResult("a@x/1", "cfg")}, notice("id8", "admin")...)...)
	// Bans are not announced: the ban list is for admins (§9.2).
	h.expect(adminIQ("a@x/1", "b1", "set", `<item affiliation='outcast' jid='e@x'/>`), iqResult("a@x/1", "b1"))
	h.expect(adminIQ("a@x/1", "b2", "set", `<item affiliation='none' jid='e@x'/>`), iqResult("a@x/1", "b2"))
	// In a non-anonymous room everyone sees the JID.
	h.configure(roomJID, "a@x/1", fWhois, "anyone")
	h.ids = 20
	h.expect(adminIQ("a@x/1", "m2", "set", `<item affiliation='member' jid='f@x'/>`),
		iqResult("a@x/1", "m2"),
		`<message from='r@muc.example' to='a@x/1' id='id21'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='f@x' role='none'/></x></message>`,
		`<message from='r@muc.example' to='b@x/1' id='id21'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='f@x' role='none'/></x></message>`,
		`=> node2.example (f@x) <message from='r@muc.example' to='node2.example' id='id21'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='f@x' role='none'/></x></message>`)
	// A user in the room gets the presence of §9.3 instead, no message.
	lines := h.do(adminIQ("a@x/1", "m3", "set", `<item affiliation='member' jid='b@x'/>`))
	for _, l := range lines {
		require.NotContains(t, l, "<message", l)
	}
}
