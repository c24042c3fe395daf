package muc

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// refusal returns the error of the first stanza of out, failing when
// there is none.
func refusal(t testing.TB, out Output) *stanza.Error {
	t.Helper()
	first := func() stanza.Stanza {
		if len(out.Stanzas) > 0 {
			return out.Stanzas[0]
		}
		require.NotEmpty(t, out.Remote)
		return out.Remote[0].Stanza
	}()
	e, ok := stanza.ErrorOf(first)
	require.True(t, ok, "not an error: %s", stanza.Encode(first))
	return e
}

// requireRefused requires the last output to start with an error of the
// given type and condition whose text contains text.
func (h *harness) requireRefused(typ stanza.ErrorType, cond stanza.Condition, text string) {
	h.t.Helper()
	e := refusal(h.t, h.out)
	require.Equal(h.t, typ, e.Type)
	require.Equal(h.t, cond, e.Condition)
	require.Contains(h.t, e.Text, text)
}

// requireCounts checks the tally against the rooms' tables, and that no
// count exceeds its bound (also a fuzz invariant, checkInvariants).
func requireCounts(t testing.TB, s *Service) {
	t.Helper()
	lim := s.roomOpts.Limits
	tl := s.roomOpts.tally
	var rooms []*Room
	for _, r := range s.rooms { // not Rooms(), which drops destroyed rooms
		if !r.destroyed {
			rooms = append(rooms, r)
		}
	}
	require.Equal(t, len(rooms), tl.rooms, "rooms")
	require.LessOrEqual(t, tl.rooms, lim.MaxRooms)
	in := map[stanza.JID]int{}
	created := map[stanza.JID]int{}
	for _, r := range rooms {
		if !r.creator.IsZero() {
			created[r.creator]++
		}
		per := map[stanza.JID]int{}
		for j := range r.byJID {
			per[j.Bare()]++
		}
		require.Equal(t, len(per), len(r.perUser), "room %s", r.jid)
		for b, n := range per {
			require.Equal(t, n, r.perUser[b], "sessions of %s in %s", b, r.jid)
			require.LessOrEqual(t, n, lim.MaxUserSessions)
			in[b]++
		}
	}
	require.Equal(t, len(in), len(tl.in))
	for b, n := range in {
		require.Equal(t, n, tl.in[b], "rooms of %s", b)
		require.LessOrEqual(t, n, lim.MaxUserRooms)
	}
	require.Equal(t, len(created), len(tl.created))
	for b, n := range created {
		require.Equal(t, n, tl.created[b], "rooms created by %s", b)
		if !s.admin(b) {
			require.LessOrEqual(t, n, lim.MaxRoomsPerCreator)
		}
	}
}

func TestCreators(t *testing.T) {
	admin := stanza.MustParse("boss@other.example")
	tests := []struct {
		name    string
		opts    func(*ServiceOptions)
		creator string
		text    string // "" = created
	}{
		{"anyone", func(*ServiceOptions) {}, "eve@evil.example/1", ""},
		{"domain user", func(o *ServiceOptions) {
			o.Creators, o.CreateDomains = CreatorsDomains, []string{"example"}
		}, "a@example/1", ""},
		{"other domain", func(o *ServiceOptions) {
			o.Creators, o.CreateDomains = CreatorsDomains, []string{"example", "example.net"}
		}, "eve@evil.example/1", "only users of example, example.net may create rooms on this service"},
		{"admin of other domain", func(o *ServiceOptions) {
			o.Creators, o.CreateDomains, o.Admins = CreatorsDomains, []string{"example"}, []stanza.JID{admin}
		}, "boss@other.example/1", ""},
		{"admins only", func(o *ServiceOptions) {
			o.Creators, o.Admins = CreatorsAdmins, []stanza.JID{admin}
		}, "a@example/1", "only the service's administrators may create rooms"},
		{"admin", func(o *ServiceOptions) {
			o.Creators, o.Admins = CreatorsAdmins, []stanza.JID{admin}
		}, "boss@other.example/2", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, tc.opts)
			h.join(tc.creator, "r@muc.example/n")
			_, created := h.svc.Room(stanza.MustParse("r@muc.example"))
			if tc.text == "" {
				require.True(t, created)
				return
			}
			require.False(t, created)
			h.requireRefused(stanza.ErrorCancel, stanza.NotAllowed, tc.text)
			requireCounts(t, h.svc)
		})
	}
}

