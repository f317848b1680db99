package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/contract/adminclient"
	"github.com/contactsmock/contactsmock/contract/webhooksig"
)

// startListen runs the binary's listen command against a mock and waits until it has registered.
func startListen(t *testing.T, args ...string) (cmd *exec.Cmd, stdout, stderr *syncBuffer, done chan struct{}) {
	t.Helper()
	cmd = exec.Command(binary(t), append([]string{"listen"}, args...)...)
	stdout, stderr, done = &syncBuffer{}, &syncBuffer{}, make(chan struct{})
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		select {
		case <-done:
		default:
			_ = cmd.Process.Kill()
			<-done
		}
	})
	waitFor(t, "listen to register", 30*time.Second, func() bool {
		select {
		case <-done:
			t.Fatalf("listen exited: %s", stderr.String())
		default:
		}
		return strings.Contains(stderr.String(), "Ctrl-C unregisters")
	})
	return cmd, stdout, stderr, done
}

// stopListen interrupts listen as Ctrl-C does and checks that it unregisters and exits 0.
func stopListen(t *testing.T, cmd *exec.Cmd, stderr *syncBuffer, done chan struct{}, admin *adminclient.Client) {
	t.Helper()
	if err := cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("listen did not stop on SIGINT")
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 || !strings.Contains(stderr.String(), "unregistered ") {
		t.Errorf("listen exited %d:\n%s", code, stderr.String())
	}
	if status, body, err := call(t, http.DefaultClient, "GET", admin.BaseURL+"/__admin/webhooks", "", nil); err != nil || status != 200 ||
		len(body["webhooks"].([]any)) != 0 {
		t.Errorf("registrations after listen stopped: %d %v %v", status, body, err)
	}
}

// TestListenCommand is issue 19's "done when": the real binary's listen shows, verifies and
// forwards the deliveries of a create, a tag change and a delete made on the real binary's mock,
// and its 429 answer makes the mock schedule a retry.
func TestListenCommand(t *testing.T) {
	p := startProcess(t)
	token, location := mintToken(t, p.base)
	admin := &adminclient.Client{BaseURL: p.base}

	var mu sync.Mutex
	var got []*http.Request
	var bodies [][]byte
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		mu.Lock()
		got, bodies = append(got, r), append(bodies, data)
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer recv.Close()

	cmd, stdout, stderr, done := startListen(t, "--mock", p.base, "--forward-to", recv.URL+"/hooks")
	_, created, err := call(t, http.DefaultClient, "POST", p.base+"/contacts/", token, map[string]any{"locationId": location, "firstName": "Ada", "tags": []string{"Lead"}})
	if err != nil {
		t.Fatal(err)
	}
	id := created["contact"].(map[string]any)["id"].(string)
	if status, _, err := call(t, http.DefaultClient, "POST", p.base+"/contacts/"+id+"/tags", token, map[string]any{"tags": []string{"vip"}}); err != nil || status != 201 {
		t.Fatalf("add tags: %d %v", status, err)
	}
	if status, _, err := call(t, http.DefaultClient, "DELETE", p.base+"/contacts/"+id, token, nil); err != nil || status != 200 {
		t.Fatalf("delete: %d %v", status, err)
	}
	waitFor(t, "three lines from listen", 30*time.Second, func() bool { return strings.Count(stdout.String(), "\n") == 3 })
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	for i, want := range []string{"ContactCreate     contact " + id + "  firstName=Ada tags=[\"lead\"]",
		"ContactTagUpdate  contact " + id + `  tags: ["lead"] → ["lead","vip"]`, "ContactDelete     contact " + id + "  deleted"} {
		if !strings.Contains(lines[i], want) || !strings.HasSuffix(lines[i], "[signature ok, attempt 1, forwarded: 204, answered 204]") {
			t.Errorf("line %d: %q, want %q and the signature, forward and answer", i+1, lines[i], want)
		}
	}
	pemText, err := admin.WebhookPublicKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := webhooksig.ParsePublicKey(pemText)
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	if len(bodies) != 3 {
		t.Fatalf("forwarded %d deliveries, want 3", len(bodies))
	}
	for i, r := range got {
		if err := webhooksig.Verify(pub, bodies[i], r.Header.Get(webhooksig.SignatureHeader)); err != nil || r.URL.Path != "/hooks" {
			t.Errorf("forwarded delivery %d to %s: its signature: %v", i+1, r.URL.Path, err)
		}
	}
	mu.Unlock()
	stopListen(t, cmd, stderr, done, admin)

	cmd, stdout, stderr, done = startListen(t, "--mock", p.base, "--answer", "429", "--events", "ContactCreate")
	if status, _, err := call(t, http.DefaultClient, "POST", p.base+"/contacts/", token, map[string]any{"locationId": location, "firstName": "Grace"}); err != nil || status != 201 {
		t.Fatalf("create: %d %v", status, err)
	}
	var retry *adminclient.Delivery
	waitFor(t, "the 429 and a scheduled retry in the delivery log", 30*time.Second, func() bool {
		ds, err := admin.WebhookDeliveries(context.Background(), map[string][]string{"eventType": {"ContactCreate"}, "limit": {"1"}})
		if err != nil || len(ds) != 1 || len(ds[0].History) == 0 || ds[0].Statuses[0] != 429 || ds[0].History[0].RetryInMs == nil {
			return false
		}
		retry = &ds[0]
		return true
	})
	if *retry.History[0].RetryInMs <= 0 || retry.State == "failed" && retry.Attempts == 1 {
		t.Errorf("the mock did not schedule a retry after the 429: %+v", retry)
	}
	waitFor(t, "listen's line", 30*time.Second, func() bool {
		return bytes.Contains([]byte(stdout.String()), []byte("firstName=Grace")) && strings.Contains(stdout.String(), "[signature ok, attempt 1, answered 429]")
	})
	stopListen(t, cmd, stderr, done, admin)
}
