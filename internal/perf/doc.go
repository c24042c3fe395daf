// Package perf measures the library for the performance report that
// examples/bench prints: link bytes of federation against plain MUC, the
// cost of the state machines, their memory, and (when Prosody is installed)
// the node against Prosody's own MUC over real connections.
//
// Every measurement is a function that adds figures to a Report, so that
// one run of the command prints them all with the conditions each was
// measured under. The benchmarks of muc and fmuc build their rooms with
// the same setup functions (MUCRoom, FederatedRoom), so that they and the
// report measure the same thing.
package perf
