// Package muc is a complete, transport-agnostic XEP-0045 Multi-User Chat
// service: a Service (one component domain, many rooms) and its Rooms, as
// pure state machines.
//
// # Sans-IO
//
// Nothing in this package does I/O, starts goroutines, reads the clock or
// uses randomness. The embedder feeds stanzas in with Service.Handle (or
// Room.Handle) together with the current time, and sends what comes back in
// the Output, in order. Ids the room needs come from an injected function.
// The same state and the same input give the same output, byte for byte.
//
// Service and Room are not safe for concurrent use: drive each from one
// goroutine (the transport does).
//
// # Output
//
// Output.Stanzas are addressed to local entities (real JIDs). Occupants
// reached through another federated node (Occupant.Via is set) are never
// sent stanzas directly: for them the Output carries one RemoteDelivery per
// distinct node, never back to the node the input came from (see
// Room.HandleRemote). Output.Events describe state changes an embedder
// persists or logs (affiliations, configuration, subject, history, archive, rooms
// created and destroyed, occupants joining and leaving).
//
// # Errors
//
// Protocol problems become error stanzas in the Output, never Go errors;
// Go errors report misuse (a nil stanza, a stanza for another domain, bad
// configuration) and wrap the sentinels of this package. Nothing panics on
// input: payloads are built with builders that cannot fail.
//
// # Limits
//
// What users can make a room hold is bounded by Limits (ServiceOptions.Limits,
// Options.Limits; zero fields take DefaultLimits), and requests beyond a
// bound are refused with the condition below and a <text/> saying the bound:
//
//	MaxAdminItems           100    items in one muc#admin set          policy-violation
//	MaxAffiliations       1,000    users in a room's lists (§9, §10,   policy-violation
//	                               registered nicks of §7.10)
//	MaxJIDLength            256    bytes of a bare JID added to them   not-acceptable
//	MaxRoomName             100    characters of the room name (§10.2) not-acceptable
//	MaxRoomDescription    1,000    characters of its description       not-acceptable
//	MaxSubject            1,000    characters of a subject (§8.1)      not-acceptable
//	MaxDiscoItems           100    items per disco#items page          (paged)
//	MaxPendingIQs         1,024    IQs forwarded to occupants, a room  resource-constraint
//	MaxPendingIQsPerSender   32    the same per requester bare JID     resource-constraint
//
// Limits also keep one user from exhausting a service (the abuse limits of a
// public server, after ejabberd's mod_muc and Prosody's mod_muc_limits):
//
//	MaxRooms             10,000    rooms of a Service                  resource-constraint (wait)
//	MaxRoomsPerCreator       10    rooms one bare JID created          policy-violation
//	MaxUserRooms            100    rooms one bare JID is in            resource-constraint (wait)
//	MaxUserSessions           5    sessions of one bare JID in a room  policy-violation
//	                               (§7.2.8)
//	MessageInterval/Burst  1s/10   each occupant's message rate        policy-violation (wait)
//	PresenceInterval/Burst 2s/10   each occupant's presence rate       dropped; nick changes
//	                                                                   policy-violation (wait)
//	MaxRoomLocal            128    bytes of a new room's localpart     not-acceptable
//	MaxNick                  64    characters of a nick                not-acceptable
//	MaxStatus             1,000    characters of a <status/>           not-acceptable
//	MaxBody              10,000    characters of a <body/>             not-acceptable
//	MaxStanza            64 KiB    payload of a relayed stanza         policy-violation
//	MaxBroadcastPresence  1,000    occupants above which status        (moderators only)
//	                               changes and visitors' entries and
//	                               exits reach moderators only
//
// Who may create rooms is ServiceOptions.Creators (anyone, users of
// CreateDomains, or Admins; not-allowed). The counts are kept as sessions
// enter and leave and rooms are created and destroyed, never by scanning;
// the rates are token buckets in each occupant, timed by the now of each
// call.
//
// XEP-0045 has no paging for its affiliation lists, so their size is bounded
// instead. Every stanza in an Output encodes within MaxOutputSize (288 KiB)
// when the input was decoded with the default stanza.Limits: relayed stanzas
// grow by addresses and room payloads only, and a reply the room composes
// from its state (a list, the configuration form, disco#info) that would
// exceed 256 KiB anyway (lists filled beyond the Limits by SetAffiliation or
// Restore, or holding many long registered nicks) is answered with
// resource-constraint. disco#info lists at most 10 owners as contacts.
//
// # Paging
//
// disco#items to the service (§6.3, public rooms) and to a room that lists
// its occupants (§6.5) is paged with XEP-0059 Result Set Management: items
// are sorted by JID, which serves as the UID; <max/>, <after/>, <before/>
// (empty for the last page), <index/> and <max>0</max> for the count are
// understood, and results carry <set/> with <first index=.../>, <last/> and
// <count/>. A page holds at most Limits.MaxDiscoItems items, and fewer when
// more would not fit in 256 KiB. A request without <set/> gets the first
// page, with a <set/> when there are more items. The service advertises
// http://jabber.org/protocol/rsm.
//
// # Nicknames
//
// Nicks are compared with the RFC 8266 Nickname profile (case, width,
// compatibility and spaces do not make two nicks: Honest, HONEST and the
// fullwidth Ｈｏｎｅｓｔ are one; RFC 7622 already composes combining marks):
// for conflicts on entry (§7.2.8) and nick change (§7.6), registered nicks
// (§7.10), moderation items, IQs and private messages to room/nick, and
// Room.Occupant. A nick is kept and shown as the user typed it; nicks the
// profile refuses get jid-malformed on entry and not-acceptable on a nick
// change. A further session whose nick is written otherwise joins the
// occupant's nick with 210 (§7.2.2).
//
// # Archive (XEP-0313)
//
// With Options.Archive (ServiceOptions.Archive) set, a room keeps an
// archive of its groupchat messages, the same ones its history keeps
// (a body or a <store/> hint, no <no-store/>), each under the XEP-0359
// stanza id its reflection carried, bounded by Archive.MaxMessages and
// Archive.MaxAge (the retention: the oldest go first; older than MaxAge are
// hidden from queries and dropped at the next message). It answers
// XEP-0313 queries to the room's bare JID (§3.3.2): the form (§4.1.5),
// start and end (inclusive), with (an occupant JID for anyone, a real JID
// only for who may see real JIDs), ids, after-id and before-id, XEP-0059
// paging (max up to 100, after, before, an empty before for the last page,
// index; a page of large messages is cut at 1 MiB, its <set/> saying
// where), and the #extended features: flipped pages (§4.3.4) and the
// archive's metadata (§5). Results carry a muc#user item with the author's real JID only
// for who may see it (non-anonymous rooms; moderators, admins and owners
// otherwise), and never a muc#user <x/> the author sent (§6.1.2, §8.4).
// Outcasts may not read the archive, nor non-members a members-only room
// (§6.1.2). Subject changes are archived too (§6.1.2 SHOULD). The archive
// is part of State; MessageArchived events carry each new entry and how
// many old ones expired.
//
// # XEP-0045 coverage
//
// Section numbers are those of the XEP-0045 text this package follows
// (version 1.35). Everything is implemented except where a reason is given.
//
//   - §5 Roles and affiliations: the privilege tables, default roles (§5.1.2)
//     and who may change whose role or affiliation (§5.1.3, §5.2.2).
//   - §6.1-§6.3 Service disco and room listing: public, unlocked rooms,
//     paged (see Paging).
//   - §6.4 Room information: identity, the room-type features, registration,
//     voice requests, XEP-0359, XEP-0410 self-ping, XEP-0421 when enabled,
//     and the muc#roominfo form (contacts only in non-anonymous rooms).
//   - §6.5 Room items: empty (private) unless Config.ListOccupants; paged.
//   - §6.6 Queries to an occupant JID: bad-request for non-occupants;
//     otherwise forwarded as the IQs of §17.4 below.
//   - §6.7 Client support: a client matter.
//   - §7.1, §7.2 Entering: order of events, presence broadcast, non- and
//     semi-anonymous rooms, passwords, members-only, bans, nick conflicts,
//     max users (admins and owners admitted over the limit), locked and
//     nonexistent rooms, logging (170), history and its management, subject.
//     §7.2.8 multiple sessions: further resources of an occupant's bare JID
//     enter under its nick as sessions of the same occupant
//     (Occupant.Sessions, events SessionJoined/SessionLeft): each gets the
//     entry sequence alone; groupchat, private messages and every change
//     of the occupant reach all sessions; one session leaving is only told
//     to it; the occupant's presence is that of its latest presence update
//     (Room.Handle). Remote occupants keep one session each. Not done:
//     the §7.2.18 Groupchat 1.0 join (a presence without the muc <x/> from
//     a non-occupant gets the recommended 110/307/333 answer instead).
//   - §7.3, §8.1 Subject; §7.4 groupchat (XEP-0359 stanza-id added, ids
//     kept); §7.5 private messages (muc#roomconfig_allowpm); §7.6 nick changes
//     (registered nicks reserved); §7.7 presence updates; §7.14 exit
//     (unavailable presence to the occupant JID or to the bare room JID).
//   - §7.8 Invitations: mediated invitations and declines; in members-only
//     rooms only admins and owners invite unless muc#roomconfig_allowinvites,
//     and invitees join the member list; an invitation bounced by the
//     invitee's server is reported to the inviter as item-not-found. Direct
//     invitations (XEP-0249) do not involve the room.
//   - §7.9 One-to-one conversion: the room relays <continue/> in invitations;
//     the rest is done by clients.
//   - §7.10 Registration (Config.Registration: open, approval by admins as in
//     §9.9, closed, unsupported); §7.11 member list (getmemberlist); §7.12
//     reserved nick (x-roomuser-item). Nickname lockdown (a MAY):
//     Config.NickLockdown makes users with a registered nick enter under it
//     with 210 (§7.2.2) and refuses their nick changes; registering while
//     in the room under another nick renames the occupant, with 210 for
//     everyone (§7.10).
//   - §7.13, §8.6 Voice requests and their approval by moderators.
//   - §8.2-§8.5, §9.1-§9.8 Moderation and affiliation lists, with the
//     permission checks of each section; §9.9 registration approval.
//     When the user whose affiliation changes has no occupant in the
//     room (§9.3-§9.5, §10.3-§10.7 MAY), the occupants get, after the
//     requester's result, a message from the room with a muc#user
//     <item/> (the affiliation, role none, and the bare JID for those who
//     may see real JIDs); changes to or from outcast are not announced,
//     the ban list being for admins (§9.2).
//   - §10.1-§10.9 Creation (locked, instant, reserved, cancel, lock timeout;
//     ServiceOptions.Locking creates rooms unlocked instead, as instant
//     rooms; joins to a locked room are refused with item-not-found as
//     §7.2.10 requires), configuration forms, owner and admin lists (a
//     room keeps an owner), destruction; §10.2.1 change notices 104 and
//     170-173, the initial configuration of a locked room included. A
//     form that sets a non-empty room secret without the
//     passwordprotectedroom field protects the room; protection without a
//     secret is refused (see Config.PasswordProtected).
//   - §11.1 Users removed after errors ("Service removes user because of
//     error response", 333): a message error with a §18.1.2 delivery
//     condition, or a presence error of any condition, from an
//     occupant's real JID; the unavailable presence carries the
//     condition (and, in non-anonymous rooms, the error's text) in its
//     <status/>. §11.2 Service.Shutdown (332).
//   - §12 Status codes (stanza.StatusCode): all but 101 (a message to the
//     user itself, who is not in the room, about its own affiliation
//     change) and 102/103 (rooms showing unavailable members are not
//     supported); 210 only under Config.NickLockdown.
//   - §17 Business rules: blank and invisible nicks refused (§17.1);
//     presence probes (§17.3 MAY) from an occupant (a session or its bare
//     JID) to an occupant JID answered with that occupant's presence as
//     the prober may see it (real JID per §7.2.3/§7.2.4, nothing of a role
//     whose presence is not broadcast: then, as for an absent nick, an
//     unavailable presence with role none), to its own occupant JID with
//     its self-presence (110); probes from non-occupants refused with
//     not-acceptable (RFC 6121 §4.3.2: presence is not revealed), probes
//     to the bare room JID not answered; IQs to
//     occupant JIDs forwarded under the room's own ids, answers routed back
//     and timed out (Options.IQTimeout); vCard requests go to the occupant's
//     bare JID; vCards of the room itself are not supported
//     (service-unavailable, RFC 6120 §8.4).
//   - §18.1 Services: the muc#traffic node answers service-unavailable (no
//     payload is discarded); ghost users are removed (§18.1.2). Holding
//     visitors' messages for approval (a MAY) is not done.
package muc
