package stanza

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Seed inputs for the fuzz targets. They are added with f.Add and, with
// STANZA_WRITE_CORPUS=1, written to testdata/fuzz/<Target>/ in the
// "go test fuzz v1" format (see TestWriteFuzzCorpus).
var (
	seedJIDs = []string{
		"juliet@example.com/balcony",
		"Juliet@Example.COM/Balcony",
		"example.com",
		"example.com.",
		"a@xn--caf-dma.example",
		"a@CAFÉ.example",
		"ΣΑΣ@example.com",
		"\u212B@example.com",
		"a@b/c@d/e",
		"room@muc.example/Juliet Capulet",
		"a@b/x\u00A0y",
		"[::1]",
		"a@[2001:DB8::8:800:200C:417A]/r",
		"[::ffff:192.0.2.1]",
		"192.0.2.1",
		"a@ＥＸＡＭＰＬＥ.com",
		"a@example\u3002com",
		"ǅ\uFF0F",
		"a\uFF0Fb@example.com",
		"a@b/",
		"@b",
		"a@",
		"/r",
		"",
		"a b@c",
		"a\"&'/:<>@b",
		"a\x01@b",
		"[1::2::3]",
		"[fe80::1%eth0]",
		"a@\xff",
	}

	seedStanzas = []string{
		`<message xmlns='jabber:client' from='juliet@example.com/balcony' to='romeo@example.net' type='chat' id='x1'><body>Wherefore?</body><html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'><p style='font-weight:bold'>W<em>a</em></p></body></html></message>`,
		`<message xmlns='jabber:client' xmlns:foo='urn:example:foo' to='a@b' foo:x='1'><foo:bar foo:attr='v'/><x xmlns='urn:x'><foo:y/></x></message>`,
		`<message><body>&amp; &lt; &gt; &quot; &apos; &#65;&#x42; caf&#xE9; 日本語 😀</body></message>`,
		`<message><body><![CDATA[<b>bold</b> & ]]>more</body></message>`,
		`<message><x xmlns='urn:x'><x><x/></x></x></message>`,
		`<message type='chat' id='send1'><encrypted xmlns='eu.siacs.conversations.axolotl'><header sid='27183'><key rid='31415'>B64</key><iv>B64</iv></header><payload>B64</payload></encrypted><store xmlns='urn:xmpp:hints'/></message>`,
		`<message type='chat' id='m2'><body>x</body><request xmlns='urn:xmpp:receipts'/><reactions id='744f6e18' xmlns='urn:xmpp:reactions:0'><reaction>👋</reaction></reactions><active xmlns='http://jabber.org/protocol/chatstates'/></message>`,
		`<presence from='a@b/c'><x xmlns='vcard-temp:x:update'><photo>01b87fcd030b72895ff8e88db57ec525450f000d</photo></x><c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://conversejs.org' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>`,
		`<message xmlns='jabber:server' from='a@b' to='c@d'><body>s2s</body></message>`,
		`<iq xmlns='jabber:component:accept' from='a@b/c' to='rooms.example' type='get' id='q1'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`,
		`<message xml:lang='en' to='a@b'><body>hi</body><body xml:lang='de'>hallo</body></message>`,
		`<message zz='1' to='a@b' aa='2' xmlns:e='urn:ext' e:mark='3' xml:space='preserve'/>`,
		`<message id="a'b&quot;c"><x xmlns='urn:x' v='l1&#10;l2&#9;t&#13;' w="it's"/></message>`,
		`<message xmlns='jabber:client' to='a@b'><result xmlns='urn:xmpp:mam:2' id='r1'><forwarded xmlns='urn:xmpp:forward:0'><delay xmlns='urn:xmpp:delay' stamp='2010-07-10T23:08:25Z'/><message xmlns='jabber:client' from='c@d/e' type='chat'><body>inner</body></message></forwarded></result></message>`,
		`<message><x xmlns='urn:a'><y xmlns=''/></x><a xmlns='urn:a'></a></message>`,
		`<message><x xmlns='urn:x' xmlns:ns0='urn:taken' a:b='1' ns0:c='2'/></message>`,
		`<presence from='elsinore@talk.denmark.lit/Hamlet' to='rabbithole@rooms.wonderland.lit/Hamlet'><fmuc xmlns='http://isode.com/protocol/fmuc' from='hamlet@denmark.lit/priam-ubuntu-vm'/><x xmlns="http://jabber.org/protocol/muc"/><x xmlns="http://jabber.org/protocol/muc#user"><item affiliation="none" role="participant" jid="hamlet@denmark.lit/priam-ubuntu-vm"/></x></presence>`,
		`<message from="rabbithole@rooms.wonderland.lit/Alice" to="elsinore@talk.denmark.lit" type="groupchat"><fmuc xmlns="http://isode.com/protocol/fmuc" from="alice@wonderland.lit/priam-ubuntu-vm"/><body>old</body><x xmlns="urn:xmpp:delay" from="rabbithole@rooms.wonderland.lit" stamp="20120419T16:00:44"/></message>`,
		`<iq from='crone1@shakespeare.lit/desktop' id='create2' to='coven@chat.shakespeare.lit' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#roomconfig</value></field></x></query></iq>`,
		`<iq type='error' id='1'><error type='cancel' by='muc.example'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'>xmpp:a@b?join</gone><text xmlns='urn:ietf:params:xml:ns:xmpp-stanzas' xml:lang='en'>t</text><app xmlns='urn:app'/></error></iq>`,
		`<message from='a@b/' to='room@muc.example' id='1'/>`,
		`<iq from='a@b/c' to='muc.example' type='get'/>`,
		`<features xmlns='http://etherx.jabber.org/streams'/>`,
		`<message><x a='1' a='2'/></message>`,
		`<message><x xmlns:p=''/></message>`,
		`<message><body>x</bdy></message>`,
		"<?xml version='1.0'?>\n<message>\n <body>x</body>\n <!-- c -->\n</message>\n",
		`<message><p:a xmlns:p='urn:p'><body>in client ns</body></p:a></message>`,
		`<message>` + nested(31) + `</message>`,
		`<message>` + nested(33) + `</message>`,
	}

	seedElements = []string{
		`<body>a <b xmlns='urn:x'>skip</b>c &amp; d</body>`,
		`<x xmlns='urn:x' a='1'><y>v</y></x>`,
		"<?xml version='1.0'?><!-- c -->\n <p:a xmlns:p='urn:p' p:b='1'>x</p:a>\n",
		`<body xmlns='jabber:client'>x</body>`,
		`<error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error>`,
		`<fmuc xmlns="http://isode.com/protocol/fmuc"><reject>No cross-domain federation.</reject></fmuc>`,
		`<fmuc xmlns="http://isode.com/protocol/fmuc"><left/></fmuc>`,
		`<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='outcast' jid='hag66@shakespeare.lit/pda' nick='thirdwitch' role='none'><actor nick='crone'/><reason>Treason</reason></item><status code='110'/></x>`,
		`<query xmlns='http://jabber.org/protocol/muc#admin'><item nick='pistol' role='none'><reason>Avaunt!</reason></item></query>`,
		`<x xmlns='jabber:x:data' type='form'><field var='FORM_TYPE' type='hidden'><value>x</value></field></x>`,
		`<stanza-id xmlns='urn:xmpp:sid:0' id='5f3dbc5e' by='coven@chat.shakespeare.lit'/>`,
		`<a xmlns='urn:a'><b xmlns='urn:b'><c xmlns='urn:a'/></b></a>`,
		`<p:a xmlns:p='urn:x' xmlns='urn:y'><b/><p:c/></p:a>`,
		`<p:a xmlns:p='urn:x'><p:b xmlns:p='urn:y'><q xmlns='urn:x'/></p:b></p:a>`,
		`<a xmlns='urn:a'></a>`,
		`<a/><b/>`,
		`text`,
		`<a>`,
		`<!DOCTYPE a><a/>`,
		`<a b:='1'/>`,
	}

	seedDelays = []string{
		`<delay xmlns='urn:xmpp:delay' from='capulet.com' stamp='2002-09-10T23:08:25Z'>Offline Storage</delay>`,
		`<delay xmlns='urn:xmpp:delay' stamp='2002-09-11T01:08:25.5+02:00'/>`,
		`<x xmlns="urn:xmpp:delay" from="rabbithole@rooms.wonderland.lit" stamp="20120419T16:00:44"/>`,
		`<x xmlns='jabber:x:delay' from='capulet.com' stamp='20020910T23:08:25'>Offline Storage</x>`,
		"<x xmlns='jabber:x:delay' stamp='20020910T23:08:25'>\n  padded \n</x>",
		`<delay xmlns='urn:xmpp:delay'/>`,
		`<delay xmlns='urn:xmpp:delay' stamp='yesterday'/>`,
		`<delay xmlns='urn:xmpp:delay' stamp='2002-09-10T23:08:25Z' from='a@b/'/>`,
		`<delay xmlns='urn:xmpp:delay' stamp='0000-01-01T00:00:00+01:00'/>`,
		`<delay xmlns='urn:xmpp:delay' stamp='9999-12-31T23:59:59-01:00'/>`,
		`<delay xmlns='urn:other' stamp='2002-09-10T23:08:25Z'/>`,
		`<delay xmlns='urn:xmpp:delay' stamp='2002-09-10T23:08:25Z'>a &amp; &#xD; b</delay>`,
		`<delay xmlns='urn:xmpp:delay' stamp='2002-09-10T23:08:25.123456789Z'/>`,
		`<x xmlns='jabber:x:delay' stamp='20020910T23:08:25.25Z'/>`,
		`<x xmlns='jabber:x:delay' stamp='20020911T01:08:25+02:00'/>`,
	}

	seedTimes = []string{
		"1969-07-21T02:56:15Z",
		"1969-07-20T21:56:15-05:00",
		"1969-07-21T02:56:15.123Z",
		"1969-07-21T02:56:15.000Z",
		" 2002-09-10T23:08:25Z\n",
		"20020910T23:08:25",
		"20020910T23:08:25Z",
		"20020910T23:08:25.25",
		"20020911T01:08:25+02:00",
		"0000-01-01T00:00:00+01:00",
		"9999-12-31T23:59:59-01:00",
		"0000-01-01T00:00:00Z",
		"2002-09-10T25:08:25Z",
		"2002-09-10",
		"",
		"x",
	}
)

