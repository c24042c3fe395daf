package mucnode

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"strings"
	"time"

	"github.com/xmppfmuc/fmuc/fmuc"
	"github.com/xmppfmuc/fmuc/muc"
	"github.com/xmppfmuc/fmuc/stanza"
	"github.com/xmppfmuc/fmuc/transport"
)

// SecretEnv is the environment variable the component secret is read from
// when no -secret or -secret-file flag is given, so that it need not appear
// on the command line (where ps(1) shows it to every user).
const SecretEnv = "FMUC_SECRET"

// DefaultLockTimeout is how long a new room stays locked for its owner's
// configuration (XEP-0045 §10.1.1) when Config.LockTimeout is not set:
// five minutes, Prosody's default. A client that creates a room and never
// submits the form (poezio does not) would otherwise lock everyone else
// out of it for good (§7.2.10: item-not-found); one that shows the form to
// its user leaves time to fill it in.
const DefaultLockTimeout = 5 * time.Minute

// DefaultDataDir is where the node keeps its store (package mucstore)
// when Config.DataDir is nil: a directory in the working directory,
// created on first start.
const DefaultDataDir = "fmuc-data"

// DefaultArchiveMax is how many messages each room's XEP-0313 archive
// keeps when Config.ArchiveMax is nil.
const DefaultArchiveMax = 10000

// ErrConfig is wrapped by every configuration error.
var ErrConfig = errors.New("mucnode: bad configuration")

// Config is the node's configuration. Its JSON form is the -config file;
// every field can also be set by a flag, which wins over the file.
type Config struct {
	// Server is the XMPP server's component port, host:port (XEP-0114 has
	// no default port; Prosody and Openfire commonly use 5347 and 5275).
	Server string `json:"server"`
	// Domain is the component domain, e.g. rooms.wonderland.lit.
	Domain string `json:"domain"`
	// Secret is the XEP-0114 shared secret. Prefer SecretFile or the
	// FMUC_SECRET environment variable.
	Secret string `json:"secret,omitempty"`
	// SecretFile is a file whose first line is the secret.
	SecretFile string `json:"secret_file,omitempty"`
	// Name is the service's disco#info name; default "Chatrooms".
	Name string `json:"name,omitempty"`
	// LockTimeout unlocks a newly created room that its owner did not
	// configure within this time, with the default configuration
	// (XEP-0045 §10.1.1 allows such a timeout), e.g. "10m"; "0" keeps it
	// locked until configured; nil means DefaultLockTimeout.
	LockTimeout *Duration `json:"lock_timeout,omitempty"`
	// InstantRooms creates new rooms unlocked, as instant rooms that
	// others may enter at once (muc.LockNever, XEP-0045 §10.1.1), instead
	// of locked until their owner configures them.
	InstantRooms bool `json:"instant_rooms,omitempty"`
	// OccupantIDKeyFile holds the secret (at least 16 bytes) keying the
	// XEP-0421 occupant ids, so that they stay the same across restarts;
	// without it a random key is drawn at each start.
	OccupantIDKeyFile string `json:"occupant_id_key_file,omitempty"`
	// Rooms are the defaults new rooms are created with.
	Rooms RoomDefaults `json:"rooms"`
	// Federation is how the rooms federate (XEP-0289); the zero value
	// federates nothing and admits no peer.
	Federation FederationConfig `json:"federation"`
	// StatsInterval, when positive, logs the federation figures (links
	// per state, stanzas and bytes sent to each peer room, the
	// component's counters) at this interval, e.g. "1m".
	StatsInterval Duration `json:"stats_interval,omitempty"`
	// DataDir is the directory of the node's store (rooms, their
	// configuration, affiliations, subject, history and archive, the
	// occupant-id key), created on first start; nil means DefaultDataDir,
	// "" keeps everything in memory, lost when the node stops. Only one
	// node may use a directory at a time (the store's file lock).
	DataDir *string `json:"data_dir,omitempty"`
	// ArchiveMax is how many messages each room's XEP-0313 archive keeps
	// (the oldest go first); nil means DefaultArchiveMax, 0 keeps no
	// archive (and rooms do not advertise urn:xmpp:mam:2).
	ArchiveMax *int `json:"archive_max,omitempty"`
	// ArchiveMaxAge drops archived messages older than this, e.g. "720h";
	// 0 keeps them until ArchiveMax pushes them out.
	ArchiveMaxAge Duration `json:"archive_max_age,omitempty"`
	// LogLevel is debug, info, warn or error; default info.
	LogLevel string `json:"log_level,omitempty"`
	// LogFormat is text or json; default text.
	LogFormat string `json:"log_format,omitempty"`
	// BackoffMax caps the delay between reconnect attempts; default 30s.
	BackoffMax Duration `json:"backoff_max,omitempty"`
	// Queue is the number of stanzas waiting to be written; default 16384.
	Queue int `json:"queue,omitempty"`
	// QueueBytes bounds the same queue in bytes; default
	// transport.DefaultOutboundQueueBytes (16 MiB).
	QueueBytes int64 `json:"queue_bytes,omitempty"`
	// PingInterval is how long the server may send nothing before the node
	// checks it is alive with an XEP-0199 ping (answered or not within
	// 30 s); default transport.DefaultPingInterval (60s), negative
	// disables the check.
	PingInterval Duration `json:"ping_interval,omitempty"`
	// PingTo is where the pings go; default the component domain itself,
	// which the server routes back to the node.
	PingTo string `json:"ping_to,omitempty"`
	// MaxStanzaSize is the largest stanza, in bytes, the node reads from
	// the server; a larger one is answered with policy-violation and the
	// stream stays up. Default transport.DefaultMaxStanzaSize (256 KiB,
	// Prosody's c2s_stanza_size_limit). Raise it together with the
	// server's limits, keeping RelayMargin below MaxOutboundSize.
	MaxStanzaSize int64 `json:"max_stanza_size,omitempty"`
	// MaxOutboundSize is the largest stanza, in bytes, the node writes to
	// the server; keep it at or below the server's component limit
	// (Prosody's component_stanza_size_limit, 512 KiB by default), which
	// ends the component's stream when exceeded. Default
	// transport.DefaultMaxOutboundSize (500 KiB).
	MaxOutboundSize int64 `json:"max_outbound_size,omitempty"`
	// Abuse is who may create rooms and the limits that keep one user
	// from exhausting the node.
	Abuse Abuse `json:"abuse"`
}

