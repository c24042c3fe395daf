package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

// voiceRequestX is the §7.13 request form.
func voiceRequestX(role string) string {
	return `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role' type='list-single' label='Requested role'><value>` + role + `</value></field></x>`
}

func voiceRequestMsg(from, id, role string) string {
	return `<message from='` + from + `' to='r@muc.example' id='` + id + `'>` + voiceRequestX(role) + `</message>`
}

func voiceDecisionX(jid, nick, allow string) string {
	x := `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role'><value>participant</value></field>`
	if jid != "" {
		x += `<field var='muc#jid'><value>` + jid + `</value></field>`
	}
	return x + `<field var='muc#roomnick'><value>` + nick + `</value></field><field var='muc#request_allow'><value>` + allow + `</value></field></x>`
}

func voiceDecisionMsg(from, jid, nick, allow string) string {
	return `<message from='` + from + `' to='r@muc.example' id='approve'>` + voiceDecisionX(jid, nick, allow) + `</message>`
}

// setupVoice: a moderated room with A (owner, moderator), B
// (participant: entered before moderation) and C (visitor).
func setupVoice(t *testing.T) *harness {
	h := setup2(t)
	h.configure(roomJID, "a@x/1", fModerated, "1") // id3: notice
	h.join("c@x/1", roomJID+"/C")                  // id4: subject
	o, _ := h.room(roomJID).Occupant("C")
	require.Equal(t, stanza.RoleVisitor, o.Role)
	return h
}

func TestVoiceRequest(t *testing.T) {
	h := setupVoice(t)
	// §7.13 / §8.6: the request goes to every moderator as an approval
	// form carrying the requester's real JID and nick.
	h.expect(voiceRequestMsg("c@x/1", "vr", "participant"),
		`<message from='r@muc.example' to='a@x/1' id='id5'><x xmlns='jabber:x:data' type='form'><title>Voice request</title><instructions>To approve this request for voice, select the "Grant voice to this person?" checkbox and click OK. To skip this request, click the cancel button.</instructions><field var='FORM_TYPE' type='hidden'><value>http://jabber.org/protocol/muc#request</value></field><field var='muc#role' type='list-single' label='Requested role'><value>participant</value></field><field var='muc#jid' type='jid-single' label='User ID'><value>c@x/1</value></field><field var='muc#roomnick' type='text-single' label='Room Nickname'><value>C</value></field><field var='muc#request_allow' type='boolean' label='Grant voice to this person?'><value>false</value></field></x></message>`)

	// A moderator's approval: C becomes a participant, announced as in
	// §8.3 (everyone, C last with 110).
	// Asking again before a decision does not flood the moderators.
	h.expect(voiceRequestMsg("c@x/1", "vr", "participant"))
	h.expect(voiceDecisionMsg("a@x/1", "c@x/1", "C", "true"),
		`<presence from='r@muc.example/C' to='a@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' jid='c@x/1' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/C' to='b@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/></x></presence>`,
		`<presence from='r@muc.example/C' to='c@x/1'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' role='participant'/><status code='110'/></x></presence>`)
	rc := eventsOf[RoleChanged](h.out)
	require.Len(t, rc, 1)
	require.Equal(t, stanza.RoleParticipant, rc[0].To)
	require.Equal(t, stanza.MustParse("a@x/1"), rc[0].Actor)
	// Deciding again, or requesting with voice: nothing happens.
	h.expect(voiceDecisionMsg("a@x/1", "", "C", "1"))
	h.expect(voiceRequestMsg("c@x/1", "vr2", "participant"))
	h.expect(voiceRequestMsg("b@x/1", "vr3", "participant"))
}

func TestVoiceRequestDeniedAndErrors(t *testing.T) {
	h := setupVoice(t)
	h.join("d@x/1", roomJID+"/D") // another visitor
	// A denial or a skipped form changes nothing, but C may ask again.
	h.do(voiceRequestMsg("c@x/1", "r1", "participant"))
	require.Len(t, h.out.Stanzas, 1)
	h.expect(voiceRequestMsg("c@x/1", "r2", "participant"))
	h.expect(voiceDecisionMsg("a@x/1", "c@x/1", "C", "false"))
	h.do(voiceRequestMsg("c@x/1", "r3", "participant"))
	require.Len(t, h.out.Stanzas, 1)
	h.expect(`<message from='a@x/1' to='r@muc.example' id='approve'><x xmlns='jabber:x:data' type='cancel'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field></x></message>`)
	o, _ := h.room(roomJID).Occupant("C")
	require.Equal(t, stanza.RoleVisitor, o.Role)

	dx := voiceDecisionX
	for _, tc := range []struct{ in, want string }{
		// §17.2: non-occupants.
		{voiceRequestMsg("z@x/1", "e1", "participant"), msgErr("z@x/1", "e1", voiceRequestX("participant"), "auth", "forbidden|only occupants may request voice")},
		// Only voice may be asked for.
		{voiceRequestMsg("c@x/1", "e2", "moderator"), msgErr("c@x/1", "e2", voiceRequestX("moderator"), "modify", "bad-request|only voice (participant) may be requested")},
		// Only moderators decide.
		{voiceDecisionMsg("b@x/1", "c@x/1", "C", "1"), msgErr("b@x/1", "approve", dx("c@x/1", "C", "1"), "auth", "forbidden|only moderators decide on voice requests")},
		{voiceDecisionMsg("a@x/1", "c@x/1", "C", "perhaps"), msgErr("a@x/1", "approve", dx("c@x/1", "C", "perhaps"), "modify", "bad-request|bad value for muc#request_allow")},
		{voiceDecisionMsg("a@x/1", "", "Nobody", "1"), msgErr("a@x/1", "approve", dx("", "Nobody", "1"), "cancel", "item-not-found|no such occupant")},
		// The nick now belongs to someone else.
		{voiceDecisionMsg("a@x/1", "d@x/1", "C", "1"), msgErr("a@x/1", "approve", dx("d@x/1", "C", "1"), "cancel", "item-not-found|the occupant has changed")},
		{`<message from='c@x/1' to='r@muc.example' id='e3'><x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field></x></message>`,
			msgErr("c@x/1", "e3", `<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#request</value></field></x>`, "modify", "bad-request")},
		{`<message from='c@x/1' to='r@muc.example' id='e4'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:other</value></field></x></message>`,
			msgErr("c@x/1", "e4", `<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>urn:other</value></field></x>`, "modify", "bad-request|messages to the room must be of type groupchat")},
	} {
		h.expect(tc.in, tc.want)
	}
	// A decision for a moderator keeps it a moderator.
	h.expect(voiceDecisionMsg("a@x/1", "", "A", "1"))
}
