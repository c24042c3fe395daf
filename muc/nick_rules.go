package muc

import "unicode"

// visibleNick reports whether nick may be used as a room nickname:
// XEP-0045 §17.1 says a service MUST NOT allow empty or invisible
// nicknames (only spaces; here also only format characters such as
// zero-width joiners, which render as nothing).
func visibleNick(nick string) bool {
	for _, c := range nick {
		if !unicode.IsSpace(c) && !unicode.Is(unicode.Cf, c) {
			return true
		}
	}
	return false
}
