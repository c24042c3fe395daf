package main

const (
	wonderland = "rooms.wonderland.lit"
	denmark    = "talk.denmark.lit"
	rabbithole = "rabbithole@" + wonderland
	elsinore   = "elsinore@" + denmark
)

// user is one person of the demo: a client of wonderland.lit or of
// denmark.lit.
type user struct {
	name string // as printed: [alice sees]
	jid  string // real JID
	home string // the room the user joins when federation is on
}

// users are the demo's people, in print order.
var users = []user{
	{"alice", "alice@wonderland.lit/pda", rabbithole},
	{"hatter", "hatter@wonderland.lit/tea", rabbithole},
	{"hamlet", "hamlet@denmark.lit/elsinore", elsinore},
	{"ophelia", "ophelia@denmark.lit/castle", elsinore},
}

// step is one action of a user: a stanza they send, as XML whose {room}
// is the bare JID of the room the user is in; 'from' is the user's JID.
type step struct {
	title string
	user  string
	xml   string
}

// script is the XEP-0289 walk-through: a room with history and a subject,
// a second server's room federating with it when its first user joins,
// messages both ways, a presence change, private messages across the
// link, and the way out (<left/> when the joining node's last user goes).
var script = []step{
	{"alice creates rabbithole", "alice",
		`<presence to='{room}/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`},
	{"alice makes it an instant room", "alice",
		`<iq to='{room}' id='create1' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`},
	{"alice sets the subject", "alice",
		`<message to='{room}' id='s1' type='groupchat'><subject>Tea and tragedy</subject></message>`},
	{"alice talks to an empty room (history for later)", "alice",
		`<message to='{room}' id='a1' type='groupchat'><body>Is anybody down here?</body></message>`},
	{"hatter joins rabbithole", "hatter",
		`<presence to='{room}/Hatter'><x xmlns='http://jabber.org/protocol/muc'/></presence>`},
	{"hamlet joins elsinore: its first user, so elsinore federates with rabbithole", "hamlet",
		`<presence to='{room}/Hamlet'><x xmlns='http://jabber.org/protocol/muc'/></presence>`},
	{"ophelia joins elsinore (already federated)", "ophelia",
		`<presence to='{room}/Ophelia'><x xmlns='http://jabber.org/protocol/muc'/></presence>`},
	{"alice greets hamlet", "alice",
		`<message to='{room}' id='a2' type='groupchat'><body>Hi Hamlet</body></message>`},
	{"hamlet answers", "hamlet",
		`<message to='{room}' id='h1' type='groupchat'><body>Hi Alice</body></message>`},
	{"the hatter asks", "hatter",
		`<message to='{room}' id='t1' type='groupchat'><body>Why is a raven like a writing-desk?</body></message>`},
	{"ophelia goes away", "ophelia",
		`<presence to='{room}/Ophelia'><show>away</show><status>Gathering flowers</status></presence>`},
	{"hamlet sends alice a private message", "hamlet",
		`<message to='{room}/Alice' id='pm1' type='chat'><body>I want to say something in private</body></message>`},
	{"alice answers in private", "alice",
		`<message to='{room}/Hamlet' id='pm2' type='chat'><body>Speak</body></message>`},
	{"ophelia leaves", "ophelia",
		`<presence to='{room}/Ophelia' type='unavailable'><status>Off to the brook</status></presence>`},
	{"hamlet leaves, the last user of elsinore: the link ends with <left/>", "hamlet",
		`<presence to='{room}/Hamlet' type='unavailable'/>`},
	{"alice talks on: nothing goes to denmark any more", "alice",
		`<message to='{room}' id='a3' type='groupchat'><body>Where did everyone go?</body></message>`},
}
