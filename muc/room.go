package muc

import (
	"fmt"
	"sort"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Options are the settings a Room gets from its service.
type Options struct {
	// NewID returns a fresh stanza id whenever the room needs one (subject
	// messages, reflections of id-less messages). Required.
	NewID func() string
	// MaxHistory caps Config.HistoryLength; 0 means 100.
	MaxHistory int
	// MaxExtraOccupants is how many admins and owners may still enter a
	// full room (XEP-0045 §7.2.9); 0 means 10.
	MaxExtraOccupants int
	// OccupantIDKey is the secret keying XEP-0421 occupant ids (at least
	// 16 bytes, kept across restarts so that ids stay stable). Empty: the
	// room does not add occupant ids.
	OccupantIDKey []byte
	// IQTimeout is how long the room waits for the answer to an IQ it
	// forwarded to an occupant (XEP-0045 §17.4) before answering the
	// requester with remote-server-timeout; 0 means one minute.
	IQTimeout time.Duration
	// Features are further disco#info features the room advertises
	// (XEP-0030), such as XEP-0289 federation.
	Features []string
	// Limits bound what users can make the room hold; zero fields take
	// DefaultLimits.
	Limits Limits
	// ConfigExtension, when set, adds the embedder's fields to the
	// configuration form.
	ConfigExtension ConfigExtension

	// tally is the Service's counts across its rooms; nil for a room
	// made with NewRoom.
	tally *tally
	// Archive bounds the room's XEP-0313 archive; the zero value keeps
	// none.
	Archive Archive
}

func (o Options) withDefaults() (Options, error) {
	if o.NewID == nil {
		return o, fmt.Errorf("%w: Options.NewID is required", ErrConfig)
	}
	if o.MaxHistory < 0 || o.MaxExtraOccupants < 0 || o.IQTimeout < 0 {
		return o, fmt.Errorf("%w: negative limit", ErrConfig)
	}
	if o.MaxHistory == 0 {
		o.MaxHistory = 100
	}
	if o.MaxExtraOccupants == 0 {
		o.MaxExtraOccupants = 10
	}
	if o.IQTimeout == 0 {
		o.IQTimeout = time.Minute
	}
	if n := len(o.OccupantIDKey); n > 0 && n < 16 {
		return o, fmt.Errorf("%w: OccupantIDKey shorter than 16 bytes", ErrConfig)
	}
	if err := o.Archive.validate(); err != nil {
		return o, err
	}
	lim, err := o.Limits.withDefaults()
	o.Limits = lim
	return o, err
}

// Subject is the room subject (XEP-0045 §8.1).
type Subject struct {
	// Text is the subject; "" when none is set.
	Text string
	// Nick is the occupant who set it ("" for the room itself).
	Nick string
	// JID is the real JID of who set it; zero when unknown or the room.
	JID stanza.JID
	// Origin is the federated room the subject came from (XEP-0289 §4.1:
	// the joining node takes the joined node's subject); zero when it was
	// set here. Its delay names that room.
	Origin stanza.JID
	// Set is when it was set; zero when never. A change is always
	// stamped after the subject it replaces (a nanosecond after, when the
	// clock has not moved past it), so that rooms that keep the latest
	// stamp agree on the change made last.
	Set time.Time
	// StanzaID is the XEP-0359 stanza id the room gave the subject change
	// (by the room JID); "" when none. The subject replayed on entry
	// carries it (§7.2.15).
	StanzaID string
}

// Room is one XEP-0045 chat room: its configuration, affiliations,
// occupants, subject and discussion history.
//
// A Room is a pure state machine; it is not safe for concurrent use.
type Room struct {
	jid  stanza.JID
	opts Options

	config Config
	locked bool // §10.1: created but not yet configured
	// created: Service.create made the room for the stanza being handled
	// (its creator's join gets 201, §10.1.1).
	created   bool
	destroyed bool

	affs  map[stanza.JID]stanza.Affiliation // bare JID -> affiliation (never none)
	nicks map[stanza.JID]string             // bare JID -> registered nick (§7.10)

	// links are the federated nodes every broadcast reaches (SetLinks).
	links []stanza.JID

	occupants []*Occupant              // in order of entry
	byNick    map[string]*Occupant     // nickKey(Nick) -> occupant
	byJID     map[stanza.JID]*Occupant // real full JID (every session) -> occupant
	sessions  int                      // further sessions of all occupants (Occupant.others)
	perUser   map[stanza.JID]int       // bare JID -> its sessions in the room (joined, parted)
	// counted: the room is in its Service's tally, created by creator
	// (zero when restored).
	counted bool
	creator stanza.JID

	history []HistoryEntry
	archive archive // XEP-0313 (Options.Archive)
	subject Subject

	lockDeadline time.Time // see ServiceOptions.LockTimeout

	iqs  map[string]*pendingIQ      // forwarded IQs by the id the room gave them (occupantIQ)
	regs map[stanza.JID]*regRequest // registrations awaiting approval, by bare JID (askApproval)
	// subjectOID is the XEP-0421 id of who set the subject, replayed with
	// it on entry and persisted as State.SubjectOccupantID.
	subjectOID stanza.Element
	// invited are the latest invitations sent, oldest first (invite).
	invited []sentInvite
}

// NewRoom returns an unlocked, empty room with the given bare JID and
// configuration. Owners and other affiliations are set with
// SetAffiliation (or come from a State, see Restore).
func NewRoom(jid stanza.JID, cfg Config, opts Options) (*Room, error) {
	if jid.IsZero() || !jid.IsBare() || jid.Local() == "" {
		return nil, fmt.Errorf("%w: room JID %q must be a bare JID with a localpart", ErrConfig, jid.String())
	}
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	if cfg.HistoryLength > o.MaxHistory {
		return nil, fmt.Errorf("%w: HistoryLength %d above the service maximum %d", ErrConfig, cfg.HistoryLength, o.MaxHistory)
	}
	return &Room{
		jid:     jid,
		opts:    o,
		config:  cfg,
		affs:    map[stanza.JID]stanza.Affiliation{},
		nicks:   map[stanza.JID]string{},
		byNick:  map[string]*Occupant{},
		byJID:   map[stanza.JID]*Occupant{},
		perUser: map[stanza.JID]int{},
	}, nil
}

// JID returns the room's bare JID.
func (r *Room) JID() stanza.JID { return r.jid }

// Config returns the current configuration.
func (r *Room) Config() Config { return r.config }

// Locked reports whether the room awaits its initial configuration
// (XEP-0045 §10.1).
func (r *Room) Locked() bool { return r.locked }

// Destroyed reports whether the room has been destroyed.
func (r *Room) Destroyed() bool { return r.destroyed }

// Subject returns the current subject.
func (r *Room) Subject() Subject { return r.subject }

// Len returns the number of occupants.
func (r *Room) Len() int { return len(r.occupants) }

// Occupants returns copies of the occupants in order of entry.
func (r *Room) Occupants() []Occupant {
	out := make([]Occupant, len(r.occupants))
	for i, o := range r.occupants {
		out[i] = *o
		out[i].view = [2][]stanza.Element{}
		out[i].messages, out[i].presences = bucket{}, bucket{}
		out[i].others = append([]session(nil), o.others...)
	}
	return out
}

// Occupant returns a copy of the occupant with the given nick, compared
// as RFC 8266 nicknames (case, width and Unicode normalisation do not
// count; see Occupant.Nick).
func (r *Room) Occupant(nick string) (Occupant, bool) {
	o := r.occupantByNick(nick)
	if o == nil {
		return Occupant{}, false
	}
	c := *o
	c.view = [2][]stanza.Element{}
	c.messages, c.presences = bucket{}, bucket{}
	c.others = append([]session(nil), o.others...)
	return c, true
}

// Affiliation returns the affiliation of a user (by bare JID).
func (r *Room) Affiliation(j stanza.JID) stanza.Affiliation {
	if a, ok := r.affs[j.Bare()]; ok {
		return a
	}
	return stanza.AffiliationNone
}

// SetAffiliation sets a user's affiliation directly, as an embedder's
// administrative action: no permission checks, no stanzas (occupants
// already in the room keep their role). It returns the event to persist.
func (r *Room) SetAffiliation(j stanza.JID, a stanza.Affiliation) (AffiliationChanged, error) {
	if j.IsZero() || !a.Valid() {
		return AffiliationChanged{}, fmt.Errorf("%w: bad affiliation %q for %q", ErrConfig, a, j.String())
	}
	b := j.Bare()
	ev := AffiliationChanged{RoomJID: r.jid, JID: b, From: r.Affiliation(b), To: a}
	r.setAff(b, a)
	for _, o := range r.occupants {
		if o.JID.Bare() == b {
			o.Affiliation = a
			o.invalidate()
		}
	}
	return ev, nil
}

func (r *Room) setAff(b stanza.JID, a stanza.Affiliation) {
	if a == stanza.AffiliationNone {
		delete(r.affs, b)
		return
	}
	r.affs[b] = a
	if a == stanza.AffiliationOutcast {
		// XEP-0045 §9.1: banning removes the user's registered nick.
		delete(r.nicks, b)
	}
}

// jidsWith returns the bare JIDs holding affiliation a, sorted.
func (r *Room) jidsWith(a stanza.Affiliation) []stanza.JID {
	var out []stanza.JID
	for j, x := range r.affs {
		if x == a {
			out = append(out, j)
		}
	}
	sortJIDs(out)
	return out
}

// sortJIDs sorts js by their string form, built once per JID (lists of
// a thousand long JIDs are sorted for every list query).
func sortJIDs(js []stanza.JID) {
	type keyed struct {
		s string
		j stanza.JID
	}
	ks := make([]keyed, len(js))
	for i, j := range js {
		ks[i] = keyed{j.String(), j}
	}
	sort.Slice(ks, func(i, k int) bool { return ks[i].s < ks[k].s })
	for i := range ks {
		js[i] = ks[i].j
	}
}

// addr returns room@service/nick.
func (r *Room) addr(nick string) (stanza.JID, error) { return r.jid.WithResource(nick) }
