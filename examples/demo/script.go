package main

// step is one action of a user: a stanza they send, as XML with the
// placeholders {room} (the room's bare JID) and the user's own JID as from.
type step struct {
	title string
	user  string
	xml   string
}

// script is the demo: a room created, a conversation, a private message,
// a nick change, a kick and the way out.
var script = []step{
	{"alice creates the room", "alice",
		`<presence to='{room}/Alice'><x xmlns='http://jabber.org/protocol/muc'/></presence>`},
	{"alice accepts the default configuration (instant room)", "alice",
		`<iq to='{room}' id='create1' type='set'><query xmlns='http://jabber.org/protocol/muc#owner'><x xmlns='jabber:x:data' type='submit'/></query></iq>`},
	{"alice sets the subject", "alice",
		`<message to='{room}' id='s1' type='groupchat'><subject>Tea at four</subject></message>`},
	{"alice says hello", "alice",
		`<message to='{room}' id='a1' type='groupchat'><body>Welcome to the tea party!</body></message>`},
	{"bob joins", "bob",
		`<presence to='{room}/Bob'><x xmlns='http://jabber.org/protocol/muc'/></presence>`},
	{"carol joins, asking for no history", "carol",
		`<presence to='{room}/Carol'><x xmlns='http://jabber.org/protocol/muc'><history maxstanzas='0'/></x></presence>`},
	{"bob talks", "bob",
		`<message to='{room}' id='b1' type='groupchat'><body>Hello everyone. Is there milk?</body></message>`},
	{"carol answers", "carol",
		`<message to='{room}' id='c1' type='groupchat'><body>Only lemon, I am afraid.</body></message>`},
	{"alice sends bob a private message", "alice",
		`<message to='{room}/Bob' id='pm1' type='chat'><body>Please don't start about the milk again.</body></message>`},
	{"carol changes her nick", "carol",
		`<presence to='{room}/Caroline'/>`},
	{"bob goes away", "bob",
		`<presence to='{room}/Bob'><show>away</show><status>looking for milk</status></presence>`},
	{"alice kicks bob", "alice",
		`<iq to='{room}' id='kick1' type='set'><query xmlns='http://jabber.org/protocol/muc#admin'><item nick='Bob' role='none'><reason>No milk here</reason></item></query></iq>`},
	{"caroline leaves", "carol",
		`<presence to='{room}/Caroline' type='unavailable'><status>Off to the garden</status></presence>`},
	{"alice leaves last; the temporary room is gone", "alice",
		`<presence to='{room}/Alice' type='unavailable'/>`},
}
