// Package fmuc is the root of an embeddable Go library for federated
// multi-user chat: XEP-0289 Federated MUC for Constrained Environments on
// top of a complete XEP-0045 Multi-User Chat.
//
// The module is split the way etcd-io/raft splits a state machine from its
// driver:
//
//   - [github.com/xmppfmuc/fmuc/stanza]: pure protocol types — JIDs,
//     stanzas that keep every payload, stanza errors, typed MUC payloads,
//     a deterministic encoder and a bounded decoder.
//   - [github.com/xmppfmuc/fmuc/muc]: a transport-agnostic XEP-0045 room
//     and service. Handle(now, stanza) returns the stanzas to send and
//     typed events; no goroutines, clock reads or I/O.
//   - [github.com/xmppfmuc/fmuc/examples/node/mucstore]: persistence of muc rooms
//     (configuration, affiliations, subject, history, XEP-0313 archive)
//     behind a Store interface, with an embedded go.etcd.io/bbolt default,
//     and the durability contract: persist each call's events, then send.
//   - [github.com/xmppfmuc/fmuc/transport]: the only package that does
//     I/O. It connects any Handle/Tick/NextDeadline state machine to an
//     XMPP server as an XEP-0114 external component.
//   - examples/: a runnable MUC component node and an in-memory demo.
//   - internal/: helpers that are nobody else's API.
//
// Federation (package fmuc) builds on exactly these packages.
package fmuc
