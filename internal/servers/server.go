package servers

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Errors returned by the harness.
var (
	// ErrNotInstalled: the server's binaries are not on this machine.
	ErrNotInstalled = errors.New("servers: not installed")
	// ErrNotReady: the server did not accept connections in time.
	ErrNotReady = errors.New("servers: not ready")
	// ErrExited: the server process exited unexpectedly.
	ErrExited = errors.New("servers: server exited")
	// ErrRunning: the operation needs a stopped server.
	ErrRunning = errors.New("servers: server is running")
)

// RequireEnv is the environment variable that turns "server not installed"
// from a skip into a failure (CI sets it to 1).
const RequireEnv = "FMUC_REQUIRE_SERVERS"

// StartTimeout bounds how long a start or restart waits for the ports.
const StartTimeout = 30 * time.Second

// Account is a user account created on a server before it starts.
type Account struct {
	// User is the localpart.
	User string
	// Password is the account's password.
	Password string
}

// Accounts returns n accounts named prefix1..prefixN with the given password.
func Accounts(prefix string, n int, password string) []Account {
	out := make([]Account, n)
	for i := range out {
		out[i] = Account{User: prefix + strconv.Itoa(i+1), Password: password}
	}
	return out
}

// Server is one running (or stopped) server instance.
type Server struct {
	// Name is "prosody" or "ejabberd".
	Name string
	// Dir is the instance's private directory (config, data, logs).
	Dir string
	// Domain is the virtual host users log in to, e.g. wonderland.lit.
	Domain string
	// MUCDomain is the server's own MUC service, e.g. conference.wonderland.lit.
	MUCDomain string
	// ComponentDomain is the XEP-0114 component's domain, e.g. rooms.wonderland.lit.
	ComponentDomain string
	// ComponentSecret is the XEP-0114 shared secret.
	ComponentSecret string
	// C2SPort, S2SPort and ComponentPort are the loopback ports listened on.
	C2SPort, S2SPort, ComponentPort int
	// LogPath is the server's log file.
	LogPath string
	// StartDuration is how long the last start took until the ports accepted
	// (and, for ejabberd, the accounts existed).
	StartDuration time.Duration

	mu       sync.Mutex
	cmd      *exec.Cmd
	exited   chan struct{}
	waitErr  error
	removeFn func() error

	// command builds the process to run; ready reports extra readiness.
	command func() *exec.Cmd
	ready   func() bool
	// addAccounts creates accounts on this server.
	addAccounts func(ctx context.Context, accts []Account) error
	// stdout is where the process's output goes.
	stdout string
}

// C2SAddr is the host:port for clients.
func (s *Server) C2SAddr() string { return hostPort(s.C2SPort) }

// ComponentAddr is the host:port for XEP-0114 components.
func (s *Server) ComponentAddr() string { return hostPort(s.ComponentPort) }

// S2SAddr is the host:port for server-to-server connections.
func (s *Server) S2SAddr() string { return hostPort(s.S2SPort) }

func hostPort(p int) string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(p)) }

// PID returns the server process's id, 0 when it is not running.
func (s *Server) PID() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	return s.cmd.Process.Pid
}

// Running reports whether the process is alive.
func (s *Server) Running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cmd == nil {
		return false
	}
	select {
	case <-s.exited:
		return false
	default:
		return true
	}
}

// AddAccounts creates accounts. On Prosody it works whether or not the
// server runs; on ejabberd the server must run (in-band registration).
func (s *Server) AddAccounts(ctx context.Context, accts ...Account) error {
	return s.addAccounts(ctx, accts)
}

