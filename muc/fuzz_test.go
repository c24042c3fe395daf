package muc

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// fuzzUsers are the senders: four local users and three remote ones on
// two nodes ("" via = local).
var fuzzUsers = []struct{ jid, via string }{
	{"a@x/1", ""}, {"b@x/1", ""}, {"b@x/2", ""}, {"c@y/1", ""},
	{"r1@far/1", node2}, {"r2@far/1", node2}, {"r3@other/1", node3},
}

var fuzzNicks = []string{"A", "B", "C", "Dee"}

var fuzzConfig = [][2]string{
	{fModerated, "1"}, {fModerated, "0"}, {fMembersOnly, "1"}, {fMembersOnly, "0"},
	{fWhois, "anyone"}, {fWhois, "moderators"}, {fMaxUsers, "2"}, {fMaxUsers, "none"},
	{fMaxHistory, "2"}, {fChangeSubject, "0"}, {fAllowPM, "none"}, {fAllowPM, "moderators"},
	{fPresenceBroadcast, "moderator"}, {fPersistent, "1"}, {fPasswordProtected, "1"}, {fRoomAdmins, "b@x"},
	{fSecret, "pw"}, {fPasswordProtected, "0"},
}

var fuzzRoles = []string{"none", "visitor", "participant", "moderator"}
var fuzzAffs = []string{"outcast", "none", "member", "admin", "owner"}

// fuzzStanza builds the XML of one step from three bytes.
func fuzzStanza(op, who, arg byte) (xml, from, via string) {
	u := fuzzUsers[int(who)%len(fuzzUsers)]
	from, via = u.jid, u.via
	room := "r@muc.example"
	if arg&0x80 != 0 {
		room = "s@muc.example"
	}
	nick := fuzzNicks[int(arg)%len(fuzzNicks)]
	occ := room + "/" + nick
	n := strconv.Itoa(int(arg))
	head := func(kind, to, typ string) string {
		s := "<" + kind + " from='" + from + "' to='" + to + "' id='f" + n + "'"
		if typ != "" {
			s += " type='" + typ + "'"
		}
		return s + ">"
	}
	admin := func(inner string) string {
		return head("iq", room, "set") + "<query xmlns='http://jabber.org/protocol/muc#admin'>" + inner + "</query></iq>"
	}
	owner := func(typ, inner string) string {
		return head("iq", room, typ) + "<query xmlns='http://jabber.org/protocol/muc#owner'>" + inner + "</query></iq>"
	}
	switch int(op) % 22 {
	case 0:
		xml = head("presence", occ, "") + joinX + "</presence>"
	case 1:
		xml = head("presence", occ, "") + "<x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='" + strconv.Itoa(int(arg)%4) + "'/><password>pw</password></x></presence>"
	case 2:
		xml = head("presence", occ, "") + "<show>away</show><status>s" + n + "</status></presence>"
	case 3:
		to := occ
		if arg&0x40 != 0 {
			to = room // an exit to the bare room JID
		}
		xml = head("presence", to, "unavailable") + "<status>bye</status></presence>"
	case 4:
		xml = head("message", room, "groupchat") + "<body>b" + n + "</body></message>"
	case 5:
		xml = head("message", room, "groupchat") + "<subject>t" + n + "</subject></message>"
	case 6:
		xml = head("message", occ, "chat") + "<body>p" + n + "</body></message>"
	case 7:
		xml = admin("<item nick='" + nick + "' role='none'><reason>r</reason></item>")
	case 8:
		xml = admin("<item affiliation='" + fuzzAffs[int(arg)%len(fuzzAffs)] + "' jid='" + fuzzUsers[int(arg)%len(fuzzUsers)].jid + "'/>")
	case 9:
		xml = admin("<item nick='" + nick + "' role='" + fuzzRoles[int(arg)%len(fuzzRoles)] + "'/>")
	case 10:
		c := fuzzConfig[int(arg)%len(fuzzConfig)]
		secret := ""
		if c[0] == fPasswordProtected {
			secret = "<field var='muc#roomconfig_roomsecret'><value>pw</value></field>"
		}
		xml = owner("set", "<x xmlns='jabber:x:data' type='submit'><field var='"+c[0]+"'><value>"+c[1]+"</value></field>"+secret+"</x>")
	case 11:
		xml = owner("set", "<destroy><reason>gone</reason></destroy>")
	case 12:
		xml = head("iq", room, "get") + "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>"
	case 13:
		xml = owner("set", "<x xmlns='jabber:x:data' type='submit'/>")
	case 14:
		xml = head("iq", room, "get") + "<query xmlns='urn:unknown'/></iq>"
	case 15:
		kind := "message"
		if arg&0x40 != 0 {
			kind = "presence"
		}
		xml = head(kind, occ, "error") + "<error type='cancel'><gone xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></" + kind + ">"
	case 16:
		typ := ""
		if arg&0x40 != 0 {
			typ = "probe"
		}
		xml = head("presence", occ, typ) + "</presence>"
	case 17:
		xml = owner("get", "")
	case 18:
		xml = head("iq", room, "get") + "<query xmlns='http://jabber.org/protocol/muc#admin'><item affiliation='" + fuzzAffs[int(arg)%len(fuzzAffs)] + "'/></query></iq>"
	case 19:
		xml = owner("set", "<x xmlns='jabber:x:data' type='cancel'/>")
	case 20:
		xml = head("iq", occ, "get") + "<vCard xmlns='vcard-temp'/></iq>"
	default:
		xml = head("iq", "muc.example", "get") + "<query xmlns='http://jabber.org/protocol/disco#items'/></iq>"
	}
	return xml, from, via
}