// RelayMargin is the room the node keeps between MaxStanzaSize and
// MaxOutboundSize for what a room adds to a stanza it relays: the
// occupant's address in 'from' (up to 3 KiB, RFC 7622), XEP-0359 stanza
// id, XEP-0421 occupant id, the XEP-0203 delay of history. With it, every
// stanza the node accepts can be relayed.
const RelayMargin = 16 << 10

// RoomDefaults are the muc#roomconfig defaults of new rooms (XEP-0045
// §10.2). Absent fields keep muc.DefaultConfig's value.
type RoomDefaults struct {
	// Persistent rooms survive their last occupant leaving.
	Persistent *bool `json:"persistent,omitempty"`
	// Public rooms are listed in disco#items.
	Public *bool `json:"public,omitempty"`
	// MembersOnly rooms admit only members, admins and owners.
	MembersOnly *bool `json:"members_only,omitempty"`
	// Moderated rooms give new unaffiliated occupants no voice.
	Moderated *bool `json:"moderated,omitempty"`
	// MaxUsers is the occupant limit; 0 for none.
	MaxUsers *int `json:"max_users,omitempty"`
	// History is how many messages are kept and sent on entry.
	History *int `json:"history,omitempty"`
	// Anonymity is "semi" (real JIDs to moderators only) or "non"
	// (real JIDs to everyone).
	Anonymity string `json:"anonymity,omitempty"`
}

