package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

// The tests here run the built command as a subprocess and signal it, as a user or an orchestrator
// would: SIGTERM under load, kill -9 during snapshot writes, SIGTERM with a request in flight.

// TestRestartKeepsAcknowledgedWrites: writers create contacts from several goroutines, SIGTERM
// arrives in the middle, the process exits 0; restarted on the same --state-file, every contact
// whose creation was answered 201 is there.
func TestRestartKeepsAcknowledgedWrites(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	p := startProcess(t, "--state-file", state, "--snapshot-interval", "25ms", "--contacts", "3", "--locations", "3")
	// Two writers per location: the burst limit counts per location.
	tokens := mintTokens(t, p.base)

	var mu sync.Mutex // guards acked
	var acked []string
	var stopping atomic.Bool
	var wg sync.WaitGroup
	for w := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token, loc := tokens[w%len(tokens)][0], tokens[w%len(tokens)][1]
			client := &http.Client{Timeout: 20 * time.Second}
			for i := 0; ; i++ {
				status, body, err := call(t, client, "POST", p.base+"/contacts/", token,
					map[string]any{"locationId": loc, "email": fmt.Sprintf("w%d-%d@restart.test", w, i)})
				if err != nil {
					if stopping.Load() {
						return // the server is gone
					}
					t.Errorf("worker %d before SIGTERM: %v", w, err)
					return
				}
				if status == 201 {
					mu.Lock()
					acked = append(acked, body["contact"].(map[string]any)["id"].(string))
					mu.Unlock()
				} else if !stopping.Load() {
					t.Errorf("worker %d: status %d %v", w, status, body)
					return
				}
				if !p.alive() {
					return
				}
			}
		}()
	}
	waitFor(t, "150 acknowledged writes", 30*time.Second, func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(acked) >= 150
	})
	stopping.Store(true)
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if code := p.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("exit %d after SIGTERM; stderr:\n%s", code, p.stderr.String())
	}
	wg.Wait()
	if !strings.Contains(p.stderr.String(), "state written") {
		t.Errorf("no \"state written\" in the log:\n%s", p.stderr.String())
	}

	again := startProcess(t, "--state-file", state, "--snapshot-interval", "0")
	present := map[string]bool{}
	for _, tl := range mintTokens(t, again.base) {
		for _, id := range listAll(t, again.base, tl[0], tl[1]) {
			present[id] = true
		}
	}
	mu.Lock()
	defer mu.Unlock()
	missing := 0
	for _, id := range acked {
		if !present[id] {
			missing++
			t.Errorf("contact %s was acknowledged before the shutdown but is not there after the restart", id)
		}
	}
	t.Logf("%d writes acknowledged before and during the shutdown, %d missing after the restart", len(acked), missing)
}

// listAll pages through GET /contacts/ of a location and returns every contact id.
func listAll(t *testing.T, base, token, loc string) []string {
	t.Helper()
	var ids []string
	q := base + "/contacts/?limit=100&locationId=" + loc
	for range 1000 {
		status, body, err := call(t, http.DefaultClient, "GET", q, token, nil)
		if err != nil || status != 200 {
			t.Fatalf("list: %d %v %v", status, body, err)
		}
		for _, c := range body["contacts"].([]any) {
			ids = append(ids, c.(map[string]any)["id"].(string))
		}
		meta := body["meta"].(map[string]any)
		next, _ := meta["nextPageUrl"].(string)
		if next == "" {
			return ids
		}
		q = next
	}
	t.Fatal("the list does not end")
	return nil
}

// TestKill9DuringSnapshotWrites: a mock that writes its state file back to back (--snapshot-interval
// 1ms) is killed with SIGKILL while a write is under way, four times. Every time the next start
// takes the state file (so it loaded) and removes the partial file the kill left.
func TestKill9DuringSnapshotWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("writes state files of megabytes, back to back")
	}
	dir := t.TempDir()
	state := filepath.Join(dir, "state.json")
	temps := func() []string {
		m, _ := filepath.Glob(filepath.Join(dir, ".state.json.tmp-*"))
		return m
	}
	const rounds, contacts = 4, 1500
	leftover := false
	for round := range rounds + 1 {
		p := startProcess(t, "--state-file", state, "--snapshot-interval", "1ms", "--contacts", fmt.Sprint(contacts))
		if round > 0 && !strings.Contains(p.stderr.String(), "source=\"state file") {
			t.Fatalf("round %d: the state file left by the kill was not loaded:\n%s", round, p.stderr.String())
		}
		if leftover && !strings.Contains(p.stderr.String(), "removed a partial state file") {
			t.Errorf("round %d: the partial file of the previous kill was not removed at start:\n%s", round, p.stderr.String())
		}
		if round == rounds {
			break
		}
		// Kill as soon as a write is under way (its temporary file exists) with a state file
		// already in place.
		waitFor(t, "a snapshot write under way", 30*time.Second, func() bool {
			_, err := os.Stat(state)
			return err == nil && len(temps()) > 0
		})
		if err := p.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		p.wait(t, 10*time.Second)
		leftover = len(temps()) > 0
		t.Logf("round %d: killed with a write under way (partial file left: %v)", round, leftover)
	}
	doc, err := fixtures.Load(state)
	if err != nil {
		t.Fatalf("the state file does not load: %v", err)
	}
	if n := len(doc.Locations[0].Contacts); n != contacts {
		t.Errorf("%d contacts in the state file, want %d", n, contacts)
	}
}

