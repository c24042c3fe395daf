package stanza

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// nested returns n levels of <x> elements.
func nested(n int) string {
	return strings.Repeat("<x>", n) + strings.Repeat("</x>", n)
}

// readStream decodes every top-level element of a stream body with
// DecodeElement, the way a transport does, and returns the results in
// order: a Stanza or an error for each element.
func readStream(t *testing.T, stream string, lim Limits) []any {
	t.Helper()
	d := xml.NewDecoder(strings.NewReader(stream))
	// The stream header.
	for {
		tok, err := d.Token()
		require.NoError(t, err)
		if se, ok := tok.(xml.StartElement); ok {
			require.Equal(t, "stream", se.Name.Local)
			break
		}
	}
	var out []any
	for {
		tok, err := d.Token()
		require.NoError(t, err, "the stream must stay readable")
		switch tt := tok.(type) {
		case xml.StartElement:
			s, err := DecodeElement(d, tt, lim)
			if err != nil {
				out = append(out, err)
				var de *DecodeError
				if !errors.As(err, &de) || !de.Aligned {
					return out
				}
				continue
			}
			out = append(out, s)
		case xml.EndElement:
			return out
		}
	}
}

const streamHead = `<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' from='rooms.example'>`

func TestDecodeElementStreamLimits(t *testing.T) {
	first := `<message from='a@b/c' to='room@rooms.example' id='m1' type='groupchat'><body>one</body></message>`
	last := `<presence from='a@b/c' to='room@rooms.example/nick' id='p3'><x xmlns='http://jabber.org/protocol/muc'/></presence>`
	tests := []struct {
		name   string
		middle string
		lim    Limits
		cause  error
		cond   Condition
		kind   Kind
	}{
		{
			name:   "oversize body",
			middle: `<message from='a@b/c' to='room@rooms.example' id='m2' type='groupchat'><body>` + strings.Repeat("x", 3000) + `</body><more xmlns='urn:x'><deeper/></more></message>`,
			lim:    Limits{MaxSize: 1000},
			cause:  ErrTooLarge, cond: PolicyViolation, kind: KindMessage,
		},
		{
			name:   "oversize in a nested element",
			middle: `<message from='a@b/c' to='room@rooms.example' id='m2'><x xmlns='urn:x'><y><z>` + strings.Repeat("y", 3000) + `</z><w/></y><v/></x><body>b</body></message>`,
			lim:    Limits{MaxSize: 1000},
			cause:  ErrTooLarge, cond: PolicyViolation, kind: KindMessage,
		},
		{
			name:   "oversize by many children",
			middle: `<iq from='a@b/c' to='room@rooms.example' id='q2' type='set'>` + strings.Repeat(`<item xmlns='urn:x' a='b'/>`, 200) + `</iq>`,
			lim:    Limits{MaxSize: 1000},
			cause:  ErrTooLarge, cond: PolicyViolation, kind: KindIQ,
		},
		{
			name:   "too deep",
			middle: `<message from='a@b/c' to='room@rooms.example' id='m2'><body>b</body><y xmlns='urn:y'>` + nested(10) + `</y><after/></message>`,
			lim:    Limits{MaxDepth: 5},
			cause:  ErrTooDeep, cond: BadRequest, kind: KindMessage,
		},
		{
			name:   "duplicate attribute in a child",
			middle: `<message from='a@b/c' to='room@rooms.example' id='m2'><x xmlns='urn:x'><y a='1' a='2'><z/></y></x><body>b</body></message>`,
			cause:  ErrInvalid, cond: BadRequest, kind: KindMessage,
		},
		{
			name:   "undeclared prefix declaration on the stanza",
			middle: `<iq from='a@b/c' to='room@rooms.example' id='m2' type='get' xmlns:p=''><query xmlns='urn:q'/></iq>`,
			cause:  ErrInvalid, cond: BadRequest, kind: KindIQ,
		},
		{
			name:   "too deep with default limits",
			middle: `<presence from='a@b/c' to='room@rooms.example' id='m2'>` + nested(40) + `</presence>`,
			cause:  ErrTooDeep, cond: BadRequest, kind: KindPresence,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := readStream(t, streamHead+first+tt.middle+last+`</stream:stream>`, tt.lim)
			require.Len(t, out, 3)
			m, ok := out[0].(*Message)
			require.True(t, ok, "first: %v", out[0])
			assert.Equal(t, "m1", m.ID)

			err, ok := out[1].(error)
			require.True(t, ok, "middle must fail: %v", out[1])
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.ErrorIs(t, err, tt.cause)
			assert.True(t, de.Aligned)
			assert.Equal(t, tt.cond, de.Condition)
			assert.Equal(t, tt.kind, de.Kind)
			assert.Equal(t, "a@b/c", de.From)
			assert.Contains(t, de.Error(), tt.kind.String())

			reply, ok := de.Reply()
			require.True(t, ok)
			assert.Equal(t, tt.kind, reply.Kind())
			assert.Equal(t, "a@b/c", reply.Head().To.String())
			assert.Equal(t, "room@rooms.example", reply.Head().From.Bare().String())
			assert.Equal(t, de.ID, reply.Head().ID)
			assert.Equal(t, "error", reply.Head().Type)
			se, ok := ErrorOf(reply)
			require.True(t, ok)
			assert.Equal(t, tt.cond, se.Condition)

			p, ok := out[2].(*Presence)
			require.True(t, ok, "the stanza after the bad one must decode: %v", out[2])
			assert.Equal(t, "p3", p.ID)
			assert.Equal(t, last, string(Encode(p)))
		})
	}
}

