package stanza

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseJID(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	// longDomain builds a domainpart of exactly n octets from 63-octet labels.
	longDomain := func(n int) string {
		var b strings.Builder
		for n-b.Len() > 64 {
			b.WriteString(long(63) + ".")
		}
		if rest := n - b.Len(); rest == 64 {
			b.WriteString(long(31) + "." + long(32))
		} else {
			b.WriteString(long(rest))
		}
		return b.String()
	}
	tests := []struct {
		name string
		in   string
		// want is the canonical form; "" means Parse must fail.
		want                    string
		local, domain, resource string
	}{
		// Valid addresses.
		{name: "domain only", in: "example.com", want: "example.com", domain: "example.com"},
		{name: "bare", in: "juliet@example.com", want: "juliet@example.com", local: "juliet", domain: "example.com"},
		{name: "full", in: "juliet@example.com/balcony", want: "juliet@example.com/balcony", local: "juliet", domain: "example.com", resource: "balcony"},
		{name: "domain and resource", in: "example.com/foo", want: "example.com/foo", domain: "example.com", resource: "foo"},
		{name: "case folded local and domain, resource kept", in: "Juliet@Example.COM/Balcony", want: "juliet@example.com/Balcony", local: "juliet", domain: "example.com", resource: "Balcony"},
		{name: "trailing dot stripped", in: "juliet@example.com./r", want: "juliet@example.com/r", local: "juliet", domain: "example.com", resource: "r"},
		{name: "trailing dot on domain only", in: "example.com.", want: "example.com", domain: "example.com"},
		{name: "A-label converted to U-label", in: "a@xn--caf-dma.example", want: "a@café.example", local: "a", domain: "café.example"},
		{name: "U-label kept", in: "a@café.example", want: "a@café.example", local: "a", domain: "café.example"},
		{name: "U-label upper case mapped", in: "a@CAFÉ.example", want: "a@café.example", local: "a", domain: "café.example"},
		{name: "fullwidth domain mapped", in: "a@ＥＸＡＭＰＬＥ.com", want: "a@example.com", local: "a", domain: "example.com"},
		{name: "ideographic full stop is a dot", in: "a@example\u3002com", want: "a@example.com", local: "a", domain: "example.com"},
		{name: "IPv4 literal", in: "a@192.0.2.1/r", want: "a@192.0.2.1/r", local: "a", domain: "192.0.2.1", resource: "r"},
		{name: "IPv6 loopback", in: "[::1]", want: "[::1]", domain: "[::1]"},
		{name: "IPv6 full", in: "a@[2001:DB8:0:0:8:800:200C:417A]", want: "a@[2001:db8:0:0:8:800:200c:417a]", local: "a", domain: "[2001:db8:0:0:8:800:200c:417a]"},
		{name: "IPv6 embedded IPv4", in: "[::ffff:192.0.2.1]", want: "[::ffff:192.0.2.1]", domain: "[::ffff:192.0.2.1]"},
		{name: "IPv6 trailing double colon", in: "[fe80::]", want: "[fe80::]", domain: "[fe80::]"},
		{name: "unicode localpart", in: "ΣΑΣ@example.com", want: "σασ@example.com", local: "σασ", domain: "example.com"},
		{name: "unicode localpart kept", in: "ñandú@example.com", want: "ñandú@example.com", local: "ñandú", domain: "example.com"},
		{name: "localpart NFC", in: "u\u0308ber@example.com", want: "über@example.com", local: "über", domain: "example.com"},
		{name: "angstrom sign mapped", in: "\u212B@example.com", want: "å@example.com", local: "å", domain: "example.com"},
		{name: "resource with at and slash", in: "a@b.example/c@d/e", want: "a@b.example/c@d/e", local: "a", domain: "b.example", resource: "c@d/e"},
		{name: "resource with space", in: "room@muc.example/Juliet Capulet", want: "room@muc.example/Juliet Capulet", local: "room", domain: "muc.example", resource: "Juliet Capulet"},
		{name: "resource unicode case kept", in: "a@b/Σ♚", want: "a@b/Σ♚", local: "a", domain: "b", resource: "Σ♚"},
		{name: "resource non-ASCII space mapped", in: "a@b/x\u00A0y", want: "a@b/x y", local: "a", domain: "b", resource: "x y"},
		{name: "resource looks like a JID", in: "a@b/c@d.example", want: "a@b/c@d.example", local: "a", domain: "b", resource: "c@d.example"},
		{name: "underscore in domain", in: "a@b_c.example", want: "a@b_c.example", local: "a", domain: "b_c.example"},
		{name: "localpart punctuation allowed", in: "a.b-c_d+e!@example.com", want: "a.b-c_d+e!@example.com", local: "a.b-c_d+e!", domain: "example.com"},
		{name: "1023-octet localpart", in: long(1023) + "@b", want: long(1023) + "@b", local: long(1023), domain: "b"},
		{name: "1023-octet resourcepart", in: "a@b/" + long(1023), want: "a@b/" + long(1023), local: "a", domain: "b", resource: long(1023)},
		{name: "1023-octet domainpart", in: longDomain(1023), want: longDomain(1023), domain: longDomain(1023)},
		{name: "1023-octet domainpart plus dot", in: longDomain(1023) + ".", want: longDomain(1023), domain: longDomain(1023)},

		// Invalid addresses.
		{name: "empty", in: ""},
		{name: "empty resource", in: "a@b/"},
		{name: "empty localpart", in: "@b"},
		{name: "empty domain with local", in: "a@"},
		{name: "resource only", in: "/r"},
		{name: "only at", in: "@"},
		{name: "only dot", in: "."},
		{name: "only slash", in: "/"},
		{name: "empty local and resource", in: "@b/"},
		{name: "1024-octet localpart", in: long(1024) + "@b"},
		{name: "1024-octet resourcepart", in: "a@b/" + long(1024)},
		{name: "1024-octet domainpart", in: longDomain(1024)},
		{name: "space in localpart", in: "a b@example.com"},
		{name: "space in domain", in: "a@exa mple.com"},
		{name: "tab in domain", in: "a@exa\tmple.com"},
		{name: "double quote in localpart", in: "a\"b@example.com"},
		{name: "ampersand in localpart", in: "a&b@example.com"},
		{name: "apostrophe in localpart", in: "a'b@example.com"},
		{name: "colon in localpart", in: "a:b@example.com"},
		{name: "less-than in localpart", in: "a<b@example.com"},
		{name: "greater-than in localpart", in: "a>b@example.com"},
		{name: "second at sign", in: "a@b@example.com"},
		{name: "fullwidth solidus in localpart", in: "a\uFF0Fb@example.com"},
		{name: "control character in localpart", in: "a\x01b@example.com"},
		{name: "control character in domain", in: "a@exam\x7fple.com"},
		{name: "control character in resource", in: "a@b/r\x07"},
		{name: "DEL in resource", in: "a@b/r\x7f"},
		{name: "invalid UTF-8 in localpart", in: "a\xffb@example.com"},
		{name: "invalid UTF-8 in domain", in: "a@ex\xffample.com"},
		{name: "invalid UTF-8 in resource", in: "a@b/\xff"},
		{name: "empty label", in: "a@b..example"},
		{name: "leading dot", in: "a@.example"},
		{name: "two trailing dots", in: "a@example.."},
		{name: "hyphen at label start", in: "a@-example.com"},
		{name: "bad A-label", in: "a@xn--zz.example"},
		{name: "IPv6 without brackets", in: "a@::1"},
		{name: "IPv6 unterminated", in: "a@[::1"},
		{name: "IPv6 two double colons", in: "a@[1::2::3]"},
		{name: "IPv6 too many groups", in: "[1:2:3:4:5:6:7:8:9]"},
		{name: "IPv6 too few groups", in: "[1:2:3:4:5:6:7]"},
		{name: "IPv6 group too long", in: "[12345::1]"},
		{name: "IPv6 not hex", in: "[::g]"},
		{name: "IPv6 zone", in: "[fe80::1%eth0]"},
		{name: "IPv6 leading single colon", in: "[:1:2:3:4:5:6:7]"},
		{name: "IPv6 trailing single colon", in: "[1:2:3:4:5:6:7:]"},
		{name: "IPv6 bad embedded IPv4", in: "[::ffff:192.0.2.256]"},
		{name: "IPv6 embedded IPv4 leading zero", in: "[::ffff:192.0.2.01]"},
		{name: "IPv6 empty brackets", in: "[]"},
		{name: "bracket in domain", in: "a@exa[mple"},
		{name: "domain valid only before IDNA mapping (bidi)", in: "\u2136A"},
		{name: "domain valid only before IDNA mapping, with local", in: "a@x.\u2136a/r"},
		{name: "disallowed symbol in localpart", in: "\u2665\uFE0F\u0000@example.com"},
	}
	seen := map[string]bool{}
	valid, invalid := 0, 0
	for _, tt := range tests {
		require.False(t, seen[tt.name], "duplicate case name %q", tt.name)
		seen[tt.name] = true
		t.Run(tt.name, func(t *testing.T) {
			j, err := Parse(tt.in)
			if tt.want == "" {
				require.Error(t, err, "Parse(%q) = %q", tt.in, j)
				assert.ErrorIs(t, err, ErrJID)
				assert.True(t, j.IsZero())
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, j.String())
			assert.Equal(t, tt.local, j.Local())
			assert.Equal(t, tt.domain, j.Domain())
			assert.Equal(t, tt.resource, j.Resource())
			again, err := Parse(j.String())
			require.NoError(t, err)
			assert.Equal(t, j, again)
			n, err := NewJID(tt.local, tt.domain, tt.resource)
			require.NoError(t, err)
			assert.Equal(t, j, n)
		})
		if tt.want == "" {
			invalid++
		} else {
			valid++
		}
	}
	assert.GreaterOrEqual(t, valid, 20)
	assert.GreaterOrEqual(t, invalid, 20)
}

