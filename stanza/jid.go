package stanza

import (
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
	"golang.org/x/text/secure/precis"
	"golang.org/x/text/unicode/norm"
)

// ErrJID is wrapped by every error Parse and NewJID return, so callers can
// test for a malformed address with errors.Is.
var ErrJID = errors.New("stanza: malformed JID")

// maxPartLen is the RFC 7622 §3.1 limit on each of localpart, domainpart and
// resourcepart, in octets of UTF-8 after preparation.
const maxPartLen = 1023

// JID is an XMPP address (RFC 7622): localpart@domainpart/resourcepart.
//
// A JID is a comparable value: two JIDs that denote the same address compare
// equal with ==, so JIDs can be used as map keys. The zero value is the empty
// address, which is not valid on the wire; see IsZero.
//
// A JID is its canonical string form and the positions of its parts in it,
// so that a stanza header, which holds two, stays small, and String, Bare
// and Domainpart never allocate.
type JID struct {
	// s is the canonical form, local@domain/resource; "" for the zero JID.
	s string
	// dom is where the domainpart starts in s: 0 without a localpart,
	// len(localpart)+1 with one. res is where it ends: the index of the
	// '/' before the resourcepart, or len(s) without one.
	dom, res int32
}

// makeJID joins prepared parts into a JID.
func makeJID(l, d, r string) JID {
	var b strings.Builder
	b.Grow(len(l) + 1 + len(d) + 1 + len(r))
	if l != "" {
		b.WriteString(l)
		b.WriteByte('@')
	}
	dom := b.Len()
	b.WriteString(d)
	res := b.Len()
	if r != "" {
		b.WriteByte('/')
		b.WriteString(r)
	}
	return JID{s: b.String(), dom: int32(dom), res: int32(res)}
}

var (
	// RFC 7622 §3.3: the localpart uses the UsernameCaseMapped profile.
	localProfile = precis.UsernameCaseMapped
	// RFC 7622 §3.4: the resourcepart uses the OpaqueString profile.
	resourceProfile = precis.OpaqueString
	// RFC 7622 §3.2: the domainpart is an IDNA-aware domain name.
	domainProfile = idna.New(
		idna.MapForLookup(),
		idna.Transitional(false),
		idna.StrictDomainName(false),
		idna.BidiRule(),
		idna.ValidateLabels(true),
	)
)

// Parse parses and normalises s as a JID per RFC 7622: the domainpart is
// lower-cased and IDNA-checked, the localpart is prepared with the PRECIS
// UsernameCaseMapped profile and the resourcepart with OpaqueString.
// Errors wrap ErrJID.
func Parse(s string) (JID, error) {
	local, domain, resource, err := split(s)
	if err != nil {
		return JID{}, err
	}
	l, d, r, err := prepare(local, domain, resource)
	if err != nil {
		return JID{}, err
	}
	if l != local || d != domain || r != resource {
		return makeJID(l, d, r), nil
	}
	// Already canonical: s is the JID's string form.
	dom := 0
	if l != "" {
		dom = len(l) + 1
	}
	return JID{s: s, dom: int32(dom), res: int32(dom + len(d))}, nil
}

// MustParse is like Parse but panics on error. It is meant for constants in
// tests and examples, never for input from the network.
func MustParse(s string) JID {
	j, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return j
}

// split divides s into its three parts per RFC 7622 §3.1: the resourcepart
// starts at the first '/', the localpart ends at the first '@' before it.
func split(s string) (local, domain, resource string, err error) {
	if s == "" {
		return "", "", "", fmt.Errorf("%w: empty", ErrJID)
	}
	rest := s
	hasResource := false
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		resource, rest, hasResource = rest[i+1:], rest[:i], true
	}
	hasLocal := false
	if i := strings.IndexByte(rest, '@'); i >= 0 {
		local, rest, hasLocal = rest[:i], rest[i+1:], true
	}
	domain = rest
	if hasLocal && local == "" {
		return "", "", "", fmt.Errorf("%w: %q has an empty localpart", ErrJID, s)
	}
	if hasResource && resource == "" {
		return "", "", "", fmt.Errorf("%w: %q has an empty resourcepart", ErrJID, s)
	}
	return local, domain, resource, nil
}

// NewJID builds a JID from its parts, preparing and validating each as Parse
// does. local and resource may be empty (absent); domain may not.
func NewJID(local, domain, resource string) (JID, error) {
	l, d, r, err := prepare(local, domain, resource)
	if err != nil {
		return JID{}, err
	}
	return makeJID(l, d, r), nil
}

