package mucnode

import (
	"flag"
	"fmt"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
)

// Abuse is who may create rooms and the limits of muc.Limits that the
// node exposes (the -create-rooms, -create-domains, -admins and -max-…
// flags, the "abuse" object of the -config file). Zero fields keep
// muc.DefaultLimits; -1 (muc.Unlimited) switches off the limits whose
// muc.Limits field allows it.
type Abuse struct {
	// CreateRooms is anyone, domains (the default) or admins
	// (muc.Creators).
	CreateRooms string `json:"create_rooms,omitempty"`
	// CreateDomains are domains whose users may create rooms with
	// "domains", besides the server's own: the component domain's parent
	// (wonderland.lit for rooms.wonderland.lit).
	CreateDomains []string `json:"create_domains,omitempty"`
	// Admins are bare JIDs that may always create rooms
	// (muc.ServiceOptions.Admins).
	Admins []string `json:"admins,omitempty"`

	MaxRooms             int      `json:"max_rooms,omitempty"`
	MaxRoomsPerCreator   int      `json:"max_rooms_per_creator,omitempty"`
	MaxUserRooms         int      `json:"max_user_rooms,omitempty"`
	MaxUserSessions      int      `json:"max_user_sessions,omitempty"`
	MessageInterval      Duration `json:"message_interval,omitempty"`
	MessageBurst         int      `json:"message_burst,omitempty"`
	PresenceInterval     Duration `json:"presence_interval,omitempty"`
	PresenceBurst        int      `json:"presence_burst,omitempty"`
	MaxRoomLocal         int      `json:"max_room_local,omitempty"`
	MaxNick              int      `json:"max_nick,omitempty"`
	MaxStatus            int      `json:"max_status,omitempty"`
	MaxBody              int      `json:"max_body,omitempty"`
	MaxBroadcastPresence int      `json:"max_broadcast_presence,omitempty"`
}

// serverDomain is the server's own domain for a component domain: its
// parent (wonderland.lit for rooms.wonderland.lit), or itself when it
// has one label.
func serverDomain(component string) string {
	if _, parent, ok := strings.Cut(component, "."); ok && parent != "" {
		return parent
	}
	return component
}

// abuseOptions fills the creation policy and limits of o from c.
func (c *Config) abuseOptions(o *muc.ServiceOptions) error {
	a := c.Abuse
	who := a.CreateRooms
	if who == "" {
		who = muc.CreatorsDomains.String()
	}
	cr, err := muc.ParseCreators(who)
	if err != nil {
		return fmt.Errorf("%w: create_rooms: %w", ErrConfig, err)
	}
	o.Creators = cr
	o.CreateDomains = append([]string{serverDomain(c.Domain)}, a.CreateDomains...)
	for _, s := range a.Admins {
		j, err := stanza.Parse(s)
		if err != nil || !j.IsBare() {
			return fmt.Errorf("%w: admins: %q is not a bare JID", ErrConfig, s)
		}
		o.Admins = append(o.Admins, j)
	}
	o.Limits = muc.Limits{
		MaxRooms: a.MaxRooms, MaxRoomsPerCreator: a.MaxRoomsPerCreator,
		MaxUserRooms: a.MaxUserRooms, MaxUserSessions: a.MaxUserSessions,
		MessageInterval: time.Duration(a.MessageInterval), MessageBurst: a.MessageBurst,
		PresenceInterval: time.Duration(a.PresenceInterval), PresenceBurst: a.PresenceBurst,
		MaxRoomLocal: a.MaxRoomLocal, MaxNick: a.MaxNick, MaxStatus: a.MaxStatus, MaxBody: a.MaxBody,
		// The rooms relay every stanza the node reads.
		MaxStanza:            int(c.maxStanzaSize()),
		MaxBroadcastPresence: a.MaxBroadcastPresence,
	}
	return nil
}

// abuseFlags defines the flags of Abuse on fs; the function returned
// copies the one named into c and reports whether it was one of them.
func abuseFlags(fs *flag.FlagSet) func(c *Config, name string) bool {
	d := muc.DefaultLimits
	var (
		create   = fs.String("create-rooms", "domains", "who may create rooms: anyone, domains (users of the server's domain and -create-domains) or admins")
		domains  = fs.String("create-domains", "", "comma-separated `domains` whose users may also create rooms (the server's own domain always may)")
		admins   = fs.String("admins", "", "comma-separated bare `JIDs` that may always create rooms")
		ints     = map[string]*int{}
		durs     = map[string]*time.Duration{}
		intFlags = []struct {
			name, usage string
			def         int
		}{
			{"max-rooms", "most rooms on the service (-1: no limit)", d.MaxRooms},
			{"max-rooms-per-creator", "most rooms one user may have created at once (-1: no limit)", d.MaxRoomsPerCreator},
			{"max-user-rooms", "most rooms one user may be in at once (-1: no limit)", d.MaxUserRooms},
			{"max-user-sessions", "most sessions of one user in one room (-1: no limit)", d.MaxUserSessions},
			{"message-burst", "messages an occupant may send at once (-1: no rate)", d.MessageBurst},
			{"presence-burst", "presence changes an occupant may send at once (-1: no rate)", d.PresenceBurst},
			{"max-room-local", "longest room name (JID localpart) in bytes", d.MaxRoomLocal},
			{"max-nick", "longest nick in characters", d.MaxNick},
			{"max-status", "longest presence status text in characters", d.MaxStatus},
			{"max-body", "longest message body in characters", d.MaxBody},
			{"max-broadcast-presence", "occupants above which status changes and visitors' entries and exits reach moderators only (-1: never)", d.MaxBroadcastPresence},
		}
	)
	for _, f := range intFlags {
		ints[f.name] = fs.Int(f.name, f.def, f.usage)
	}
	durs["message-interval"] = fs.Duration("message-interval", d.MessageInterval, "one more message per occupant every `duration` after the burst")
	durs["presence-interval"] = fs.Duration("presence-interval", d.PresenceInterval, "one more presence change per occupant every `duration` after the burst")
	list := func(s string) []string {
		var out []string
		for _, x := range strings.Split(s, ",") {
			if x = strings.TrimSpace(x); x != "" {
				out = append(out, x)
			}
		}
		return out
	}
	return func(c *Config, name string) bool {
		a := &c.Abuse
		fields := map[string]*int{
			"max-rooms": &a.MaxRooms, "max-rooms-per-creator": &a.MaxRoomsPerCreator,
			"max-user-rooms": &a.MaxUserRooms, "max-user-sessions": &a.MaxUserSessions,
			"message-burst": &a.MessageBurst, "presence-burst": &a.PresenceBurst,
			"max-room-local": &a.MaxRoomLocal, "max-nick": &a.MaxNick, "max-status": &a.MaxStatus,
			"max-body": &a.MaxBody, "max-broadcast-presence": &a.MaxBroadcastPresence,
		}
		switch name {
		case "create-rooms":
			a.CreateRooms = *create
		case "create-domains":
			a.CreateDomains = list(*domains)
		case "admins":
			a.Admins = list(*admins)
		case "message-interval":
			a.MessageInterval = Duration(*durs[name])
		case "presence-interval":
			a.PresenceInterval = Duration(*durs[name])
		default:
			p, ok := fields[name]
			if !ok {
				return false
			}
			*p = *ints[name]
		}
		return true
	}
}
