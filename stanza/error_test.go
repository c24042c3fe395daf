package stanza

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorRoundTripAllConditions(t *testing.T) {
	require.Len(t, Conditions, 22, "RFC 6120 §8.3.3 defines 22 conditions")
	app := EmptyElement("urn:example:app", "too-many-cats")
	for _, c := range Conditions {
		assert.True(t, c.Defined())
		for _, variant := range []string{"bare", "full"} {
			t.Run(string(c)+"/"+variant, func(t *testing.T) {
				e := &Error{Type: c.DefaultType(), Condition: c}
				if variant == "full" {
					e.Type = ErrorCancel
					e.Text = "Text & <more> 'here' — ünïcode"
					e.Lang = "en"
					e.By = MustParse("room@muc.example")
					e.App = &app
					if c == Gone || c == Redirect {
						e.Redirect = "xmpp:room@other.example?join"
					}
				}
				el := e.Element()
				assert.True(t, el.Is("", "error"))
				back, err := ParseError(el)
				require.NoError(t, err)
				assert.Equal(t, e, back)

				// Inside a stanza, through the wire.
				m := &Message{Header: Header{From: MustParse("muc.example"), To: MustParse("a@b/c"), Type: "error", ID: "x"}, Children: []Element{el}}
				s, err := Decode(Encode(m))
				require.NoError(t, err)
				got, ok := ErrorOf(s)
				require.True(t, ok)
				assert.Equal(t, e, got)
			})
		}
	}
}

