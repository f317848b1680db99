package listen_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/contract/adminclient"
	"github.com/contactsmock/contactsmock/contract/webhooksig"
	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/listen"
	"github.com/contactsmock/contactsmock/mockserver"
)

// syncBuffer is an io.Writer the listener writes to while the test reads it.
type syncBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) lines() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return strings.Split(strings.TrimSuffix(s.b.String(), "\n"), "\n")
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// eventually polls cond every 10 ms for up to 10 s: deliveries travel over real loopback
// connections on a loaded machine.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
	}
}

// mock is a mock on a loopback port with one generated location and a full token for it.
type mock struct {
	srv      *mockserver.Server
	base     string
	location string
	token    string
	admin    *adminclient.Client
}

func newMock(t *testing.T, mutate func(*mockserver.Config)) *mock {
	t.Helper()
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 7, Contacts: 2})
	if err != nil {
		t.Fatal(err)
	}
	cfg := mockserver.Config{Initial: doc}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Close(ctx)
		hs.Close()
	})
	loc := doc.Locations[0].ID
	tok, err := srv.MintToken(loc, []string{mockserver.ScopeContactsReadonly, mockserver.ScopeContactsWrite}, 0)
	if err != nil {
		t.Fatal(err)
	}
	return &mock{srv: srv, base: hs.URL, location: loc, token: tok.AccessToken, admin: &adminclient.Client{BaseURL: hs.URL}}
}

// api calls the mock's API with the full token and returns the decoded answer.
func (m *mock) api(t *testing.T, method, path string, body any) map[string]any {
	t.Helper()
	var rd io.Reader
	if body != nil {
		data, _ := json.Marshal(body)
		rd = bytes.NewReader(data)
	}
	req, _ := http.NewRequest(method, m.base+path, rd)
	req.Header.Set("Authorization", "Bearer "+m.token)
	req.Header.Set("Version", "2021-07-28")
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: %d %v", method, path, resp.StatusCode, out)
	}
	return out
}

// receiver is a user's webhook endpoint: it records what it got and answers status.
type receiver struct {
	*httptest.Server
	status int

	mu   sync.Mutex // guards got
	got  []*http.Request
	body [][]byte
}

func newReceiver(t *testing.T, status int) *receiver {
	rc := &receiver{status: status}
	rc.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, _ := io.ReadAll(r.Body)
		rc.mu.Lock()
		rc.got, rc.body = append(rc.got, r), append(rc.body, data)
		rc.mu.Unlock()
		w.Header().Set("Retry-After", "7")
		w.WriteHeader(rc.status)
	}))
	t.Cleanup(rc.Close)
	return rc
}

func (rc *receiver) count() int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return len(rc.got)
}

