package transport

import (
	"errors"
	"fmt"
)

// Sentinel errors. Handshake refusals are wrapped with %w together with the
// *StreamError the server sent, so both errors.Is(err, ErrNotAuthorized) and
// errors.As(err, new(*StreamError)) work.
var (
	// ErrConfig is wrapped by every error New returns for a bad Config.
	ErrConfig = errors.New("transport: invalid config")
	// ErrNotAuthorized: the server refused the XEP-0114 handshake (wrong
	// secret). XEP-0114 §3: the server SHOULD send <not-authorized/>.
	ErrNotAuthorized = errors.New("transport: handshake refused: not-authorized")
	// ErrConflict: the server refused the component name because another
	// component already uses it (XEP-0114 §3, <conflict/>).
	ErrConflict = errors.New("transport: handshake refused: conflict")
	// ErrHostUnknown: the server does not serve the component name
	// (XEP-0114 §3, <host-unknown/>).
	ErrHostUnknown = errors.New("transport: handshake refused: host-unknown")
	// ErrRunning: Run was called while another Run of the same Component
	// is still going.
	ErrRunning = errors.New("transport: component already running")
	// ErrProtocol is wrapped by errors about a server that does not follow
	// XEP-0114 (no stream id, an unexpected element instead of <handshake/>).
	ErrProtocol = errors.New("transport: protocol error")
)

// NSStreams is the namespace of RFC 6120 §4.9.3 stream error conditions.
const NSStreams = "urn:ietf:params:xml:ns:xmpp-streams"

// StreamError is a <stream:error/> received from the server (RFC 6120 §4.9).
// A stream error always ends the stream.
type StreamError struct {
	// Condition is the local name of the defined condition element, such as
	// "not-authorized" or "host-unknown".
	Condition string
	// Text is the optional human-readable description.
	Text string
}

// Error implements error.
func (e *StreamError) Error() string {
	if e.Text != "" {
		return fmt.Sprintf("stream error %s: %s", e.Condition, e.Text)
	}
	return "stream error " + e.Condition
}

// refusal maps a stream error received during the handshake to the
// sentinel of a permanent refusal, or nil when the condition is not one.
func refusal(se *StreamError) error {
	switch se.Condition {
	case "not-authorized":
		return ErrNotAuthorized
	case "conflict":
		return ErrConflict
	case "host-unknown":
		return ErrHostUnknown
	}
	return nil
}
