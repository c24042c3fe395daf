package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// lockdownHarness: room r with owner A, c@x a member with the reserved
// nick Cee, NickLockdown as given.
func lockdownHarness(t *testing.T, on bool) *harness {
	cfg := DefaultConfig()
	cfg.NickLockdown = on
	h := newHarness(t, func(o *ServiceOptions) { o.RoomDefaults = &cfg })
	h.instant(roomJID, "a@x/1", "A")
	h.expect(`<iq from='a@x/1' to='r@muc.example' id='m' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='member' jid='c@x' nick='Cee'/></query></iq>`,
		`<iq from='r@muc.example' to='a@x/1' id='m' type='result'/>`,
		`<message from='r@muc.example' to='a@x/1' id='id2'><x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' jid='c@x' role='none'/></x></message>`)
	require.True(t, h.room(roomJID).Config().NickLockdown == on)
	return h
}

func TestNickLockdown(t *testing.T) {
	h := lockdownHarness(t, true)
	transcript(t, h, "nick-lockdown",
		// §7.10: entering under another nick: the service uses the
		// registered one and says so with 210 (§7.2.2).
		local(`<presence from='c@x/1' to='r@muc.example/witch' id='j1'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`),
		// A nick change is refused.
		local(`<presence from='c@x/1' to='r@muc.example/hag' id='n1'/>`),
		// A client rejoining under the nick it asked for is resynchronised
		// under the registered nick, with 210 again.
		local(`<presence from='c@x/1' to='r@muc.example/witch' id='j2'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`),
		// A second resource joins the same occupant (§7.2.8), with 210.
		local(`<presence from='c@x/2' to='r@muc.example/crone' id='j3'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`),
		// Users without a registered nick are not affected; nobody else
		// gets the registered nick.
		local(`<presence from='d@x/1' to='r@muc.example/Cee' id='j4'><x xmlns='http://jabber.org/protocol/muc'/></presence>`),
		local(`<presence from='d@x/1' to='r@muc.example/D' id='j5'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`),
	)
	o, ok := h.room(roomJID).Occupant("Cee")
	require.True(t, ok)
	require.Len(t, o.Sessions(), 2)
}

func TestNickLockdownOff(t *testing.T) {
	h := lockdownHarness(t, false)
	transcript(t, h, "nick-lockdown-off",
		// Without the lockdown the asked nick is kept, and may change.
		local(`<presence from='c@x/1' to='r@muc.example/witch' id='j1'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`),
		local(`<presence from='c@x/1' to='r@muc.example/Cee' id='n1'/>`),
	)
}

func TestNickLockdownSurvivesConfigForm(t *testing.T) {
	h := lockdownHarness(t, true)
	h.configure(roomJID, "a@x/1", "muc#roomconfig_roomname", "Coven")
	require.True(t, h.room(roomJID).Config().NickLockdown)
	st := h.room(roomJID).State()
	require.True(t, st.Config.NickLockdown)
}

func TestNickLockdownRegistrationRenames(t *testing.T) {
	cfg := DefaultConfig()
	cfg.NickLockdown = true
	h := newHarness(t, func(o *ServiceOptions) { o.RoomDefaults = &cfg })
	h.instant(roomJID, "a@x/1", "A")
	h.join("c@x/1", roomJID+"/witch")
	transcript(t, h, "nick-lockdown-register",
		// §7.10: registering while in the room under another nick renames
		// the occupant, with 210 in the new presence for everyone.
		local(regIQ("c@x/1", "r1", "set", regForm("Cee"))),
		// From now on the nick is locked.
		local(`<presence from='c@x/1' to='r@muc.example/witch' id='n1'/>`),
	)
}