func TestNewJID(t *testing.T) {
	j, err := NewJID("Romeo", "Example.NET", "Orchard")
	require.NoError(t, err)
	assert.Equal(t, "romeo@example.net/Orchard", j.String())

	for _, bad := range [][3]string{
		{"", "", ""},
		{"a", "", "r"},
		{"a@b", "example.com", ""},
		{"a/b", "example.com", ""},
		{"a", "exa/mple", ""},
		{"a", "exa@mple", ""},
		{"a", "example.com", "\x00"},
	} {
		_, err := NewJID(bad[0], bad[1], bad[2])
		assert.ErrorIs(t, err, ErrJID, "NewJID(%q, %q, %q)", bad[0], bad[1], bad[2])
	}
}

func TestMustParse(t *testing.T) {
	assert.Equal(t, "a@b/c", MustParse("A@B/c").String())
	assert.Panics(t, func() { MustParse("a@b/") })
}

func TestJIDMethods(t *testing.T) {
	full := MustParse("Room@MUC.example/Nick")
	assert.False(t, full.IsZero())
	assert.False(t, full.IsBare())
	assert.Equal(t, "room@muc.example", full.Bare().String())
	assert.True(t, full.Bare().IsBare())
	assert.Equal(t, MustParse("room@muc.example"), full.Bare())
	assert.Equal(t, "muc.example", full.Domainpart().String())
	assert.Equal(t, MustParse("muc.example"), full.Domainpart())
	assert.True(t, full.Domainpart().IsBare())

	other, err := full.WithResource("Other Nick")
	require.NoError(t, err)
	assert.Equal(t, "room@muc.example/Other Nick", other.String())
	assert.Equal(t, "room@muc.example/Nick", full.String(), "WithResource must not modify its receiver")
	bare, err := full.WithResource("")
	require.NoError(t, err)
	assert.Equal(t, full.Bare(), bare)
	_, err = full.WithResource("bad\x00")
	assert.ErrorIs(t, err, ErrJID)
	_, err = full.WithResource(strings.Repeat("r", 1024))
	assert.ErrorIs(t, err, ErrJID)
	mapped, err := full.WithResource("a\u00A0b")
	require.NoError(t, err)
	assert.Equal(t, "a b", mapped.Resource())

	var zero JID
	assert.True(t, zero.IsZero())
	assert.True(t, zero.IsBare())
	assert.Equal(t, "", zero.String())
	assert.True(t, zero.Bare().IsZero())

	assert.Equal(t, "example.com", MustParse("example.com").String())
	assert.Equal(t, "example.com/r", MustParse("example.com/r").String())
}

