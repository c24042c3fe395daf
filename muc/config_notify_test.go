package muc

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestConfigChangeNotices(t *testing.T) {
	notice := func(codes string) []string {
		x := `<x xmlns='http://jabber.org/protocol/muc#user'>` + codes + `</x>`
		return []string{
			`<message from='r@muc.example' to='a@x/1' id='id3' type='groupchat'>` + x + `</message>`,
			`<message from='r@muc.example' to='b@x/1' id='id3' type='groupchat'>` + x + `</message>`,
		}
	}
	for _, tc := range []struct {
		name   string
		before []string // applied first, while only A is in the room
		change []string
		codes  string
	}{
		{"logging on", nil, []string{fEnableLogging, "1"}, `<status code='170'/>`},
		{"logging off", []string{fEnableLogging, "1"}, []string{fEnableLogging, "0"}, `<status code='171'/>`},
		{"non-anonymous", nil, []string{fWhois, "anyone"}, `<status code='172'/>`},
		{"semi-anonymous", []string{fWhois, "anyone"}, []string{fWhois, "moderators"}, `<status code='173'/>`},
		{"other change", nil, []string{fRoomName, "Cave"}, `<status code='104'/>`},
		{"several", nil, []string{fRoomName, "Cave", fWhois, "anyone", fEnableLogging, "1"}, `<status code='104'/><status code='170'/><status code='172'/>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.instant(roomJID, "a@x/1", "A")
			if tc.before != nil {
				h.configure(roomJID, "a@x/1", tc.before...)
			}
			h.join("b@x/1", roomJID+"/B")
			h.ids = 2 // the notice gets id3 in every case
			// §10.2.1: after the owner's result, one message from the
			// room to every occupant, with status codes only.
			h.expect(cfgIQ(tc.change...), append([]string{iqResult("a@x/1", "cfg")}, notice(tc.codes)...)...)
		})
	}
	// No change, no notice; nor for an instant room (the defaults).
	h := setup2(t)
	h.expect(cfgIQ(fRoomName, ""), iqResult("a@x/1", "cfg"))
	h = newHarness(t)
	h.instant(roomJID, "a@x/1", "A")
	require.Len(t, eventsOf[RoomUnlocked](h.out), 1)
}

func TestInitialConfigNotices(t *testing.T) {
	// §10.2.1: the first configuration of a new room is announced to the
	// owner in the room, against the defaults it was created with.
	for _, tc := range []struct {
		name   string
		change []string
		codes  string
	}{
		{"non-anonymous", []string{fWhois, "anyone"}, `<status code='172'/>`},
		{"logging", []string{fEnableLogging, "1"}, `<status code='170'/>`},
		{"name", []string{fRoomName, "Cave"}, `<status code='104'/>`},
		{"name and non-anonymous", []string{fRoomName, "Cave", fWhois, "anyone"}, `<status code='104'/><status code='172'/>`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			h.join("a@x/1", roomJID+"/A")
			h.expect(cfgIQ(tc.change...), iqResult("a@x/1", "cfg"),
				`<message from='r@muc.example' to='a@x/1' id='id2' type='groupchat'><x xmlns='http://jabber.org/protocol/muc#user'>`+tc.codes+`</x></message>`)
			require.False(t, h.room(roomJID).Locked())
		})
	}
}

// cfgIQ is the owner's configuration submission of harness.configure.
func cfgIQ(kv ...string) string {
	var b string
	for i := 0; i+1 < len(kv); i += 2 {
		b += `<field var='` + kv[i] + `'><value>` + kv[i+1] + `</value></field>`
	}
	return `<iq from='a@x/1' to='r@muc.example' id='cfg' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>` + b + `</x></query></iq>`
}
