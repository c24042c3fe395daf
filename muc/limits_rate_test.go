package muc

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

func TestBucket(t *testing.T) {
	var b bucket
	now := t0
	for i := range 3 {
		require.True(t, b.take(now, time.Second, 3), "burst %d", i)
	}
	require.False(t, b.take(now, time.Second, 3))
	require.False(t, b.take(now.Add(999*time.Millisecond), time.Second, 3))
	require.True(t, b.take(now.Add(time.Second), time.Second, 3))
	require.False(t, b.take(now.Add(time.Second), time.Second, 3))
	// A long pause refills to the burst, not beyond.
	now = now.Add(time.Hour)
	for range 3 {
		require.True(t, b.take(now, time.Second, 3))
	}
	require.False(t, b.take(now, time.Second, 3))
	var free bucket
	for range 1000 {
		require.True(t, free.take(t0, 0, 1))
	}
}

func TestMessageRate(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) {
		o.Limits = Limits{MessageInterval: time.Second, MessageBurst: 3}
		o.Locking = LockNever
	})
	h.join("a@example/1", "r@muc.example/a")
	h.join("b@example/1", "r@muc.example/b")
	h.remote("peer.example", `<presence from='m@evil.example/1' to='r@muc.example/m'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
	msg := func(i int) string {
		return `<message from='b@example/1' to='r@muc.example' type='groupchat' id='g` + strconv.Itoa(i) + `'><body>hi</body></message>`
	}
	for i := range 3 {
		h.do(msg(i))
		require.Len(t, h.out.Stanzas, 2, "message %d reflected to both", i)
	}
	h.do(msg(3))
	require.Len(t, h.out.Stanzas, 1)
	require.Empty(t, h.out.Remote, "nothing relayed")
	h.requireRefused(stanza.ErrorWait, stanza.PolicyViolation, "messages to this room are limited to 3 at once and one every 1s")
	// Private messages count alike; other occupants are not affected.
	h.do(`<message from='b@example/1' to='r@muc.example/a' type='chat' id='p'><body>psst</body></message>`)
	h.requireRefused(stanza.ErrorWait, stanza.PolicyViolation, "messages to this room")
	h.do(`<message from='a@example/1' to='r@muc.example' type='groupchat' id='a'><body>hi</body></message>`)
	require.Len(t, h.out.Stanzas, 2)
	h.now = h.now.Add(time.Second)
	h.do(msg(4))
	require.Len(t, h.out.Stanzas, 2)
	// Remote occupants: the same rate.
	for i := range 3 {
		h.remote("peer.example", `<message from='m@evil.example/1' to='r@muc.example' type='groupchat' id='m`+strconv.Itoa(i)+`'><body>x</body></message>`)
		require.Len(t, h.out.Stanzas, 2)
	}
	h.remote("peer.example", `<message from='m@evil.example/1' to='r@muc.example' type='groupchat' id='m3'><body>x</body></message>`)
	require.Empty(t, h.out.Stanzas)
	h.requireRefused(stanza.ErrorWait, stanza.PolicyViolation, "messages to this room")
}

func TestPresenceRate(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) {
		o.Limits = Limits{PresenceInterval: 10 * time.Second, PresenceBurst: 2}
		o.Locking = LockNever
	})
	h.join("a@example/1", "r@muc.example/a")
	h.join("b@example/1", "r@muc.example/b")
	status := func(s string) string {
		return `<presence from='b@example/1' to='r@muc.example/b'><status>` + s + `</status></presence>`
	}
	h.do(status("one"))
	require.Len(t, h.out.Stanzas, 2)
	h.do(status("two"))
	require.Len(t, h.out.Stanzas, 2)
	// Over the rate: dropped, nothing sent, the presence is unchanged.
	h.do(status("three"))
	require.Empty(t, h.out.Stanzas)
	o, _ := h.room("r@muc.example").Occupant("b")
	require.Contains(t, string(o.Presence[0].XML), "two")
	// A nick change over the rate is refused.
	h.do(`<presence from='b@example/1' to='r@muc.example/bee'/>`)
	h.requireRefused(stanza.ErrorWait, stanza.PolicyViolation, "presence changes in this room are limited to 2 at once")
	// Leaving is never limited.
	h.do(`<presence from='b@example/1' to='r@muc.example/b' type='unavailable'/>`)
	require.Len(t, h.out.Stanzas, 2)
	h.now = h.now.Add(10 * time.Second)
	h.do(`<presence from='a@example/1' to='r@muc.example/a'><show>away</show></presence>`)
	require.Len(t, h.out.Stanzas, 1)
}

func TestSizes(t *testing.T) {
	h := newHarness(t, func(o *ServiceOptions) {
		o.Limits = Limits{MaxRoomLocal: 8, MaxNick: 5, MaxStatus: 10, MaxBody: 20, MaxStanza: 200}
		o.Locking = LockNever
	})
	h.join("a@example/1", "toolongname@muc.example/a")
	h.requireRefused(stanza.ErrorModify, stanza.NotAcceptable, "limited to 8 bytes")
	require.Empty(t, h.svc.Rooms())
	h.join("a@example/1", "r@muc.example/alice6")
	h.requireRefused(stanza.ErrorModify, stanza.NotAcceptable, "nicks in this room are limited to 5 characters")
	require.Empty(t, h.svc.Rooms())
	h.join("a@example/1", "r@muc.example/ålice") // 5 characters, 6 bytes
	h.join("b@example/1", "r@muc.example/b")
	require.Equal(t, 2, h.room("r@muc.example").Len())
	h.do(`<presence from='b@example/1' to='r@muc.example/bobby6'/>`)
	h.requireRefused(stanza.ErrorModify, stanza.NotAcceptable, "nicks in this room")
	h.do(`<presence from='b@example/1' to='r@muc.example/b'><status>` + strings.Repeat("s", 11) + `</status></presence>`)
	h.requireRefused(stanza.ErrorModify, stanza.NotAcceptable, "status texts in this room are limited to 10 characters")
	h.do(`<presence from='b@example/1' to='r@muc.example/b'><status>` + strings.Repeat("é", 10) + `</status></presence>`)
	require.Len(t, h.out.Stanzas, 2)
	h.do(`<message from='b@example/1' to='r@muc.example' type='groupchat' id='g'><body>` + strings.Repeat("b", 21) + `</body></message>`)
	h.requireRefused(stanza.ErrorModify, stanza.NotAcceptable, "message bodies in this room are limited to 20 characters")
	h.do(`<message from='b@example/1' to='r@muc.example/ålice' type='chat' id='g'><body>` + strings.Repeat("b", 21) + `</body></message>`)
	h.requireRefused(stanza.ErrorModify, stanza.NotAcceptable, "message bodies")
	h.do(`<message from='b@example/1' to='r@muc.example' type='groupchat' id='g'><body>ok</body><x xmlns='urn:example'>` + strings.Repeat("x", 200) + `</x></message>`)
	h.requireRefused(stanza.ErrorModify, stanza.PolicyViolation, "stanzas this room relays are limited to 200 bytes")
	h.do(`<message from='b@example/1' to='r@muc.example' type='groupchat' id='g'><body>` + strings.Repeat("b", 20) + `</body></message>`)
	require.Len(t, h.out.Stanzas, 2)
	// An exit with an oversize status still leaves, without the status.
	h.do(`<presence from='b@example/1' to='r@muc.example/b' type='unavailable'><status>` + strings.Repeat("s", 11) + `</status></presence>`)
	require.Equal(t, 1, h.room("r@muc.example").Len())
	for _, s := range h.out.Stanzas {
		require.NotContains(t, string(stanza.Encode(s)), "<status>s")
	}
}
