package stanza

import "testing"

// A typical groupchat message as a client sends it: body, origin-id, chat
// state and XHTML-IM.
const benchGroupchat = `<message xmlns='jabber:client' from='juliet@capulet.example/balcony' to='garden@rooms.example' type='groupchat' id='c8e1f3a2-6f1b-4c50-9f8e-4f8b3f1d2a77'>` +
	`<body>O Romeo, Romeo! wherefore art thou Romeo? Deny thy father and refuse thy name.</body>` +
	`<origin-id xmlns='urn:xmpp:sid:0' id='c8e1f3a2-6f1b-4c50-9f8e-4f8b3f1d2a77'/>` +
	`<active xmlns='http://jabber.org/protocol/chatstates'/>` +
	`<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'>` +
	`<p>O <em>Romeo</em>, Romeo! wherefore art thou <strong>Romeo</strong>?</p></body></html></message>`

// A join presence as Converse.js sends it: muc x with history, caps and
// the vcard-temp:x:update a server adds.
const benchJoin = `<presence xmlns='jabber:client' from='juliet@capulet.example/balcony' to='garden@rooms.example/Juliet' id='4f2a0c1e'>` +
	`<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='20'/></x>` +
	`<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='https://conversejs.org' ver='QgayPKawpkPSDYmwT/WM94uAlu0='/>` +
	`<x xmlns='vcard-temp:x:update'><photo>01b87fcd030b72895ff8e88db57ec525450f000d</photo></x></presence>`

func benchDecode(b *testing.B, in string) {
	b.Helper()
	data := []byte(in)
	b.ReportAllocs()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := Decode(data); err != nil {
			b.Fatal(err)
		}
	}
}

func benchEncode(b *testing.B, in string) {
	b.Helper()
	s, err := Decode([]byte(in))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	buf := make([]byte, 0, 2*len(in))
	for b.Loop() {
		buf = Append(buf[:0], s)
	}
	b.SetBytes(int64(len(buf)))
}

func BenchmarkDecodeGroupchat(b *testing.B) { benchDecode(b, benchGroupchat) }
func BenchmarkDecodeJoin(b *testing.B)      { benchDecode(b, benchJoin) }
func BenchmarkEncodeGroupchat(b *testing.B) { benchEncode(b, benchGroupchat) }
func BenchmarkEncodeJoin(b *testing.B)      { benchEncode(b, benchJoin) }

func BenchmarkEncodeGroupchatNewBuffer(b *testing.B) {
	s, err := Decode([]byte(benchGroupchat))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = Encode(s)
	}
}

func BenchmarkParseJID(b *testing.B) {
	for _, in := range []string{"juliet@capulet.example/balcony", "garden@rooms.example/Juliet Capulet", "Ünïcode@Exämple.COM/Rësource"} {
		b.Run(in, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
