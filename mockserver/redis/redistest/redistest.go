// Package redistest starts real Redis servers for tests: one server, or a three-node Redis
// Cluster, on free loopback ports, persistence off, stopped when the test binary's last user is
// done. It uses Debian's redis-server and redis-cli; without them a test fails with one line
// saying how to get them (make test installs them: tools/ensure-deb).
//
// redistest imports nothing of this module.
package redistest

import (
	"bufio"
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

// Server is a redis-server this package started.
type Server struct {
	Addr string
	cmd  *exec.Cmd
	dir  string
	args []string
}

// URL is the server's redis:// URL (database 0).
func (s *Server) URL() string { return "redis://" + s.Addr + "/0" }

// need fails the test when a command is missing.
func need(t testing.TB, cmd string) string {
	t.Helper()
	p, err := exec.LookPath(cmd)
	if err != nil {
		t.Fatalf("%s not found: install Debian's redis-server package (sudo apt-get install -y redis-server), or run make test, which does", cmd)
	}
	return p
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Start starts a server of the test's own, stopped at the test's end.
func Start(t testing.TB, extra ...string) *Server {
	t.Helper()
	s := start(t, extra...)
	t.Cleanup(s.Stop)
	return s
}

func start(t testing.TB, extra ...string) *Server {
	t.Helper()
	bin := need(t, "redis-server")
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		t.Fatal(err)
	}
	port := freePort(t)
	args := append([]string{"--port", strconv.Itoa(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
		"--dir", dir, "--protected-mode", "no"}, extra...)
	s := &Server{Addr: "127.0.0.1:" + strconv.Itoa(port), dir: dir, args: args}
	s.run(t, bin)
	return s
}

func (s *Server) run(t testing.TB, bin string) {
	t.Helper()
	s.cmd = exec.Command(bin, s.args...)
	s.cmd.Dir = s.dir
	logf, err := os.Create(filepath.Join(s.dir, "redis.log"))
	if err != nil {
		t.Fatal(err)
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("starting redis-server: %v", err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", s.Addr, 200*time.Millisecond); err == nil {
			fmt.Fprint(c, "PING\r\n")
			line, _ := bufio.NewReader(c).ReadString('\n')
			c.Close()
			if strings.HasPrefix(line, "+PONG") {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(s.dir, "redis.log"))
	t.Fatalf("redis-server on %s did not answer within 10s:\n%s", s.Addr, log)
}

// Stop stops the server (SIGKILL: nothing to save) and removes its directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
	_ = os.RemoveAll(s.dir)
}

// Pause stops the server without removing it; Resume starts it again on the same port, empty
// (persistence is off): Redis going away and coming back.
func (s *Server) Pause() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Kill()
		_ = s.cmd.Wait()
		s.cmd = nil
	}
}

// Freeze stops the server's process (SIGSTOP) without closing its connections: Redis is there
// but answers nothing, as when its host is unreachable; Thaw lets it go on with its data.
func (s *Server) Freeze() { _ = s.cmd.Process.Signal(syscall.SIGSTOP) }

// Thaw lets a frozen server go on (SIGCONT).
func (s *Server) Thaw() { _ = s.cmd.Process.Signal(syscall.SIGCONT) }

// Resume starts a paused server again.
func (s *Server) Resume(t testing.TB) {
	t.Helper()
	s.run(t, need(t, "redis-server"))
}

var (
	sharedMu sync.Mutex
	shared   *Server
)

// Shared returns one server for the whole test binary (tests keep apart by prefix); it is
// stopped by StopShared, which TestMain calls.
func Shared(t testing.TB) *Server {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared == nil {
		shared = start(t)
	}
	return shared
}

// StopShared stops the shared server, if one was started.
func StopShared() {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if shared != nil {
		shared.Stop()
		shared = nil
	}
}

// Cluster is a three-node Redis Cluster (three masters, no replicas).
type Cluster struct{ Nodes []*Server }

// Addrs are the nodes' host:port.
func (c *Cluster) Addrs() []string {
	out := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		out[i] = n.Addr
	}
	return out
}

// StartCluster starts a three-node cluster of the test's own, stopped at the test's end.
func StartCluster(t testing.TB) *Cluster {
	t.Helper()
	cli := need(t, "redis-cli")
	c := &Cluster{}
	for range 3 {
		n := start(t, "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000")
		c.Nodes = append(c.Nodes, n)
	}
	t.Cleanup(func() {
		for _, n := range c.Nodes {
			n.Stop()
		}
	})
	args := append([]string{"--cluster", "create"}, c.Addrs()...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.Command(cli, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("redis-cli --cluster create: %v\n%s", err, out)
	}
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		ok := true
		for _, n := range c.Nodes {
			info, err := exec.Command(cli, "-h", "127.0.0.1", "-p", strings.Split(n.Addr, ":")[1], "cluster", "info").Output()
			if err != nil || !strings.Contains(string(info), "cluster_state:ok") {
				ok = false
			}
		}
		if ok {
			return c
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("the cluster on %v did not reach cluster_state:ok", c.Addrs())
	return nil
}
