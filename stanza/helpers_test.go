package stanza

import (
	"encoding/xml"
	"strings"
)

func xmlName(space, local string) xml.Name { return xml.Name{Space: space, Local: local} }

func replaceOnce(s, old, new string) string { return strings.Replace(s, old, new, 1) }
