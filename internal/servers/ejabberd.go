package servers

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

// EjabberdOptions configures an ejabberd instance. Zero fields take defaults.
type EjabberdOptions struct {
	// Dir is the instance directory; "" makes a temporary one that Close removes.
	Dir string
	// Domain is the served host; default DefaultDomain.
	Domain string
	// MUCDomain is ejabberd's own mod_muc host; default "conference."+Domain.
	MUCDomain string
	// ComponentDomain is the XEP-0114 component; default "rooms."+Domain.
	ComponentDomain string
	// ComponentSecret is its secret; default DefaultComponentSecret.
	ComponentSecret string
	// Accounts are created at start, before the harness reports ready.
	Accounts []Account
	// Debug logs at debug level instead of info.
	Debug bool
	// DNS, when set, is the resolver for s2s, as in ProsodyOptions.
	DNS *DNS
	// EbinDir is ejabberd's library directory (ERL_LIBS); default the
	// Debian 12 location.
	EbinDir string
}

// DefaultEjabberdLibs is where Debian 12's ejabberd 23.01 keeps its ebin
// on amd64; ejabberdLibs looks for other architectures and versions.
const DefaultEjabberdLibs = "/usr/lib/x86_64-linux-gnu/ejabberd-23.01-1"

// ejabberdLibs returns DefaultEjabberdLibs when it holds ejabberd, else
// the last /usr/lib/*/ejabberd-* directory that does.
func ejabberdLibs() string {
	if _, err := os.Stat(filepath.Join(DefaultEjabberdLibs, "ebin", "ejabberd.app")); err == nil {
		return DefaultEjabberdLibs
	}
	found := DefaultEjabberdLibs
	dirs, _ := filepath.Glob("/usr/lib/*/ejabberd-*")
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "ebin", "ejabberd.app")); err == nil {
			found = d
		}
	}
	return found
}

var ejabberdBins = []string{"erl"}

// StartEjabberd starts an ejabberd for the test and stops it in t.Cleanup,
// printing its log if the test failed. It skips the test when ejabberd is
// not installed, unless FMUC_REQUIRE_SERVERS=1.
func StartEjabberd(t testing.TB, opts EjabberdOptions) *Server {
	t.Helper()
	requireInstalled(t, "ejabberd", ejabberdBins...)
	s, err := LaunchEjabberd(opts)
	return harness(t, s, err)
}

// LaunchEjabberd starts an ejabberd and waits until its ports accept
// connections and its accounts exist. The caller must Close it.
//
// ejabberdctl switches to the ejabberd user when run as root, so the VM is
// run directly: `erl -noinput -mnesia dir DIR -s ejabberd -eval ...` with
// EJABBERD_CONFIG_PATH and ERL_LIBS. The node is not distributed (no -sname),
// so no epmd is started and nothing outlives the process. Accounts are
// created by an -eval that runs once ejabberd has started and then writes
// a marker file.
func LaunchEjabberd(opts EjabberdOptions) (*Server, error) {
	if err := installed("ejabberd", ejabberdBins); err != nil {
		return nil, err
	}
	if opts.EbinDir == "" {
		opts.EbinDir = ejabberdLibs()
	}
	if _, err := os.Stat(filepath.Join(opts.EbinDir, "ebin", "ejabberd.app")); err != nil {
		return nil, fmt.Errorf("%w: ejabberd: %w", ErrNotInstalled, err)
	}
	s, remove, err := newInstance("ejabberd", opts.Dir, instanceNames{opts.Domain, opts.MUCDomain, opts.ComponentDomain, opts.ComponentSecret})
	if err != nil {
		return nil, err
	}
	dir := s.Dir
	cfg := filepath.Join(dir, "ejabberd.yml")
	if err := os.WriteFile(cfg, []byte(ejabberdConfig(s, opts)), 0o644); err != nil {
		return nil, err
	}
	if err := writeErlAccounts(filepath.Join(dir, "accounts.eterm"), opts.Accounts); err != nil {
		return nil, err
	}
	inetrc := ""
	if opts.DNS != nil {
		for _, d := range []string{s.Domain, s.MUCDomain, s.ComponentDomain} {
			opts.DNS.Add(d, s.S2SPort)
		}
		// The Erlang resolver (inet_res, which ejabberd uses for SRV and A
		// lookups) asks only the harness's DNS server.
		inetrc = filepath.Join(dir, "inetrc")
		// resolv_conf comes first: it resets the nameserver list.
		rc := fmt.Sprintf("{resolv_conf, \"/dev/null\"}.\n{hosts_file, \"\"}.\n{nameserver, {127,0,0,1}, %d}.\n{lookup, [dns]}.\n", opts.DNS.Port())
		if err := os.WriteFile(inetrc, []byte(rc), 0o644); err != nil {
			return nil, err
		}
	}
	marker := filepath.Join(dir, "accounts.ready")
	s.ready = func() bool {
		_, err := os.Stat(marker)
		return err == nil
	}
	s.addAccounts = func(ctx context.Context, accts []Account) error { return registerInBand(ctx, s, accts) }
	level := "info"
	if opts.Debug {
		level = "debug"
	}
	s.command = func() *exec.Cmd {
		_ = os.Remove(marker)
		eval := fmt.Sprintf(`{ok,L}=file:consult(%s), R=[ejabberd_auth:try_register(U,%s,P) || {U,P} <- L], `+
			`ok=file:write_file(%s, io_lib:format("~p~n",[R])).`,
			erlString(filepath.Join(dir, "accounts.eterm")), erlBinary(s.Domain), erlString(marker))
		cmd := exec.Command("erl", "-noinput", "-noshell",
			"-mnesia", "dir", erlString(filepath.Join(dir, "db")),
			"-kernel", "logger_level", level,
			"-ejabberd", "log_path", erlString(s.LogPath),
			"-s", "ejabberd", "-eval", eval)
		cmd.Env = append(os.Environ(),
			"EJABBERD_CONFIG_PATH="+cfg,
			"ERL_LIBS="+opts.EbinDir,
			"HOME="+dir,
		)
		if inetrc != "" {
			cmd.Env = append(cmd.Env, "ERL_INETRC="+inetrc)
		}
		return cmd
	}
	if err := s.start(); err != nil {
		if remove != nil {
			_ = remove()
		}
		return nil, err
	}
	return s, nil
}

