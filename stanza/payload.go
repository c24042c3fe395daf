package stanza

import "fmt"

// Find decodes the first child of s with the namespace and local name of
// v's XMLName into v. It reports false, nil when there is no such child.
//
//	var u stanza.MUCUser
//	ok, err := stanza.Find(p, stanza.NSMUCUser, "x", &u)
func Find(s Stanza, space, local string, v any) (bool, error) {
	c, ok := Child(s, space, local)
	if !ok {
		return false, nil
	}
	if err := c.Decode(v); err != nil {
		return true, fmt.Errorf("stanza: bad <%s xmlns=%q>: %w", local, space, err)
	}
	return true, nil
}
