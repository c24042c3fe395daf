package muc

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/xmppfmuc/fmuc/stanza"
)

// longJID returns the i-th of a family of distinct bare JIDs of about n
// characters (domain labels stay within 63 characters).
func longJID(i, n int) string {
	local := fmt.Sprintf("u%04d", i) + strings.Repeat("o", n/2-5)
	var labels []string
	for rest := n - len(local) - 1; rest > 0; rest -= 61 {
		labels = append(labels, strings.Repeat("d", min(rest, 60)))
	}
	return local + "@" + strings.Join(labels, ".")
}

// requireSized fails unless every stanza of out encodes within
// MaxOutputSize.
func requireSized(t testing.TB, out Output) {
	t.Helper()
	for _, s := range out.Stanzas {
		require.LessOrEqual(t, len(stanza.Encode(s)), MaxOutputSize, "stanza to %s", s.Head().To)
	}
	for _, rd := range out.Remote {
		require.LessOrEqual(t, len(stanza.Encode(rd.Stanza)), MaxOutputSize, "stanza through %s", rd.Via)
	}
}

// replyOf returns the answer to a request: the first stanza of out;
// the only other stanzas may be the affiliation notices that follow an
// accepted change (XEP-0045 §9.3-§9.5).
func replyOf(t testing.TB, out Output) stanza.Stanza {
	t.Helper()
	require.NotEmpty(t, out.Stanzas)
	for _, s := range out.Stanzas[1:] {
		m, ok := s.(*stanza.Message)
		require.True(t, ok && m.Type == "" && m.From.Resource() == "", "not an affiliation notice: %s", stanza.Encode(s))
	}
	return out.Stanzas[0]
}

// TestLargeLists is the scenario of issue 21: one owner of a
// non-anonymous room adds 360 owners with 1,000-character JIDs in six
// muc#admin sets of 60 items; then the owner asks for the owner list and
// the configuration form, and an honest user who is not in the room asks
// for its disco#info. Nothing may panic, every answer must encode within
// MaxOutputSize, and the honest user must get the room information.
func TestLargeLists(t *testing.T) {
	tests := []struct {
		name   string
		limits Limits
		// set is the condition each admin set gets ("" = result).
		set stanza.Condition
		// list and form are the conditions of the owner's list and form
		// queries ("" = result).
		list, form stanza.Condition
		contacts   int
	}{
		{name: "default limits", set: stanza.NotAcceptable, contacts: 1},
		{name: "JIDs allowed, list too large", limits: Limits{MaxJIDLength: 3071}, list: stanza.ResourceConstraint, form: stanza.ResourceConstraint, contacts: maxContacts},
		{name: "few users", limits: Limits{MaxJIDLength: 3071, MaxAffiliations: 100}, set: stanza.PolicyViolation, contacts: maxContacts},
		{name: "small sets", limits: Limits{MaxJIDLength: 3071, MaxAdminItems: 50}, set: stanza.PolicyViolation, contacts: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *ServiceOptions) { o.Limits = tc.limits })
			h.instant(roomJID, "a@x/1", "A")
			h.configure(roomJID, "a@x/1", fWhois, "anyone")
			conds := map[stanza.Condition]int{}
			for set := range 6 {
				var items strings.Builder
				for i := range 60 {
					items.WriteString(`<item affiliation='owner' jid='` + longJID(60*set+i, 1000) + `'/>`)
				}
				in := adminIQ("a@x/1", "s"+strconv.Itoa(set), "set", items.String())
				require.Greater(t, len(in), 60_000)
				h.do(in)
				requireSized(t, h.out)
				conds[condOf(t, replyOf(t, h.out))]++
			}
			if tc.set == "" {
				require.Equal(t, map[stanza.Condition]int{"": 6}, conds)
			} else {
				require.Equal(t, tc.set, firstCond(conds))
			}

			h.do(adminIQ("a@x/1", "l", "get", `<item affiliation='owner'/>`))
			requireSized(t, h.out)
			require.Equal(t, tc.list, condOf(t, replyOf(t, h.out)))

			h.do(`<iq from='a@x/1' to='r@muc.example' id='f' type='get'><query xmlns='http://jabber.org/protocol/muc#owner'/></iq>`)
			requireSized(t, h.out)
			require.Equal(t, tc.form, condOf(t, replyOf(t, h.out)))

			h.do(`<iq from='honest@x/1' to='r@muc.example' id='d' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`)
			requireSized(t, h.out)
			info := replyOf(t, h.out)
			require.Equal(t, stanza.IQResult, info.Head().Type)
			q, ok := stanza.Child(info, nsDiscoInfo, "query")
			require.True(t, ok)
			require.Equal(t, tc.contacts, strings.Count(q.String(), "<value>u")+strings.Count(q.String(), "<value>a@x<"))
		})
	}
}

// condOf returns the error condition of s, or "" for a result.
func condOf(t testing.TB, s stanza.Stanza) stanza.Condition {
	t.Helper()
	if s.Head().Type != "error" {
		return ""
	}
	e, ok := stanza.ErrorOf(s)
	require.True(t, ok)
	require.NotEmpty(t, e.Text, "errors for limits say why")
	return e.Condition
}

