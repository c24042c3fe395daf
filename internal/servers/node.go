package servers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/xmppfmuc/fmuc/examples/node/mucnode"
	"github.com/xmppfmuc/fmuc/internal/xmppclient"
	"github.com/xmppfmuc/fmuc/stanza"
)

// NodePackage is the import path of the node binary BuildNode builds.
const NodePackage = "github.com/xmppfmuc/fmuc/examples/node"

// ErrNodeExited: the node process ended before it was stopped.
var ErrNodeExited = errors.New("servers: node exited")

// BuildNode builds the node binary into dir with `go build` and returns
// its path.
func BuildNode(ctx context.Context, dir string) (string, error) {
	bin := filepath.Join(dir, "node")
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, NodePackage).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("servers: building the node: %w: %s", err, out)
	}
	return bin, nil
}

// NodeProcess is the node binary running as its own process, attached to
// a server as its XEP-0114 component, so that its CPU can be measured
// apart from the measuring program's.
type NodeProcess struct {
	cmd  *exec.Cmd
	done chan struct{}

	mu      sync.Mutex
	log     bytes.Buffer
	waitErr error
}

// StartNode runs bin as the component of srv (-server, -domain and the
// secret in the environment) with the further flags args, its standard
// error kept for Log. The caller must Stop it.
func StartNode(bin string, srv *Server, args ...string) (*NodeProcess, error) {
	n := &NodeProcess{done: make(chan struct{})}
	n.cmd = exec.Command(bin, append([]string{"-server", srv.ComponentAddr(), "-domain", srv.ComponentDomain}, args...)...)
	n.cmd.Env = append(os.Environ(), mucnode.SecretEnv+"="+srv.ComponentSecret)
	n.cmd.Stderr = (*nodeLog)(n)
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := n.cmd.Start(); err != nil {
		return nil, fmt.Errorf("servers: starting the node: %w", err)
	}
	go func() {
		err := n.cmd.Wait()
		n.mu.Lock()
		n.waitErr = err
		n.mu.Unlock()
		close(n.done)
	}()
	return n, nil
}

// nodeLog collects a NodeProcess's standard error.
type nodeLog NodeProcess

func (l *nodeLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.log.Write(p)
}

// PID is the node's process id.
func (n *NodeProcess) PID() int { return n.cmd.Process.Pid }

// Log returns what the node has written to its standard error.
func (n *NodeProcess) Log() string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.log.String()
}

// Exited returns an error wrapping ErrNodeExited once the process has
// ended, nil while it runs.
func (n *NodeProcess) Exited() error {
	select {
	case <-n.done:
		n.mu.Lock()
		defer n.mu.Unlock()
		return fmt.Errorf("%w: %v", ErrNodeExited, n.waitErr)
	default:
		return nil
	}
}

// Stop interrupts the node (it leaves its rooms and closes its stream),
// kills it if it has not exited within 30 s, and waits for it.
func (n *NodeProcess) Stop() {
	_ = n.cmd.Process.Signal(os.Interrupt)
	select {
	case <-n.done:
	case <-time.After(30 * time.Second):
		_ = syscall.Kill(-n.cmd.Process.Pid, syscall.SIGKILL)
		<-n.done
	}
}

// WaitServing logs in to srv as user and sends disco#info to its component
// domain until the node answers (the server answers an error while no
// component is attached), or ctx ends.
func WaitServing(ctx context.Context, srv *Server, user, password string) error {
	jid, err := stanza.NewJID(user, srv.Domain, "probe")
	if err != nil {
		return err
	}
	c, err := xmppclient.Dial(ctx, srv.C2SAddr(), jid, password)
	if err != nil {
		return fmt.Errorf("servers: waiting for the node: %w", err)
	}
	defer c.Close()
	svc, err := stanza.Parse(srv.ComponentDomain)
	if err != nil {
		return err
	}
	for i := 0; ; i++ {
		id := fmt.Sprintf("probe%d", i)
		q, err := stanza.Decode([]byte(fmt.Sprintf(`<iq type='get' id='%s' to='%s'><query xmlns='http://jabber.org/protocol/disco#info'/></iq>`, id, svc)))
		if err != nil {
			return err
		}
		if err := c.Send(q); err != nil {
			return fmt.Errorf("servers: waiting for the node: %w", err)
		}
		res, err := c.Expect(ctx, xmppclient.ByID(id))
		if err != nil {
			return fmt.Errorf("servers: the node at %s never answered: %w", svc, err)
		}
		if res.Head().Type == stanza.IQResult {
			return nil
		}
		select {
		case <-time.After(200 * time.Millisecond):
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}
