package muc

import "errors"

// Sentinel errors for misuse of the package. Protocol problems are never Go
// errors: they become error stanzas in an Output.
var (
	// ErrNilStanza: Handle was called with a nil stanza.
	ErrNilStanza = errors.New("muc: nil stanza")
	// ErrWrongAddress: the stanza is not addressed to this service or room.
	ErrWrongAddress = errors.New("muc: stanza not addressed to this service or room")
	// ErrConfig: a configuration or option is invalid.
	ErrConfig = errors.New("muc: invalid configuration")
	// ErrState: a persisted State cannot be restored.
	ErrState = errors.New("muc: invalid state")
	// ErrDestroyed: the room has been destroyed and takes no more input.
	ErrDestroyed = errors.New("muc: room destroyed")
)
