package muc

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// TestUserXSameBytes checks that userX gives the bytes of
// stanza.MUCUser.Element for the same content, escaping included.
func TestUserXSameBytes(t *testing.T) {
	real := stanza.MustParse("wiccarocks@shakespeare.lit/laptop")
	actor := stanza.MustParse("crone1@shakespeare.lit")
	alt := stanza.MustParse("coven@chat.shakespeare.lit")
	odd := "a'b\"c<d>&e\tf\ng\rh\x01i\uFFFEj"
	cases := []struct {
		name     string
		it       *item
		destroy  *stanza.Destroy
		statuses []stanza.StatusCode
		want     stanza.MUCUser
	}{
		{name: "empty", want: stanza.MUCUser{}},
		{
			name:     "statuses only",
			statuses: []stanza.StatusCode{stanza.StatusConfigChanged, stanza.StatusNowNonAnonymous},
			want:     stanza.MUCUser{Statuses: []stanza.Status{{Code: 104}, {Code: 172}}},
		},
		{
			name:     "self item",
			it:       &item{aff: stanza.AffiliationMember, role: stanza.RoleParticipant, jid: real, nick: "oldhag"},
			statuses: []stanza.StatusCode{stanza.StatusSelf, stanza.StatusNickChanged},
			want: stanza.MUCUser{
				Items:    []stanza.Item{{Affiliation: stanza.AffiliationMember, JID: &real, Nick: "oldhag", Role: stanza.RoleParticipant}},
				Statuses: []stanza.Status{{Code: 110}, {Code: 303}},
			},
		},
		{
			name:     "kick with actor and reason",
			it:       &item{aff: stanza.AffiliationNone, role: stanza.RoleNone, actorNick: "Fire" + odd, actorJID: actor, reason: "Avaunt" + odd},
			statuses: []stanza.StatusCode{stanza.StatusKicked},
			want: stanza.MUCUser{
				Items:    []stanza.Item{{Affiliation: stanza.AffiliationNone, Role: stanza.RoleNone, Actor: &stanza.Actor{JID: &actor, Nick: "Fire" + odd}, Reason: "Avaunt" + odd}},
				Statuses: []stanza.Status{{Code: 307}},
			},
		},
		{
			name:    "destroy with password and reason",
			it:      &item{aff: stanza.AffiliationNone, role: stanza.RoleNone},
			destroy: &stanza.Destroy{JID: &alt, Password: "pw" + odd, Reason: "Macbeth" + odd},
			want: stanza.MUCUser{
				Destroy: &stanza.Destroy{JID: &alt, Password: "pw" + odd, Reason: "Macbeth" + odd},
				Items:   []stanza.Item{{Affiliation: stanza.AffiliationNone, Role: stanza.RoleNone}},
			},
		},
		{
			name:    "bare destroy",
			destroy: &stanza.Destroy{},
			want:    stanza.MUCUser{Destroy: &stanza.Destroy{}},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := userX(c.it, c.destroy, c.statuses...)
			want := c.want.Element()
			require.Equal(t, want.Name, got.Name)
			require.Equal(t, string(want.XML), string(got.XML))
		})
	}
}
