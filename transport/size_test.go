package transport

import (
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/xmppfmuc/fmuc/stanza"
)

// sizedMessage is a chat message of exactly n bytes on the wire.
func sizedMessage(t *testing.T, id string, n int64) string {
	t.Helper()
	shell := message("juliet@example.org/b", "room@"+testDomain, id, "")
	pad := n - int64(len(shell))
	require.GreaterOrEqual(t, pad, int64(0))
	return message("juliet@example.org/b", "room@"+testDomain, id, strings.Repeat("x", int(pad)))
}

// raw is an element built without the decoder (whose limit these tests
// exceed on purpose).
func raw(space, local, xmlText string) stanza.Element {
	return stanza.Element{Name: xml.Name{Space: space, Local: local}, XML: []byte(xmlText)}
}

// TestInboundSizeBoundaries sends stanzas around every inbound limit to a
// component with the default configuration: up to MaxStanzaSize they are
// handled, above it answered with policy-violation while the stream stays
// up, and only beyond the read budget is the stream dropped.
func TestInboundSizeBoundaries(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	r := start(t, srv.Addr(), nil) // MaxStanzaSize unset: the default
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)

	const limit = DefaultMaxStanzaSize
	budget := ReadBudget(limit)
	require.Equal(t, int64(4*256<<10+64<<10), budget)
	steps := []struct {
		name    string
		size    int64
		handled bool // else refused with policy-violation
	}{
		{"limit - 1", limit - 1, true},
		{"limit", limit, true},
		{"limit + 1", limit + 1, false},
		{"4 x limit", 4 * limit, false},
		{"read budget", budget, false},
	}
	decodeErrors := uint64(0)
	for i, s := range steps {
		id := fmt.Sprintf("s%d", i)
		require.NoError(t, conn.Send(sizedMessage(t, id, s.size)), s.name)
		st, err := conn.NextStanza(wait)
		require.NoError(t, err, s.name)
		assert.Equal(t, id, st.Head().ID, s.name)
		e, isErr := stanza.ErrorOf(st)
		if s.handled {
			assert.False(t, isErr, "%s: handled, not refused", s.name)
			assert.Equal(t, "juliet@example.org/b", st.Head().To.String())
		} else {
			decodeErrors++
			require.True(t, isErr, "%s: refused", s.name)
			assert.Equal(t, stanza.PolicyViolation, e.Condition, s.name)
			assert.Less(t, len(stanza.Encode(st)), 1024, "%s: the refusal does not carry the stanza back", s.name)
		}
		roundTrip(t, conn, "after-"+id)
	}
	st := r.c.Stats()
	assert.Equal(t, decodeErrors, st.DecodeErrors)
	assert.Zero(t, st.Reconnects, "no reconnect below the read budget")

	// One byte beyond the budget is not a stanza any server sends: the
	// stream is dropped and re-established.
	require.NoError(t, conn.Send(sizedMessage(t, "over", budget+1)))
	expectChange(t, r.m, false)
	conn2, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)
	roundTrip(t, conn2, "again")
}

// TestOutboundSizeLimit: a stanza the Machine produces that is larger than
// MaxOutboundSize is not written; the sender of what caused it is answered
// with resource-constraint (once, without the payload), and the stream
// stays up.
func TestOutboundSizeLimit(t *testing.T) {
	srv := listen(t, "127.0.0.1:0")
	big := strings.Repeat("y", DefaultMaxOutboundSize)
	r := start(t, srv.Addr(), func(_ *Config, m *testMachine) {
		m.onHandle = func(in stanza.Stanza) []stanza.Stanza {
			h := in.Head()
			reply := func(typ, body string) stanza.Stanza {
				return &stanza.IQ{Header: stanza.Header{From: h.To, To: h.From, ID: h.ID, Type: typ},
					Children: []stanza.Element{raw("urn:x", "query", "<query xmlns='urn:x'>"+body+"</query>")}}
			}
			switch h.ID {
			case "big-result": // the IQ's own response is too large
				return []stanza.Stanza{reply("result", big)}
			case "small-result": // the response fits; a notice does not
				notice := &stanza.Message{Header: stanza.Header{From: h.To, To: stanza.MustParse("bob@example.org/b"), ID: "n"},
					Children: []stanza.Element{raw("", "body", "<body>"+big+"</body>")}}
				return []stanza.Stanza{reply("result", ""), notice}
			}
			// A message fanned out to two recipients, both copies too large.
			var out []stanza.Stanza
			for _, to := range []string{"bob@example.org/b", "carol@example.org/c"} {
				out = append(out, &stanza.Message{Header: stanza.Header{From: h.To, To: stanza.MustParse(to), ID: h.ID},
					Children: []stanza.Element{raw("", "body", "<body>"+big+"</body>")}})
			}
			return out
		}
	})
	conn, err := srv.Accept(wait)
	require.NoError(t, err)
	expectChange(t, r.m, true)

	require.NoError(t, conn.Send("<iq type='get' id='big-result' from='juliet@example.org/b' to='room@rooms.example'><query xmlns='urn:x'/></iq>"))
	st, err := conn.NextStanza(wait)
	require.NoError(t, err)
	e, ok := stanza.ErrorOf(st)
	require.True(t, ok, "got %s", stanza.Encode(st))
	assert.Equal(t, stanza.ResourceConstraint, e.Condition)
	assert.Equal(t, "big-result", st.Head().ID)
	assert.Equal(t, "juliet@example.org/b", st.Head().To.String())
	assert.Contains(t, e.Text, fmt.Sprint(DefaultMaxOutboundSize))

	require.NoError(t, conn.Send("<iq type='set' id='small-result' from='juliet@example.org/b' to='room@rooms.example'><query xmlns='urn:x'/></iq>"))
	st, err = conn.NextStanza(wait)
	require.NoError(t, err)
	assert.Equal(t, stanza.IQResult, st.Head().Type, "the IQ keeps its one response")

	require.NoError(t, conn.Send(message("juliet@example.org/b", "room@"+testDomain, "fan", strings.Repeat("z", 1000))))
	st, err = conn.NextStanza(wait)
	require.NoError(t, err)
	e, ok = stanza.ErrorOf(st)
	require.True(t, ok, "got %s", stanza.Encode(st))
	assert.Equal(t, stanza.ResourceConstraint, e.Condition)
	assert.Equal(t, "fan", st.Head().ID)
	assert.NotContains(t, string(stanza.Encode(st)), "zzz", "the reply does not carry the payload")

	// Exactly one error per message, then the stream goes on.
	r.m.mu.Lock()
	r.m.onHandle = nil
	r.m.mu.Unlock()
	roundTrip(t, conn, "still-up")
	s := r.c.Stats()
	assert.Equal(t, uint64(4), s.Oversize)
	assert.Equal(t, uint64(4), s.Dropped)
	assert.Zero(t, s.Reconnects)
}
