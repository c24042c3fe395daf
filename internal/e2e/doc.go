// Package e2e holds the end-to-end tests of the example node: a real Prosody
// (and a real ejabberd, unless FMUC_EJABBERD=0) is started on loopback by the
// test itself (internal/servers), the node (examples/node/mucnode) is run
// in-process as its XEP-0114 component rooms.wonderland.lit, and real c2s
// clients (internal/xmppclient) log in as alice, bob and carol. Every
// assertion is on what a client receives through the server, compared as
// parsed stanzas (servers re-serialise and add payloads of their own).
//
// The federation tests (TestFederation...) start two or three servers
// (wonderland.lit, denmark.lit, norway.lit; denmark.lit on Prosody or
// ejabberd) that find each other for s2s through the test's own DNS
// server, each with a node as its component (rooms.wonderland.lit,
// talk.denmark.lit, talk.norway.lit), and every s2s connection crossing an
// internal/linkproxy proxy whose byte counters measure the link.
//
// The tests skip when Prosody is not installed, unless FMUC_REQUIRE_SERVERS=1.
// FMUC_LOAD=1 enables the load comparison (TestLoad), which builds and execs
// the node binary so that its CPU can be measured as a process of its own;
// FMUC_BANDWIDTH_100=1 adds 100 remote users to TestFederationBandwidth.
package e2e
