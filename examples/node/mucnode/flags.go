package mucnode

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/muc"
)

// ErrHelp is returned by ParseArgs for -h and -help.
var ErrHelp = flag.ErrHelp

// ParseArgs builds the configuration from the command line (without the
// program name): the -config file first, then every flag given, then the
// secret from -secret-file, the file's secret_file or $FMUC_SECRET. getenv
// is os.Getenv in the command; usage text and flag errors go to output.
// The result is validated; errors wrap ErrConfig (or are ErrHelp).
func ParseArgs(args []string, getenv func(string) string, output io.Writer) (Config, error) {
	fs := flag.NewFlagSet("node", flag.ContinueOnError)
	fs.SetOutput(output)
	var (
		file        = fs.String("config", "", "JSON configuration `file` (flags override it)")
		server      = fs.String("server", "", "server component port, `host:port`")
		domain      = fs.String("domain", "", "component `domain`, e.g. rooms.example.org")
		secret      = fs.String("secret", "", "component secret (visible in ps; prefer $"+SecretEnv+" or -secret-file)")
		secretFile  = fs.String("secret-file", "", "`file` holding the component secret")
		name        = fs.String("name", "", "service name in disco#info (default \"Chatrooms\")")
		lockTimeout = fs.Duration("lock-timeout", DefaultLockTimeout, "unlock rooms not configured by their owner after this `duration` (0: never)")
		instant     = fs.Bool("instant-rooms", false, "create new rooms unlocked (instant rooms), not locked until their owner configures them")
		logLevel    = fs.String("log-level", "", "log `level`: debug, info, warn, error (default info)")
		logFormat   = fs.String("log-format", "", "log `format`: text or json (default text)")
		backoffMax  = fs.Duration("backoff-max", 0, "longest `delay` between reconnect attempts (default 30s)")
		oidKeyFile  = fs.String("occupant-id-key-file", "", "`file` with the secret (16+ bytes) keying XEP-0421 occupant ids (default: random at each start)")
		queue       = fs.Int("queue", 0, "outbound queue length in stanzas (default 16384)")
		queueBytes  = fs.Int64("queue-bytes", 0, "outbound queue size in `bytes` (default 16777216)")
		pingEvery   = fs.Duration("ping-interval", 0, "ping the server (XEP-0199) after this `duration` without hearing from it; negative disables (default 1m0s)")
		pingTo      = fs.String("ping-to", "", "`address` of the pings (default the component domain, which the server routes back)")
		maxStanza   = fs.Int64("max-stanza-size", 0, "largest stanza read from the server, in `bytes` (default 262144, Prosody's c2s_stanza_size_limit)")
		maxOutbound = fs.Int64("max-outbound-size", 0, "largest stanza written to the server, in `bytes`; at most the server's component limit (default 512000, below Prosody's 524288)")
		persistent  = fs.Bool("room-persistent", false, "new rooms are persistent")
		public      = fs.Bool("room-public", true, "new rooms are public (listed in disco#items)")
		membersOnly = fs.Bool("room-members-only", false, "new rooms are members-only")
		moderated   = fs.Bool("room-moderated", false, "new rooms are moderated")
		maxUsers    = fs.Int("room-max-users", 0, "occupant limit of new rooms (0: none)")
		history     = fs.Int("room-history", 20, "messages of history new rooms keep")
		dataDir     = fs.String("data-dir", DefaultDataDir, "`directory` of the node's store, created on first start; '' keeps rooms in memory only")
		archiveMax  = fs.Int("archive-max", DefaultArchiveMax, "messages each room's XEP-0313 archive keeps (0: no archive)")
		archiveAge  = fs.Duration("archive-max-age", 0, "drop archived messages older than this `duration` (0: no age limit)")
		anonymity   = fs.String("room-anonymity", "", "who sees real JIDs in new rooms: semi (moderators) or non (everyone) (default semi)")
		fedWith     = fs.String("federate-with", "", "every room here joins the room of the same name on this service `domain` (XEP-0289)")
		fedRooms    = fs.String("federate-rooms", "", "per-room upstreams, `room=upstream@service,...` (override -federate-with)")
		fedMode     = fs.String("federation-mode", "", "`mode` of the upstream links: master-master or master-slave (default master-master)")
		fedAllow    = fs.String("federation-allow", "", "peers that may join rooms here: `domain-or-room,...` (default none)")
		fedHistory  = fs.Int("federation-history", 0, "messages of history a room asks its upstream for when federating (default the upstream's)")
		fedCreate   = fs.Bool("federation-remote-create", false, "let a peer's federation join create a room that does not exist here")
		fedPeerInt  = fs.Duration("federation-peer-interval", 0, "one more stanza a peer room may send per this `duration`, after its burst; negative for no bound (default 10ms: 100 a second)")
		fedPeerBur  = fs.Int("federation-peer-burst", 0, "stanzas a peer room may send at once (default 10000)")
		statsEvery  = fs.Duration("stats-interval", 0, "log the federation figures at this `interval` (default off)")
	)
	abuse := abuseFlags(fs)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: node [flags]\n\nServes XEP-0045 chat rooms, federated with XEP-0289, as an XEP-0114 external component.\nThe secret comes from -secret-file, the config file or $%s.\n\nFlags:\n", SecretEnv)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return Config{}, ErrHelp
		}
		return Config{}, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	if fs.NArg() > 0 {
		return Config{}, fmt.Errorf("%w: unexpected argument %q", ErrConfig, fs.Arg(0))
	}
	var c Config
	if *file != "" {
		var err error
		if c, err = LoadFile(*file); err != nil {
			return c, err
		}
	}
	var ferr error
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "server":
			c.Server = *server
		case "domain":
			c.Domain = *domain
		case "secret":
			c.Secret = *secret
		case "secret-file":
			c.Secret, c.SecretFile = "", *secretFile
		case "name":
			c.Name = *name
		case "lock-timeout":
			d := Duration(*lockTimeout)
			c.LockTimeout = &d
		case "instant-rooms":
			c.InstantRooms = *instant
		case "log-level":
			c.LogLevel = *logLevel
		case "log-format":
			c.LogFormat = *logFormat
		case "backoff-max":
			c.BackoffMax = Duration(*backoffMax)
		case "occupant-id-key-file":
			c.OccupantIDKeyFile = *oidKeyFile
		case "queue":
			c.Queue = *queue
		case "queue-bytes":
			c.QueueBytes = *queueBytes
		case "ping-interval":
			c.PingInterval = Duration(*pingEvery)
		case "ping-to":
			c.PingTo = *pingTo
		case "max-stanza-size":
			c.MaxStanzaSize = *maxStanza
		case "max-outbound-size":
			c.MaxOutboundSize = *maxOutbound
		case "room-persistent":
			c.Rooms.Persistent = persistent
		case "room-public":
			c.Rooms.Public = public
		case "room-members-only":
			c.Rooms.MembersOnly = membersOnly
		case "room-moderated":
			c.Rooms.Moderated = moderated
		case "room-max-users":
			c.Rooms.MaxUsers = maxUsers
		case "room-history":
			c.Rooms.History = history
		case "room-anonymity":
			c.Rooms.Anonymity = *anonymity
		case "federate-with":
			c.Federation.With = *fedWith
		case "federate-rooms":
			rooms, err := parseRoomMap(*fedRooms)
			if err != nil {
				ferr = err
			}
			c.Federation.Rooms = rooms
		case "federation-mode":
			c.Federation.Mode = *fedMode
		case "federation-allow":
			c.Federation.Allow = splitList(*fedAllow)
		case "federation-history":
			c.Federation.History = fedHistory
		case "federation-remote-create":
			c.Federation.RemoteCreate = *fedCreate
		case "federation-peer-interval":
			c.Federation.PeerInterval = Duration(*fedPeerInt)
		case "federation-peer-burst":
			c.Federation.PeerBurst = *fedPeerBur
		case "stats-interval":
			c.StatsInterval = Duration(*statsEvery)
		case "data-dir":
			d := *dataDir
			c.DataDir = &d
		case "archive-max":
			n := *archiveMax
			c.ArchiveMax = &n
		case "archive-max-age":
			c.ArchiveMaxAge = Duration(*archiveAge)
		case "config":
		default:
			if abuse(&c, f.Name) {
				return
			}
			ferr = fmt.Errorf("%w: unhandled flag %s", ErrConfig, strconv.Quote(f.Name))
		}
	})
	if ferr != nil {
		return c, ferr
	}
	if err := c.resolveSecret(getenv); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// splitList splits a comma-separated flag value, dropping empty entries.