func TestDecodeElementSyntaxErrorIsNotAligned(t *testing.T) {
	out := readStreamLoose(streamHead + `<message><body>x</bdy></message><presence/>`)
	require.Len(t, out, 1)
	var de *DecodeError
	require.ErrorAs(t, out[0].(error), &de)
	assert.False(t, de.Aligned)
	var se *xml.SyntaxError
	assert.ErrorAs(t, de, &se)
}

// readStreamLoose is readStream without test assertions on the stream.
func readStreamLoose(stream string) []any {
	d := xml.NewDecoder(strings.NewReader(stream))
	if _, err := d.Token(); err != nil {
		return []any{err}
	}
	var out []any
	for {
		tok, err := d.Token()
		if err != nil {
			return out
		}
		if se, ok := tok.(xml.StartElement); ok {
			s, err := DecodeElement(d, se, Limits{})
			if err != nil {
				return append(out, err)
			}
			out = append(out, s)
		}
	}
}

func TestDefaultLimits(t *testing.T) {
	assert.Equal(t, int64(256<<10), DefaultLimits.MaxSize)
	assert.Equal(t, 32, DefaultLimits.MaxDepth)
	assert.Equal(t, DefaultLimits, Limits{}.withDefaults())
	assert.Equal(t, Limits{MaxSize: 5, MaxDepth: 6}, Limits{MaxSize: 5, MaxDepth: 6}.withDefaults())
	assert.Equal(t, DefaultLimits, Limits{MaxSize: -1, MaxDepth: -1}.withDefaults())

	// Depth: the stanza is depth 1, so 31 nested levels fit in 32.
	_, err := Decode([]byte(`<message>` + nested(31) + `</message>`))
	assert.NoError(t, err)
	_, err = Decode([]byte(`<message>` + nested(32) + `</message>`))
	assert.ErrorIs(t, err, ErrTooDeep)
	_, err = DecodeLimits([]byte(`<message>`+nested(3)+`</message>`), Limits{MaxDepth: 4})
	assert.NoError(t, err)
	_, err = DecodeLimits([]byte(`<message>`+nested(4)+`</message>`), Limits{MaxDepth: 4})
	assert.ErrorIs(t, err, ErrTooDeep)

	// Size: exactly MaxSize bytes is accepted, one more is not.
	body := func(total int) []byte {
		s := `<message><body>` + strings.Repeat("a", total-len(`<message><body></body></message>`)) + `</body></message>`
		require.Len(t, s, total)
		return []byte(s)
	}
	_, err = Decode(body(int(DefaultLimits.MaxSize)))
	assert.NoError(t, err)
	_, err = Decode(body(int(DefaultLimits.MaxSize) + 1))
	assert.ErrorIs(t, err, ErrTooLarge)
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	assert.Equal(t, PolicyViolation, de.Condition)
	_, err = DecodeLimits(body(100), Limits{MaxSize: 100})
	assert.NoError(t, err)
	_, err = DecodeLimits(body(101), Limits{MaxSize: 100})
	assert.ErrorIs(t, err, ErrTooLarge)
}