func TestErrorGolden(t *testing.T) {
	app := EmptyElement("urn:example:app", "no-nick")
	tests := []struct {
		name string
		err  *Error
		want string
	}{
		{
			name: "default type",
			err:  &Error{Condition: ItemNotFound},
			want: `<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`,
		},
		{
			name: "NewError",
			err:  NewError(Conflict, "That nickname is already in use"),
			want: `<error type='cancel'><conflict xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>That nickname is already in use</text></error>`,
		},
		{
			name: "gone with URI, by, text with lang, app condition",
			err: &Error{Type: ErrorCancel, Condition: Gone, By: MustParse("muc.example"), Redirect: "xmpp:room@new.example?join",
				Text: "moved & renamed", Lang: "en", App: &app},
			want: `<error type='cancel' by='muc.example'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:room@new.example?join</gone>` +
				`<text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>moved &amp; renamed</text><no-nick xmlns='urn:example:app'/></error>`,
		},
		{
			name: "redirect",
			err:  &Error{Type: ErrorModify, Condition: Redirect, Redirect: "xmpp:other@example.com"},
			want: `<error type='modify'><redirect xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:other@example.com</redirect></error>`,
		},
		{
			name: "empty condition",
			err:  &Error{Type: ErrorWait},
			want: `<error type='wait'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`,
		},
		{
			name: "condition that is not an XML name",
			err:  &Error{Type: ErrorCancel, Condition: "bad condition/>"},
			want: `<error type='cancel'><undefined-condition xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			el := tt.err.Element()
			assert.Equal(t, tt.want, el.String())
			p, err := ParseElement(el.XML)
			require.NoError(t, err)
			assert.Equal(t, el, p, "Error.Element must be canonical")
		})
	}
}

func TestParseError(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want *Error
	}{
		{
			name: "unknown condition kept",
			in:   `<error type='cancel'><made-up xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`,
			want: &Error{Type: ErrorCancel, Condition: "made-up"},
		},
		{
			name: "no condition",
			in:   `<error type='modify'/>`,
			want: &Error{Type: ErrorModify, Condition: UndefinedCondition},
		},
		{
			name: "app condition only",
			in:   `<error type='modify'><bad-thing xmlns='urn:app'><detail>d</detail></bad-thing></error>`,
			want: &Error{Type: ErrorModify, Condition: UndefinedCondition, App: &Element{Name: xmlName("urn:app", "bad-thing"), XML: []byte(`<bad-thing xmlns='urn:app'><detail>d</detail></bad-thing>`)}},
		},
		{
			name: "first condition wins, text anywhere, first app wins",
			in: `<error type='auth' by='bad@@by'><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='fr'>non</text>` +
				`<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><a xmlns='urn:a'/><not-allowed xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><b xmlns='urn:b'/></error>`,
			want: &Error{Type: ErrorAuth, Condition: Forbidden, Text: "non", Lang: "fr", App: &Element{Name: xmlName("urn:a", "a"), XML: []byte(`<a xmlns='urn:a'/>`)}},
		},
		{
			name: "legacy code attribute ignored, missing type kept empty",
			in:   `<error code='404'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`,
			want: &Error{Condition: ItemNotFound},
		},
		{
			name: "gone without URI",
			in:   `<error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`,
			want: &Error{Type: ErrorCancel, Condition: Gone},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			el, err := ParseElement([]byte(tt.in))
			require.NoError(t, err)
			got, err := ParseError(el)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.want.Condition.Defined(), got.Condition.Defined())
		})
	}
	_, err := ParseError(Element{XML: []byte("<error")})
	assert.Error(t, err)
	assert.False(t, Condition("made-up").Defined())
	assert.False(t, Condition("").Defined())
}

func TestErrorTypeAndText(t *testing.T) {
	assert.Equal(t, ErrorModify, BadRequest.DefaultType())
	assert.Equal(t, ErrorModify, JIDMalformed.DefaultType())
	assert.Equal(t, ErrorAuth, Forbidden.DefaultType())
	assert.Equal(t, ErrorAuth, RegistrationRequired.DefaultType())
	assert.Equal(t, ErrorWait, ResourceConstraint.DefaultType())
	assert.Equal(t, ErrorCancel, ItemNotFound.DefaultType())
	assert.Equal(t, ErrorCancel, ServiceUnavailable.DefaultType())
	assert.Equal(t, ErrorCancel, Condition("made-up").DefaultType())
	for _, c := range Conditions {
		switch c.DefaultType() {
		case ErrorAuth, ErrorCancel, ErrorContinue, ErrorModify, ErrorWait:
		default:
			t.Errorf("%s has no valid default type", c)
		}
	}

	e := NewError(NotAllowed, "")
	assert.Equal(t, "stanza error cancel/not-allowed", e.Error())
	e = &Error{Condition: NotAuthorized, Text: "password"}
	assert.Equal(t, "stanza error auth/not-authorized: password", e.Error())

	err := fmtWrap(e)
	var target *Error
	require.ErrorAs(t, err, &target)
	assert.Equal(t, NotAuthorized, target.Condition)
}

func fmtWrap(e *Error) error { return errors.Join(errors.New("context"), e) }

func TestErrorReply(t *testing.T) {
	in := `<message from='juliet@example.com/balcony' to='room@muc.example' id='m1' type='groupchat' xml:lang='en' extra='1'>` +
		`<body>hi</body><x xmlns='urn:x'><y/></x><error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></message>`
	for _, kind := range []string{"message", "presence", "iq"} {
		t.Run(kind, func(t *testing.T) {
			src := in
			if kind != "message" {
				src = `<` + kind + in[len("<message"):len(in)-len("</message>")] + `</` + kind + `>`
				if kind == "iq" {
					src = replaceOnce(src, "type='groupchat'", "type='get'")
				} else {
					src = replaceOnce(src, " type='groupchat'", "")
				}
			}
			s, err := Decode([]byte(src))
			require.NoError(t, err)
			before := string(Encode(s))
			payloadBefore := append([]Element(nil), s.Payload()...)

			r := ErrorReply(s, NewError(Forbidden, "no"))
			require.NotNil(t, r)
			assert.Equal(t, before, string(Encode(s)), "ErrorReply modified the original")
			assert.Equal(t, payloadBefore, s.Payload())
			assert.Equal(t, s.Kind(), r.Kind())
			h := r.Head()
			assert.Equal(t, "room@muc.example", h.From.String())
			assert.Equal(t, "juliet@example.com/balcony", h.To.String())
			assert.Equal(t, "m1", h.ID)
			assert.Equal(t, "error", h.Type)
			assert.Equal(t, "en", h.Lang)
			assert.Empty(t, h.Attrs)
			want := `<` + kind + ` from='room@muc.example' to='juliet@example.com/balcony' id='m1' type='error' xml:lang='en'>` +
				`<body>hi</body><x xmlns='urn:x'><y/></x>` +
				`<error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>no</text></error></` + kind + `>`
			assert.Equal(t, want, string(Encode(r)))

			// Changing the reply does not reach the original either.
			r.Head().ID = "changed"
			r.Payload()[0] = TextElement("body", "changed")
			assert.Equal(t, before, string(Encode(s)))

			// Errors are not answered with errors.
			assert.Nil(t, ErrorReply(r, NewError(BadRequest, "")))
		})
	}
}

func TestErrorOfAbsent(t *testing.T) {
	_, ok := ErrorOf(&Message{Children: []Element{TextElement("body", "x")}})
	assert.False(t, ok)
	_, ok = ErrorOf(&Message{Children: []Element{{Name: xmlName("", "error"), XML: []byte("<error")}}})
	assert.False(t, ok)
}

func TestErrorReplyNilError(t *testing.T) {
	r := ErrorReply(&IQ{Header: Header{ID: "1", Type: "get", From: MustParse("a@b/c")}}, nil)
	require.NotNil(t, r)
	e, ok := ErrorOf(r)
	require.True(t, ok)
	assert.Equal(t, UndefinedCondition, e.Condition)
}