// stanzaGen builds the XML of one fuzz step from three bytes, with the
// sender's real JID and node ("" = local).
type stanzaGen func(op, who, arg byte) (xml, from, via string)

// fuzzRun feeds the steps encoded in data, built by gen, to a fresh
// service, checks the invariants after each, and writes the transcript to
// transcript.
func fuzzRun(t *testing.T, data []byte, gen stanzaGen, transcript io.Writer, mod ...func(*ServiceOptions)) {
	h := newHarness(t, mod...)
	for i := 0; i+2 < len(data) && i < 3*200; i += 3 {
		xml, _, via := gen(data[i], data[i+1], data[i+2])
		if data[i]&0x40 != 0 && i+3 < len(data) {
			// A byte mutation of the template.
			b := []byte(xml)
			b[int(data[i+2])%len(b)] = data[i+3]
			xml = string(b)
		}
		in, err := stanza.Decode([]byte(xml))
		if err != nil {
			continue
		}
		before := occupantSet(h.svc)
		var out Output
		if via == "" {
			out, err = h.svc.Handle(h.now, in)
		} else {
			out, err = h.svc.HandleRemote(h.now, stanza.MustParse(via), in)
		}
		if err != nil && in.Head().To.Domain() != "muc.example" && errors.Is(err, ErrWrongAddress) {
			continue // a mutation moved the stanza to another domain
		}
		if err != nil {
			// Only misuse is a Go error, and the templates never misuse.
			t.Fatalf("step %d %s: %v", i/3, xml, err)
		}
		checkInvariants(t, h.svc, before, in, in.Head().From, out)
		for _, l := range render(out) {
			io.WriteString(transcript, l+"\n")
		}
		for _, e := range out.Events {
			fmt.Fprintf(transcript, "%T %+v\n", e, e)
		}
		h.now = h.now.Add(time.Second)
	}
}

type occKey struct{ jid, via stanza.JID }

func occupantSet(s *Service) map[occKey]bool {
	m := map[occKey]bool{}
	for _, r := range s.rooms {
		for _, o := range r.occupants {
			for _, j := range o.Sessions() {
				m[occKey{j, o.Via}] = true
			}
		}
	}
	return m
}

