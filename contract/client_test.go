package contract

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// rateHeaders sets the X-RateLimit-* headers the document requires on counted responses.
func rateHeaders(h http.Header, remaining, dailyRemaining string) {
	h.Set("X-RateLimit-Limit-Daily", "200000")
	h.Set("X-RateLimit-Daily-Remaining", dailyRemaining)
	h.Set("X-RateLimit-Daily-Reset", "1767225600000")
	h.Set("X-RateLimit-Interval-Milliseconds", "10000")
	h.Set("X-RateLimit-Max", "100")
	h.Set("X-RateLimit-Remaining", remaining)
}

const okContact = `{"contact":{"id":"CtAliceAAAAAAAAAAAAA","locationId":"LocAAAAAAAAAAAAAAAAA","dateAdded":"2026-01-01T10:00:00.000Z","tags":["vip"]}}`

// seen is what the test server saw of one request.
type seen struct {
	method, path, auth, version, contentType, body string
}

// fakeAPI answers scripted responses in order and records the requests.
type fakeAPI struct {
	mu    sync.Mutex
	reqs  []seen
	steps []func(w http.ResponseWriter)
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	f.mu.Lock()
	i := len(f.reqs)
	f.reqs = append(f.reqs, seen{r.Method, r.URL.RequestURI(), r.Header.Get("Authorization"), r.Header.Get("Version"), r.Header.Get("Content-Type"), string(body)})
	step := f.steps[min(i, len(f.steps)-1)]
	f.mu.Unlock()
	step(w)
}

func respond(status int, body string, hdr func(http.Header)) func(w http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		if hdr != nil {
			hdr(w.Header())
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

func newFake(t *testing.T, steps ...func(w http.ResponseWriter)) (*fakeAPI, *Client) {
	t.Helper()
	f := &fakeAPI{steps: steps}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	c := NewClient(srv.URL, "secret-token-value")
	c.Coverage = NewCoverage()
	c.HTTP = srv.Client()
	return f, c
}

func TestClientRecordsAndValidates(t *testing.T) {
	tests := []struct {
		name       string
		method     string
		path       string
		body       any
		step       func(w http.ResponseWriter)
		wantOp     string
		wantStatus int
		conforms   bool
		problem    string // substring of the conformance error
	}{
		{
			name: "conforming get", method: http.MethodGet, path: "/contacts/CtAliceAAAAAAAAAAAAA",
			step:   respond(200, okContact, func(h http.Header) { rateHeaders(h, "99", "199999") }),
			wantOp: "get-contact", wantStatus: 200, conforms: true,
		},
		{
			name: "renamed field", method: http.MethodGet, path: "/contacts/CtAliceAAAAAAAAAAAAA",
			step:   respond(200, strings.Replace(okContact, `"id"`, `"_id"`, 1), func(h http.Header) { rateHeaders(h, "99", "199999") }),
			wantOp: "get-contact", wantStatus: 200, problem: "/contact/id",
		},
		{
			name: "undeclared status", method: http.MethodPost, path: "/contacts/", body: map[string]any{"locationId": "LocAAAAAAAAAAAAAAAAA"},
			step:   respond(200, okContact, func(h http.Header) { rateHeaders(h, "99", "199999") }),
			wantOp: "create-contact", wantStatus: 200, problem: "200",
		},
		{
			name: "missing rate-limit header", method: http.MethodGet, path: "/contacts/CtAliceAAAAAAAAAAAAA",
			step: respond(200, okContact, func(h http.Header) {
				rateHeaders(h, "99", "199999")
				h.Del("X-RateLimit-Remaining")
			}),
			wantOp: "get-contact", wantStatus: 200, problem: "X-RateLimit-Remaining",
		},
		{
			name: "unknown route", method: http.MethodGet, path: "/nowhere",
			step:       respond(404, `{"statusCode":404,"message":"Cannot GET /nowhere","error":"Not Found"}`, nil),
			wantStatus: 404, problem: "no operation",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t, tc.step)
			var reported []*Exchange
			c.OnNonConforming = func(ex *Exchange) { reported = append(reported, ex) }
			ex, err := c.Do(context.Background(), tc.method, tc.path, tc.body)
			if err != nil {
				t.Fatal(err)
			}
			if ex.OperationID != tc.wantOp || ex.Status != tc.wantStatus {
				t.Fatalf("operation %q status %d, want %q %d", ex.OperationID, ex.Status, tc.wantOp, tc.wantStatus)
			}
			if got := f.reqs[0]; got.auth != "Bearer secret-token-value" || got.version != DefaultAPIVersion {
				t.Errorf("sent Authorization %q Version %q", got.auth, got.version)
			}
			if tc.body != nil && (f.reqs[0].contentType != "application/json" || !strings.Contains(f.reqs[0].body, "locationId")) {
				t.Errorf("sent body %q as %q", f.reqs[0].body, f.reqs[0].contentType)
			}
			if got := ex.RequestHeader.Get("Authorization"); got != "Bearer [REDACTED]" {
				t.Errorf("recorded Authorization %q, want it redacted", got)
			}
			if strings.Contains(ex.String(), "secret-token-value") {
				t.Errorf("the rendered exchange leaks the token:\n%s", ex)
			}
			if tc.conforms != (ex.Conformance == nil) {
				t.Fatalf("conformance error %v, want conforming=%v", ex.Conformance, tc.conforms)
			}
			if !tc.conforms {
				if !strings.Contains(ex.Conformance.Error(), tc.problem) {
					t.Errorf("conformance error %q does not mention %q", ex.Conformance, tc.problem)
				}
				if len(reported) != 1 || reported[0] != ex {
					t.Errorf("OnNonConforming got %d exchanges, want this one", len(reported))
				}
				if tc.wantOp != "" && !strings.Contains(ex.Conformance.Error(), tc.wantOp) {
					t.Errorf("conformance error %q does not name the operation", ex.Conformance)
				}
			}
			if h := c.History.Since(0); len(h) != 1 || h[0] != ex {
				t.Errorf("history holds %d exchanges", len(h))
			}
			if tc.wantOp != "" && c.Coverage.Counts()[tc.wantOp][tc.wantStatus] != 1 {
				t.Errorf("coverage %v does not count %s %d", c.Coverage.Counts(), tc.wantOp, tc.wantStatus)
			}
		})
	}
}