func FuzzParseJID(f *testing.F) {
	for _, s := range seedJIDs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		j, err := Parse(s)
		if err != nil {
			if !errors.Is(err, ErrJID) {
				t.Fatalf("Parse(%q): error %v does not wrap ErrJID", s, err)
			}
			return
		}
		str := j.String()
		again, err := Parse(str)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", s, str, err)
		}
		if again != j {
			t.Fatalf("Parse(%q) = %#v but Parse(%q) = %#v", s, j, str, again)
		}
		if again.String() != str {
			t.Fatalf("String not stable: %q then %q", str, again.String())
		}
		if n, err := NewJID(j.Local(), j.Domain(), j.Resource()); err != nil || n != j {
			t.Fatalf("NewJID of the parts of %q: %v, %v", str, n, err)
		}
		checkDerived(t, j)
	})
}

// checkDerived checks that the JIDs derived from j equal the same JIDs
// parsed from their strings, so that == holds whichever way a JID was made.
func checkDerived(t *testing.T, j JID) {
	t.Helper()
	same := func(what string, got JID) {
		t.Helper()
		want, err := NewJID(got.Local(), got.Domain(), got.Resource())
		if err != nil || got != want || got.String() != want.String() {
			t.Fatalf("%s of %q = %#v, its parts make %#v (%v)", what, j, got, want, err)
		}
		if p, err := Parse(got.String()); err != nil || p != got {
			t.Fatalf("%s of %q = %#v, its string parses to %#v (%v)", what, j, got, p, err)
		}
	}
	b := j.Bare()
	same("Bare", b)
	if !b.IsBare() || b.Local() != j.Local() || b.Domain() != j.Domain() || !strings.HasPrefix(j.String(), b.String()) {
		t.Fatalf("Bare of %q = %q", j, b)
	}
	d := j.Domainpart()
	same("Domainpart", d)
	if d.Local() != "" || d.Resource() != "" || d.Domain() != j.Domain() {
		t.Fatalf("Domainpart of %q = %q", j, d)
	}
	for _, r := range []string{"", j.Resource(), "other", "a/b@c"} {
		w, err := j.WithResource(r)
		if err != nil {
			t.Fatalf("WithResource(%q) of %q: %v", r, j, err)
		}
		same("WithResource", w)
		if w.Bare() != b || w.Resource() != r {
			t.Fatalf("WithResource(%q) of %q = %q", r, j, w)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range seedStanzas {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkAlignment(t, b)
		s, err := Decode(b)
		if err != nil {
			var de *DecodeError
			if !errors.As(err, &de) {
				t.Fatalf("error %v is not a *DecodeError", err)
			}
			if r, ok := de.Reply(); ok {
				if r.Head().Type != "error" || de.Type == "error" {
					t.Fatalf("bad reply %s to %v", Encode(r), de)
				}
				if _, err := Decode(Encode(r)); err != nil {
					t.Fatalf("reply %s does not decode: %v", Encode(r), err)
				}
			}
			return
		}
		exercisePayloads(t, s)
		enc := Encode(s)
		s2, err := Decode(enc)
		if err != nil {
			t.Fatalf("Decode(%q) ok, but its encoding %q does not decode: %v", b, enc, err)
		}
		if !reflect.DeepEqual(s, s2) {
			t.Fatalf("decode(encode(decode(x))) != decode(x)\n x: %q\nenc: %q\n s1: %#v\n s2: %#v", b, enc, s, s2)
		}
		if enc2 := Encode(s2); string(enc2) != string(enc) {
			t.Fatalf("encoding not stable:\n%q\n%q", enc, enc2)
		}
		for _, c := range s.Payload() {
			p, err := ParseElement(c.XML)
			if err != nil {
				t.Fatalf("child %q does not parse alone: %v", c.XML, err)
			}
			if !reflect.DeepEqual(p, c) {
				t.Fatalf("child not canonical: %q -> %q (%v, %v)", c.XML, p.XML, c.Name, p.Name)
			}
		}
	})
}

func FuzzParseElement(f *testing.F) {
	for _, s := range seedElements {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseElement(b)
		if err != nil {
			return
		}
		again, err := ParseElement(e.XML)
		if err != nil {
			t.Fatalf("ParseElement(%q) = %q, which does not parse: %v", b, e.XML, err)
		}
		if !reflect.DeepEqual(e, again) {
			t.Fatalf("not stable: %q (%v) then %q (%v)", e.XML, e.Name, again.XML, again.Name)
		}
		_ = e.Text()
		if e.Is("", "error") {
			if pe, err := ParseError(e); err == nil {
				_ = pe.Element()
			}
		}
	})
}

