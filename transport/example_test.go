package transport_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/signal"
	"time"

	"github.com/xmppfmuc/fmuc/stanza"
	"github.com/xmppfmuc/fmuc/transport"
)

// echo is a minimal Machine: it answers every message with its own body.
type echo struct{}

func (echo) Handle(_ time.Time, in stanza.Stanza) []stanza.Stanza {
	m, ok := in.(*stanza.Message)
	if !ok || m.Type == stanza.MessageError {
		return nil
	}
	out := stanza.Clone(m).(*stanza.Message)
	out.From, out.To = m.To, m.From
	return []stanza.Stanza{out}
}
func (echo) Tick(time.Time) []stanza.Stanza                    { return nil }
func (echo) NextDeadline() time.Time                           { return time.Time{} }
func (echo) ConnectionChanged(time.Time, bool) []stanza.Stanza { return nil }

// Connect an echo service to a server's component port (Prosody:
// component_ports and Component "echo.example" component_secret = "...").
func Example() {
	c, err := transport.New(transport.Config{
		Address: "127.0.0.1:5347",
		Domain:  "echo.example",
		Secret:  os.Getenv("COMPONENT_SECRET"),
		Machine: echo{},
		Logger:  slog.Default(),
	})
	if err != nil {
		slog.Error("bad config", "err", err)
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	err = c.Run(ctx)
	switch {
	case errors.Is(err, transport.ErrNotAuthorized):
		slog.Error("wrong component secret", "err", err)
	case errors.Is(err, context.Canceled):
		slog.Info("stopped", "stats", c.Stats())
	}
}
