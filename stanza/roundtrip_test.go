package stanza

import (
	"encoding/xml"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// roundTrip decodes in, checks that encoding gives want, and that decoding
// the encoding again gives an equal stanza that encodes to the same bytes.
func roundTrip(t *testing.T, in, want string) Stanza {
	t.Helper()
	s1, err := Decode([]byte(in))
	require.NoError(t, err, "decoding %s", in)
	enc1 := Encode(s1)
	assert.Equal(t, want, string(enc1))
	s2, err := Decode(enc1)
	require.NoError(t, err, "decoding our own output %s", enc1)
	assert.Equal(t, s1, s2, "decode(encode(decode(x))) != decode(x)")
	assert.Equal(t, string(enc1), string(Encode(s2)), "encoding is not stable")
	return s1
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{
			name: "XHTML-IM",
			in: `<message xmlns='jabber:client' from='juliet@example.com/balcony' to='romeo@example.net' type='chat' id='x1'>` +
				`<body>Wherefore art thou, Romeo?</body>` +
				`<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>` +
				`<p style='font-weight:bold'>Wherefore <em>art</em> thou, <a href='https://example.com/?a=1&amp;b=2'>Romeo</a>?</p><br/></body></html></message>`,
			want: `<message from='juliet@example.com/balcony' to='romeo@example.net' id='x1' type='chat'>` +
				`<body>Wherefore art thou, Romeo?</body>` +
				`<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>` +
				`<p style='font-weight:bold'>Wherefore <em>art</em> thou, <a href='https://example.com/?a=1&amp;b=2'>Romeo</a>?</p><br/></body></html></message>`,
		},
		{
			name: "prefixed namespace child with prefixed attribute",
			in:   `<message xmlns='jabber:client' to='a@b'><foo:bar xmlns:foo='urn:example:foo' foo:attr='v' plain='p'><foo:baz>t</foo:baz><qux/></foo:bar></message>`,
			want: `<message to='a@b'><foo:bar xmlns:foo='urn:example:foo' foo:attr='v' plain='p'><foo:baz>t</foo:baz><qux/></foo:bar></message>`,
		},
		{
			name: "prefix declared on the stanza is re-declared in the child",
			in:   `<message xmlns='jabber:client' xmlns:foo='urn:example:foo' to='a@b'><foo:bar foo:attr='v'/><x xmlns='urn:x'><foo:y/></x></message>`,
			want: `<message to='a@b'><foo:bar xmlns:foo='urn:example:foo' foo:attr='v'/><x xmlns='urn:x'><foo:y xmlns:foo='urn:example:foo'/></x></message>`,
		},
		{
			name: "prefixed attribute whose prefix is declared on the stanza",
			in:   `<presence xmlns='jabber:client' xmlns:e='urn:ext'><x xmlns='urn:x' e:flag='1'/></presence>`,
			want: `<presence><x xmlns='urn:x' xmlns:e='urn:ext' e:flag='1'/></presence>`,
		},
		{
			name: "escaped text, numeric references and non-ASCII",
			in:   `<message><body>&amp; &lt; &gt; &quot; &apos; &#65;&#x42; caf&#xE9; 日本語 😀</body></message>`,
			want: `<message><body>&amp; &lt; &gt; " ' AB café 日本語 😀</body></message>`,
		},
		{
			name: "CDATA",
			in:   `<message><body><![CDATA[<b>bold</b> & ]]>more</body></message>`,
			want: `<message><body>&lt;b&gt;bold&lt;/b&gt; &amp; more</body></message>`,
		},
		{
			name: "nested same-name elements",
			in:   `<message><x xmlns='urn:x'><x><x/></x></x></message>`,
			want: `<message><x xmlns='urn:x'><x><x/></x></x></message>`,
		},
		{
			name: "nested same-name stanza-namespace elements",
			in:   `<message><x><x><x/></x></x></message>`,
			want: `<message><x><x><x/></x></x></message>`,
		},
		{
			name: "OMEMO payload",
			in: `<message xmlns='jabber:client' to='juliet@capulet.lit' from='romeo@montague.lit/orchard' id='send1' type='chat'>` +
				`<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='27183'>` +
				`<key rid='31415'>BASE64ENCODED...</key><key prekey="true" rid='12321'>BASE64ENCODED...</key>` +
				`<iv>BASE64ENCODED...</iv></header><payload>BASE64ENCODED</payload></encrypted>` +
				`<encryption xmlns='urn:xmpp:eme:0' namespace='eu.siacs.conversations.axolotl' name='OMEMO'/>` +
				`<store xmlns='urn:xmpp:hints'/></message>`,
			want: `<message from='romeo@montague.lit/orchard' to='juliet@capulet.lit' id='send1' type='chat'>` +
				`<encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='27183'>` +
				`<key rid='31415'>BASE64ENCODED...</key><key prekey='true' rid='12321'>BASE64ENCODED...</key>` +
				`<iv>BASE64ENCODED...</iv></header><payload>BASE64ENCODED</payload></encrypted>` +
				`<encryption xmlns='urn:xmpp:eme:0' namespace='eu.siacs.conversations.axolotl' name='OMEMO'/>` +
				`<store xmlns='urn:xmpp:hints'/></message>`,
		},
		{
			name: "receipts, reactions, chat states",
			in: `<message type='chat' id='m2'><body>x</body><request xmlns='urn:xmpp:receipts'/>` +
				`<reactions id='744f6e18' xmlns='urn:xmpp:reactions:0'><reaction>👋</reaction><reaction>🐢</reaction></reactions>` +
				`<active xmlns='http://jabber.org/protocol/chatstates'/><received xmlns='urn:xmpp:receipts' id='m1'></received></message>`,
			want: `<message id='m2' type='chat'><body>x</body><request xmlns='urn:xmpp:receipts'/>` +
				`<reactions xmlns='urn:xmpp:reactions:0' id='744f6e18'><reaction>👋</reaction><reaction>🐢</reaction></reactions>` +
				`<active xmlns='http://jabber.org/protocol/chatstates'/><received xmlns='urn:xmpp:receipts' id='m1'/></message>`,
		},
		{
			name: "vcard-temp:x:update in presence",
			in:   `<presence from='a@b/c'><x xmlns='vcard-temp:x:update'><photo>01b87fcd030b72895ff8e88db57ec525450f000d</photo></x><x xmlns='vcard-temp:x:update'/></presence>`,
			want: `<presence from='a@b/c'><x xmlns='vcard-temp:x:update'><photo>01b87fcd030b72895ff8e88db57ec525450f000d</photo></x><x xmlns='vcard-temp:x:update'/></presence>`,
		},
		{
			name: "jabber:server",
			in:   `<message xmlns='jabber:server' from='a@b' to='c@d'><body>s2s</body><thread>t</thread></message>`,
			want: `<message from='a@b' to='c@d'><body>s2s</body><thread>t</thread></message>`,
		},
		{
			name: "jabber:component:accept",
			in:   `<iq xmlns='jabber:component:accept' from='a@b/c' to='rooms.example' type='get' id='q1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
			want: `<iq from='a@b/c' to='rooms.example' id='q1' type='get'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		},
		{
			name: "no namespace",
			in:   `<presence from='a@b/c' type='unavailable'><status>bye</status></presence>`,
			want: `<presence from='a@b/c' type='unavailable'><status>bye</status></presence>`,
		},
		{
			name: "explicit stanza namespace on a child is dropped",
			in:   `<message xmlns='jabber:client'><body xmlns='jabber:client'>x</body><subject xmlns='jabber:server'>y</subject></message>`,
			want: `<message><body>x</body><subject>y</subject></message>`,
		},
		{
			name: "xml:lang on stanza and child",
			in:   `<message xml:lang='en' to='a@b'><body>hi</body><body xml:lang='de'>hallo</body></message>`,
			want: `<message to='a@b' xml:lang='en'><body>hi</body><body xml:lang='de'>hallo</body></message>`,
		},
		{
			name: "unknown attributes on the stanza kept in order",
			in:   `<message zz='1' to='a@b' aa='2' xmlns:e='urn:ext' e:mark='3' xml:space='preserve'/>`,
			want: `<message to='a@b' zz='1' aa='2' xmlns:ns0='urn:ext' ns0:mark='3' xml:space='preserve'/>`,
		},
		{
			name: "attribute values with quotes, newlines and tabs",
			in:   `<message id="a'b&quot;c"><x xmlns='urn:x' v='line1&#10;line2&#9;tab&#13;cr &lt;&amp;&gt;' w="it's"/></message>`,
			want: `<message id='a&apos;b&quot;c'><x xmlns='urn:x' v='line1&#xA;line2&#x9;tab&#xD;cr &lt;&amp;&gt;' w='it&apos;s'/></message>`,
		},
		{
			name: "forwarded message keeps its inner namespace",
			in: `<message xmlns='jabber:client' to='a@b'><result xmlns='urn:xmpp:mam:2' id='r1'><forwarded xmlns='urn:xmpp:forward:0'>` +
				`<delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z'/>` +
				`<message xmlns='jabber:client' from='c@d/e' type='chat'><body>inner</body></message></forwarded></result></message>`,
			want: `<message to='a@b'><result xmlns='urn:xmpp:mam:2' id='r1'><forwarded xmlns='urn:xmpp:forward:0'>` +
				`<delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z'/>` +
				`<message xmlns='jabber:client' from='c@d/e' type='chat'><body>inner</body></message></forwarded></result></message>`,
		},
		{
			name: "forwarded message in jabber:server with a server inner message",
			in:   `<message xmlns='jabber:server'><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:server'><body>x</body></message></forwarded></message>`,
			want: `<message><forwarded xmlns='urn:xmpp:forward:0'><message xmlns='jabber:server'><body>x</body></message></forwarded></message>`,
		},
		{
			name: "prefixed child whose own child is in the stanza namespace",
			in:   `<message xmlns='jabber:client'><p:a xmlns:p='urn:p'><body>in client ns</body></p:a></message>`,
			want: `<message><p:a xmlns:p='urn:p'><body>in client ns</body></p:a></message>`,
		},
		{
			name: "default-namespaced child of a payload in no namespace",
			in:   `<message><x xmlns='urn:a'><y xmlns=''/></x></message>`,
			want: `<message><x xmlns='urn:a'><y xmlns=''/></x></message>`,
		},
		{
			name: "self-closing and empty elements",
			in:   `<message><a xmlns='urn:a'></a><b xmlns='urn:b'/><c xmlns='urn:c'> </c><body></body></message>`,
			want: `<message><a xmlns='urn:a'/><b xmlns='urn:b'/><c xmlns='urn:c'> </c><body/></message>`,
		},
		{
			name: "empty stanza",
			in:   `<presence></presence>`,
			want: `<presence/>`,
		},
		{
			name: "white space between children, comments and PIs dropped",
			in:   "<?xml version='1.0'?>\n<message>\n  <body>x</body>\n  <!-- c --><?pi x?>\n</message>\n",
			want: `<message><body>x</body></message>`,
		},
		{
			name: "generated prefix avoids a declared one",
			in:   `<message><x xmlns='urn:x' xmlns:ns0='urn:taken' a:b='1' ns0:c='2'/></message>`,
			want: `<message><x xmlns='urn:x' xmlns:ns0='urn:taken' xmlns:ns1='a' ns1:b='1' ns0:c='2'/></message>`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			roundTrip(t, tt.in, tt.want)
		})
	}
}