func ejabberdConfig(s *Server, o EjabberdOptions) string {
	level := "info"
	if o.Debug {
		level = "debug"
	}
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	p("# Generated by internal/servers for a loopback test instance.")
	p("hosts:\n  - %s", yaml(s.Domain))
	p("loglevel: %s", level)
	p("log_rotate_count: 0")
	p("certfiles: []")
	p("s2s_use_starttls: false")
	p("s2s_dns_retries: 1") // 0 breaks every lookup
	p("auth_method: internal")
	p("auth_password_format: plain")
	p("registration_timeout: infinity")
	p("listen:")
	p("  - port: %d\n    ip: \"127.0.0.1\"\n    module: ejabberd_c2s\n    starttls: false\n    max_stanza_size: 262144\n    shaper: none\n    access: all", s.C2SPort)
	p("  - port: %d\n    ip: \"127.0.0.1\"\n    module: ejabberd_s2s_in", s.S2SPort)
	p("  - port: %d\n    ip: \"127.0.0.1\"\n    module: ejabberd_service\n    shaper: none\n    hosts:\n      %s:\n        password: %s",
		s.ComponentPort, yaml(s.ComponentDomain), yaml(s.ComponentSecret))
	p("s2s_access: all")
	p("acl:\n  local:\n    user_regexp: \"\"\n  loopback:\n    ip:\n      - 127.0.0.0/8\n      - ::1/128")
	p("access_rules:\n  local:\n    allow: local\n  c2s:\n    allow: all\n  register:\n    allow: all")
	p("shaper_rules:\n  max_user_sessions: 100\n  c2s_shaper: none\n  s2s_shaper: none")
	p("modules:")
	p("  mod_disco: {}\n  mod_ping: {}\n  mod_roster: {}\n  mod_vcard: {}\n  mod_stream_mgmt: {}\n  mod_s2s_dialback: {}")
	p("  mod_register:\n    access: register\n    ip_access: all\n    welcome_message: {}")
	p("  mod_muc:\n    host: %s\n    access: all\n    access_create: all\n    access_persistent: all\n    access_admin: none\n    max_users: 5000\n    max_user_conferences: 10000\n    min_message_interval: 0\n    min_presence_interval: 0", yaml(s.MUCDomain))
	return b.String()
}

// yaml quotes s as a double-quoted YAML scalar.
func yaml(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)
	return `"` + r.Replace(s) + `"`
}

// erlString quotes s as an Erlang string literal.
func erlString(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// erlBinary quotes s as an Erlang UTF-8 binary literal.
func erlBinary(s string) string { return "<<" + erlString(s) + "/utf8>>" }

func writeErlAccounts(path string, accts []Account) error {
	var b strings.Builder
	for _, a := range accts {
		if a.User == "" {
			return errors.New("servers: account with an empty localpart")
		}
		fmt.Fprintf(&b, "{%s,%s}.\n", erlBinary(a.User), erlBinary(a.Password))
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// registerInBand creates accounts with XEP-0077 in-band registration over
// c2s (each client logs in once to prove the account works).
func registerInBand(ctx context.Context, s *Server, accts []Account) error {
	for _, a := range accts {
		j, err := stanza.NewJID(a.User, s.Domain, "")
		if err != nil {
			return fmt.Errorf("servers: account %q: %w", a.User, err)
		}
		c, err := xmppclient.DialConfig(ctx, xmppclient.Config{Addr: s.C2SAddr(), JID: j, Password: a.Password, Register: true})
		if err != nil {
			return fmt.Errorf("servers: registering %s: %w", a.User, err)
		}
		_ = c.Close()
	}
	return nil
}