// start runs the process and waits for its ports.
func (s *Server) start() error {
	s.mu.Lock()
	if s.cmd != nil {
		select {
		case <-s.exited:
		default:
			s.mu.Unlock()
			return ErrRunning
		}
	}
	out, err := os.OpenFile(s.stdout, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	cmd := s.command()
	cmd.Stdout, cmd.Stderr = out, out
	cmd.Dir = s.Dir
	// Own process group, so that a test's Ctrl-C does not race our stop.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	begin := time.Now()
	if err := cmd.Start(); err != nil {
		s.mu.Unlock()
		_ = out.Close()
		return fmt.Errorf("servers: starting %s: %w", s.Name, err)
	}
	exited := make(chan struct{})
	s.cmd, s.exited, s.waitErr = cmd, exited, nil
	s.mu.Unlock()
	go func() {
		err := cmd.Wait()
		_ = out.Close()
		s.mu.Lock()
		s.waitErr = err
		s.mu.Unlock()
		close(exited)
	}()

	deadline := time.Now().Add(StartTimeout)
	for {
		select {
		case <-exited:
			return fmt.Errorf("%w: %s (%v); log:\n%s", ErrExited, s.Name, s.exitErr(), s.tail(40))
		default:
		}
		if accepts(s.C2SPort) && accepts(s.ComponentPort) && (s.ready == nil || s.ready()) {
			s.StartDuration = time.Since(begin)
			return nil
		}
		if time.Now().After(deadline) {
			_ = s.Stop()
			return fmt.Errorf("%w: %s after %v; log:\n%s", ErrNotReady, s.Name, StartTimeout, s.tail(40))
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (s *Server) exitErr() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.waitErr
}

func accepts(port int) bool {
	c, err := net.DialTimeout("tcp", hostPort(port), 200*time.Millisecond)
	if err != nil {
		return false
	}
	_ = c.Close()
	return true
}

// Stop terminates the server (SIGTERM, then SIGKILL after 10 s) and waits
// for it. Data, config and ports are kept for Restart.
func (s *Server) Stop() error {
	s.mu.Lock()
	cmd, exited := s.cmd, s.exited
	s.mu.Unlock()
	if cmd == nil {
		return nil
	}
	select {
	case <-exited:
		return nil
	default:
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		<-exited
		s.note("harness: no exit 10 s after SIGTERM, sent SIGKILL")
	}
	// Kill anything the server left in its process group.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	return nil
}

// note appends a line from the harness to the server's output file.
func (s *Server) note(line string) {
	f, err := os.OpenFile(s.stdout, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return
	}
	_, _ = fmt.Fprintf(f, "%s %s\n", time.Now().UTC().Format(time.RFC3339Nano), line)
	_ = f.Close()
}

// Restart stops the server and starts it again with the same ports, config
// and data, as an operator restarting it under a running component would.
func (s *Server) Restart() error {
	if err := s.Stop(); err != nil {
		return err
	}
	return s.start()
}

// Close stops the server and removes its directory if the harness made it.
func (s *Server) Close() error {
	err := s.Stop()
	if s.removeFn != nil {
		if rerr := s.removeFn(); err == nil {
			err = rerr
		}
	}
	return err
}

// Log returns the server's log followed by its standard output and error.
func (s *Server) Log() string {
	var b strings.Builder
	for _, p := range []string{s.LogPath, s.stdout} {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		fmt.Fprintf(&b, "==> %s <==\n%s\n", filepath.Base(p), data)
	}
	return b.String()
}

// tail returns the last n lines of the log.
func (s *Server) tail(n int) string {
	lines := strings.Split(strings.TrimRight(s.Log(), "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// freePorts returns n distinct loopback ports that were free a moment ago.
func freePorts(n int) ([]int, error) {
	ls := make([]net.Listener, 0, n)
	defer func() {
		for _, l := range ls {
			_ = l.Close()
		}
	}()
	ports := make([]int, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("servers: finding a free port: %w", err)
		}
		ls = append(ls, l)
		ports = append(ports, l.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// instanceDir returns dir, or a new temporary directory and its remover.
func instanceDir(dir, name string) (string, func() error, error) {
	if dir != "" {
		return dir, nil, os.MkdirAll(dir, 0o755)
	}
	d, err := os.MkdirTemp("", "fmuc-"+name+"-")
	if err != nil {
		return "", nil, err
	}
	return d, func() error { return os.RemoveAll(d) }, nil
}

// requireInstalled skips or fails t when a binary is missing.
// installed reports, wrapping ErrNotInstalled, the first of bins that is
// not on PATH.
func installed(name string, bins []string) error {
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			return fmt.Errorf("%w: %s: %w", ErrNotInstalled, name, err)
		}
	}
	return nil
}

func requireInstalled(t testing.TB, name string, bins ...string) {
	t.Helper()
	for _, b := range bins {
		if _, err := exec.LookPath(b); err != nil {
			if os.Getenv(RequireEnv) == "1" {
				t.Fatalf("%s is required (%s=1) but %q is not installed: %v", name, RequireEnv, b, err)
			}
			t.Skipf("%s not installed (%q not found); install it or set %s=1 to make this a failure", name, b, RequireEnv)
		}
	}
}

// harness wires a launched server into a test.
func harness(t testing.TB, s *Server, err error) *Server {
	t.Helper()
	if err != nil {
		if errors.Is(err, ErrNotInstalled) && os.Getenv(RequireEnv) != "1" {
			t.Skip(err)
		}
		t.Fatal(err)
	}
	t.Logf("%s started in %v: c2s %s, component %s (%s), pid %d", s.Name, s.StartDuration.Round(time.Millisecond),
		s.C2SAddr(), s.ComponentAddr(), s.ComponentDomain, s.PID())
	t.Cleanup(func() {
		_ = s.Stop()
		if t.Failed() {
			t.Logf("%s log (%s):\n%s", s.Name, s.Dir, s.tail(300))
		}
		_ = s.Close()
	})
	return s
}

// instanceNames are the names both servers are configured with; empty
// fields take the defaults.
type instanceNames struct {
	domain, mucDomain, componentDomain, componentSecret string
}

// newInstance fills in the default names, makes the instance's directory
// and reserves three free loopback ports (c2s, s2s, component). remove
// deletes the directory when the harness created it.
func newInstance(name, dirOpt string, n instanceNames) (*Server, func() error, error) {
	if n.domain == "" {
		n.domain = DefaultDomain
	}
	if n.mucDomain == "" {
		n.mucDomain = "conference." + n.domain
	}
	if n.componentDomain == "" {
		n.componentDomain = "rooms." + n.domain
	}
	if n.componentSecret == "" {
		n.componentSecret = DefaultComponentSecret
	}
	dir, remove, err := instanceDir(dirOpt, name)
	if err != nil {
		return nil, nil, err
	}
	ports, err := freePorts(3)
	if err != nil {
		if remove != nil {
			_ = remove()
		}
		return nil, nil, err
	}
	return &Server{
		Name: name, Dir: dir, Domain: n.domain, MUCDomain: n.mucDomain,
		ComponentDomain: n.componentDomain, ComponentSecret: n.componentSecret,
		C2SPort: ports[0], S2SPort: ports[1], ComponentPort: ports[2],
		LogPath: filepath.Join(dir, name+".log"), removeFn: remove,
		stdout: filepath.Join(dir, name+".stdout"),
	}, remove, nil
}
