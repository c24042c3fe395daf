// Package fmuc implements XEP-0289 Federated MUC for Constrained
// Environments on top of the muc package: rooms on different XMPP
// services federate into one conversation, and each stanza crosses a
// server-to-server link once per federated node instead of once per
// remote occupant.
//
// # Model
//
// A Service is one component domain (rooms.wonderland.lit). Each of its
// rooms is an ordinary XEP-0045 room (a muc.Room) whose occupants are its
// own users and the users of the rooms it is linked with, each remote
// occupant marked with the link it is reached through. A room has at most
// one upstream link, to the room it joins (Federation.Upstream), and any
// number of downstream links, from rooms that joined it (as the inbound
// Policy allows): the federation is a tree. A room in the middle of a
// chain is a joining node and a joined node at once.
//
//	alice@wonderland.lit                      hamlet@denmark.lit
//	        |                                         |
//	rabbithole@rooms.wonderland.lit  <-- link -->  elsinore@talk.denmark.lit
//	   (joined node)                  one copy of     (joining node,
//	                                  each stanza      Upstream: rabbithole)
//
// # Wire
//
// Exactly the XEP's forms (§4): a room sends to a peer room's bare JID,
// from its own occupant JID, with <fmuc xmlns='http://isode.com/protocol/fmuc'
// from='real JID'/> naming the user the stanza is about (a kick carries
// the kicked user, not the moderator). The federation join is the first
// local user's presence with the muc <x/> and a muc#user item; the joined
// node answers with its occupants, history and subject, or with <reject/>;
// it confirms with <left/> when the joining node's last user has gone.
// Private messages go to the recipient's occupant JID at the peer and are
// relayed hop by hop. Input is read liberally: joins with or without the
// muc#user item; groupchat to the room or to room/nick; <reject/> and
// <left/> to or from bare or full JIDs; XEP-0203 delays, the XEP's
// <x xmlns='urn:xmpp:delay'/> with 20120419T16:00:44 stamps, and XEP-0091.
//
// What the XEP leaves open is resolved with extensions in NSExt, each
// ignorable by a peer that does not know it and advertised in disco#info
// with NSFMUC: <for/> (which user a reply is for), <echo/> (master-slave),
// <path/> (the rooms above a joined node, for loop refusal), <resync/> and
// <seq/> (link sessions) and <compact/>: between two rooms of this package
// a live groupchat message crosses the link without <fmuc from/> (the peer
// has the user by the nick) and with its sender room's stanza id without
// 'by', so that it costs what one plain MUC copy costs, and a presence
// carries a bare <fmuc/> (its muc#user item names the user). Towards any
// other peer every stanza keeps the XEP's form.
//
// # What each node does
//
//   - The first local user's join is held while the room presents it
//     upstream; then the user sees the federation's occupants, the merged
//     history (ordered by stamp, the origin's delay kept, no duplicates)
//     and the adopted subject, with no fmuc payload. None of it goes back.
//     A <reject/> or an error for that user reaches it as a presence error
//     with the reason; no answer within Options.JoinTimeout lets it in
//     alone (master-master) or refuses it (master-slave).
//   - Groupchat, presence, nick changes and exits fan out over every link
//     but the one they came from, one copy per link. A room with no users
//     anywhere in its subtree sends nothing.
//   - Kicks and bans are decided where the moderator is and enacted by the
//     node that hosts the user, which fans out the result; the deciding
//     node's affiliation lists are its own (a remote owner changes nothing
//     here). Roles and affiliations of remote users are shown as their
//     node states them, cosmetically.
//   - Master-master (the default) shows a local message at once. In
//     master-slave a joining node shows it only when the joined node (the
//     master) echoes it, matched by stanza id, and refuses local groupchat
//     with a wait error while the master cannot be reached.
//   - A relayed message carries one XEP-0359 stanza id, the origin room's:
//     the federation-wide message id. A message of this room that comes
//     back is dropped, never amplified; a join that would close a cycle is
//     rejected.
//
// # Configuration
//
// Options.Federation (SameName for the usual "every room here federates
// with the room of the same name there") and Service.SetFederation give
// each room its Federation; owners set it in the room configuration form
// too, through the non-standard fields FieldUpstream, FieldMode and
// FieldHistory (reported as FederationConfigured events).
//
// # Failing links
//
// A link is lost on a server's bounce, an unanswered XEP-0199 ping or the
// component's stream going down. Chat goes on (master-master); what each
// room would have sent is kept in the link's bounded log; the joining room
// rejoins with backoff and jitter, the joined room probes and asks for the
// rejoin, and each replays only what the other missed (counted per link
// session: startJoinedSession, replay). Users of a link lost for longer
// than Options.RemoteGrace leave with 333. Master-slave rooms refuse local
// groupchat while lost. Nick collisions are decided everywhere by one rule:
// the real JID that sorts first keeps the nick.
//
// # Security (XEP-0289 §7)
//
// A peer speaks only for the real JIDs that joined through it: a stanza for
// any other JID (one of this server's users, Options.LocalDomains, or
// another link's) is dropped and reported as SpoofRefused. Inbound
// federation is denied unless Options.Inbound allows the peer; local
// policy (bans, members-only, passwords, maximum occupants) applies to
// remote users as to local ones; a peer's admin, owner and registration
// requests are refused; a peer's join cannot create a room unless
// Options.RemoteCreate. Clients' fmuc payloads are dropped.
//
// # Use
//
// A Service is a pure state machine like muc.Service: no goroutines, no
// clock, no I/O, ids from Options.NewID; the same inputs give the same
// bytes out. Step and StepTick return the stanzas and events; Handle,
// Tick, NextDeadline, ConnectionChanged and Close are the same calls in the
// shape transport.Component drives, so a Service attaches to a server as
// it is. Package fmuctest runs several services on a deterministic
// in-memory network. A Service is not safe for concurrent use.
package fmuc
