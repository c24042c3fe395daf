package muc

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/xmppfmuc/fmuc/stanza"
)

// Creators says who may create rooms on a Service (XEP-0045 §10.1.1;
// ejabberd's access_create, Prosody's restrict_room_creation).
type Creators int

const (
	// CreatorsAnyone lets every user create rooms (the zero value).
	// Remote users of federated peers reach creation only when the
	// federation layer lets them (fmuc.Options.RemoteCreate).
	CreatorsAnyone Creators = iota
	// CreatorsDomains lets users of ServiceOptions.CreateDomains, and
	// admins, create rooms.
	CreatorsDomains
	// CreatorsAdmins lets only ServiceOptions.Admins create rooms.
	CreatorsAdmins
)

// String returns the name the example node's -create-rooms flag uses.
func (c Creators) String() string {
	switch c {
	case CreatorsAnyone:
		return "anyone"
	case CreatorsDomains:
		return "domains"
	case CreatorsAdmins:
		return "admins"
	}
	return "Creators(" + strconv.Itoa(int(c)) + ")"
}

// ParseCreators parses the names String returns.
func ParseCreators(s string) (Creators, error) {
	for _, c := range []Creators{CreatorsAnyone, CreatorsDomains, CreatorsAdmins} {
		if s == c.String() {
			return c, nil
		}
	}
	return 0, fmt.Errorf("%w: unknown room creators %q (anyone, domains or admins)", ErrConfig, s)
}

func (o *ServiceOptions) validateCreators() error {
	if o.Creators < CreatorsAnyone || o.Creators > CreatorsAdmins {
		return fmt.Errorf("%w: unknown Creators %d", ErrConfig, o.Creators)
	}
	if o.Creators == CreatorsDomains && len(o.CreateDomains) == 0 {
		return fmt.Errorf("%w: Creators is CreatorsDomains but CreateDomains is empty", ErrConfig)
	}
	for _, d := range o.CreateDomains {
		j, err := stanza.Parse(d)
		if err != nil || j.Local() != "" || j.Resource() != "" {
			return fmt.Errorf("%w: CreateDomains: %q is not a domain", ErrConfig, d)
		}
	}
	for _, a := range o.Admins {
		if a.IsZero() || !a.IsBare() {
			return fmt.Errorf("%w: Admins: %q is not a bare JID", ErrConfig, a.String())
		}
	}
	return nil
}

// admin reports whether real JID j belongs to one of the service's
// admins.
func (s *Service) admin(j stanza.JID) bool {
	return slices.Contains(s.opts.Admins, j.Bare())
}

// refuseCreate returns the error type, condition and text refusing the
// creation of room by creator through via (zero for a local user), or a
// zero condition when it may go ahead: Limits.MaxRoomLocal, Creators,
// CanCreate, Limits.MaxRooms and Limits.MaxRoomsPerCreator, in that
// order.
func (s *Service) refuseCreate(room, creator, via stanza.JID) (stanza.ErrorType, stanza.Condition, string) {
	lim := s.roomOpts.Limits
	if len(room.Local()) > lim.MaxRoomLocal {
		return stanza.ErrorModify, stanza.NotAcceptable, "room names (the localpart of the room's address) are limited to " + strconv.Itoa(lim.MaxRoomLocal) + " bytes"
	}
	admin := s.admin(creator)
	switch {
	case admin, !via.IsZero():
		// Remote users: the federation layer decides, with CanCreate.
	case s.opts.Creators == CreatorsDomains && !slices.Contains(s.opts.CreateDomains, creator.Domain()):
		return stanza.ErrorCancel, stanza.NotAllowed, "only users of " + strings.Join(s.opts.CreateDomains, ", ") + " may create rooms on this service"
	case s.opts.Creators == CreatorsAdmins:
		return stanza.ErrorCancel, stanza.NotAllowed, "only the service's administrators may create rooms"
	}
	if s.opts.CanCreate != nil && !s.opts.CanCreate(room, creator, via) {
		return stanza.ErrorCancel, stanza.NotAllowed, ""
	}
	t := s.roomOpts.tally
	if t.rooms >= lim.MaxRooms {
		return stanza.ErrorWait, stanza.ResourceConstraint, "the service is limited to " + strconv.Itoa(lim.MaxRooms) + " rooms"
	}
	if !admin && t.created[creator.Bare()] >= lim.MaxRoomsPerCreator {
		return stanza.ErrorCancel, stanza.PolicyViolation, "a user may have created at most " + strconv.Itoa(lim.MaxRoomsPerCreator) + " rooms on this service at once"
	}
	return "", "", ""
}
