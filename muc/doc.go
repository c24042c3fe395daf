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
package muc