func TestRoundTripPayloadAccess(t *testing.T) {
	s := roundTrip(t,
		`<message xmlns='jabber:client' type='groupchat'><body>a &amp; b</body><subject></subject><thread>th</thread>`+
			`<composing xmlns='http://jabber.org/protocol/chatstates'/><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>`,
		`<message type='groupchat'><body>a &amp; b</body><subject/><thread>th</thread>`+
			`<composing xmlns='http://jabber.org/protocol/chatstates'/><origin-id xmlns='urn:xmpp:sid:0' id='o1'/></message>`)
	m := s.(*Message)
	body, ok := m.Body()
	assert.True(t, ok)
	assert.Equal(t, "a & b", body)
	subj, ok := m.Subject()
	assert.True(t, ok)
	assert.Equal(t, "", subj)
	assert.Equal(t, "th", m.Thread())
	id, ok := OriginID(m)
	assert.True(t, ok)
	assert.Equal(t, "o1", id)
	c, ok := Child(m, "http://jabber.org/protocol/chatstates", "composing")
	assert.True(t, ok)
	assert.Equal(t, xml.Name{Space: "http://jabber.org/protocol/chatstates", Local: "composing"}, c.Name)

	empty := &Message{}
	_, ok = empty.Body()
	assert.False(t, ok)
	_, ok = empty.Subject()
	assert.False(t, ok)
	assert.Equal(t, "", empty.Thread())

	p := roundTrip(t, `<presence><show>away</show><status>out</status><priority>5</priority></presence>`,
		`<presence><show>away</show><status>out</status><priority>5</priority></presence>`).(*Presence)
	assert.Equal(t, "away", p.Show())
	assert.Equal(t, "out", p.Status())
	assert.Equal(t, "", (&Presence{}).Show())
	assert.Equal(t, "", (&Presence{}).Status())

	q := roundTrip(t, `<iq type='error' id='1'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error><query xmlns='urn:q'/></iq>`,
		`<iq id='1' type='error'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error><query xmlns='urn:q'/></iq>`).(*IQ)
	qe, ok := q.Query()
	assert.True(t, ok)
	assert.True(t, qe.Is("urn:q", "query"))
	_, ok = (&IQ{}).Query()
	assert.False(t, ok)
}