func TestCreatorsConfig(t *testing.T) {
	for _, opts := range []ServiceOptions{
		{Creators: CreatorsDomains},
		{Creators: CreatorsDomains, CreateDomains: []string{"a@b"}},
		{Creators: 7},
		{Admins: []stanza.JID{stanza.MustParse("a@b/c")}},
	} {
		opts.Domain, opts.NewID = stanza.MustParse("muc.example"), func() string { return "x" }
		_, err := NewService(opts)
		require.ErrorIs(t, err, ErrConfig)
	}
	for _, s := range []string{"anyone", "domains", "admins"} {
		c, err := ParseCreators(s)
		require.NoError(t, err)
		require.Equal(t, s, c.String())
	}
	_, err := ParseCreators("everyone")
	require.ErrorIs(t, err, ErrConfig)
}

// TestRemoteCreate: a user reached through a federated node is not
// subject to Creators but to CanCreate (fmuc's refuses unless
// RemoteCreate), and to the same counts.
func TestRemoteCreate(t *testing.T) {
	allow := false
	h := newHarness(t, func(o *ServiceOptions) {
		o.Creators, o.CreateDomains = CreatorsDomains, []string{"example"}
		o.CanCreate = func(_, _, via stanza.JID) bool { return via.IsZero() || allow }
		o.Limits = Limits{MaxRoomsPerCreator: 1}
	})
	join := func(room string) {
		h.remote("evil.example", `<presence from='mallory@evil.example/1' to='`+room+`@muc.example/m'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	}
	join("r")
	h.requireRefused(stanza.ErrorCancel, stanza.NotAllowed, "")
	require.Empty(t, h.svc.Rooms())
	allow = true
	join("r")
	require.Len(t, h.svc.Rooms(), 1)
	join("s")
	h.requireRefused(stanza.ErrorCancel, stanza.PolicyViolation, "at most 1 rooms")
	requireCounts(t, h.svc)
	// The same user sending to the service itself (over s2s) is subject
	// to Creators.
	h.join("mallory@evil.example/2", "t@muc.example/m")
	h.requireRefused(stanza.ErrorCancel, stanza.NotAllowed, "only users of example may create rooms")
}

func TestRoomCounts(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) {
		o.Limits = Limits{MaxRooms: 5, MaxRoomsPerCreator: 3, MaxUserRooms: 4}
		o.Locking = LockNever
		o.Admins = []stanza.JID{stanza.MustParse("boss@example")}
	})
	// Rooms per creator.
	for i := range 3 {
		h.join("m@evil.example/1", "m"+strconv.Itoa(i)+"@muc.example/m")
		require.Equal(t, stanza.RoleModerator, h.room("m" + strconv.Itoa(i) + "@muc.example").Occupants()[0].Role)
	}
	h.join("m@evil.example/1", "m3@muc.example/m")
	h.requireRefused(stanza.ErrorCancel, stanza.PolicyViolation, "at most 3 rooms")
	requireCounts(t, h.svc)
	// Rooms one user is in: m may still join a fourth room created by
	// someone else, not a fifth.
	h.join("a@example/1", "a0@muc.example/a")
	h.join("m@evil.example/2", "a0@muc.example/m")
	require.Equal(t, 2, h.room("a0@muc.example").Len())
	h.join("a@example/1", "a1@muc.example/a")
	h.join("m@evil.example/2", "a1@muc.example/m")
	h.requireRefused(stanza.ErrorWait, stanza.ResourceConstraint, "at most 4 rooms of this service")
	requireCounts(t, h.svc)
	// Rooms per service: five exist; even an admin is refused.
	h.join("boss@example/1", "b@muc.example/boss")
	h.requireRefused(stanza.ErrorWait, stanza.ResourceConstraint, "limited to 5 rooms")
	// Leaving frees the counts: m leaves a temporary room, which vanishes.
	h.do(`<presence from='m@evil.example/1' to='m0@muc.example/m' type='unavailable'/>`)
	requireCounts(t, h.svc)
	h.join("m@evil.example/2", "a1@muc.example/m")
	require.Equal(t, 2, h.room("a1@muc.example").Len())
	h.join("boss@example/1", "b@muc.example/boss")
	require.Equal(t, 1, h.room("b@muc.example").Len())
	h.join("boss@example/1", "c@muc.example/boss")
	h.requireRefused(stanza.ErrorWait, stanza.ResourceConstraint, "limited to 5 rooms")
	h.do(`<presence from='a@example/1' to='a0@muc.example/a' type='unavailable'/>`)
	h.do(`<presence from='m@evil.example/2' to='a0@muc.example/m' type='unavailable'/>`)
	requireCounts(t, h.svc)
	h.join("boss@example/1", "c@muc.example/boss")
	require.Equal(t, 1, h.room("c@muc.example").Len())
	requireCounts(t, h.svc)
}

func TestUserSessions(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) {
		o.Limits = Limits{MaxUserSessions: 3}
		o.Locking = LockNever
	})
	h.join("a@example/0", "r@muc.example/a")
	// Sessions under one nick (§7.2.8) and under other nicks count alike.
	h.join("m@evil.example/1", "r@muc.example/m")
	h.join("m@evil.example/2", "r@muc.example/m")
	h.join("m@evil.example/3", "r@muc.example/m2")
	requireCounts(t, h.svc)
	h.join("m@evil.example/4", "r@muc.example/m")
	h.requireRefused(stanza.ErrorCancel, stanza.PolicyViolation, "at most 3 sessions")
	h.join("m@evil.example/5", "r@muc.example/m5")
	h.requireRefused(stanza.ErrorCancel, stanza.PolicyViolation, "at most 3 sessions")
	require.Equal(t, 3, h.room("r@muc.example").Len())
	h.do(`<presence from='m@evil.example/2' to='r@muc.example/m' type='unavailable'/>`)
	requireCounts(t, h.svc)
	h.join("m@evil.example/5", "r@muc.example/m5")
	require.Equal(t, 4, h.room("r@muc.example").Len())
	requireCounts(t, h.svc)
	// Destruction releases every session.
	h.do(`<iq from='a@example/0' to='r@muc.example' id='d' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><destroy/></query></iq>`)
	requireCounts(t, h.svc)
	require.Empty(t, h.svc.roomOpts.tally.in)
}

func TestRestoreCounts(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) {
		o.Limits = Limits{MaxRooms: 2}
		o.Locking = LockNever
	})
	h.join("a@example/1", "r@muc.example/a")
	st := h.room("r@muc.example").State()
	// Restoring a room over itself replaces it; the count stays.
	_, err := h.svc.Restore(st)
	require.NoError(t, err)
	requireCounts(t, h.svc)
	st.JID = stanza.MustParse("s@muc.example")
	_, err = h.svc.Restore(st)
	require.NoError(t, err)
	requireCounts(t, h.svc)
	require.Equal(t, 2, h.svc.roomOpts.tally.rooms)
	h.join("b@example/1", "t@muc.example/b")
	h.requireRefused(stanza.ErrorWait, stanza.ResourceConstraint, "limited to 2 rooms")
}

func TestLimitsUnlimited(t *testing.T) {
	l, err := Limits{MaxRooms: Unlimited, MaxUserSessions: Unlimited, MessageBurst: Unlimited, PresenceInterval: Unlimited}.withDefaults()
	require.NoError(t, err)
	require.Greater(t, l.MaxRooms, 1<<40)
	require.Greater(t, l.MaxUserSessions, 1<<40)
	require.Zero(t, l.MessageInterval, "no message rate")
	require.Zero(t, l.PresenceInterval, "no presence rate")
	require.Equal(t, DefaultLimits.MaxNick, l.MaxNick)
	for _, bad := range []Limits{{MaxNick: Unlimited}, {MaxRooms: -2}, {MessageInterval: -time.Second}, {MessageBurst: 1 << 40, MessageInterval: time.Hour}} {
		_, err := bad.withDefaults()
		require.ErrorIs(t, err, ErrConfig, "%+v", bad)
	}
}