// FederationConfig is the node's XEP-0289 federation (package fmuc).
type FederationConfig struct {
	// With is a service domain (rooms.wonderland.lit): every room here
	// joins the room of the same name there (fmuc.SameName), unless Rooms
	// names its upstream.
	With string `json:"with,omitempty"`
	// Rooms maps a room's local part (elsinore) to the bare JID of the
	// room it joins (rabbithole@rooms.wonderland.lit), overriding With.
	Rooms map[string]string `json:"rooms,omitempty"`
	// Mode is master-master (default) or master-slave, for every
	// upstream link.
	Mode string `json:"mode,omitempty"`
	// Allow lists the peers that may join rooms here: service domains
	// (talk.denmark.lit) or room JIDs (elsinore@talk.denmark.lit). Empty
	// denies every peer.
	Allow []string `json:"allow,omitempty"`
	// History is how many messages of history a room asks its upstream
	// for when federating; nil for the upstream's default.
	History *int `json:"history,omitempty"`
	// RemoteCreate lets a peer's federation join create a room that does
	// not exist here yet.
	RemoteCreate bool `json:"remote_create,omitempty"`
	// PeerInterval and PeerBurst bound what one peer room may send
	// (fmuc.Options.PeerInterval, PeerBurst): a burst, then one stanza
	// per interval; zero for the defaults (10,000, then 100 a second), a
	// negative interval for no bound.
	PeerInterval Duration `json:"peer_interval,omitempty"`
	PeerBurst    int      `json:"peer_burst,omitempty"`
}

// maxFederationRooms bounds FederationConfig.Rooms and Allow.
const maxFederationRooms = 10000

// fmucSettings are the federation settings parsed and validated.
type fmucSettings struct {
	with    stanza.JID
	rooms   map[string]stanza.JID
	mode    fmuc.Mode
	allow   []stanza.JID
	history *int
}

// federation parses and checks the federation settings against the
// component domain.
func (c *Config) federation(domain stanza.JID) (fmucSettings, error) {
	f := c.Federation
	var s fmucSettings
	if f.Mode != "" {
		m, err := fmuc.ParseMode(f.Mode)
		if err != nil {
			return s, fmt.Errorf("%w: federation mode %q: want master-master or master-slave", ErrConfig, f.Mode)
		}
		s.mode = m
	}
	if f.With != "" {
		j, err := stanza.Parse(f.With)
		if err != nil || j.Local() != "" || j.Resource() != "" {
			return s, fmt.Errorf("%w: federate with %q: want a service domain such as rooms.example.org", ErrConfig, f.With)
		}
		if j == domain {
			return s, fmt.Errorf("%w: federate with %q: the node's own domain", ErrConfig, f.With)
		}
		s.with = j
	}
	if len(f.Rooms) > maxFederationRooms || len(f.Allow) > maxFederationRooms {
		return s, fmt.Errorf("%w: more than %d federation rooms or allow entries", ErrConfig, maxFederationRooms)
	}
	if len(f.Rooms) > 0 {
		s.rooms = make(map[string]stanza.JID, len(f.Rooms))
	}
	for room, up := range f.Rooms {
		r, err := stanza.NewJID(room, domain.Domain(), "")
		if err != nil || room == "" {
			return s, fmt.Errorf("%w: federation room %q: want a room's local part", ErrConfig, room)
		}
		u, err := stanza.Parse(up)
		if err != nil || u.Local() == "" || u.Resource() != "" {
			return s, fmt.Errorf("%w: upstream %q of room %s: want a room JID such as room@rooms.example.org", ErrConfig, up, room)
		}
		if u.Domain() == domain.Domain() {
			return s, fmt.Errorf("%w: upstream %q of room %s is on the node's own domain", ErrConfig, up, room)
		}
		s.rooms[r.Local()] = u
	}
	for _, a := range f.Allow {
		j, err := stanza.Parse(strings.TrimSpace(a))
		if err != nil || j.Resource() != "" {
			return s, fmt.Errorf("%w: federation allow %q: want a service domain or a room JID", ErrConfig, a)
		}
		s.allow = append(s.allow, j)
	}
	if f.History != nil {
		if *f.History < 0 {
			return s, fmt.Errorf("%w: negative federation history %d", ErrConfig, *f.History)
		}
		h := *f.History
		s.history = &h
	}
	return s, nil
}