// firstCond returns the one error condition among conds.
func firstCond(conds map[stanza.Condition]int) stanza.Condition {
	for c := range conds {
		if c != "" {
			return c
		}
	}
	return ""
}

// TestLimitsRefused: each bound on what users can make a room hold is
// refused with its condition and a text, and changes nothing.
func TestLimitsRefused(t *testing.T) {
	small := Limits{MaxAffiliations: 3, MaxJIDLength: 20, MaxRoomName: 5, MaxRoomDescription: 6, MaxSubject: 4, MaxAdminItems: 2}
	owner := func(fields string) string {
		return `<iq from='a@x/1' to='r@muc.example' id='q' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>` + fields + `</x></query></iq>`
	}
	tests := []struct {
		name, in string
		cond     stanza.Condition
	}{
		{"admin set with too many items", adminIQ("a@x/1", "q", "set", `<item affiliation='member' jid='m1@x'/><item affiliation='member' jid='m2@x'/><item affiliation='member' jid='m3@x'/>`), stanza.PolicyViolation},
		{"admin set beyond the users", adminIQ("a@x/1", "q", "set", `<item affiliation='member' jid='m1@x'/><item affiliation='outcast' jid='m2@x'/>`), stanza.PolicyViolation},
		{"admin set with a long JID", adminIQ("a@x/1", "q", "set", `<item affiliation='member' jid='`+longJID(1, 40)+`'/>`), stanza.NotAcceptable},
		{"long room name", owner(`<field var='muc#roomconfig_roomname'><value>Ünicöde</value></field>`), stanza.NotAcceptable},
		{"long description", owner(`<field var='muc#roomconfig_roomdesc'><value>seven 7</value></field>`), stanza.NotAcceptable},
		{"owner form beyond the users", owner(`<field var='muc#roomconfig_roomadmins'><value>m1@x</value><value>m2@x</value></field>`), stanza.PolicyViolation},
		{"owner form with a long JID", owner(`<field var='muc#roomconfig_roomowners'><value>a@x</value><value>` + longJID(1, 40) + `</value></field>`), stanza.NotAcceptable},
		{"long subject", `<message from='b@x/1' to='r@muc.example' id='q' type='groupchat'><subject>fiver</subject></message>`, stanza.NotAcceptable},
		{"registration beyond the users", regIQ("c@x/1", "q", "set", regForm("cee")), stanza.PolicyViolation},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setup2(t, func(o *ServiceOptions) { o.Limits = small })
			h.do(adminIQ("a@x/1", "m", "set", `<item affiliation='member' jid='b@x'/><item affiliation='outcast' jid='m0@x'/>`))
			r := h.room(roomJID)
			st := r.State()
			h.do(tc.in)
			require.Equal(t, tc.cond, condOf(t, replyOf(t, h.out)))
			require.Equal(t, st, r.State())
			require.Empty(t, h.out.Events)
		})
	}
	// Within the limits, the same requests are accepted.
	h := setup2(t, func(o *ServiceOptions) { o.Limits = small })
	h.do(adminIQ("a@x/1", "q", "set", `<item affiliation='member' jid='m1@x'/><item affiliation='member' jid='`+longJID(1, 20)+`'/>`))
	require.Equal(t, iqResult("a@x/1", "q"), string(stanza.Encode(replyOf(t, h.out))))
	h.configure(roomJID, "a@x/1", fRoomName, "Ünicö", fRoomDesc, "six 66")
	require.Equal(t, Config{Name: "Ünicö", Description: "six 66", Public: true, HistoryLength: 20, ChangeSubject: true, GetMemberList: RoleSetAll}, h.room(roomJID).Config())
}

func TestLimitsConfig(t *testing.T) {
	l, err := Limits{MaxDiscoItems: 7}.withDefaults()
	require.NoError(t, err)
	want := DefaultLimits
	want.MaxDiscoItems = 7
	require.Equal(t, want, l)
	_, err = NewService(ServiceOptions{Domain: stanza.MustParse("muc.example"), NewID: func() string { return "" }, Limits: Limits{MaxSubject: -1}})
	require.ErrorIs(t, err, ErrConfig)
}

// TestLimitsInvite: in a members-only room an invitation adds the invitee
// to the member list (§7.8.2), within Limits.MaxAffiliations.
func TestLimitsInvite(t *testing.T) {
	h := setup2(t, func(o *ServiceOptions) { o.Limits = Limits{MaxAffiliations: 3} })
	h.do(adminIQ("a@x/1", "m", "set", `<item affiliation='member' jid='b@x'/>`))
	h.configure(roomJID, "a@x/1", fMembersOnly, "1")
	lines := h.do(`<message from='a@x/1' to='r@muc.example' id='i1'>` + userXOpen + `<invite to='d@x'/></x></message>`)
	require.Contains(t, lines, `<message from='r@muc.example' to='d@x' id='i1'>`+userXOpen+`<invite from='a@x/1'/></x></message>`)
	h.expect(`<message from='a@x/1' to='r@muc.example' id='i2'>`+userXOpen+`<invite to='e@x'/></x></message>`,
		msgErr("a@x/1", "i2", userXOpen+`<invite to='e@x'/></x>`, "modify", "policy-violation|the room's lists are limited to 3 users"))
	require.Equal(t, stanza.AffiliationNone, h.room(roomJID).Affiliation(stanza.MustParse("e@x")))
}
