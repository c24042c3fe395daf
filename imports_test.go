package fmuc_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestPurePackagesDoNoIO keeps the import graph the README states (section
// Packages): the protocol packages never reach the network, the file
// system or gosrc.io/xmpp, even through another import.
func TestPurePackagesDoNoIO(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("go command not available")
	}
	forbidden := []string{"net", "os/exec", "gosrc.io/xmpp", "github.com/xmppfmuc/fmuc/transport"}
	for _, pkg := range []string{"./stanza", "./muc", "./fmuc", "./fmuc/fmuctest"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		deps := strings.Fields(string(out))
		for _, d := range deps {
			for _, f := range forbidden {
				if d == f || strings.HasPrefix(d, f+"/") {
					t.Errorf("%s depends on %s", pkg, d)
				}
			}
		}
		// Direct imports: not even os (the transitive graph of the
		// standard library reaches os through fmt, which is fine).
		out, err = exec.Command("go", "list", "-f", `{{join .Imports "\n"}}`, pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list %s: %v\n%s", pkg, err, out)
		}
		for _, d := range strings.Fields(string(out)) {
			if d == "os" || strings.HasPrefix(d, "os/") || d == "net" || strings.HasPrefix(d, "net/") || d == "time/tzdata" {
				t.Errorf("%s imports %s directly", pkg, d)
			}
		}
	}
}