// federationFunc returns the fmuc.Options.Federation of the settings; nil
// when no room federates.
func (s fmucSettings) federationFunc() func(room stanza.JID) fmuc.Federation {
	if s.with.IsZero() && len(s.rooms) == 0 {
		return nil
	}
	var same func(stanza.JID) fmuc.Federation
	if !s.with.IsZero() {
		same = fmuc.SameName(s.with, s.mode)
	}
	return func(room stanza.JID) fmuc.Federation {
		var f fmuc.Federation
		if up, ok := s.rooms[room.Local()]; ok {
			f = fmuc.Federation{Upstream: up, Mode: s.mode}
		} else if same != nil {
			f = same(room)
		} else {
			return f
		}
		f.History = s.history
		return f
	}
}

// Duration is a time.Duration written as a Go duration string in JSON.
type Duration time.Duration

// UnmarshalText parses a duration such as "90s" or "10m".
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes the duration as a Go duration string.
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// LoadFile reads a JSON configuration file. Unknown fields are errors, so
// that a misspelt option is not silently ignored.
func LoadFile(path string) (Config, error) {
	var c Config
	b, err := os.ReadFile(path)
	if err != nil {
		return c, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return c, fmt.Errorf("%w: %s: %w", ErrConfig, path, err)
	}
	return c, nil
}

// RoomConfig returns the muc configuration new rooms get.
func (c *Config) RoomConfig() (muc.Config, error) {
	rc := muc.DefaultConfig()
	r := c.Rooms
	set := func(dst *bool, v *bool) {
		if v != nil {
			*dst = *v
		}
	}
	set(&rc.Persistent, r.Persistent)
	set(&rc.Public, r.Public)
	set(&rc.MembersOnly, r.MembersOnly)
	set(&rc.Moderated, r.Moderated)
	if r.MaxUsers != nil {
		rc.MaxUsers = *r.MaxUsers
	}
	if r.History != nil {
		rc.HistoryLength = *r.History
	}
	switch r.Anonymity {
	case "", "semi":
		rc.Whois = muc.WhoisModerators
	case "non":
		rc.Whois = muc.WhoisAnyone
	default:
		return rc, fmt.Errorf("%w: anonymity %q: want semi or non", ErrConfig, r.Anonymity)
	}
	if err := rc.Validate(); err != nil {
		return rc, fmt.Errorf("%w: rooms: %w", ErrConfig, err)
	}
	return rc, nil
}

// resolveSecret fills Secret from SecretFile or the environment when empty.
func (c *Config) resolveSecret(getenv func(string) string) error {
	if c.Secret != "" {
		return nil
	}
	if c.SecretFile != "" {
		b, err := os.ReadFile(c.SecretFile)
		if err != nil {
			return fmt.Errorf("%w: secret file: %w", ErrConfig, err)
		}
		c.Secret, _, _ = strings.Cut(string(b), "\n")
		c.Secret = strings.TrimRight(c.Secret, "\r")
		if c.Secret == "" {
			return fmt.Errorf("%w: secret file %s is empty", ErrConfig, c.SecretFile)
		}
		return nil
	}
	if getenv != nil {
		c.Secret = getenv(SecretEnv)
	}
	if c.Secret == "" {
		return fmt.Errorf("%w: no secret: set %s, -secret-file or secret_file", ErrConfig, SecretEnv)
	}
	return nil
}

// occupantIDKey reads the occupant id key, or draws a random one.
func (c *Config) occupantIDKey() ([]byte, error) {
	if c.OccupantIDKeyFile == "" {
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		return key, nil
	}
	b, err := os.ReadFile(c.OccupantIDKeyFile)
	if err != nil {
		return nil, fmt.Errorf("%w: occupant id key: %w", ErrConfig, err)
	}
	b = bytes.TrimSpace(b)
	if len(b) < 16 {
		return nil, fmt.Errorf("%w: occupant id key file %s: want at least 16 bytes", ErrConfig, c.OccupantIDKeyFile)
	}
	return b, nil
}

