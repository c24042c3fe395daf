package muc

import (
	"strconv"

	"github.com/xmppfmuc/fmuc/stanza"
)

// The muc#roomconfig FORM_TYPE and its fields (XEP-0045 §16.5.3).
const (
	nsRoomConfig        = "http://jabber.org/protocol/muc#roomconfig"
	fRoomName           = "muc#roomconfig_roomname"
	fRoomDesc           = "muc#roomconfig_roomdesc"
	fLang               = "muc#roomconfig_lang"
	fPersistent         = "muc#roomconfig_persistentroom"
	fPublic             = "muc#roomconfig_publicroom"
	fMembersOnly        = "muc#roomconfig_membersonly"
	fModerated          = "muc#roomconfig_moderatedroom"
	fPasswordProtected  = "muc#roomconfig_passwordprotectedroom"
	fSecret             = "muc#roomconfig_roomsecret"
	fMaxUsers           = "muc#roomconfig_maxusers"
	fWhois              = "muc#roomconfig_whois"
	fMaxHistory         = "muc#maxhistoryfetch"
	fHistoryLength      = "muc#roomconfig_historylength" // accepted alias
	fChangeSubject      = "muc#roomconfig_changesubject"
	fAllowPM            = "muc#roomconfig_allowpm"
	fAllowInvites       = "muc#roomconfig_allowinvites"
	fEnableLogging      = "muc#roomconfig_enablelogging"
	fGetMemberList      = "muc#roomconfig_getmemberlist"
	fPresenceBroadcast  = "muc#roomconfig_presencebroadcast"
	fRoomAdmins         = "muc#roomconfig_roomadmins"
	fRoomOwners         = "muc#roomconfig_roomowners"
	fieldBoolean        = "boolean"
	fieldTextSingle     = "text-single"
	fieldListSingle     = "list-single"
	fieldListMulti      = "list-multi"
	fieldJIDMulti       = "jid-multi"
	roleNameVisitor     = "visitor"
	roleNameParticipant = "participant"
	roleNameModerator   = "moderator"
)

var (
	pmValues    = []string{"anyone", "participants", "moderators", "none"}
	whoisValues = []string{"moderators", "anyone"}
	roleNames   = []struct {
		name string
		bit  RoleSet
	}{{roleNameModerator, RoleSetModerator}, {roleNameParticipant, RoleSetParticipant}, {roleNameVisitor, RoleSetVisitor}}
)