// TestGracefulShutdown: SIGTERM while a request is in flight (its body half sent). The request
// still completes (201), the process exits 0, and the contact is in the state file.
func TestGracefulShutdown(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state.json")
	p := startProcess(t, "--state-file", state, "--snapshot-interval", "0", "--contacts", "2")
	token, loc := mintToken(t, p.base)

	body := fmt.Sprintf(`{"locationId":%q,"email":"inflight@shutdown.test"}`, loc)
	c, err := net.Dial("tcp", strings.TrimPrefix(p.base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	head := "POST /contacts/ HTTP/1.1\r\nHost: mock\r\nVersion: 2021-07-28\r\nAuthorization: Bearer " + token +
		"\r\nContent-Type: application/json\r\nContent-Length: " + fmt.Sprint(len(body)) + "\r\n\r\n"
	half := len(body) / 2
	if _, err := c.Write([]byte(head + body[:half])); err != nil {
		t.Fatal(err)
	}
	// An idle keep-alive connection must not hold the shutdown up.
	idle := &http.Client{Transport: &http.Transport{}}
	if status, _, err := call(t, idle, "GET", p.base+"/__admin/health", "", nil); err != nil || status != 200 {
		t.Fatalf("health: %d %v", status, err)
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the shutdown to begin", 10*time.Second, func() bool { return strings.Contains(p.stderr.String(), "shutting down") })
	if _, err := c.Write([]byte(body[half:])); err != nil {
		t.Fatalf("the in-flight request's connection was closed: %v", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("no answer to the in-flight request: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("in-flight request: %d, want 201", resp.StatusCode)
	}
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, p.stderr.String())
	}
	doc, err := fixtures.Load(state)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, ct := range doc.Locations[0].Contacts {
		found = found || ct.Email == "inflight@shutdown.test"
	}
	if !found {
		t.Error("the contact of the request answered during the shutdown is not in the state file")
	}
}

// TestShutdownDrainsWebhooks: deliveries queued when SIGTERM arrives are still sent before the
// process exits. The receiver holds the first delivery until the shutdown has begun, so the others
// are queued behind it at that moment.
func TestShutdownDrainsWebhooks(t *testing.T) {
	release := make(chan struct{})
	var got atomic.Int32
	var first sync.Once
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first.Do(func() { <-release })
		got.Add(1)
		w.WriteHeader(http.StatusOK)
	}))
	defer recv.Close()
	defer func() {
		select {
		case <-release:
		default:
			close(release)
		}
	}()

	p := startProcess(t, "--contacts", "1")
	token, loc := mintToken(t, p.base)
	status, body, err := call(t, http.DefaultClient, "POST", p.base+"/__admin/webhooks", "", map[string]any{"url": recv.URL + "/hook", "events": []string{"ContactCreate"}})
	if err != nil || status != 201 {
		t.Fatalf("register: %d %v %v", status, body, err)
	}
	const n = 4
	for i := range n {
		if status, body, err := call(t, http.DefaultClient, "POST", p.base+"/contacts/", token, map[string]any{"locationId": loc, "email": fmt.Sprintf("hook%d@shutdown.test", i)}); err != nil || status != 201 {
			t.Fatalf("create: %d %v %v", status, body, err)
		}
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the shutdown to begin", 10*time.Second, func() bool { return strings.Contains(p.stderr.String(), "shutting down") })
	close(release)
	if code := p.wait(t, 20*time.Second); code != 0 {
		t.Fatalf("exit %d; stderr:\n%s", code, p.stderr.String())
	}
	if got.Load() != n {
		t.Errorf("%d of %d queued deliveries reached the receiver before the exit; stderr:\n%s", got.Load(), n, p.stderr.String())
	}
}