// Validate checks the configuration (after the secret was resolved).
func (c *Config) Validate() error {
	if c.Server == "" {
		return fmt.Errorf("%w: no server address (-server host:port)", ErrConfig)
	}
	if host, port, err := net.SplitHostPort(c.Server); err != nil || host == "" || port == "" {
		return fmt.Errorf("%w: server %q: want host:port", ErrConfig, c.Server)
	}
	if c.Domain == "" {
		return fmt.Errorf("%w: no component domain (-domain)", ErrConfig)
	}
	d, err := stanza.Parse(c.Domain)
	if err != nil || d.Local() != "" || d.Resource() != "" {
		return fmt.Errorf("%w: domain %q is not a domain JID", ErrConfig, c.Domain)
	}
	if c.Secret == "" {
		return fmt.Errorf("%w: no secret", ErrConfig)
	}
	if _, err := c.RoomConfig(); err != nil {
		return err
	}
	o := muc.ServiceOptions{Domain: d, NewID: func() string { return "" }}
	if err := c.abuseOptions(&o); err != nil {
		return err
	}
	if _, err := muc.NewService(o); err != nil {
		return fmt.Errorf("%w: abuse: %w", ErrConfig, err)
	}
	if _, err := parseLevel(c.LogLevel); err != nil {
		return err
	}
	switch c.LogFormat {
	case "", "text", "json":
	default:
		return fmt.Errorf("%w: log format %q: want text or json", ErrConfig, c.LogFormat)
	}
	if c.OccupantIDKeyFile != "" {
		if _, err := c.occupantIDKey(); err != nil {
			return err
		}
	}
	if _, err := c.federation(d); err != nil {
		return err
	}
	if c.StatsInterval < 0 {
		return fmt.Errorf("%w: negative stats_interval", ErrConfig)
	}
	if c.ArchiveMax != nil && *c.ArchiveMax < 0 || c.ArchiveMaxAge < 0 {
		return fmt.Errorf("%w: negative archive_max or archive_max_age", ErrConfig)
	}
	if c.LockTimeout != nil && *c.LockTimeout < 0 || c.BackoffMax < 0 || c.Queue < 0 || c.QueueBytes < 0 || c.MaxStanzaSize < 0 || c.MaxOutboundSize < 0 {
		return fmt.Errorf("%w: negative lock_timeout, backoff_max, queue, queue_bytes, max_stanza_size or max_outbound_size", ErrConfig)
	}
	if c.QueueBytes > 0 && c.QueueBytes < c.maxOutboundSize() {
		return fmt.Errorf("%w: queue_bytes %d is below max_outbound_size %d", ErrConfig, c.QueueBytes, c.maxOutboundSize())
	}
	if c.PingTo != "" {
		if _, err := stanza.Parse(c.PingTo); err != nil {
			return fmt.Errorf("%w: ping_to %q: %w", ErrConfig, c.PingTo, err)
		}
	}
	if in, out := c.maxStanzaSize(), c.maxOutboundSize(); in+RelayMargin > out {
		return fmt.Errorf("%w: max_stanza_size %d leaves less than %d bytes below max_outbound_size %d for what rooms add to a relayed stanza",
			ErrConfig, in, RelayMargin, out)
	}
	return nil
}

// dataDir returns the configured data directory or DefaultDataDir.
func (c *Config) dataDir() string {
	if c.DataDir != nil {
		return *c.DataDir
	}
	return DefaultDataDir
}

// archive returns the bounds of the rooms' archives.
func (c *Config) archive() muc.Archive {
	n := DefaultArchiveMax
	if c.ArchiveMax != nil {
		n = *c.ArchiveMax
	}
	return muc.Archive{MaxMessages: n, MaxAge: time.Duration(c.ArchiveMaxAge)}
}

// maxStanzaSize returns the configured inbound stanza limit or its default.
func (c *Config) maxStanzaSize() int64 {
	if c.MaxStanzaSize > 0 {
		return c.MaxStanzaSize
	}
	return transport.DefaultMaxStanzaSize
}

// maxOutboundSize returns the configured outbound stanza limit or its
// default.
func (c *Config) maxOutboundSize() int64 {
	if c.MaxOutboundSize > 0 {
		return c.MaxOutboundSize
	}
	return transport.DefaultMaxOutboundSize
}

func parseLevel(s string) (slog.Level, error) {
	var l slog.Level
	if s == "" {
		return slog.LevelInfo, nil
	}
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return l, fmt.Errorf("%w: log level %q: want debug, info, warn or error", ErrConfig, s)
	}
	return l, nil
}