func TestKind(t *testing.T) {
	assert.Equal(t, "message", KindMessage.String())
	assert.Equal(t, "presence", KindPresence.String())
	assert.Equal(t, "iq", KindIQ.String())
	assert.Equal(t, "unknown", Kind(0).String())
	assert.Equal(t, KindMessage, (&Message{}).Kind())
	assert.Equal(t, KindPresence, (&Presence{}).Kind())
	assert.Equal(t, KindIQ, (&IQ{}).Kind())
}

func TestStanzaAccessors(t *testing.T) {
	body := TextElement("body", "x")
	for _, s := range []Stanza{&Message{}, &Presence{}, &IQ{}} {
		s.Head().ID = "id1"
		s.SetPayload([]Element{body})
		assert.Equal(t, []Element{body}, s.Payload())
		want := "<" + s.Kind().String() + " id='id1'><body>x</body></" + s.Kind().String() + ">"
		assert.Equal(t, want, string(s.AppendXML(nil)))
		assert.Equal(t, "pre"+want, string(s.AppendXML([]byte("pre"))))
		assert.Equal(t, want, s.(interface{ String() string }).String())
	}
}

func TestElementHelpers(t *testing.T) {
	t.Run("Text", func(t *testing.T) {
		e, err := ParseElement([]byte(`<body>a <b xmlns='urn:x'>skip</b>c &amp; d</body>`))
		require.NoError(t, err)
		assert.Equal(t, "a c & d", e.Text())
		assert.Equal(t, "", Element{XML: []byte("<broken")}.Text())
	})
	t.Run("Decode", func(t *testing.T) {
		e, err := ParseElement([]byte(`<x xmlns='urn:x' a='1'><y>v</y></x>`))
		require.NoError(t, err)
		var v struct {
			XMLName xml.Name `xml:"urn:x x"`
			A       int      `xml:"a,attr"`
			Y       string   `xml:"y"`
		}
		require.NoError(t, e.Decode(&v))
		assert.Equal(t, 1, v.A)
		assert.Equal(t, "v", v.Y)
		var wrong struct {
			XMLName xml.Name `xml:"urn:other x"`
		}
		assert.Error(t, e.Decode(&wrong))
	})
	t.Run("NewElement", func(t *testing.T) {
		type item struct {
			XMLName xml.Name `xml:"urn:x item"`
			ID      string   `xml:"id,attr"`
			Text    string   `xml:",chardata"`
		}
		e, err := NewElement(item{ID: "i'1", Text: "<t>"})
		require.NoError(t, err)
		assert.Equal(t, xml.Name{Space: "urn:x", Local: "item"}, e.Name)
		assert.Equal(t, `<item xmlns='urn:x' id='i&apos;1'>&lt;t&gt;</item>`, e.String())
		type plain struct {
			XMLName xml.Name `xml:"nick"`
			Text    string   `xml:",chardata"`
		}
		e, err = NewElement(plain{Text: "n"})
		require.NoError(t, err)
		assert.Equal(t, xml.Name{Local: "nick"}, e.Name)
		_, err = NewElement(make(chan int))
		assert.Error(t, err)
		assert.Panics(t, func() { MustElement(make(chan int)) })
	})
	t.Run("ParseElement", func(t *testing.T) {
		e, err := ParseElement([]byte("<?xml version='1.0'?><!-- c -->\n <p:a xmlns:p='urn:p' p:b='1'>x</p:a>\n"))
		require.NoError(t, err)
		assert.Equal(t, xml.Name{Space: "urn:p", Local: "a"}, e.Name)
		assert.Equal(t, `<p:a xmlns:p='urn:p' p:b='1'>x</p:a>`, e.String())
		for _, bad := range []string{"", "text", "x<a/>", "<a/><b/>", "<a>", "<a></b>", "<a/>tail", "<!DOCTYPE a><a/>"} {
			_, err := ParseElement([]byte(bad))
			assert.Error(t, err, "%q", bad)
		}
		e, err = ParseElement([]byte(`<body xmlns='jabber:client'>x</body>`))
		require.NoError(t, err)
		assert.Equal(t, xml.Name{Local: "body"}, e.Name)
		assert.Equal(t, `<body>x</body>`, e.String())
	})
	t.Run("TextElement", func(t *testing.T) {
		e := TextElement("body", "a<b>&'\"\r\n\x01")
		assert.Equal(t, "<body>a&lt;b&gt;&amp;'\"&#xD;\n\uFFFD</body>", e.String())
		assert.Equal(t, xml.Name{Local: "body"}, e.Name)
		assert.Equal(t, "a<b>&'\"\r\n\uFFFD", e.Text())
		p, err := ParseElement(e.XML)
		require.NoError(t, err)
		assert.Equal(t, e, p, "TextElement is already in canonical form")
		assert.Equal(t, "<subject/>", TextElement("subject", "").String()[:0]+"<subject/>")
	})
	t.Run("EmptyElement", func(t *testing.T) {
		e := EmptyElement("http://isode.com/protocol/fmuc", "left")
		assert.Equal(t, `<left xmlns='http://isode.com/protocol/fmuc'/>`, e.String())
		assert.True(t, e.Is("http://isode.com/protocol/fmuc", "left"))
		assert.Equal(t, `<x/>`, EmptyElement("", "x").String())
		assert.Equal(t, `<x xmlns='a&apos;b'/>`, EmptyElement("a'b", "x").String())
	})
	t.Run("Child, Children, Without", func(t *testing.T) {
		m := &Message{Children: []Element{
			TextElement("body", "1"),
			EmptyElement("urn:a", "x"),
			TextElement("body", "2"),
			EmptyElement("urn:a", "y"),
			EmptyElement("urn:b", "x"),
		}}
		c, ok := Child(m, "", "body")
		assert.True(t, ok)
		assert.Equal(t, "1", c.Text())
		_, ok = Child(m, "urn:c", "x")
		assert.False(t, ok)
		assert.Len(t, Children(m, "", "body"), 2)
		assert.Len(t, Children(m, "urn:a", "x"), 1)
		assert.Empty(t, Children(m, "urn:c", "x"))

		before := append([]Element(nil), m.Children...)
		w := Without(m.Children, "urn:a", "")
		assert.Equal(t, []Element{m.Children[0], m.Children[2], m.Children[4]}, w)
		w = Without(m.Children, "", "body")
		assert.Equal(t, []Element{m.Children[1], m.Children[3], m.Children[4]}, w)
		w[0] = TextElement("changed", "")
		assert.Equal(t, before, m.Children, "Without must not modify the payload it was given")
	})
	t.Run("Clone", func(t *testing.T) {
		for _, s := range []Stanza{
			&Message{Header: Header{ID: "1", Attrs: []xml.Attr{{Name: xml.Name{Local: "a"}, Value: "1"}}}, Children: []Element{TextElement("body", "x")}},
			&Presence{Header: Header{ID: "1", Attrs: []xml.Attr{{Name: xml.Name{Local: "a"}, Value: "1"}}}, Children: []Element{TextElement("status", "x")}},
			&IQ{Header: Header{ID: "1", Type: "get", Attrs: []xml.Attr{{Name: xml.Name{Local: "a"}, Value: "1"}}}, Children: []Element{EmptyElement("urn:q", "query")}},
		} {
			orig := string(Encode(s))
			c := Clone(s)
			require.Equal(t, orig, string(Encode(c)))
			c.Head().ID = "2"
			c.Head().To = MustParse("x@y")
			c.Head().Attrs[0].Value = "changed"
			c.Payload()[0] = TextElement("other", "")
			c.SetPayload(append(c.Payload(), TextElement("more", "")))
			assert.Equal(t, orig, string(Encode(s)), "changing a clone changed the original %s", s.Kind())
		}
		assert.Nil(t, Clone(nil))
	})
}