func TestClientOptions(t *testing.T) {
	f, c := newFake(t, respond(401, `{"statusCode":401,"message":"version header was not found."}`, nil))
	ex, err := c.WithToken("").Get(context.Background(), "/contacts/x", WithoutHeader("Version"), WithHeader("X-Extra", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if f.reqs[0].auth != "" || f.reqs[0].version != "" {
		t.Errorf("sent Authorization %q and Version %q, want neither", f.reqs[0].auth, f.reqs[0].version)
	}
	if ex.RequestHeader.Get("X-Extra") != "1" {
		t.Errorf("extra header not recorded: %v", ex.RequestHeader)
	}
	if ex.Conformance != nil {
		t.Errorf("a 401 without rate-limit headers conforms, got %v", ex.Conformance)
	}
}

func TestRedaction(t *testing.T) {
	ex := &Exchange{
		Method: "POST", URL: "http://x/oauth/token",
		RequestHeader: redactHeader(http.Header{"Authorization": {"Bearer abc"}, "Cookie": {"s=1"}}),
		RequestBody:   []byte("client_id=a&client_secret=hunter2&grant_type=refresh_token&refresh_token=rt-1"),
		Status:        200, ResponseBody: []byte(`{"access_token":"at-1","refresh_token":"rt-2","userType":"Location"}`),
	}
	out := ex.String()
	for _, secret := range []string{"abc", "hunter2", "rt-1", "at-1", "rt-2", "s=1"} {
		if strings.Contains(out, secret) {
			t.Errorf("rendering leaks %q:\n%s", secret, out)
		}
	}
	for _, kept := range []string{"client_id=a", "grant_type=refresh_token", `"userType":"Location"`} {
		if !strings.Contains(out, kept) {
			t.Errorf("rendering lost %q:\n%s", kept, out)
		}
	}
}

func TestLookup(t *testing.T) {
	ex := &Exchange{ResponseBody: []byte(`{"contacts":[{"id":"a","tags":["x","y"]}],"meta":{"total":3}}`)}
	if got := ex.Str("contacts.0.id"); got != "a" {
		t.Errorf("contacts.0.id = %q", got)
	}
	if got := ex.Strings("contacts.0.tags"); len(got) != 2 || got[1] != "y" {
		t.Errorf("tags = %v", got)
	}
	if got := ex.Get("meta.total"); got != float64(3) {
		t.Errorf("meta.total = %v", got)
	}
	for _, p := range []string{"contacts.1.id", "contacts.x", "meta.total.z", "nope"} {
		if got := ex.Get(p); got != nil {
			t.Errorf("%s = %v, want nil", p, got)
		}
	}
}

// sleeps records the waits a client asks for instead of waiting.
type sleeps struct {
	mu sync.Mutex
	d  []time.Duration
}

func (s *sleeps) sleep(ctx context.Context, d time.Duration) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.d = append(s.d, d)
	return ctx.Err()
}

func tooMany(retryAfter, daily string) func(w http.ResponseWriter) {
	return respond(429, `{"statusCode":429,"message":"Too Many Requests - Rate limit exceeded","error":"Too Many Requests"}`, func(h http.Header) {
		rateHeaders(h, "0", daily)
		if retryAfter != "" {
			h.Set("Retry-After", retryAfter)
		}
	})
}

func TestClientRetries429(t *testing.T) {
	ok := respond(200, okContact, func(h http.Header) { rateHeaders(h, "99", "199999") })
	tests := []struct {
		name       string
		steps      []func(w http.ResponseWriter)
		policy     RetryPolicy
		noRetry    bool
		wantStatus int
		wantSleeps []time.Duration
		wantCalls  int
	}{
		{
			name:   "Retry-After honoured",
			steps:  []func(w http.ResponseWriter){tooMany("2", "150000"), tooMany("1", "150000"), ok},
			policy: RetryPolicy{MaxRetries: 3, BaseDelay: time.Second, MaxDelay: 30 * time.Second},
			// the waits are what Retry-After said, not the exponential schedule
			wantStatus: 200, wantSleeps: []time.Duration{2 * time.Second, time.Second}, wantCalls: 3,
		},
		{
			name:       "Retry-After capped by MaxDelay",
			steps:      []func(w http.ResponseWriter){tooMany("3600", "150000"), ok},
			policy:     RetryPolicy{MaxRetries: 3, BaseDelay: time.Second, MaxDelay: 5 * time.Second},
			wantStatus: 200, wantSleeps: []time.Duration{5 * time.Second}, wantCalls: 2,
		},
		{
			name:       "without Retry-After, the interval (as live answers and the SDK waits)",
			steps:      []func(w http.ResponseWriter){tooMany("", "150000"), tooMany("", "150000"), ok},
			policy:     RetryPolicy{MaxRetries: 3, BaseDelay: time.Second, MaxDelay: 30 * time.Second},
			wantStatus: 200, wantSleeps: []time.Duration{10 * time.Second, 10 * time.Second}, wantCalls: 3,
		},
		{
			name:       "gives up after MaxRetries",
			steps:      []func(w http.ResponseWriter){tooMany("1", "150000")},
			policy:     RetryPolicy{MaxRetries: 2, MaxDelay: 30 * time.Second},
			wantStatus: 429, wantSleeps: []time.Duration{time.Second, time.Second}, wantCalls: 3,
		},
		{
			name:       "never retries when the daily quota is spent",
			steps:      []func(w http.ResponseWriter){tooMany("1", "0"), ok},
			policy:     RetryPolicy{MaxRetries: 3, MaxDelay: 30 * time.Second},
			wantStatus: 429, wantCalls: 1,
		},
		{
			name:       "NoRetry",
			steps:      []func(w http.ResponseWriter){tooMany("1", "150000"), ok},
			policy:     RetryPolicy{MaxRetries: 3, MaxDelay: 30 * time.Second},
			noRetry:    true,
			wantStatus: 429, wantCalls: 1,
		},
		{
			name:       "retries disabled",
			steps:      []func(w http.ResponseWriter){tooMany("1", "150000"), ok},
			policy:     RetryPolicy{MaxRetries: 0},
			wantStatus: 429, wantCalls: 1,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, c := newFake(t, tc.steps...)
			s := &sleeps{}
			c.Retry = tc.policy
			c.Retry.Sleep = s.sleep
			var opts []RequestOption
			if tc.noRetry {
				opts = append(opts, NoRetry())
			}
			ex, err := c.Get(context.Background(), "/contacts/CtAliceAAAAAAAAAAAAA", opts...)
			if err != nil {
				t.Fatal(err)
			}
			if ex.Status != tc.wantStatus || len(f.reqs) != tc.wantCalls {
				t.Fatalf("status %d after %d calls, want %d after %d", ex.Status, len(f.reqs), tc.wantStatus, tc.wantCalls)
			}
			if len(s.d) != len(tc.wantSleeps) {
				t.Fatalf("slept %v, want %v", s.d, tc.wantSleeps)
			}
			for i := range s.d {
				if s.d[i] != tc.wantSleeps[i] {
					t.Errorf("sleep %d = %s, want %s", i, s.d[i], tc.wantSleeps[i])
				}
			}
			if ex.Attempt != tc.wantCalls-1 {
				t.Errorf("final exchange is attempt %d, want %d", ex.Attempt, tc.wantCalls-1)
			}
			// every attempt was validated and counted, 429s included
			if n := c.Coverage.Counts()["get-contact"][429]; n != tc.wantCalls-btoi(tc.wantStatus == 200) {
				t.Errorf("coverage counts %d 429s", n)
			}
			for _, e := range c.History.Since(0) {
				if e.Conformance != nil {
					t.Errorf("attempt %d does not conform: %v", e.Attempt, e.Conformance)
				}
			}
		})
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestClientRetryStopsWithContext(t *testing.T) {
	_, c := newFake(t, tooMany("1", "150000"))
	c.Retry = RetryPolicy{MaxRetries: 3, MaxDelay: time.Minute}
	ctx, cancel := context.WithCancel(context.Background())
	c.Retry.Sleep = func(ctx context.Context, d time.Duration) error { cancel(); return ctx.Err() }
	ex, err := c.Get(ctx, "/contacts/CtAliceAAAAAAAAAAAAA")
	if !errors.Is(err, context.Canceled) || ex == nil || ex.Status != 429 {
		t.Fatalf("got %v, %v; want the 429 and context.Canceled", ex, err)
	}
}

func TestRetryPolicyDelay(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	p := RetryPolicy{MaxRetries: 5, BaseDelay: 100 * time.Millisecond, MaxDelay: 2 * time.Second,
		Jitter: func() float64 { return 0 }, Now: func() time.Time { return now }}
	hdr := func(kv ...string) http.Header {
		h := http.Header{}
		for i := 0; i < len(kv); i += 2 {
			h.Set(kv[i], kv[i+1])
		}
		return h
	}
	tests := []struct {
		name    string
		attempt int
		status  int
		h       http.Header
		want    time.Duration
		retry   bool
	}{
		{"not a 429", 0, 503, hdr("Retry-After", "1"), 0, false},
		{"seconds", 0, 429, hdr("Retry-After", "1"), time.Second, true},
		{"fractional seconds", 0, 429, hdr("Retry-After", "0.5"), 500 * time.Millisecond, true},
		{"HTTP date", 0, 429, hdr("Retry-After", now.Add(1500*time.Millisecond).Format(http.TimeFormat)), time.Second, true}, // HTTP dates have whole seconds
		{"date in the past", 0, 429, hdr("Retry-After", now.Add(-time.Minute).Format(http.TimeFormat)), 0, true},
		{"capped", 0, 429, hdr("Retry-After", "120"), 2 * time.Second, true},
		{"garbage falls back to backoff", 0, 429, hdr("Retry-After", "soon"), 50 * time.Millisecond, true},
		{"exponential 0", 0, 429, hdr(), 50 * time.Millisecond, true},
		{"no Retry-After: the interval", 0, 429, hdr("X-RateLimit-Interval-Milliseconds", "1500"), 1500 * time.Millisecond, true},
		{"Retry-After before the interval", 0, 429, hdr("Retry-After", "1", "X-RateLimit-Interval-Milliseconds", "1500"), time.Second, true},
		{"the interval capped", 0, 429, hdr("X-RateLimit-Interval-Milliseconds", "10000"), 2 * time.Second, true},
		{"interval garbage falls back to backoff", 0, 429, hdr("X-RateLimit-Interval-Milliseconds", "ten"), 50 * time.Millisecond, true},
		{"exponential 3", 3, 429, hdr(), 400 * time.Millisecond, true},
		{"exponential capped", 4, 429, hdr(), 800 * time.Millisecond, true},
		{"daily spent", 0, 429, hdr("Retry-After", "1", "X-RateLimit-Daily-Remaining", "0"), 0, false},
		{"daily left", 0, 429, hdr("Retry-After", "1", "X-RateLimit-Daily-Remaining", "5"), time.Second, true},
		{"out of retries", 5, 429, hdr("Retry-After", "1"), 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d, retry := p.Delay(tc.attempt, tc.status, tc.h)
			if d != tc.want || retry != tc.retry {
				t.Errorf("Delay = %s, %v; want %s, %v", d, retry, tc.want, tc.retry)
			}
		})
	}
	// jitter stays within [d/2, d] and the cap holds for late attempts
	p.Jitter = func() float64 { return 0.999999 }
	if d, _ := p.Delay(0, 429, hdr()); d < 50*time.Millisecond || d > 100*time.Millisecond {
		t.Errorf("jittered delay %s outside [50ms, 100ms]", d)
	}
	if d, _ := (RetryPolicy{MaxRetries: 100, BaseDelay: time.Second, MaxDelay: 3 * time.Second}).Delay(60, 429, hdr()); d != 3*time.Second {
		t.Errorf("attempt 60 waits %s, want the cap", d)
	}
}
