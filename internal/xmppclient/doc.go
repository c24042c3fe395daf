// Package xmppclient is a minimal, real XMPP client-to-server (RFC 6120/6121)
// connection for end-to-end tests and the load tool: TCP to a loopback
// server, a jabber:client stream without TLS, SASL PLAIN, resource binding,
// an optional session, and stanzas decoded with the stanza package so that no
// payload is lost.
//
// It is deliberately small and is nobody's API but this module's tests and
// tools. It does not do TLS, SCRAM, stream management or reconnection.
package xmppclient
