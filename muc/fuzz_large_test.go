package muc

import (
	"bytes"
	"crypto/sha256"
	"strconv"
	"strings"
	"testing"
)

// largeUsers are the senders of FuzzRoomLarge: two local users with short
// JIDs, one with a localpart and a resource of 1,000 characters, and a
// remote one.
var largeUsers = []struct{ jid, via string }{
	{"a@x/1", ""}, {"b@x/1", ""},
	{strings.Repeat("l", 1000) + "@x/" + strings.Repeat("r", 1000), ""},
	{"r1@far/1", node2},
}

// fuzzLargeStanza builds one step of FuzzRoomLarge: the requests of
// fuzzStanza with large inputs (admin sets of up to 127 items with JIDs of
// up to 1,000 characters, long names, descriptions, subjects, nicks and
// presence payloads, configuration forms listing many owners, rooms
// created in numbers, paged disco#items), all within the decoder's limit.
func fuzzLargeStanza(op, who, arg byte) (xml, from, via string) {
	u := largeUsers[int(who)%len(largeUsers)]
	from, via = u.jid, u.via
	room := "r" + strconv.Itoa(int(who>>4)%8) + "@muc.example"
	n := int(arg)
	nick := []string{"A", "B", strings.Repeat("N", 1000), "ＡＢ", "a\u0301"}[n%5]
	occ := room + "/" + nick
	head := func(kind, to, typ string) string {
		s := "<" + kind + " from='" + from + "' to='" + to + "' id='f" + strconv.Itoa(n) + "'"
		if typ != "" {
			s += " type='" + typ + "'"
		}
		return s + ">"
	}
	// jids are n%128 distinct bare JIDs of 100 to 1,000 characters.
	jids := func() []string {
		var out []string
		for i := range n % 128 {
			out = append(out, longJID(i+n*256, 100+(n*37)%900))
		}
		return out
	}
	text := func(c string, size, most int) string { return strings.Repeat(c, min(size, most)) }
	owner := func(fields string) string {
		return head("iq", room, "set") + "<query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'>" + fields + "</x></query></iq>"
	}
	switch int(op) % 16 {
	case 0:
		xml = head("presence", occ, "") + joinX + "<status>" + text("s", n*500, 100_000) + "</status></presence>"
	case 1:
		// An instant room, public, non-anonymous.
		xml = owner("<field var='muc#roomconfig_whois'><value>anyone</value></field>")
	case 2:
		var b strings.Builder
		aff := fuzzAffs[n%len(fuzzAffs)]
		for _, j := range jids() {
			b.WriteString("<item affiliation='" + aff + "' jid='" + j + "' nick='" + j[:min(len(j), n)] + "'/>")
		}
		xml = head("iq", room, "set") + "<query xmlns='http://jabber.org/protocol/muc#admin'>" + b.String() + "</query></iq>"
	case 3:
		xml = head("iq", room, "get") + "<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='" + fuzzAffs[n%len(fuzzAffs)] + "'/></query></iq>"
	case 4:
		xml = head("iq", room, "get") + "<query xmlns='http://jabber.org/protocol/muc#owner'/></iq>"
	case 5:
		xml = owner("<field var='muc#roomconfig_roomname'><value>" + text("n", n*10, 2000) + "</value></field><field var='muc#roomconfig_roomdesc'><value>" + text("d", n*20, 5000) + "</value></field>")
	case 6:
		var b strings.Builder
		b.WriteString("<value>" + from[:strings.IndexByte(from, '/')] + "</value>")
		for _, j := range jids() {
			b.WriteString("<value>" + j + "</value>")
		}
		v := "muc#roomconfig_roomowners"
		if n&1 != 0 {
			v = "muc#roomconfig_roomadmins"
		}
		xml = owner("<field var='" + v + "'>" + b.String() + "</field>")
	case 7:
		xml = head("iq", room, "get") + "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
	case 8:
		set := ""
		if n&1 != 0 {
			set = "<set xmlns='http://jabber.org/protocol/rsm'><max>" + strconv.Itoa(n%7) + "</max><after>r" + strconv.Itoa(n%8) + "@muc.example</after></set>"
		}
		xml = head("iq", "muc.example", "get") + "<query xmlns='http://jabber.org/protocol/disco#items'>" + set + "</query></iq>"
	case 9:
		xml = head("message", room, "groupchat") + "<subject>" + text("t", n*10, 3000) + "</subject></message>"
	case 10:
		xml = head("message", room, "groupchat") + "<body>" + text("b", 1+n*n*4, 200_000) + "</body></message>"
	case 11:
		xml = head("presence", occ, "") + "<status>" + text("u", n*800, 200_000) + "</status></presence>"
	case 12:
		xml = head("iq", room, "set") + "<query xmlns='jabber:iq:register'>" + regForm(nick) + "</query></iq>"
	case 13:
		xml = head("message", room, "") + "<x xmlns='http://jabber.org/protocol/muc#user'><invite to='" + longJID(n, 100+n) + "'><reason>" + text("i", n*100, 20_000) + "</reason></invite></x></message>"
	case 14:
		xml = head("iq", occ, "get") + "<vCard xmlns='vcard-temp'/></iq>"
	default:
		xml = head("iq", room, "get") + "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>"
	}
	return xml, from, via
}

