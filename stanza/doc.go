// Package stanza holds the pure XMPP protocol types the rest of the module
// is built on: JIDs (RFC 7622), the three stanza kinds (RFC 6120 §8) with
// every child element kept as raw XML, stanza errors (RFC 6120 §8.3), a
// deterministic encoder, a size- and depth-limited decoder, and typed views
// of the payloads MUC and FMUC use: XEP-0045 muc, muc#user, muc#admin and
// muc#owner, XEP-0004 data forms, XEP-0203 delayed delivery, XEP-0359
// stanza ids and the XEP-0289 fmuc element.
//
// The package does no I/O and starts no goroutines.
//
// # Payloads survive
//
// A decoded stanza keeps each child element, in document order, as an
// Element: a self-contained serialisation that declares every namespace it
// uses. Payloads this package does not know (XHTML-IM, OMEMO, receipts,
// reactions) therefore pass through decode and encode intact, and a relayed
// stanza carries them unchanged. Children in the stanza namespace (body,
// subject, error...) are written without xmlns so that they take the
// namespace of the stream that carries them.
//
// # Liberal in, exact out
//
// The decoder refuses what encoding/xml lets through but XML and its
// namespaces forbid (duplicate attributes, names such as "a:" or "p:0",
// an empty xmlns:p, DTDs), so that whatever it accepts the encoder writes as
// well-formed XML that a server will not close the stream over; such a
// stanza, like one over the size or depth limits, is consumed whole and
// reported as a *DecodeError with Aligned set.
//
// The decoder accepts the jabber:client, jabber:server and
// jabber:component:accept namespaces, XEP-0091 delays, the
// <x xmlns='urn:xmpp:delay'/> of XEP-0289's examples and legacy
// CCYYMMDDThh:mm:ss stamps. The encoder always writes XEP-0203 <delay/>
// with XEP-0082 stamps, attributes in a fixed order in single quotes, and
// the same bytes for the same stanza.
package stanza