func FuzzParseDelay(f *testing.F) {
	for _, s := range seedDelays {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := ParseElement(b)
		if err != nil {
			return
		}
		d, err := ParseDelay(e)
		if err != nil {
			return
		}
		out := d.Element()
		back, err := ParseDelay(out)
		if err != nil {
			t.Fatalf("delay %q from %q does not parse: %v", out.XML, b, err)
		}
		if back.From != d.From || back.Reason != d.Reason || !back.Stamp.Equal(d.Stamp) {
			t.Fatalf("delay round trip: %+v then %+v", d, back)
		}
		if string(back.Element().XML) != string(out.XML) {
			t.Fatalf("delay encoding not stable: %q then %q", out.XML, back.Element().XML)
		}
	})
}

func FuzzParseTime(f *testing.F) {
	for _, s := range seedTimes {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := ParseTime(s)
		if err != nil {
			return
		}
		if tm.Location() != time.UTC {
			t.Fatalf("ParseTime(%q) not in UTC", s)
		}
		out := FormatTime(tm)
		back, err := ParseTime(out)
		if err != nil {
			t.Fatalf("ParseTime(%q) = %v, formatted %q, which does not parse: %v", s, tm, out, err)
		}
		if !back.Equal(tm) || FormatTime(back) != out {
			t.Fatalf("time round trip: %q -> %v -> %q -> %v", s, tm, out, back)
		}
	})
}

