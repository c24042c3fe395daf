// Package mucstore persists XEP-0045 rooms (muc.State: configuration,
// affiliations and registered nicks, pending registrations, invitations,
// subject, history and the XEP-0313 archive) and a few service-wide
// records, behind the Store interface, with an embedded default on
// go.etcd.io/bbolt (Open).
//
// The muc and fmuc packages never touch a store: they report state changes
// as typed events in each Output, and the embedder writes them here. The
// package sits under muc because it stores muc's state and nothing else
// imports it; a server author with a database of their own implements
// Store (or skips this package and persists muc.State itself).
//
// # The durability contract
//
// The rule is etcd-io/raft's for its Ready: persist, then send. For each
// call into the service (Handle, Tick, Shutdown) the embedder
//
//  1. builds one Batch from the Output with Batch.Record (the rooms whose
//     events changed them, their history and archive appends, rooms that
//     are gone);
//  2. writes it with Store.Apply, one transaction, durable when it
//     returns (bbolt fsyncs its file on commit);
//  3. only then sends the Output's stanzas.
//
// So a crash at any point loses nothing a client was told happened: an
// affiliation change answered with a result, a configuration accepted, a
// message reflected to its sender and stored in the history and the
// archive. What a crash can lose is the call in progress, whose effects no
// one has seen: the sender gets no answer and retries (a client resends an
// IQ that timed out, and a message it saw no reflection of). Occupants are
// not stored (XEP-0045 presence is transient): after a restart the rooms
// are empty and clients rejoin, as they do after any reconnection.
//
// When Apply fails (a full disk, an I/O error) the changes are not
// acknowledged: the embedder holds back the stanzas of that call, retries
// the batch before the next call and, while it keeps failing, refuses new
// input (the example node answers with a wait-type resource-constraint
// error and logs the failure), so that nothing is silently lost.
//
// # Records
//
// Service-wide records (Snapshot.Meta, Batch.Meta) hold what is not a
// room's: the XEP-0421 occupant-id key (MetaOccupantIDKey, so that ids stay
// stable across restarts) and the state of fmuc.Service (MetaFMUC, its
// State as JSON, written in the batch of each call whose events changed
// it: federation settings, each upstream link's session, position and
// log).
//
// # The bbolt file
//
// Open creates DIR/rooms.db (mode 0600) and holds an exclusive lock on it:
// a second process opening the same directory gets ErrLocked at once
// instead of sharing the file. The file carries a format version
// (FormatVersion); a file of another format, a bbolt file written by
// something else, or a file that is not a bbolt database at all is refused
// with ErrFormat and a message naming the file, never a panic.
package mucstore
