// Package e2e holds the end-to-end tests of the example node: a real Prosody
// (and, with FMUC_EJABBERD=1, a real ejabberd) is started on loopback by the
// test itself (internal/servers), the node (examples/node/mucnode) is run
// in-process as its XEP-0114 component rooms.wonderland.lit, and real c2s
// clients (internal/xmppclient) log in as alice, bob and carol. Every
// assertion is on what a client receives through the server, compared as
// parsed stanzas (servers re-serialise and add payloads of their own).
//
// The tests skip when Prosody is not installed, unless FMUC_REQUIRE_SERVERS=1.
// FMUC_LOAD=1 enables the load comparison (TestLoad), which builds and execs
// the node binary so that its CPU can be measured as a process of its own.
package e2e
