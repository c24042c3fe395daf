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
// persists or logs (affiliations, configuration, subject, history, rooms
// created and destroyed, occupants joining and leaving).
//
// # Errors
//
// Protocol problems become error stanzas in the Output, never Go errors;
// Go errors report misuse (a nil stanza, a stanza for another domain, bad
// configuration) and wrap the sentinels of this package.
//
// # XEP-0045 coverage
//
// Section numbers are those of the XEP-0045 text this package follows
// (version 1.35). Everything is implemented except where a reason is given.
//
//   - §5 Roles and affiliations: the privilege tables, default roles (§5.1.2)
//     and who may change whose role or affiliation (§5.1.3, §5.2.2).
//   - §6.1-§6.3 Service disco and room listing: public, unlocked rooms.
//   - §6.4 Room information: identity, the room-type features, registration,
//     voice requests, XEP-0359, XEP-0410 self-ping, XEP-0421 when enabled,
//     and the muc#roominfo form (contacts only in non-anonymous rooms).
//   - §6.5 Room items: empty (private) unless Config.ListOccupants.
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
//     (see session.go). Remote occupants keep one session each. Not done:
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
//   - §12 Status codes: all but 101 (out-of-room affiliation messages, a MAY
//     of §18.1) and 102/103 (rooms showing unavailable members are not
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