// prepare prepares and validates the three parts of a JID.
func prepare(local, domain, resource string) (l, d, r string, err error) {
	if d, err = prepareDomain(domain); err != nil {
		return "", "", "", err
	}
	if l, err = prepareLocal(local); err != nil {
		return "", "", "", err
	}
	if r, err = prepareResource(resource); err != nil {
		return "", "", "", err
	}
	return l, d, r, nil
}

func prepareDomain(d string) (string, error) {
	if !utf8.ValidString(d) {
		return "", fmt.Errorf("%w: domainpart is not UTF-8", ErrJID)
	}
	// RFC 7622 §3.2: a trailing dot is stripped before anything else.
	d = strings.TrimSuffix(d, ".")
	if d == "" {
		return "", fmt.Errorf("%w: empty domainpart", ErrJID)
	}
	if len(d) > maxPartLen {
		return "", fmt.Errorf("%w: domainpart longer than %d octets", ErrJID, maxPartLen)
	}
	// RFC 7622 §3.2: an IP literal is allowed as-is (IPv6 in brackets).
	if strings.HasPrefix(d, "[") {
		if !strings.HasSuffix(d, "]") {
			return "", fmt.Errorf("%w: unterminated IPv6 literal %q", ErrJID, d)
		}
		if !isIPv6(d[1 : len(d)-1]) {
			return "", fmt.Errorf("%w: bad IPv6 literal %q", ErrJID, d)
		}
		return strings.ToLower(d), nil
	}
	for _, r := range d {
		// Characters that can never appear in a domain name, even before IDNA
		// mapping: ASCII space and controls, and the JID separators.
		if r <= ' ' || r == 0x7f || strings.ContainsRune(`@/"&'<>:\`, r) {
			return "", fmt.Errorf("%w: domainpart %q contains %q", ErrJID, d, r)
		}
	}
	u, err := domainProfile.ToUnicode(d)
	if err != nil {
		return "", fmt.Errorf("%w: domainpart %q: %v", ErrJID, d, err)
	}
	u = norm.NFC.String(strings.ToLower(u))
	if u == "" || len(u) > maxPartLen {
		return "", fmt.Errorf("%w: domainpart %q has a bad length", ErrJID, d)
	}
	// IDNA validates the labels as given, before mapping; a mapped label
	// can break a rule the original kept (U+2136 maps to a Hebrew letter,
	// and "ℶa" becomes a label mixing directions). The prepared form
	// must be valid, and stable, in its own right.
	// (When nothing was mapped there is nothing to check again.)
	if u != d {
		if again, err := domainProfile.ToUnicode(u); err != nil || norm.NFC.String(strings.ToLower(again)) != u {
			return "", fmt.Errorf("%w: domainpart %q is not valid once mapped to %q", ErrJID, d, u)
		}
	}
	for _, label := range strings.Split(u, ".") {
		if label == "" {
			return "", fmt.Errorf("%w: domainpart %q has an empty label", ErrJID, d)
		}
	}
	// RFC 7622 §3.2 and RFC 5890 §2.3.1: labels are U-labels or LDH labels.
	// IDNA mapping can turn a wide form into any ASCII character (U+FF0F
	// into '/'), so the mapped result is checked too. The underscore is
	// tolerated, as deployed XMPP domains use it.
	for _, r := range u {
		if r < utf8.RuneSelf && !isLDH(byte(r)) && r != '.' && r != '_' {
			return "", fmt.Errorf("%w: domainpart %q contains %q", ErrJID, d, r)
		}
	}
	return u, nil
}

// isLDH reports whether c is an ASCII letter, digit or hyphen.
func isLDH(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
}

// forbiddenLocal are the characters RFC 7622 §3.3.1 excludes from a
// localpart on top of the PRECIS IdentifierClass.
const forbiddenLocal = "\"&'/:<>@"

func prepareLocal(l string) (string, error) {
	if l == "" {
		return "", nil
	}
	if !utf8.ValidString(l) {
		return "", fmt.Errorf("%w: localpart is not UTF-8", ErrJID)
	}
	if strings.ContainsAny(l, forbiddenLocal) {
		return "", fmt.Errorf("%w: localpart %q contains a forbidden character", ErrJID, l)
	}
	p, err := localProfile.String(l)
	if err != nil {
		return "", fmt.Errorf("%w: localpart %q: %v", ErrJID, l, err)
	}
	if strings.ContainsAny(p, forbiddenLocal) {
		return "", fmt.Errorf("%w: localpart %q contains a forbidden character", ErrJID, l)
	}
	if len(p) > maxPartLen {
		return "", fmt.Errorf("%w: localpart longer than %d octets", ErrJID, maxPartLen)
	}
	return p, nil
}

func prepareResource(r string) (string, error) {
	if r == "" {
		return "", nil
	}
	if !utf8.ValidString(r) {
		return "", fmt.Errorf("%w: resourcepart is not UTF-8", ErrJID)
	}
	p, err := resourceProfile.String(r)
	if err != nil {
		return "", fmt.Errorf("%w: resourcepart %q: %v", ErrJID, r, err)
	}
	if len(p) > maxPartLen {
		return "", fmt.Errorf("%w: resourcepart longer than %d octets", ErrJID, maxPartLen)
	}
	return p, nil
}

// Local returns the localpart, or "" when there is none.
func (j JID) Local() string {
	if j.dom == 0 {
		return ""
	}
	return j.s[:j.dom-1]
}

// Domain returns the domainpart.
func (j JID) Domain() string { return j.s[j.dom:j.res] }

// Resource returns the resourcepart, or "" when there is none.
func (j JID) Resource() string {
	if int(j.res) >= len(j.s) {
		return ""
	}
	return j.s[j.res+1:]
}

// IsZero reports whether j is the zero (empty) JID.
func (j JID) IsZero() bool { return j.s == "" }

// IsBare reports whether j has no resourcepart.
func (j JID) IsBare() bool { return int(j.res) >= len(j.s) }

// Bare returns j without its resourcepart.
func (j JID) Bare() JID { return JID{s: j.s[:j.res], dom: j.dom, res: j.res} }

// Domainpart returns the JID made of j's domainpart alone.
func (j JID) Domainpart() JID { return JID{s: j.s[j.dom:j.res], res: j.res - j.dom} }

// WithResource returns j with its resourcepart replaced by r, prepared with
// the OpaqueString profile. An empty r yields the bare JID.
func (j JID) WithResource(r string) (JID, error) {
	p, err := prepareResource(r)
	if err != nil {
		return JID{}, err
	}
	if p == "" {
		return j.Bare(), nil
	}
	if p == j.Resource() {
		return j, nil
	}
	return JID{s: j.s[:j.res] + "/" + p, dom: j.dom, res: j.res}, nil
}

// String returns the JID in its canonical string form, "" for the zero JID.
func (j JID) String() string { return j.s }

// MarshalText implements encoding.TextMarshaler.
func (j JID) MarshalText() ([]byte, error) { return []byte(j.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; an empty text yields the
// zero JID.
func (j *JID) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*j = JID{}
		return nil
	}
	p, err := Parse(string(b))
	if err != nil {
		return err
	}
	*j = p
	return nil
}

// isIPv6 reports whether s is an IPv6 address in RFC 4291 §2.2 text form
// (without zone). The pure packages may not import net, so this is a small
// syntax check rather than net/netip.
func isIPv6(s string) bool {
	if s == "" {
		return false
	}
	groups, doubleColon := 0, false
	if strings.HasPrefix(s, "::") {
		doubleColon = true
		s = s[2:]
		if s == "" {
			return true
		}
	}
	for s != "" {
		i := strings.IndexByte(s, ':')
		part := s
		if i >= 0 {
			part = s[:i]
		}
		if i < 0 && strings.Contains(part, ".") {
			if !isIPv4(part) {
				return false
			}
			groups += 2
			break
		}
		if part == "" || len(part) > 4 || strings.Trim(part, "0123456789abcdefABCDEF") != "" {
			return false
		}
		groups++
		if i < 0 {
			break
		}
		s = s[i+1:]
		if strings.HasPrefix(s, ":") {
			if doubleColon {
				return false
			}
			doubleColon = true
			s = s[1:]
			if s == "" {
				break
			}
		} else if s == "" {
			return false
		}
	}
	if doubleColon {
		return groups < 8
	}
	return groups == 8
}

// isIPv4 reports whether s is a dotted-quad IPv4 address.
func isIPv4(s string) bool {
	parts := strings.Split(s, ".")
	if len(parts) != 4 {
		return false
	}
	for _, p := range parts {
		if p == "" || len(p) > 3 || strings.Trim(p, "0123456789") != "" || (len(p) > 1 && p[0] == '0') {
			return false
		}
		n := 0
		for _, c := range p {
			n = n*10 + int(c-'0')
		}
		if n > 255 {
			return false
		}
	}
	return true
}
