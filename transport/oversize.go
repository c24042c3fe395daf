package transport

import (
	"fmt"

	"github.com/xmppfmuc/fmuc/stanza"
)

// minOutboundSize is the smallest MaxOutboundSize accepted: RFC 6120
// §13.12 asks servers to accept stanzas of at least 10,000 bytes.
const minOutboundSize = 10000

// oversizeReply returns the error owed to the sender of cause when st, a
// stanza the Machine produced while handling cause, is too large to send;
// nil when none is owed. A message or presence is answered once per
// Machine output (the caller sees to that); an IQ only when st is its
// response, since an IQ gets exactly one (RFC 6120 §8.2.3) and a small
// response may already have gone out. Errors are never answered, and the
// reply carries none of cause's payload, which may be what made st large.
func oversizeReply(cause, st stanza.Stanza, size int, limit int64) stanza.Stanza {
	if cause == nil {
		return nil
	}
	ch := cause.Head()
	if cause.Kind() == stanza.KindIQ {
		h := st.Head()
		if st.Kind() != stanza.KindIQ || h.ID != ch.ID || h.To != ch.From || (h.Type != "result" && h.Type != "error") {
			return nil
		}
		if ch.ID == "" {
			return nil
		}
	}
	shell := stanza.Clone(cause)
	shell.SetPayload(nil)
	e := stanza.NewError(stanza.ResourceConstraint,
		fmt.Sprintf("the answer would be %d bytes, more than the %d the server accepts from this service", size, limit))
	return stanza.ErrorReply(shell, e)
}
