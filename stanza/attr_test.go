package stanza

import (
	"reflect"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestSIDAttrs(t *testing.T) {
	for _, x := range []string{
		`<stanza-id xmlns='urn:xmpp:sid:0' id='a' by='r@muc.example'/>`,
		`<stanza-id xmlns="urn:xmpp:sid:0" id="a" by="r@muc.example"/>`,
		`<stanza-id xmlns='urn:xmpp:sid:0' by='r@muc.example'/>`,
		`<stanza-id xmlns='urn:xmpp:sid:0' id='a&amp;b&apos;c&#xA;d&#x9;&#xD;&lt;&gt;&quot;' by='x'></stanza-id>`,
		`<stanza-id xmlns='urn:xmpp:sid:0' id='&#65;' by='x'/>`,
		`<stanza-id xmlns='urn:xmpp:sid:0' xmlns:p='urn:p' p:id='wrong' id='a' by='x'/>`,
		`<origin-id xmlns='urn:xmpp:sid:0' id=' spaced '/>`,
		`<x:origin-id xmlns:x='urn:xmpp:sid:0' id='a'/>`,
	} {
		e, err := ParseElement([]byte(x))
		require.NoError(t, err, x)
		for _, c := range []Element{e, {Name: e.Name, XML: []byte(x)}} {
			id, by, ok := sidAttrs(c)
			wid, wby, wok := decodeSID(c)
			require.Equal(t, []any{wid, wby, wok}, []any{id, by, ok}, "%s", c.XML)
		}
	}
}

// TestStanzaIDElementAttrs: what the builders write is read by the fast
// path, escapes and all.
func TestStanzaIDElementAttrs(t *testing.T) {
	e := StanzaID{ID: "a'b&c\n", By: MustParse("r@muc.example")}.Element()
	v, found, ok := e.attr("id")
	require.True(t, ok)
	require.True(t, found)
	require.Equal(t, "a'b&c\n", v)
	_, found, ok = e.attr("nope")
	require.True(t, ok)
	require.False(t, found)
}

// FuzzSIDAttrs: on whatever the decoder keeps, and on raw bytes that
// encoding/xml accepts, the fast path agrees with encoding/xml.
func FuzzSIDAttrs(f *testing.F) {
	f.Add([]byte(`<stanza-id xmlns='urn:xmpp:sid:0' id='a' by='r@muc.example'/>`))
	f.Add([]byte(`<stanza-id xmlns="urn:xmpp:sid:0" id="a&amp;b" by='r'/>`))
	f.Add([]byte(`<origin-id xmlns='urn:xmpp:sid:0' p:id='x' xmlns:p='u' id='b'/>`))
	f.Add([]byte(`<fmuc xmlns='http://isode.com/protocol/fmuc' from='a@b.example/r'/>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		cands := []Element{{XML: b}}
		if e, err := ParseElement(b); err == nil {
			cands = append(cands, e)
		}
		for _, c := range cands {
			wid, wby, wok := decodeSID(c)
			if !wok {
				continue
			}
			if id, by, ok := sidAttrs(c); id != wid || by != wby || !ok {
				t.Fatalf("%q: fast path %q %q %v, encoding/xml %q %q", c.XML, id, by, ok, wid, wby)
			}
		}
		for _, c := range cands {
			want, err := decodeFMUC(c)
			if err != nil {
				continue
			}
			if got, ok := readFMUC(c); ok && !reflect.DeepEqual(got, want) {
				t.Fatalf("%q: fast path %+v, encoding/xml %+v", c.XML, got, want)
			}
		}
	})
}

func TestReadFMUC(t *testing.T) {
	for _, x := range []string{
		`<fmuc xmlns='http://isode.com/protocol/fmuc' from='a@b.example/r&apos;'/>`,
		`<fmuc xmlns='http://isode.com/protocol/fmuc'/>`,
		`<fmuc xmlns='http://isode.com/protocol/fmuc' from=''/>`,
	} {
		c, err := ParseElement([]byte(x))
		require.NoError(t, err)
		got, ok := readFMUC(c)
		require.True(t, ok, x)
		want, err := decodeFMUC(c)
		require.NoError(t, err)
		require.Equal(t, want, got, x)
	}
	for _, x := range []string{
		`<fmuc xmlns='http://isode.com/protocol/fmuc'><left/></fmuc>`,
		`<fmuc xmlns='http://isode.com/protocol/fmuc' from='@@'/>`,
	} {
		c, err := ParseElement([]byte(x))
		require.NoError(t, err)
		_, ok := readFMUC(c)
		require.False(t, ok, x)
	}
}
