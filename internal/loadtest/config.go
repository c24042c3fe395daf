package loadtest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
)

// ErrConfig: the Config is unusable.
var ErrConfig = errors.New("loadtest: bad config")

// Config describes a load run.
type Config struct {
	// Addr is the server's c2s host:port.
	Addr string
	// Domain is the user domain, e.g. wonderland.lit.
	Domain string
	// UserPrefix and Password name the accounts: client i (0-based) logs in
	// as UserPrefix+(i+1) with Password, e.g. user1..userN.
	UserPrefix, Password string
	// Rooms are the rooms to test, one after another.
	Rooms []stanza.JID
	// Clients is N, the occupants of each room.
	Clients int
	// Senders is S, how many of the occupants send (at most Clients).
	Senders int
	// Messages is M, the messages each sender sends.
	Messages int
	// Rate is the total messages per second over all senders; 0 sends as
	// fast as the connections allow.
	Rate float64
	// Drain bounds the wait for deliveries after the last send.
	Drain time.Duration
	// JoinTimeout bounds each login and each join; default 2 minutes (a
	// join into a big room waits for the whole occupant list).
	JoinTimeout time.Duration
	// ConnectConcurrency bounds simultaneous logins and joins; default 32.
	ConnectConcurrency int
	// PIDs are processes whose CPU time is reported (the load tool's own
	// is always reported as pid 0).
	PIDs []int
	// Settle, when set, runs after the joins and before the measurement
	// starts, e.g. to wait until a link is quiet; its error ends the run.
	Settle func(ctx context.Context) error
	// Counters are read when the measurement starts and when it ends
	// (with the CPU times); Result.Counters holds their increases, e.g.
	// the bytes a link proxy carried while the messages were sent.
	Counters []func() int64
	// Body pads each message body to at least this many bytes.
	Body int
	// Logger reports progress; nil discards.
	Logger *slog.Logger
}

func (c *Config) validate() error {
	switch {
	case c.Addr == "" || c.Domain == "":
		return fmt.Errorf("%w: address and domain are required", ErrConfig)
	case len(c.Rooms) == 0:
		return fmt.Errorf("%w: no rooms", ErrConfig)
	case c.Clients < 1:
		return fmt.Errorf("%w: clients must be at least 1", ErrConfig)
	case c.Senders < 0 || c.Senders > c.Clients:
		return fmt.Errorf("%w: senders must be between 0 and clients", ErrConfig)
	case c.Messages < 0:
		return fmt.Errorf("%w: messages must not be negative", ErrConfig)
	case c.Rate < 0:
		return fmt.Errorf("%w: rate must not be negative", ErrConfig)
	}
	for _, r := range c.Rooms {
		if r.Local() == "" || !r.IsBare() {
			return fmt.Errorf("%w: room %q must be a bare JID with a localpart", ErrConfig, r)
		}
	}
	if c.UserPrefix == "" {
		c.UserPrefix = "user"
	}
	if c.Drain <= 0 {
		c.Drain = 10 * time.Second
	}
	if c.JoinTimeout <= 0 {
		c.JoinTimeout = 2 * time.Minute
	}
	if c.ConnectConcurrency <= 0 {
		c.ConnectConcurrency = 32
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// user returns the JID client i logs in as.
func (c *Config) user(i int, resource string) (stanza.JID, error) {
	return stanza.NewJID(c.UserPrefix+strconv.Itoa(i+1), c.Domain, resource)
}