func checkInvariants(t *testing.T, s *Service, before map[occKey]bool, in stanza.Stanza, from stanza.JID, out Output) {
	t.Helper()
	after := occupantSet(s)
	for _, r := range s.rooms {
		if r.destroyed {
			t.Fatalf("destroyed room %s still in the service", r.jid)
		}
		sessions := 0
		for _, o := range r.occupants {
			sessions += len(o.Sessions())
		}
		// One occupant per nick; one index entry per session (§7.2.8).
		if len(r.byNick) != len(r.occupants) || len(r.byJID) != sessions || r.sessions != sessions-len(r.occupants) {
			t.Fatalf("tables out of step: %d nicks, %d jids, %d occupants, %d sessions (%d counted)", len(r.byNick), len(r.byJID), len(r.occupants), sessions, r.sessions)
		}
		owners := 0
		for _, a := range r.affs {
			if a == stanza.AffiliationOwner {
				owners++
			}
		}
		if owners == 0 {
			t.Fatalf("room %s has no owner", r.jid)
		}
		for _, o := range r.occupants {
			if r.byNick[nickKey(o.Nick)] != o {
				t.Fatalf("occupant %s not indexed", o.Nick)
			}
			// Sessions belong to one bare JID, are all indexed, and only
			// local occupants have more than one.
			for _, j := range o.Sessions() {
				if r.byJID[j] != o || j.Bare() != o.JID.Bare() || j.Resource() == "" {
					t.Fatalf("occupant %s: session %s", o.Nick, j)
				}
			}
			if len(o.others) > 0 && o.Remote() {
				t.Fatalf("remote occupant %s with %d sessions", o.Nick, 1+len(o.others))
			}
			switch o.Role {
			case stanza.RoleModerator, stanza.RoleParticipant, stanza.RoleVisitor:
			default:
				t.Fatalf("occupant %s has role %q", o.Nick, o.Role)
			}
			if o.Affiliation != r.Affiliation(o.JID) || o.Affiliation == stanza.AffiliationOutcast {
				t.Fatalf("occupant %s affiliation %q, room says %q", o.Nick, o.Affiliation, r.Affiliation(o.JID))
			}
			if r.config.MembersOnly && rank(o.Affiliation) < rank(stanza.AffiliationMember) {
				t.Fatalf("non-member %s in a members-only room", o.Nick)
			}
			if o.addr.Resource() != o.Nick || o.addr.Bare() != r.jid {
				t.Fatalf("occupant %s has address %s", o.Nick, o.addr)
			}
		}
	}
	requireCounts(t, s)
	requireSized(t, out)
	for _, st := range out.Stanzas {
		to := st.Head().To
		if to == from || outOfRoom(st) {
			continue // replies to the sender; invitations and the like
		}
		if !before[occKey{to, stanza.JID{}}] && !after[occKey{to, stanza.JID{}}] {
			t.Fatalf("stanza to non-occupant %s: %s", to, stanza.Encode(st))
		}
		if st.Head().From.Domain() != "muc.example" {
			t.Fatalf("stanza not from the service: %s", stanza.Encode(st))
		}
	}
	for _, rd := range out.Remote {
		if rd.Stanza.Head().To != rd.Via {
			t.Fatalf("remote delivery not addressed to its node: %s", stanza.Encode(rd.Stanza))
		}
		ok := rd.For == from || rd.About == from
		for k := range before {
			ok = ok || k.via == rd.Via
		}
		for k := range after {
			ok = ok || k.via == rd.Via
		}
		if !ok {
			t.Fatalf("remote delivery to %s, which has no occupant", rd.Via)
		}
	}
	for _, e := range out.Events {
		if e.Room().Domain() != "muc.example" || e.Room().Local() == "" {
			t.Fatalf("event for %s", e.Room())
		}
	}
}

// tightLimits are Limits a few fuzz steps reach: two rooms, one room per
// creator, one room per user, two sessions per user in a room, bursts of
// three, short names and texts, crowded above two occupants.
var tightLimits = Limits{MaxRooms: 2, MaxRoomsPerCreator: 1, MaxUserRooms: 1, MaxUserSessions: 2,
	MessageInterval: 5 * time.Second, MessageBurst: 3, PresenceInterval: 5 * time.Second, PresenceBurst: 3,
	MaxNick: 4, MaxStatus: 8, MaxBody: 16, MaxStanza: 300, MaxBroadcastPresence: 2}

func FuzzRoom(f *testing.F) {
	f.Add([]byte{0, 0, 0, 13, 0, 0, 0, 1, 1, 4, 1, 0, 7, 0, 1})
	f.Add([]byte{0, 0, 0, 13, 0, 0, 0, 4, 1, 0, 5, 2, 8, 0, 3, 3, 4, 1})
	// Two sessions of b@x as B (§7.2.8): join, speak, nick change, exits.
	f.Add([]byte{0, 0, 0, 13, 0, 0, 0, 1, 1, 0, 2, 1, 4, 2, 0, 2, 1, 2, 0, 2, 3, 3, 1, 1, 3, 2, 2})
	f.Fuzz(func(t *testing.T, data []byte) {
		var a, b bytes.Buffer
		var mod []func(*ServiceOptions)
		if len(data) > 0 && data[len(data)-1]&1 != 0 {
			// Limits small enough for the steps to reach (the invariants
			// check that no count exceeds them).
			mod = append(mod, func(o *ServiceOptions) { o.Limits = tightLimits })
		}
		fuzzRun(t, data, fuzzStanza, &a, mod...)
		fuzzRun(t, data, fuzzStanza, &b, mod...)
		if !bytes.Equal(a.Bytes(), b.Bytes()) {
			t.Fatalf("not deterministic:\n%s\n---\n%s", a.Bytes(), b.Bytes())
		}
	})
}

// outOfRoom reports whether s is one of the stanzas a room legitimately
// sends to someone who is not an occupant (for the fuzz invariants):
// mediated invitations and declines (§7.8.2), registration approval forms
// to admins (§9.9), and IQs forwarded to an occupant's account, such as
// vCard requests to its bare JID (§17.4).
func outOfRoom(s stanza.Stanza) bool {
	switch s.Kind() {
	case stanza.KindMessage:
		if x, ok := stanza.Child(s, stanza.NSMUCUser, "x"); ok {
			var u stanza.MUCUser
			return x.Decode(&u) == nil && (len(u.Invites) > 0 || u.Decline != nil)
		}
		_, form := stanza.Child(s, stanza.NSData, "x")
		return form
	case stanza.KindIQ:
		return s.Head().To.IsBare() && s.Head().From.Resource() != ""
	}
	return false
}
