// Command node serves XEP-0045 chat rooms as an XEP-0114 external component
// of an XMPP server (Prosody, ejabberd, Openfire).
//
//	FMUC_SECRET=s3cr3t go run ./examples/node -server 127.0.0.1:5347 -domain rooms.example.org
//
// Flags, the JSON config file and the exit codes are documented in package
// mucnode and in the README ("The example node"). SIGINT or SIGTERM shuts it
// down gracefully: every occupant gets status 332, the stream is closed.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := mucnode.Main(ctx, os.Args[1:], os.Getenv, os.Stderr)
	stop()
	os.Exit(code)
}
