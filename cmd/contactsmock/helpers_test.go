package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is an io.Writer several goroutines may write to while a test reads it.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// waitFor polls until cond holds or the deadline passes (for tests of a real server or process,
// which cannot be driven by an injected clock).
func waitFor(t *testing.T, what string, deadline time.Duration, cond func() bool) {
	t.Helper()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	timeout := time.After(deadline)
	for !cond() {
		select {
		case <-tick.C:
		case <-timeout:
			t.Fatalf("%s: not within %s", what, deadline)
		}
	}
}

// readyURL waits for a --ready-file and returns the base URL in it.
func readyURL(t *testing.T, path string, deadline time.Duration, alive func() bool) string {
	t.Helper()
	var base string
	waitFor(t, "the ready file", deadline, func() bool {
		if alive != nil && !alive() {
			t.Fatal("the mock stopped before it was ready")
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return false
		}
		base = strings.TrimSpace(string(data))
		return strings.HasSuffix(string(data), "\n")
	})
	return base
}

// inProcess is Main running in this process, on 127.0.0.1:0.
type inProcess struct {
	base           string
	stdout, stderr *syncBuffer
	cancel         context.CancelFunc
	exit           chan int
}

// startMain runs Main with the args (plus --addr 127.0.0.1:0 and a ready file) and waits until it
// listens. Its cleanup stops it.
func startMain(t *testing.T, args ...string) *inProcess {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	ctx, cancel := context.WithCancel(context.Background())
	p := &inProcess{stdout: &syncBuffer{}, stderr: &syncBuffer{}, cancel: cancel, exit: make(chan int, 1)}
	all := append([]string{"serve", "--addr", "127.0.0.1:0", "--ready-file", ready}, args...)
	go func() { p.exit <- Main(ctx, all, p.stdout, p.stderr) }()
	exited := false
	p.base = readyURL(t, ready, 20*time.Second, func() bool {
		select {
		case code := <-p.exit:
			p.exit <- code
			exited = true
		default:
		}
		return !exited
	})
	t.Cleanup(func() { p.stop(t) })
	return p
}

// stop ends Main (as SIGTERM would) and returns its exit status.
func (p *inProcess) stop(t *testing.T) int {
	p.cancel()
	select {
	case code := <-p.exit:
		p.exit <- code
		return code
	case <-time.After(30 * time.Second):
		t.Fatal("Main did not return after its context ended")
		return -1
	}
}

// call sends a request to a mock and decodes a JSON answer.
func call(t *testing.T, client *http.Client, method, url, token string, body any, hdr ...string) (int, map[string]any, error) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Version", "2021-07-28")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, err
	}
	var out map[string]any
	_ = json.Unmarshal(raw, &out)
	return resp.StatusCode, out, nil
}

// mintToken mints a full token for the mock's first location through the admin API.
func mintToken(t *testing.T, base string, adminHeader ...string) (token, location string) {
	t.Helper()
	all := mintTokens(t, base, adminHeader...)
	return all[0][0], all[0][1]
}

// mintTokens mints a full token for each location of the mock: [token, location] pairs in the
// order of the locations. (The rate limit counts per location: writers on several locations get
// that many times the burst.)
func mintTokens(t *testing.T, base string, adminHeader ...string) [][2]string {
	t.Helper()
	status, body, err := call(t, http.DefaultClient, "GET", base+"/__admin/locations", "", nil, adminHeader...)
	if err != nil || status != 200 {
		t.Fatalf("locations: %d %v %v", status, body, err)
	}
	var out [][2]string
	for _, l := range body["locations"].([]any) {
		location := l.(map[string]any)["id"].(string)
		status, tok, err := call(t, http.DefaultClient, "POST", base+"/__admin/tokens", "", map[string]any{"locationId": location}, adminHeader...)
		if err != nil || status != 201 {
			t.Fatalf("mint: %d %v %v", status, tok, err)
		}
		out = append(out, [2]string{tok["access_token"].(string), location})
	}
	return out
}

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
	binDir    string
)

// TestMain removes the binary the subprocess tests build.
func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

// binary builds the command once per test run and returns its path.
func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "contactsmock-bin-")
		if buildErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "contactsmock")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// process is the command running as a subprocess on 127.0.0.1:0.
type process struct {
	cmd    *exec.Cmd
	base   string
	stderr *syncBuffer
	done   chan struct{}
	err    error // Wait's, once done is closed
}

// startProcess starts the binary with the args (plus --addr 127.0.0.1:0 and a ready file) and
// waits until it listens. Its cleanup kills it if it still runs.
func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	all := append([]string{"serve", "--addr", "127.0.0.1:0", "--ready-file", ready}, args...)
	cmd := exec.Command(binary(t), all...)
	p := &process{cmd: cmd, stderr: &syncBuffer{}, done: make(chan struct{})}
	cmd.Stdout = io.Discard
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	p.base = readyURL(t, ready, 30*time.Second, p.alive)
	return p
}

func (p *process) alive() bool {
	select {
	case <-p.done:
		return false
	default:
		return true
	}
}

// wait waits for the process to exit and returns its exit status.
func (p *process) wait(t *testing.T, deadline time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(deadline):
		t.Fatalf("the process did not exit within %s; stderr:\n%s", deadline, p.stderr.String())
	}
	return p.cmd.ProcessState.ExitCode()
}