func TestDecodeMalformed(t *testing.T) {
	for _, in := range []string{
		``,
		` `,
		`<`,
		`<message`,
		`<message>`,
		`<message><body>x</body>`,
		`<message><body>x</message>`,
		`<message></presence>`,
		`<message><a></b></message>`,
		`garbage`,
		`garbage<message/>`,
		`<message/>garbage`,
		`<message/><presence/>`,
		`<message/></message>`,
		`<message/><!DOCTYPE x>`,
		`<!DOCTYPE message><message/>`,
		`<message a='1' a='2'/>`,
		`<message a=1/>`,
		`<message><body>&unknown;</body></message>`,
		`<message><body>&#0;</body></message>`,
		"<message><body>\x00</body></message>",
		"<message><body>\xff</body></message>",
		`<message><![CDATA[x</message>`,
		`<message><!-- unterminated </message>`,
		`<message><x xmlns='urn:x'><y></x></y></message>`,
		`</message>`,
		`<message xmlns:='x'/>`,
		`<:message/>`,
		`<message id='1'>` + strings.Repeat("<x>", 100),
		`<message><x xmlns:p='' /></message>`,
		`<message><a: /></message>`,
		`<message><x b:='1'/></message>`,
		`<message b:='1'/>`,
		`<message><xmlns:a/></message>`,
		`<message><xml:a/></message>`,
		`<message><x xmlns:xmlns='urn:x'/></message>`,
		`<message><x xmlns:xml='urn:x'/></message>`,
		`<message><x xmlns:p='http://www.w3.org/XML/1998/namespace'/></message>`,
		`<message><x xmlns='http://www.w3.org/XML/1998/namespace'/></message>`,
		`<message><x xmlns='http://www.w3.org/2000/xmlns/'/></message>`,
		`<message><p:x xmlns:p='urn:u' xmlns:q='urn:u' p:a='1' q:a='2'/></message>`,
		`<message><x a='1' a='1'/></message>`,
	} {
		t.Run(in, func(t *testing.T) {
			var s Stanza
			var err error
			require.NotPanics(t, func() { s, err = Decode([]byte(in)) })
			require.Error(t, err, "decoded %q as %v", in, s)
			assert.Nil(t, s)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.NotEmpty(t, de.Error())
			assert.NotNil(t, de.Unwrap())
			if r, ok := de.Reply(); ok {
				assert.Equal(t, "error", r.Head().Type)
			}
		})
	}
}

func TestDecodeTrailingAndLeading(t *testing.T) {
	for _, in := range []string{
		"<?xml version='1.0' encoding='UTF-8'?>\n<message/>",
		"\n\t <message/> \n",
		"<!-- before --><message/><!-- after --><?pi after?>",
	} {
		s, err := Decode([]byte(in))
		require.NoError(t, err, "%q", in)
		assert.Equal(t, "<message/>", string(Encode(s)))
	}
}

func TestDecodeInvalidStanzas(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		cond      Condition
		kind      Kind
		cause     error
		reply     bool
		replyTo   string
		replyFrom string
	}{
		{name: "bad from", in: `<message from='a@b/' to='room@muc.example' id='1'><body>x</body></message>`, cond: JIDMalformed, kind: KindMessage, cause: ErrJID},
		{name: "bad to", in: `<message from='a@b/c' to='@muc.example' id='1'><body>x</body></message>`, cond: JIDMalformed, kind: KindMessage, cause: ErrJID, reply: true, replyTo: "a@b/c"},
		{name: "bad to in presence", in: `<presence from='a@b/c' to='room@muc.example/' id='p'/>`, cond: JIDMalformed, kind: KindPresence, cause: ErrJID, reply: true, replyTo: "a@b/c"},
		{name: "bad to in iq", in: `<iq from='a@b/c' to='x y@muc.example' id='q' type='get'/>`, cond: JIDMalformed, kind: KindIQ, cause: ErrJID, reply: true, replyTo: "a@b/c"},
		{name: "bad local in to, bad from in error", in: `<message from='a@b/' to='x@y' type='error'/>`, cond: JIDMalformed, kind: KindMessage, cause: ErrJID},
		{name: "bad to of an error is not answered", in: `<message from='a@b/c' to='@y' type='error'/>`, cond: JIDMalformed, kind: KindMessage, cause: ErrJID},
		{name: "iq without id", in: `<iq from='a@b/c' to='muc.example' type='get'><query xmlns='urn:q'/></iq>`, cond: BadRequest, kind: KindIQ, cause: ErrInvalid},
		{name: "iq without type", in: `<iq from='a@b/c' to='muc.example' id='q1'><query xmlns='urn:q'/></iq>`, cond: BadRequest, kind: KindIQ, cause: ErrInvalid, reply: true, replyTo: "a@b/c", replyFrom: "muc.example"},
		{name: "iq with bad type", in: `<iq from='a@b/c' to='muc.example' id='q1' type='fetch'/>`, cond: BadRequest, kind: KindIQ, cause: ErrInvalid, reply: true, replyTo: "a@b/c", replyFrom: "muc.example"},
		{name: "iq type error without id", in: `<iq from='a@b/c' type='error'/>`, cond: BadRequest, kind: KindIQ, cause: ErrInvalid},
		{name: "not a stanza", in: `<features xmlns='http://etherx.jabber.org/streams'/>`, cond: FeatureNotImplemented, cause: ErrNotStanza},
		{name: "stanza name in another namespace", in: `<message xmlns='urn:not:client' from='a@b/c' id='1'/>`, cond: FeatureNotImplemented, cause: ErrNotStanza},
		{name: "unknown element", in: `<foo from='a@b/c' id='1'><bar/></foo>`, cond: FeatureNotImplemented, cause: ErrNotStanza},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode([]byte(tt.in))
			require.Error(t, err)
			var de *DecodeError
			require.ErrorAs(t, err, &de)
			assert.ErrorIs(t, err, tt.cause)
			assert.True(t, de.Aligned)
			assert.Equal(t, tt.cond, de.Condition)
			assert.Equal(t, tt.kind, de.Kind)
			r, ok := de.Reply()
			require.Equal(t, tt.reply, ok, "Reply() ok")
			if !ok {
				assert.Nil(t, r)
				return
			}
			assert.Equal(t, tt.kind, r.Kind())
			assert.Equal(t, tt.replyTo, r.Head().To.String())
			assert.Equal(t, tt.replyFrom, r.Head().From.String())
			assert.Equal(t, de.ID, r.Head().ID)
			assert.Equal(t, "error", r.Head().Type)
			se, ok := ErrorOf(r)
			require.True(t, ok)
			assert.Equal(t, tt.cond, se.Condition)
			assert.Equal(t, tt.cond.DefaultType(), se.Type)
			// The reply itself is a valid stanza.
			back, err := Decode(Encode(r))
			require.NoError(t, err)
			assert.Equal(t, Encode(r), Encode(back))
		})
	}
}

