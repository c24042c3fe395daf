package muc

import "github.com/xmppfmuc/fmuc/stanza"

// ConfigExtension adds fields of the embedder's own to every room's
// configuration form (XEP-0045 §10.2, XEP-0004): clients show them like
// the muc#roomconfig fields, and an owner's submit sets them. Their vars
// must not be muc#roomconfig ones; XEP-0068 suggests a prefix of the
// embedder's namespace.
//
// The room calls it synchronously while it handles an owner's request.
type ConfigExtension interface {
	// Fields returns the extension's fields for room, with their current
	// values.
	Fields(room stanza.JID) []stanza.Field
	// Check validates the values an owner submitted for the extension's
	// fields (by var; only the fields the form carried). An error refuses
	// the whole form with not-acceptable and the error's text; nothing is
	// applied.
	Check(room stanza.JID, values map[string][]string) error
	// Apply takes the values once the form is accepted.
	Apply(room stanza.JID, values map[string][]string)
}

// extensionValues returns the submitted values of the extension's fields.
func (r *Room) extensionValues(f *stanza.Form) map[string][]string {
	ext := r.opts.ConfigExtension
	if ext == nil {
		return nil
	}
	var values map[string][]string
	for _, def := range ext.Fields(r.jid) {
		for _, fl := range f.Fields {
			if fl.Var == def.Var {
				if values == nil {
					values = map[string][]string{}
				}
				values[fl.Var] = fl.Values
			}
		}
	}
	return values
}