func boolValue(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

func roleValues(s RoleSet) []string {
	var out []string
	for _, r := range roleNames {
		if s&r.bit != 0 {
			out = append(out, r.name)
		}
	}
	return out
}

func roleOptions() []stanza.Option {
	return []stanza.Option{{Label: "Moderator", Value: roleNameModerator}, {Label: "Participant", Value: roleNameParticipant}, {Label: "Visitor", Value: roleNameVisitor}}
}

// configForm renders the room configuration as a muc#roomconfig form with
// the current values (XEP-0045 §10.2).
func (r *Room) configForm() *stanza.Form {
	c := r.config
	maxUsers := "none"
	if c.MaxUsers > 0 {
		maxUsers = strconv.Itoa(c.MaxUsers)
	}
	jids := func(a stanza.Affiliation) []string {
		var out []string
		for _, j := range r.jidsWith(a) {
			out = append(out, j.String())
		}
		return out
	}
	boolean := func(v, label string, b bool) stanza.Field {
		return stanza.Field{Var: v, Type: fieldBoolean, Label: label, Values: []string{boolValue(b)}}
	}
	f := &stanza.Form{
		Type:         stanza.FormToFill,
		Title:        "Configuration for " + r.jid.String(),
		Instructions: []string{"Complete this form to configure the room."},
		Fields: []stanza.Field{
			{Var: "FORM_TYPE", Type: "hidden", Values: []string{nsRoomConfig}},
			{Var: fRoomName, Type: fieldTextSingle, Label: "Natural-Language Room Name", Values: []string{c.Name}},
			{Var: fRoomDesc, Type: fieldTextSingle, Label: "Short Description of Room", Values: []string{c.Description}},
			{Var: fLang, Type: fieldTextSingle, Label: "Natural Language for Room Discussions", Values: []string{c.Lang}},
			boolean(fPersistent, "Make Room Persistent?", c.Persistent),
			boolean(fPublic, "Make Room Publicly Searchable?", c.Public),
			boolean(fMembersOnly, "Make Room Members-Only?", c.MembersOnly),
			boolean(fModerated, "Make Room Moderated?", c.Moderated),
			boolean(fPasswordProtected, "Password Required to Enter?", c.PasswordProtected),
			{Var: fSecret, Type: "text-private", Label: "Password", Values: []string{c.Password}},
			{Var: fMaxUsers, Type: fieldListSingle, Label: "Maximum Number of Occupants", Values: []string{maxUsers}, Options: []stanza.Option{
				{Label: "10", Value: "10"}, {Label: "20", Value: "20"}, {Label: "30", Value: "30"}, {Label: "50", Value: "50"}, {Label: "100", Value: "100"}, {Label: "None", Value: "none"}}},
			{Var: fWhois, Type: fieldListSingle, Label: "Who May Discover Real JIDs?", Values: []string{whoisValues[c.Whois]}, Options: []stanza.Option{
				{Label: "Moderators Only", Value: "moderators"}, {Label: "Anyone", Value: "anyone"}}},
			{Var: fMaxHistory, Type: fieldTextSingle, Label: "Maximum Number of History Messages Returned by Room", Values: []string{strconv.Itoa(c.HistoryLength)}},
			boolean(fChangeSubject, "Allow Occupants to Change Subject?", c.ChangeSubject),
			{Var: fAllowPM, Type: fieldListSingle, Label: "Roles that May Send Private Messages", Values: []string{pmValues[c.AllowPM]}, Options: []stanza.Option{
				{Label: "Anyone", Value: "anyone"}, {Label: "Anyone with Voice", Value: "participants"}, {Label: "Moderators Only", Value: "moderators"}, {Label: "Nobody", Value: "none"}}},
			boolean(fAllowInvites, "Allow Occupants to Invite Others?", c.AllowInvites),
			boolean(fEnableLogging, "Enable Public Logging?", c.EnableLogging),
			{Var: fGetMemberList, Type: fieldListMulti, Label: "Roles and Affiliations that May Retrieve Member List", Values: roleValues(c.GetMemberList), Options: roleOptions()},
			{Var: fPresenceBroadcast, Type: fieldListMulti, Label: "Roles for which Presence is Broadcasted", Values: roleValues(RoleSetAll &^ c.HidePresence), Options: roleOptions()},
			{Var: fRoomAdmins, Type: fieldJIDMulti, Label: "Full List of Room Admins", Values: jids(stanza.AffiliationAdmin)},
			{Var: fRoomOwners, Type: fieldJIDMulti, Label: "Full List of Room Owners", Values: jids(stanza.AffiliationOwner)},
		},
	}
	if ext := r.opts.ConfigExtension; ext != nil {
		f.Fields = append(f.Fields, ext.Fields(r.jid)...)
	}
	return f
}

// formError is a protocol error found in a submitted form.
type formError struct {
	cond stanza.Condition
	text string
}

// parseConfig applies a submitted muc#roomconfig form to a copy of the
// current configuration. Fields absent from the form keep their values;
// unknown fields are ignored. owners and admins are the full lists when
// the form carries them (nil otherwise).
func (r *Room) parseConfig(f *stanza.Form) (c Config, owners, admins []stanza.JID, fe *formError) {
	c = r.config
	if ft := f.FormType(); ft != "" && ft != nsRoomConfig {
		return c, nil, nil, &formError{stanza.BadRequest, "unexpected FORM_TYPE"}
	}
	bad := func(field string) *formError {
		return &formError{stanza.NotAcceptable, "bad value for " + field}
	}
	// See Config.PasswordProtected: a secret set without the protection
	// field protects the room.
	sawProtected, setSecret := false, false
	for _, fl := range f.Fields {
		v := ""
		if len(fl.Values) > 0 {
			v = fl.Values[0]
		}
		boolField := func(dst *bool) *formError {
			b, ok := stanza.ParseBool(v)
			if !ok {
				return bad(fl.Var)
			}
			*dst = b
			return nil
		}
		var err *formError
		switch fl.Var {
		case fRoomName:
			// Limits.MaxRoomName, Limits.MaxRoomDescription: §10.2 leaves
			// the service to refuse values it does not accept.
			if n := r.opts.Limits.MaxRoomName; tooLong(v, n) {
				err = &formError{stanza.NotAcceptable, "room names are limited to " + strconv.Itoa(n) + " characters"}
			}
			c.Name = v
		case fRoomDesc:
			if n := r.opts.Limits.MaxRoomDescription; tooLong(v, n) {
				err = &formError{stanza.NotAcceptable, "room descriptions are limited to " + strconv.Itoa(n) + " characters"}
			}
			c.Description = v
		case fLang:
			c.Lang = v
		case fPersistent:
			err = boolField(&c.Persistent)
		case fPublic:
			err = boolField(&c.Public)
		case fMembersOnly:
			err = boolField(&c.MembersOnly)
		case fModerated:
			err = boolField(&c.Moderated)
		case fPasswordProtected:
			sawProtected = true
			err = boolField(&c.PasswordProtected)
		case fSecret:
			c.Password = v
			setSecret = v != ""
		case fChangeSubject:
			err = boolField(&c.ChangeSubject)
		case fAllowInvites:
			err = boolField(&c.AllowInvites)
		case fEnableLogging:
			err = boolField(&c.EnableLogging)
		case fMaxUsers:
			if v == "none" || v == "" || v == "0" {
				c.MaxUsers = 0
			} else if n, e := strconv.Atoi(v); e == nil && n > 0 {
				c.MaxUsers = n
			} else {
				err = bad(fl.Var)
			}
		case fWhois:
			switch v {
			case "moderators":
				c.Whois = WhoisModerators
			case "anyone":
				c.Whois = WhoisAnyone
			default:
				err = bad(fl.Var)
			}
		case fMaxHistory, fHistoryLength:
			n, e := strconv.Atoi(v)
			if e != nil || n < 0 || n > r.opts.MaxHistory {
				err = bad(fl.Var)
			} else {
				c.HistoryLength = n
			}
		case fAllowPM:
			found := false
			for i, pv := range pmValues {
				if v == pv {
					c.AllowPM, found = AllowPM(i), true
				}
			}
			if !found {
				err = bad(fl.Var)
			}
		case fGetMemberList, fPresenceBroadcast:
			var s RoleSet
			for _, x := range fl.Values {
				found := false
				for _, rn := range roleNames {
					if x == rn.name {
						s |= rn.bit
						found = true
					}
				}
				if !found && x != "none" {
					err = bad(fl.Var)
				}
			}
			if fl.Var == fGetMemberList {
				c.GetMemberList = s
			} else {
				c.HidePresence = RoleSetAll &^ s
			}
		case fRoomOwners, fRoomAdmins:
			list := []stanza.JID{}
			for _, x := range fl.Values {
				j, e := stanza.Parse(x)
				if e != nil {
					err = &formError{stanza.JIDMalformed, "bad JID in " + fl.Var}
					break
				}
				list = append(list, j.Bare())
			}
			if fl.Var == fRoomOwners {
				owners = list
			} else {
				admins = list
			}
		}
		if err != nil {
			return c, nil, nil, err
		}
	}
	if setSecret && !sawProtected {
		c.PasswordProtected = true
	}
	if c.PasswordProtected && c.Password == "" {
		// §10.1.3: a blank password for a protected room is refused.
		return c, nil, nil, &formError{stanza.NotAcceptable, "a password-protected room needs a password"}
	}
	if owners != nil && len(owners) == 0 {
		return c, nil, nil, &formError{stanza.NotAcceptable, "a room needs an owner"}
	}
	// §10.4, §10.5: the lists may not leave the room without an owner; a
	// JID in both lists ends up an admin (submitConfig applies admins
	// last).
	final := owners
	if final == nil {
		final = r.jidsWith(stanza.AffiliationOwner)
	}
	kept := 0
	for _, j := range final {
		if !containsJID(admins, j) {
			kept++
		}
	}
	if kept == 0 {
		return c, nil, nil, &formError{stanza.Conflict, "a room needs an owner"}
	}
	if cond, text := r.roomFor(append(append([]stanza.JID(nil), owners...), admins...)...); cond != "" {
		return c, nil, nil, &formError{cond, text}
	}
	return c, owners, admins, nil
}
