package muc

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// setupHistory makes a room with 5 messages from A, one per minute,
// starting at t0.
func setupHistory(t *testing.T) *harness {
	h := setup2(t)
	for i := 1; i <= 5; i++ {
		h.do(`<message from='a@x/1' to='r@muc.example' id='m` + strconv.Itoa(i) + `' type='groupchat'><body>msg ` + strconv.Itoa(i) + `</body></message>`)
		h.now = h.now.Add(time.Minute)
	}
	return h
}

func histMsg(i int) string {
	stamp := t0.Add(time.Duration(i-1) * time.Minute).Format("2006-01-02T15:04:05Z")
	// XEP-0359: the stanza-id the room gave it (ids 1 and 2 went to the
	// two subject messages of setup2).
	sid := `<stanza-id xmlns='urn:xmpp:sid:0' id='id` + strconv.Itoa(i+2) + `' by='r@muc.example'/>`
	return `<message from='r@muc.example/A' to='c@x/1' id='m` + strconv.Itoa(i) + `' type='groupchat'><body>msg ` + strconv.Itoa(i) + `</body>` + sid + `<delay xmlns='urn:xmpp:delay' from='r@muc.example' stamp='` + stamp + `'/></message>`
}

// historyOf joins c@x/1 with the given <history/> and returns the
// history messages it got (between self-presence and subject).
func historyOf(t *testing.T, h *harness, hist string) []string {
	lines := h.do(`<presence from='c@x/1' to='r@muc.example/C'><x xmlns='http://jabber.org/protocol/muc'>` + hist + `</x></presence>`)
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, "<message") && strings.Contains(l, "<body>") {
			out = append(out, l)
		}
	}
	// §7.1: history follows the self-presence and precedes the subject.
	require.Contains(t, lines[len(lines)-1], "<subject>")
	if len(out) > 0 {
		require.Contains(t, lines[len(lines)-2-len(out)], "status code='110'")
	}
	return out
}

func TestHistory(t *testing.T) {
	size := len(histMsg(5)) // every entry has the same length
	tests := []struct {
		name string
		hist string
		want []int
	}{
		{"default: all stored", ``, []int{1, 2, 3, 4, 5}},
		{"maxstanzas", `<history maxstanzas='2'/>`, []int{4, 5}},
		{"maxstanzas 0", `<history maxstanzas='0'/>`, nil},
		{"maxchars 0 means none", `<history maxchars='0'/>`, nil},
		{"maxchars fits two whole stanzas", `<history maxchars='` + strconv.Itoa(2*size+size/2) + `'/>`, []int{4, 5}},
		{"maxchars exact", `<history maxchars='` + strconv.Itoa(3*size) + `'/>`, []int{3, 4, 5}},
		{"seconds", `<history seconds='150'/>`, []int{4, 5}},
		{"since", `<history since='2026-03-04T05:08:07Z'/>`, []int{3, 4, 5}},
		{"smallest of several", `<history maxstanzas='4' since='2026-03-04T05:09:00Z'/>`, []int{4, 5}},
		{"bad since ignored", `<history since='yesterday'/>`, []int{1, 2, 3, 4, 5}},
		{"huge seconds is no limit", `<history seconds='9223372036854775807' maxstanzas='1'/>`, []int{5}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := setupHistory(t)
			// now is t0+5min: seconds=150 covers messages at 3.5min and later.
			var want []string
			for _, i := range tc.want {
				want = append(want, histMsg(i))
			}
			require.Equal(t, want, historyOf(t, h, tc.hist))
		})
	}
}

func TestHistoryBoundedAndHints(t *testing.T) {
	h := setup2(t)
	h.configure(roomJID, "a@x/1", "muc#maxhistoryfetch", "3")
	for i := 1; i <= 5; i++ {
		h.do(`<message from='a@x/1' to='r@muc.example' id='m` + strconv.Itoa(i) + `' type='groupchat'><body>msg ` + strconv.Itoa(i) + `</body></message>`)
		ev := eventsOf[HistoryAppended](h.out)
		require.Len(t, ev, 1)
		if i > 3 {
			require.Equal(t, 1, ev[0].Dropped)
		}
	}
	require.Len(t, h.room(roomJID).History(), 3)
	// Chat states without a body and XEP-0334 no-store hints are relayed
	// but not stored.
	for _, m := range []string{
		`<message from='a@x/1' to='r@muc.example' id='cs' type='groupchat'><composing xmlns='http://jabber.org/protocol/chatstates'/></message>`,
		`<message from='a@x/1' to='r@muc.example' id='ns' type='groupchat'><body>x</body><no-store xmlns='urn:xmpp:hints'/></message>`,
		`<message from='a@x/1' to='r@muc.example' id='np' type='groupchat'><body>x</body><no-permanent-store xmlns='urn:xmpp:hints'/></message>`,
	} {
		require.Len(t, h.do(m), 2)
		require.Empty(t, eventsOf[HistoryAppended](h.out))
	}
	// A bodyless message with a <store/> hint is stored.
	h.do(`<message from='a@x/1' to='r@muc.example' id='st' type='groupchat'><reactions xmlns='urn:xmpp:reactions:0' id='m1'/><store xmlns='urn:xmpp:hints'/></message>`)
	require.Len(t, eventsOf[HistoryAppended](h.out), 1)
	hist := h.room(roomJID).History()
	require.Equal(t, "st", hist[len(hist)-1].ID)
	// Zero history length stores nothing.
	h.configure(roomJID, "a@x/1", "muc#maxhistoryfetch", "0")
	require.Empty(t, h.room(roomJID).History())
	h.do(`<message from='a@x/1' to='r@muc.example' id='z' type='groupchat'><body>x</body></message>`)
	require.Empty(t, h.room(roomJID).History())
}

func TestHistoryMaxCharsCountsCharacters(t *testing.T) {
	h := setup2(t)
	h.do(`<message from='a@x/1' to='r@muc.example' id='u' type='groupchat'><body>ééééé</body></message>`)
	lines := historyOf(t, h, `<history maxstanzas='5'/>`)
	require.Len(t, lines, 1)
	chars := len([]rune(lines[0]))
	require.Less(t, chars, len(lines[0]), "the body is not ASCII")
	// Exactly the character count fits; one less does not.
	h.do(`<presence from='c@x/1' to='r@muc.example/C' type='unavailable'/>`)
	require.Len(t, historyOf(t, h, `<history maxchars='`+strconv.Itoa(chars)+`'/>`), 1)
	h.do(`<presence from='c@x/1' to='r@muc.example/C' type='unavailable'/>`)
	require.Empty(t, historyOf(t, h, `<history maxchars='`+strconv.Itoa(chars-1)+`'/>`))
}