func TestJIDText(t *testing.T) {
	j := MustParse("juliet@example.com/balcony")
	b, err := j.MarshalText()
	require.NoError(t, err)
	assert.Equal(t, "juliet@example.com/balcony", string(b))

	var u JID
	require.NoError(t, u.UnmarshalText([]byte("Juliet@EXAMPLE.com/balcony")))
	assert.Equal(t, j, u)
	require.NoError(t, u.UnmarshalText(nil))
	assert.True(t, u.IsZero())
	err = u.UnmarshalText([]byte("a@b/"))
	assert.ErrorIs(t, err, ErrJID)

	// Through encoding/json, as a value and as a map key.
	type doc struct {
		Who   JID            `json:"who"`
		Seen  map[JID]int    `json:"seen"`
		Maybe *JID           `json:"maybe,omitempty"`
		Names map[string]JID `json:"names"`
	}
	in := doc{Who: j, Seen: map[JID]int{j.Bare(): 2}, Names: map[string]JID{"x": j}}
	out, err := json.Marshal(in)
	require.NoError(t, err)
	assert.JSONEq(t, `{"who":"juliet@example.com/balcony","seen":{"juliet@example.com":2},"names":{"x":"juliet@example.com/balcony"}}`, string(out))
	var back doc
	require.NoError(t, json.Unmarshal(out, &back))
	assert.Equal(t, in, back)
	assert.Error(t, json.Unmarshal([]byte(`{"who":"@x"}`), &back))
}

