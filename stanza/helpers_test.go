package stanza

import (
	"encoding/xml"
	"strings"
)

func xmlName(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

func replaceOnce(s, old, new string) string { return strings.Replace(s, old, new, 1) }

// ptr returns a pointer to a copy of v, for optional payload fields such as
// History.MaxStanzas or Item.JID.
func ptr[T any](v T) *T { return &v }