// unlimited are Limits far beyond any input (2,000 users with JIDs of a
// thousand characters make lists of 2 MB), for FuzzRoomLarge to reach the
// bounds on output that do not depend on the Limits.
var unlimited = Limits{MaxAdminItems: 1 << 20, MaxAffiliations: 2000, MaxJIDLength: 3071, MaxRoomName: 1 << 20, MaxRoomDescription: 1 << 20, MaxSubject: 1 << 20, MaxDiscoItems: 1 << 20}

// FuzzRoomLarge drives rooms with large inputs: nothing panics, the
// package invariants hold, every output stanza encodes within
// MaxOutputSize (checkInvariants) and the run is deterministic. The
// first byte chooses the default Limits (even) or unlimited (odd); the
// others are steps of three bytes (fuzzLargeStanza).
func FuzzRoomLarge(f *testing.F) {
	// Owners with long JIDs in a non-anonymous room: list, form, disco.
	// (issue 21: with the Limits off, the list and the form are too
	// large; the honest disco#info is not.)
	f.Add([]byte{0, 0, 0, 1, 1, 0, 0, 2, 0, 119, 2, 0, 114, 2, 0, 109, 3, 0, 4, 4, 0, 0, 7, 1, 0})
	f.Add([]byte{1, 0, 0, 1, 1, 0, 0, 2, 0, 119, 2, 0, 114, 2, 0, 109, 3, 0, 4, 4, 0, 0, 7, 1, 0})
	// Long names, many rooms, paged disco#items.
	f.Add([]byte{1, 0, 0, 0, 1, 0, 0, 5, 0, 200, 0, 0x10, 0, 1, 0x10, 0, 0, 0x20, 0, 1, 0x20, 0, 8, 0, 0, 8, 0, 3})
	// A long sender, long nicks and presence, subject, body, invitation.
	f.Add([]byte{0, 0, 2, 2, 1, 2, 0, 11, 2, 200, 9, 2, 255, 10, 2, 90, 13, 2, 100, 14, 0, 2, 0, 3, 7})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) == 0 {
			return
		}
		lim := func(o *ServiceOptions) {
			if data[0]&1 != 0 {
				o.Limits = unlimited
			}
		}
		// The transcripts run to megabytes: compare their digests.
		a, b := sha256.New(), sha256.New()
		fuzzRun(t, data[1:], fuzzLargeStanza, a, lim)
		fuzzRun(t, data[1:], fuzzLargeStanza, b, lim)
		if !bytes.Equal(a.Sum(nil), b.Sum(nil)) {
			t.Fatalf("not deterministic")
		}
	})
}