// TestWriteFuzzCorpus writes the seed inputs above to testdata/fuzz when
// STANZA_WRITE_CORPUS=1, and otherwise checks that the checked-in corpus
// holds every seed.
func TestWriteFuzzCorpus(t *testing.T) {
	write := os.Getenv("STANZA_WRITE_CORPUS") == "1"
	str := func(xs []string) []string { return xs }
	targets := []struct {
		name  string
		seeds []string
		typ   string
	}{
		{"FuzzParseJID", str(seedJIDs), "string"},
		{"FuzzDecode", str(seedStanzas), "[]byte"},
		{"FuzzParseElement", str(seedElements), "[]byte"},
		{"FuzzParseDelay", str(seedDelays), "[]byte"},
		{"FuzzParseTime", str(seedTimes), "string"},
	}
	for _, tg := range targets {
		dir := filepath.Join("testdata", "fuzz", tg.name)
		if write {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for i, s := range tg.seeds {
			name := filepath.Join(dir, fmt.Sprintf("seed-%02d", i))
			content := "go test fuzz v1\n" + tg.typ + "(" + strconv.Quote(s) + ")\n"
			if write {
				if err := os.WriteFile(name, []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			got, err := os.ReadFile(name)
			if err != nil {
				t.Errorf("missing corpus file (run with STANZA_WRITE_CORPUS=1): %v", err)
				continue
			}
			if string(got) != content {
				t.Errorf("%s is stale (run with STANZA_WRITE_CORPUS=1)", name)
			}
		}
	}
}

// checkAlignment reads b as the body of a stream with DecodeElement and
// tight limits, and checks that after every success or Aligned error the
// decoder stands exactly where skipping the element would have left it.
func checkAlignment(t *testing.T, b []byte) {
	t.Helper()
	stream := append([]byte("<s>"), b...)
	d := xml.NewDecoder(bytes.NewReader(stream))
	ref := xml.NewDecoder(bytes.NewReader(stream))
	for range 64 {
		tok, err := d.Token()
		if _, rerr := ref.Token(); err != nil || rerr != nil {
			return
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local == "s" && d.InputOffset() == 3 {
			continue
		}
		_, derr := DecodeElement(d, se, Limits{MaxSize: 300, MaxDepth: 5})
		var de *DecodeError
		if derr != nil && (!errors.As(derr, &de) || !de.Aligned) {
			return
		}
		if serr := ref.Skip(); serr != nil {
			t.Fatalf("DecodeElement gave %v on an element Skip rejects: %v", derr, serr)
		}
		if d.InputOffset() != ref.InputOffset() {
			t.Fatalf("not aligned after %v: at %d, want %d", derr, d.InputOffset(), ref.InputOffset())
		}
	}
}

// exercisePayloads runs every typed view over s: none may panic, and a
// payload that decodes must encode to an element that decodes again to the
// same value.
func exercisePayloads(t *testing.T, s Stanza) {
	t.Helper()
	typed := []struct {
		space, local string
		v, again     func() any
	}{
		{NSMUC, "x", func() any { return &MUC{} }, func() any { return &MUC{} }},
		{NSMUCUser, "x", func() any { return &MUCUser{} }, func() any { return &MUCUser{} }},
		{NSMUCAdmin, "query", func() any { return &MUCAdmin{} }, func() any { return &MUCAdmin{} }},
		{NSMUCOwner, "query", func() any { return &MUCOwner{} }, func() any { return &MUCOwner{} }},
		{NSFMUC, "fmuc", func() any { return &FMUC{} }, func() any { return &FMUC{} }},
	}
	for _, tp := range typed {
		v := tp.v()
		ok, err := Find(s, tp.space, tp.local, v)
		if !ok || err != nil {
			continue
		}
		e, err := NewElement(v)
		if err != nil {
			t.Fatalf("re-encoding %#v: %v", v, err)
		}
		again := tp.again()
		if err := e.Decode(again); err != nil {
			t.Fatalf("%q does not decode: %v", e.XML, err)
		}
		e2, err := NewElement(again)
		if err != nil || !bytes.Equal(e.XML, e2.XML) {
			t.Fatalf("payload encoding not stable: %q then %q (%v)", e.XML, e2.XML, err)
		}
	}
	_, _ = FindDelay(s)
	_ = StanzaIDs(s)
	_, _ = OriginID(s)
	if e, ok := ErrorOf(s); ok {
		back, err := ParseError(e.Element())
		if err != nil {
			t.Fatalf("error element does not parse: %v", err)
		}
		if back.Condition != e.Condition && isConditionName(string(e.Condition)) {
			t.Fatalf("condition %q came back as %q", e.Condition, back.Condition)
		}
	}
	switch v := s.(type) {
	case *Message:
		_, _ = v.Body()
		_, _ = v.Subject()
		_ = v.Thread()
	case *Presence:
		_ = v.Show()
		_ = v.Status()
	case *IQ:
		_, _ = v.Query()
	}
	if r := ErrorReply(s, NewError(BadRequest, "x")); r != nil {
		if _, err := Decode(Encode(r)); err != nil {
			t.Fatalf("error reply %q does not decode: %v", Encode(r), err)
		}
	}
}

// FuzzPayloadElement checks that the Element methods of the payload types
// give what NewElement (encoding/xml, then ParseElement) gives, for any
// texts and addresses.
func FuzzPayloadElement(f *testing.F) {
	f.Add("a", "b@c/d", "", "reason <&'\">")
	f.Add("", "", "x\r\ny\t", "\x00\uFFFE\xff")
	f.Add("nick", "room@muc.example", "k", "")
	f.Fuzz(func(t *testing.T, s1, j, s2, s3 string) {
		jid, err := Parse(j)
		if err != nil {
			jid = JID{}
		}
		form := Form{Type: s1, Title: s2, Instructions: []string{s3, ""}, Fields: []Field{
			{Var: s1, Type: s2, Label: s3, Desc: s2, Required: &struct{}{}, Values: []string{s3, ""}, Options: []Option{{Label: s1, Value: s2}}},
			{},
		}}
		item := Item{Affiliation: Affiliation(s1), JID: &jid, Nick: s2, Role: Role(s3), Actor: &Actor{JID: &jid, Nick: s1}, Continue: &Continue{Thread: s2}, Reason: s3}
		for _, v := range []elementer{
			&form,
			MUCUser{Decline: &Invite{From: &jid, Reason: s1}, Destroy: &Destroy{JID: &jid, Password: s2, Reason: s3}, Invites: []Invite{{To: &jid, Continue: &Continue{}}, {}}, Items: []Item{item, {}}, Password: s1, Statuses: []Status{{110}, {-1}}},
			MUCAdmin{Items: []Item{item, {Nick: s1}}},
			MUCOwner{Form: &form, Destroy: &Destroy{Reason: s1}},
			FMUC{From: &jid, Reject: &Reject{Text: s1}, Left: &struct{}{}},
			FMUC{Reject: &Reject{}},
		} {
			want, err := NewElement(v)
			if err != nil {
				t.Fatalf("NewElement(%#v): %v", v, err)
			}
			if got := v.Element(); !reflect.DeepEqual(got, want) {
				t.Fatalf("%T.Element() = %q (%v), want %q (%v)", v, got.XML, got.Name, want.XML, want.Name)
			}
		}
	})
}
