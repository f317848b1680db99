package mockserver

import (
	"context"
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// hookHarness is a harness whose mock sends webhooks with an injected sleeper (no real waits). Its
// cleanup closes the mock, checks that no delivery goroutine is left, and then closes the receivers.
type hookHarness struct {
	*harness
	sleeper *hookSleeper

	mu        sync.Mutex // guards receivers
	receivers []*receiver
}

func newHookHarness(t *testing.T, mutate ...func(*Config)) *hookHarness {
	t.Helper()
	sl := &hookSleeper{}
	base := func(c *Config) {
		c.WebhookSleep = sl.sleep
		c.RateLimits = RateLimits{Off: true}
	}
	h := &hookHarness{harness: newHarness(t, append([]func(*Config){base}, mutate...)...), sleeper: sl}
	sl.clock = h.clock
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := h.srv.Close(ctx); err != nil {
			t.Errorf("Close: %v", err)
		}
		assertNoDeliveryGoroutines(t)
		h.mu.Lock()
		defer h.mu.Unlock()
		for _, rc := range h.receivers {
			rc.release()
			rc.srv.Close()
		}
	})
	return h
}

// drain closes the mock's webhook side, waiting for every queued delivery (retries included: the
// sleeper returns at once) to settle. Afterwards the delivery log is final.
func (h *hookHarness) drain() {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.srv.Close(ctx); err != nil {
		h.t.Fatalf("Close: %v", err)
	}
}

// register registers url through the admin API and returns the registration's id.
func (h *hookHarness) register(url string, extra map[string]any) string {
	h.t.Helper()
	body := map[string]any{"url": url}
	for k, v := range extra {
		body[k] = v
	}
	r := h.do(http.MethodPost, "/__admin/webhooks", "", body).must(h.t, http.StatusCreated)
	return r.str("id")
}

// publicKey fetches the signing key from the admin API, as a receiver would.
func (h *hookHarness) publicKey() ed25519.PublicKey {
	h.t.Helper()
	r := h.do(http.MethodGet, "/__admin/webhooks/public-key", "", nil).must(h.t, http.StatusOK)
	block, _ := pem.Decode(r.Raw)
	if block == nil || block.Type != "PUBLIC KEY" {
		h.t.Fatalf("public key is not a PEM PUBLIC KEY: %s", r.Raw)
	}
	k, err := x509.ParsePKIXPublicKey(block.Bytes)
	if err != nil {
		h.t.Fatal(err)
	}
	return k.(ed25519.PublicKey)
}

// createContact creates a contact in location A and returns its id.
func (h *hookHarness) createContact(body map[string]any) string {
	h.t.Helper()
	in := map[string]any{"locationId": locA}
	for k, v := range body {
		in[k] = v
	}
	r := h.do(http.MethodPost, "/contacts/", h.full, in).must(h.t, http.StatusCreated)
	id, _ := r.obj("contact")["id"].(string)
	return id
}

// events returns the event types of the delivery log, oldest first.
func (h *hookHarness) events() []string {
	ds := h.srv.WebhookDeliveries(WebhookDeliveryFilter{})
	out := make([]string, 0, len(ds))
	for _, d := range slices.Backward(ds) {
		out = append(out, d.EventType)
	}
	return out
}

// hookSleeper records the waits the dispatcher asks for and returns at once, moving the mock's
// clock on by each wait.
type hookSleeper struct {
	mu    sync.Mutex // guards waits
	waits []time.Duration
	clock *ManualClock
}

func (f *hookSleeper) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	f.waits = append(f.waits, d)
	f.mu.Unlock()
	if f.clock != nil {
		f.clock.Add(d)
	}
	return ctx.Err()
}

func (f *hookSleeper) recorded() []time.Duration {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.waits)
}

// hook is one request a receiver got.
type hook struct {
	Header http.Header
	Body   []byte
}

func (k hook) decode(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(k.Body, &m); err != nil {
		t.Fatalf("webhook body is not JSON: %v: %s", err, k.Body)
	}
	return m
}

// verify checks the x-ghl-signature of the exact bytes received.
func (k hook) verify(t *testing.T, pub ed25519.PublicKey) {
	t.Helper()
	sig, err := base64.StdEncoding.DecodeString(k.Header.Get("X-Ghl-Signature"))
	if err != nil || !ed25519.Verify(pub, k.Body, sig) {
		t.Errorf("signature %q does not verify for %s", k.Header.Get("X-Ghl-Signature"), k.Body)
	}
}

// answer is what a receiver answers one request with.
type answer struct {
	status int
	header map[string]string
	// block holds the answer until the receiver is released (or the request is abandoned).
	block bool
}

// receiver is an httptest server that records webhooks and answers as told.
type receiver struct {
	srv     *httptest.Server
	got     chan hook
	count   atomic.Int64
	gate    chan struct{}
	release func()
}

// receiver starts a receiver; respond (nil: always 200) picks the answer to the n-th request
// (1-based).
func (h *hookHarness) receiver(respond func(n int) answer) *receiver {
	rc := startReceiver(respond)
	h.mu.Lock()
	h.receivers = append(h.receivers, rc)
	h.mu.Unlock()
	return rc
}

// startReceiver starts a receiver the caller closes (release, then srv.Close).
func startReceiver(respond func(n int) answer) *receiver {
	rc := &receiver{got: make(chan hook, 100000), gate: make(chan struct{})}
	rc.release = sync.OnceFunc(func() { close(rc.gate) })
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		n := int(rc.count.Add(1))
		a := answer{status: http.StatusOK}
		if respond != nil {
			a = respond(n)
		}
		rc.got <- hook{Header: r.Header.Clone(), Body: body}
		if a.block {
			select {
			case <-rc.gate:
			case <-r.Context().Done():
				return
			}
		}
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		w.WriteHeader(a.status)
	}))
	return rc
}

func (rc *receiver) url() string { return rc.srv.URL + "/hooks" }

// next returns the next webhook received; it fails the test if none comes within 10 s (a bound
// against hanging, not a timing assertion).
func (rc *receiver) next(t *testing.T) hook {
	t.Helper()
	select {
	case k := <-rc.got:
		return k
	case <-time.After(10 * time.Second):
		t.Fatal("no webhook arrived within 10 s")
		return hook{}
	}
}

// rest returns what was received and not yet read (call after drain).
func (rc *receiver) rest() []hook {
	var out []hook
	for {
		select {
		case k := <-rc.got:
			out = append(out, k)
		default:
			return out
		}
	}
}

// assertNoDeliveryGoroutines fails if a delivery worker is still running. Close waits for every
// worker, but a worker that has signalled may not have returned yet, so yield a few times first.
func assertNoDeliveryGoroutines(t *testing.T) {
	t.Helper()
	buf := make([]byte, 1<<20)
	for range 1000 {
		n := runtime.Stack(buf, true)
		if !strings.Contains(string(buf[:n]), "webhooks.(*Dispatcher).run") {
			return
		}
		runtime.Gosched()
	}
	t.Error("a webhook delivery goroutine is still running after Close")
}

// waitFor polls cond until it holds, failing the test after a generous 10 s.
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("the condition did not hold within 10 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
