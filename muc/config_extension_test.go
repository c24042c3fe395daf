package muc

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// fakeExtension records what the room asks of a ConfigExtension.
type fakeExtension struct {
	value   string
	applied []map[string][]string
}

func (f *fakeExtension) Fields(stanza.JID) []stanza.Field {
	return []stanza.Field{{Var: "x-test#color", Type: fieldTextSingle, Values: []string{f.value}}}
}

func (f *fakeExtension) Check(_ stanza.JID, v map[string][]string) error {
	if len(v["x-test#color"]) == 1 && v["x-test#color"][0] == "plaid" {
		return errors.New("no plaid rooms")
	}
	return nil
}

func (f *fakeExtension) Apply(_ stanza.JID, v map[string][]string) {
	f.applied = append(f.applied, v)
	f.value = v["x-test#color"][0]
}

// TestConfigExtension: the embedder's fields are in the form, a refused
// value refuses the whole form (nothing applied), an accepted one is
// applied; a form without them leaves the extension alone.
func TestConfigExtension(t *testing.T) {
	ext := &fakeExtension{value: "red"}
	h := setup2(t, func(o *ServiceOptions) { o.ConfigExtension = ext })
	lines := h.do(ownerIQ("a@x/1", "g", "get", ""))
	require.Len(t, lines, 1)
	require.Contains(t, lines[0], "<field var='x-test#color' type='text-single'><value>red</value></field>")
	lines = h.configure(roomJID, "a@x/1", fModerated, "1", "x-test#color", "plaid")
	require.Contains(t, lines[0], "no plaid rooms")
	require.False(t, h.room(roomJID).Config().Moderated, "nothing applied")
	require.Empty(t, ext.applied)
	h.configure(roomJID, "a@x/1", fModerated, "1", "x-test#color", "blue")
	require.True(t, h.room(roomJID).Config().Moderated)
	require.Equal(t, []map[string][]string{{"x-test#color": {"blue"}}}, ext.applied)
	h.configure(roomJID, "a@x/1", fModerated, "0")
	require.Len(t, ext.applied, 1)
}
