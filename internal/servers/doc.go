// Package servers starts real XMPP servers (Prosody 0.12 and ejabberd 23.01
// from Debian) on loopback for end-to-end tests and the load tool: one
// private directory per instance with its own config, data, pid and log,
// free non-default ports, accounts created before start, an XEP-0114
// component listener and the server's own MUC service.
//
// Several Prosody instances federate over loopback s2s when they share a
// DNS (StartDNS): each registers its domains there, and Prosody's libunbound
// resolver is pointed at it.
//
// Tests call StartProsody or StartEjabberd, which skip when the server is
// not installed unless FMUC_REQUIRE_SERVERS=1 (then they fail), stop the
// server in t.Cleanup and print its log when the test failed. Programs call
// LaunchProsody or LaunchEjabberd and Close the result.
package servers