func TestJIDMapKey(t *testing.T) {
	m := map[JID]string{}
	m[MustParse("Juliet@Example.COM/balcony")] = "first"
	m[MustParse("juliet@example.com./balcony")] = "second"
	m[MustParse("juliet@EXAMPLE.com/balcony")] = "third"
	assert.Len(t, m, 1)
	assert.Equal(t, "third", m[MustParse("juliet@example.com/balcony")])

	m2 := map[JID]int{}
	m2[MustParse("a@xn--caf-dma.example")]++
	m2[MustParse("a@CAFÉ.example")]++
	m2[MustParse("A@café.example.")]++
	assert.Equal(t, map[JID]int{MustParse("a@café.example"): 3}, m2)

	// Resourceparts are case-sensitive: these are two keys.
	m3 := map[JID]bool{MustParse("a@b/R"): true, MustParse("a@b/r"): true}
	assert.Len(t, m3, 2)
}

// genJIDString builds a random string that looks enough like a JID to
// often be one, from pieces chosen to exercise every rule.
func genJIDString(r *rand.Rand) string {
	pieces := []string{
		"a", "Z", "0", "@", "/", ".", "-", "_", "é", "É", "Σ", "ß", "ǅ", "\u212B",
		"\u0301", "\u00A0", " ", "\t", "\x00", "xn--", "caf-dma", "[", "]", ":",
		"::1", "1", "ffff", "192.0.2.1", "\u3002", "Ｅ", "\uFF0F", "\"", "&", "'",
		"<", ">", "\xff", "\U0001F600", "\u200D", "\u0130", "\u2163", "ｶ",
	}
	n := r.IntN(12)
	var b strings.Builder
	for range n {
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestParseJIDIdempotent checks Parse(String(Parse(s))) == Parse(s) over
// generated strings (and that the canonical form is a fixed point).
func TestParseJIDIdempotent(t *testing.T) {
	r := rand.New(rand.NewPCG(7622, 1))
	ok := 0
	for range 20000 {
		s := genJIDString(r)
		j, err := Parse(s)
		if err != nil {
			assert.True(t, errors.Is(err, ErrJID), "%q: %v", s, err)
			continue
		}
		ok++
		str := j.String()
		require.True(t, utf8.ValidString(str), "%q", s)
		again, err := Parse(str)
		require.NoError(t, err, "Parse(%q) ok as %q but its String does not parse", s, str)
		require.Equal(t, j, again, "input %q", s)
		require.Equal(t, str, again.String())
	}
	assert.Greater(t, ok, 1000, "the generator should produce valid JIDs too")
}

// TestJIDCheap checks what the JID's representation promises: a stanza
// header's two JIDs stay small, and the string form and the derived JIDs
// cost no allocation.
func TestJIDCheap(t *testing.T) {
	if size := reflect.TypeOf(JID{}).Size(); size > 24 {
		t.Errorf("a JID is %d bytes, want at most 24", size)
	}
	j := MustParse("alice@wonderland.lit/rabbit hole")
	var sink JID
	var n int
	allocs := testing.AllocsPerRun(100, func() {
		n += len(j.String())
		sink = j.Bare()
		sink = sink.Domainpart()
		n += len(j.Local()) + len(j.Domain()) + len(j.Resource())
	})
	if allocs != 0 {
		t.Errorf("String, Bare, Domainpart and the parts allocate %v times, want 0", allocs)
	}
	if sink.String() != "wonderland.lit" || n == 0 {
		t.Errorf("derived %q", sink)
	}
}
