// Package servers starts real XMPP servers (Prosody 0.12 and ejabberd 23.01
// from Debian) on loopback for end-to-end tests and the load tool: one
// private directory per instance with its own config, data, pid and log,
// free non-default ports, accounts created before start, an XEP-0114
// component listener and the server's own MUC service.
//
// Several instances, Prosody and ejabberd mixed, federate over loopback
// s2s (dialback, no TLS) when they share a DNS (StartDNS): each registers
// its domains there; Prosody's libunbound and ejabberd's Erlang resolver
// are pointed at it.
//
// Tests call StartProsody or StartEjabberd, which skip when the server is
// not installed unless FMUC_REQUIRE_SERVERS=1 (then they fail), stop the
// server in t.Cleanup and print its log when the test failed. Programs call
// LaunchProsody or LaunchEjabberd and Close the result.
package servers