// TestListenShowsVerifiesAndForwards: a create, a tag change and a delete arrive, are described
// with their ids and changes, verified, and forwarded byte for byte with their headers; the mock
// records the receiver's status; Close unregisters.
func TestListenShowsVerifiesAndForwards(t *testing.T) {
	m := newMock(t, nil)
	rc := newReceiver(t, http.StatusAccepted)
	out := &syncBuffer{}
	l, err := listen.Start(context.Background(), listen.Options{Admin: m.admin, ForwardTo: rc.URL + "/hooks", Out: out})
	if err != nil {
		t.Fatal(err)
	}
	created := m.api(t, "POST", "/contacts/", map[string]any{"locationId": m.location, "firstName": "Ada", "email": "ada@example.com", "tags": []string{"Lead"}})
	id := created["contact"].(map[string]any)["id"].(string)
	m.api(t, "POST", "/contacts/"+id+"/tags", map[string]any{"tags": []string{"vip"}})
	m.api(t, "DELETE", "/contacts/"+id, nil)
	eventually(t, "three lines", func() bool { return len(out.lines()) == 3 })

	lines := out.lines()
	for i, want := range [][]string{
		{"ContactCreate", "contact " + id, "firstName=Ada", "email=ada@example.com", `tags=["lead"]`},
		{"ContactTagUpdate", "contact " + id, `tags: ["lead"] → ["lead","vip"]`},
		{"ContactDelete", "contact " + id, "deleted"},
	} {
		for _, w := range append(want, "[signature ok, attempt 1, forwarded: 202, answered 202]") {
			if !strings.Contains(lines[i], w) {
				t.Errorf("line %d lacks %q:\n%s", i+1, w, lines[i])
			}
		}
	}

	pemText, err := m.admin.WebhookPublicKey(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := webhooksig.ParsePublicKey(pemText)
	deliveries, err := m.admin.WebhookDeliveries(context.Background(), nil)
	if err != nil || len(deliveries) != 3 {
		t.Fatalf("deliveries: %v %v", deliveries, err)
	}
	if rc.count() != 3 {
		t.Fatalf("the receiver got %d deliveries, want 3", rc.count())
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	for i, r := range rc.got {
		d := deliveries[len(deliveries)-1-i] // the log is newest first
		if r.URL.Path != "/hooks" || r.Method != http.MethodPost {
			t.Errorf("forwarded to %s %s", r.Method, r.URL.Path)
		}
		if !bytes.Equal(rc.body[i], d.Payload) {
			t.Errorf("delivery %d forwarded as\n%s\nwant the bytes the mock sent\n%s", i+1, rc.body[i], d.Payload)
		}
		if err := webhooksig.Verify(pub, rc.body[i], r.Header.Get(webhooksig.SignatureHeader)); err != nil {
			t.Errorf("delivery %d: the forwarded signature does not verify: %v", i+1, err)
		}
		if r.Header.Get("X-Contactsmock-Delivery") != d.ID || r.Header.Get("X-Contactsmock-Attempt") != "1" || r.Header.Get("Content-Type") != "application/json" {
			t.Errorf("delivery %d: headers not forwarded: %v", i+1, r.Header)
		}
		if d.State != "delivered" || len(d.Statuses) != 1 || d.Statuses[0] != http.StatusAccepted {
			t.Errorf("delivery %d: the mock saw %s %v, want the receiver's 202", i+1, d.State, d.Statuses)
		}
	}

	if err := l.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	if regs := m.srv.WebhookRegistrations(); len(regs) != 0 {
		t.Errorf("registrations left after Close: %v", regs)
	}
}

// TestListenAnswer429SchedulesARetry: with Answer 429 the mock records the 429 and schedules the
// delivery's next attempt (its sleeper is held, so the retry waits).
func TestListenAnswer429SchedulesARetry(t *testing.T) {
	var mu sync.Mutex
	var waits []time.Duration
	m := newMock(t, func(c *mockserver.Config) {
		c.WebhookSleep = func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			waits = append(waits, d)
			mu.Unlock()
			<-ctx.Done()
			return ctx.Err()
		}
	})
	out := &syncBuffer{}
	l, err := listen.Start(context.Background(), listen.Options{Admin: m.admin, Answer: http.StatusTooManyRequests, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	m.api(t, "POST", "/contacts/", map[string]any{"locationId": m.location, "firstName": "Grace"})
	eventually(t, "the 429 in the delivery log with a retry scheduled", func() bool {
		ds, err := m.admin.WebhookDeliveries(context.Background(), nil)
		return err == nil && len(ds) == 1 && ds[0].State == "pending" && len(ds[0].Statuses) == 1 && ds[0].Statuses[0] == 429 &&
			len(ds[0].History) == 1 && ds[0].History[0].RetryInMs != nil && *ds[0].History[0].RetryInMs > 0
	})
	mu.Lock()
	if len(waits) != 1 || waits[0] <= 0 {
		t.Errorf("the mock waits %v before the retry, want one positive wait", waits)
	}
	mu.Unlock()
	if got := out.String(); !strings.Contains(got, "ContactCreate") || !strings.Contains(got, "firstName=Grace") ||
		!strings.Contains(got, "[signature ok, attempt 1, answered 429]") {
		t.Errorf("line: %q", got)
	}
}

// TestListenBadSignatureAndDeadTarget: a delivery whose signature does not verify is said so and
// still forwarded (the receiver's own check is what is being tested); a forward target that does
// not answer makes the listener answer 502, and JSON mode prints the payload as it came.
func TestListenBadSignatureAndDeadTarget(t *testing.T) {
	m := newMock(t, nil)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	out, notes := &syncBuffer{}, &syncBuffer{}
	l, err := listen.Start(context.Background(), listen.Options{Admin: m.admin, ForwardTo: deadURL, JSON: true, Out: out, Notes: notes})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close(context.Background())
	_, other, _ := ed25519.GenerateKey(nil)
	body := []byte(`{"type":"ContactCreate","locationId":"L","id":"c1","timestamp":"2026-03-01T12:00:05.000Z","webhookId":"w"}`)
	req, _ := http.NewRequest("POST", l.URL(), bytes.NewReader(body))
	req.Header.Set(webhooksig.SignatureHeader, webhooksig.Sign(other, body))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadGateway {
		t.Errorf("answered %d with the forward target down, want 502", resp.StatusCode)
	}
	if got := out.String(); got != string(body)+"\n" {
		t.Errorf("JSON mode printed %q, want the payload", got)
	}
	if n := notes.String(); !strings.Contains(n, "ContactCreate: signature INVALID") || !strings.Contains(n, "forward failed") || !strings.Contains(n, "answered 502") {
		t.Errorf("notes: %q", n)
	}
}

// TestListenRefusesWithoutAMock: no mock at the admin URL is an error, and nothing listens.
func TestListenRefusesWithoutAMock(t *testing.T) {
	dead := httptest.NewServer(http.NotFoundHandler())
	base := dead.URL
	dead.Close()
	if _, err := listen.Start(context.Background(), listen.Options{Admin: &adminclient.Client{BaseURL: base}, Out: io.Discard}); err == nil ||
		!strings.Contains(err.Error(), "public key") {
		t.Errorf("Start without a mock: %v", err)
	}
}