func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// parseRoomMap reads "room=upstream,room2=upstream2".
func parseRoomMap(v string) (map[string]string, error) {
	m := map[string]string{}
	for _, e := range splitList(v) {
		room, up, ok := strings.Cut(e, "=")
		room, up = strings.TrimSpace(room), strings.TrimSpace(up)
		if !ok || room == "" || up == "" {
			return nil, fmt.Errorf("%w: -federate-rooms entry %q: want room=upstream@service", ErrConfig, e)
		}
		if _, dup := m[room]; dup {
			return nil, fmt.Errorf("%w: -federate-rooms: room %q twice", ErrConfig, room)
		}
		m[room] = up
	}
	return m, nil
}

// backoffMax returns the configured reconnect cap or its default.
func (c *Config) backoffMax() time.Duration {
	if c.BackoffMax > 0 {
		return time.Duration(c.BackoffMax)
	}
	return 30 * time.Second
}

// lockTimeout returns the configured lock timeout or DefaultLockTimeout.
func (c *Config) lockTimeout() time.Duration {
	if c.LockTimeout != nil {
		return time.Duration(*c.LockTimeout)
	}
	return DefaultLockTimeout
}

// locking returns the muc room-locking choice of InstantRooms.
func (c *Config) locking() muc.Locking {
	if c.InstantRooms {
		return muc.LockNever
	}
	return muc.LockUntilConfigured
}

// queue returns the configured outbound queue length or its default.
func (c *Config) queue() int {
	if c.Queue > 0 {
		return c.Queue
	}
	return 16384
}
