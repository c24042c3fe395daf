// Package mucnode is the wiring of the example node (examples/node): it reads
// the node's configuration from flags, the environment and a JSON file,
// builds an fmuc.Service (XEP-0045 rooms that federate with rooms on other
// services as the -federate-* flags say; with none of them, plain MUC
// rooms), drives it as a transport.Machine (FederatedMachine: its room and
// federation events logged with log/slog, the bytes sent to each peer room
// counted) and runs it as an XEP-0114 external component until the
// context ends, then says goodbye to every occupant (XEP-0045 status 332)
// before closing the stream.
//
// It lives in its own package so that tests (and the end-to-end tests in
// internal/e2e) can run a complete node in-process with Main or Run; the
// command in examples/node only forwards os.Args, the environment and the
// signals to Main.
//
// # Persistence
//
// With a data directory (Config.DataDir, -data-dir; DefaultDataDir when
// unset, "" for memory only) the node opens a mucstore store there,
// restores its rooms (and the fmuc federation state) at start and, through
// its FederatedMachine (NewPersistentMachine for a plain muc.Service),
// writes the events of every call into it before returning the call's
// stanzas to the transport: the durability contract of package mucstore. The
// XEP-0421 occupant-id key is drawn at the first start and kept in the
// store unless Config.OccupantIDKeyFile names one.
//
// # Exit codes
//
// Main returns (and the command exits with) one of ExitOK, ExitFailure,
// ExitConfig, ExitRefused and ExitRejected; see their documentation.
package mucnode
