package servers_test

import (
	"fmt"
	"testing"

	"github.com/xmppfmuc/fmuc/internal/servers"
)

// A test starts a private Prosody with accounts; it is stopped and its log
// printed (on failure) by t.Cleanup.
func ExampleStartProsody() {
	var t testing.TB // the test's *testing.T
	s := servers.StartProsody(t, servers.ProsodyOptions{
		Accounts: servers.Accounts("user", 3, "pw"), // user1..user3
	})
	fmt.Println(s.C2SAddr(), s.ComponentAddr(), s.ComponentDomain, s.ComponentSecret, s.MUCDomain)
}