func TestDecodeErrorReplyNeverAnswersErrors(t *testing.T) {
	for _, k := range []Kind{KindMessage, KindPresence, KindIQ} {
		de := &DecodeError{Kind: k, ID: "1", From: "a@b/c", To: "d@e", Type: "error", Condition: BadRequest, Err: ErrInvalid, Aligned: true}
		r, ok := de.Reply()
		assert.False(t, ok, "%s", k)
		assert.Nil(t, r)
		de.Type = ""
		r, ok = de.Reply()
		assert.True(t, ok, "%s", k)
		assert.Equal(t, k, r.Kind())
	}
	// Unknown kind and unusable sender.
	for _, de := range []*DecodeError{
		{ID: "1", From: "a@b/c", Err: ErrNotStanza},
		{Kind: KindMessage, ID: "1", From: "", Err: ErrInvalid},
		{Kind: KindMessage, ID: "1", From: "@@", Err: ErrInvalid},
	} {
		_, ok := de.Reply()
		assert.False(t, ok)
	}
}

func TestDecodeErrorUnwrap(t *testing.T) {
	_, err := Decode([]byte(`<message><body>x</body>`))
	var de *DecodeError
	require.ErrorAs(t, err, &de)
	var se *xml.SyntaxError
	assert.ErrorAs(t, err, &se)
	assert.False(t, de.Aligned)
	_, err = Decode(nil)
	assert.ErrorIs(t, err, io.ErrUnexpectedEOF)
}

func TestDecodeKeepsOrderAndBytes(t *testing.T) {
	in := `<message from='a@b/c'><z xmlns='urn:z'/><body>1</body><a xmlns='urn:a'/><body>2</body></message>`
	s, err := Decode([]byte(in))
	require.NoError(t, err)
	var names []string
	for _, c := range s.Payload() {
		names = append(names, c.Name.Local)
	}
	assert.Equal(t, []string{"z", "body", "a", "body"}, names)
	assert.True(t, bytes.Equal([]byte(in), Encode(s)))
}

// TestDecodeElementEveryMaxSize moves MaxSize across every byte of a
// stanza, so that the limit trips on every kind of token at every depth,
// and checks that the stream stays aligned each time.
func TestDecodeElementEveryMaxSize(t *testing.T) {
	middle := `<message from='a@b/c' to='room@rooms.example' id='m2' type='groupchat'><body>hello</body>` +
		`<x xmlns='urn:x' a='1'><y><z>text</z><w/>tail</y><p:q xmlns:p='urn:p'/></x><active xmlns='http://jabber.org/protocol/chatstates'/></message>`
	last := `<presence from='a@b/c' id='p3'/>`
	var tooLarge, ok int
	for size := 2 * len(last); size <= len(middle)+10; size++ {
		out := readStream(t, streamHead+middle+last+`</stream:stream>`, Limits{MaxSize: int64(size)})
		require.Len(t, out, 2, "MaxSize %d", size)
		switch v := out[0].(type) {
		case error:
			require.ErrorIs(t, v, ErrTooLarge, "MaxSize %d", size)
			var de *DecodeError
			require.ErrorAs(t, v, &de)
			require.True(t, de.Aligned)
			tooLarge++
		case *Message:
			ok++
		}
		p, isPresence := out[1].(*Presence)
		require.True(t, isPresence, "MaxSize %d: the next stanza must decode, got %v", size, out[1])
		require.Equal(t, "p3", p.ID)
	}
	assert.Greater(t, tooLarge, 100)
	assert.Greater(t, ok, 0)
}
