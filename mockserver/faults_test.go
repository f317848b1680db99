package mockserver

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/clock"
)

// fakeSleeper stands in for real sleep: it records the delays asked for and answers err.
type fakeSleeper struct {
	mu     sync.Mutex
	delays []time.Duration
	err    error
}

func (f *fakeSleeper) sleep(ctx context.Context, d time.Duration) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delays = append(f.delays, d)
	return f.err
}

func (h *harness) addFault(body any) result {
	h.t.Helper()
	return h.do(http.MethodPost, "/__admin/faults", "", body).must(h.t, http.StatusCreated)
}

func TestFaultProblems(t *testing.T) {
	cases := []struct {
		name  string
		fault Fault
		want  []string
	}{
		{"no effect", Fault{OperationID: "get-contact"}, []string{"a fault needs an effect: status, latencyMs, jitterMs, drop, truncate or headers"}},
		{"unknown operation", Fault{OperationID: "get-contacts-v9", Status: 500}, []string{"operationId get-contacts-v9 is not an operation of the document"}},
		{"bad method", Fault{Method: "FETCH", Status: 500}, []string{"method must be an HTTP method"}},
		{"relative path", Fault{Path: "contacts/*", Status: 500}, []string{"path must start with /"}},
		{"path with a query", Fault{Path: "/contacts/?locationId=x", Status: 500}, []string{"path must not hold a query or a fragment"}},
		{"bad glob", Fault{Path: "/contacts/[a", Status: 500}, []string{`path segment "[a" is not a valid pattern`}},
		{"status out of range", Fault{Status: 99}, []string{"status must be between 200 and 599"}},
		{"body without status", Fault{Body: []byte(`"boom"`), LatencyMs: 5}, []string{"body needs a status"}},
		{"bad header name", Fault{Status: 503, Headers: map[string]string{"Retry After": "5"}}, []string{`headers: "Retry After" is not a header name`}},
		{"negative latency", Fault{LatencyMs: -1}, []string{"latencyMs must be between 0 and 600000"}},
		{"huge jitter", Fault{JitterMs: 600001}, []string{"jitterMs must be between 0 and 600000"}},
		{"drop with status", Fault{Drop: true, Status: 500}, []string{"drop answers nothing: it cannot be combined with status, body, headers or truncate"}},
		{"drop and truncate", Fault{Drop: true, Truncate: true}, []string{"drop answers nothing: it cannot be combined with status, body, headers or truncate"}},
		{"negative count", Fault{Status: 500, Count: -2}, []string{"count must not be less than 0"}},
		{"probability above 1", Fault{Status: 500, Probability: ptr(1.5)}, []string{"probability must be between 0 and 1"}},
		{"bad id", Fault{ID: "has space", Status: 500}, []string{"id must be 1 to 64 letters, digits, '.', '_' or '-'"}},
		{"several at once", Fault{Status: 700, Count: -1}, []string{"status must be between 200 and 599", "count must not be less than 0"}},
		{"valid: everything", Fault{ID: "a.b_c-1", OperationID: "get-contact", Method: "get", Path: "/contacts/{contactId}", LocationID: locA,
			Status: 503, Body: []byte(`"down"`), Headers: map[string]string{"Retry-After": "5"}, LatencyMs: 10, JitterMs: 5,
			Truncate: true, Count: 3, Probability: ptr(0.5)}, nil},
		{"valid: null body is no body", Fault{Body: []byte("null"), LatencyMs: 5}, nil},
		{"valid: probability 0", Fault{Drop: true, Probability: ptr(0.0)}, nil},
	}
	sp := newHarness(t).srv.Spec()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := tc.fault
			if got := f.Problems(sp); !slices.Equal(got, tc.want) {
				t.Errorf("problems %q, want %q", got, tc.want)
			}
		})
	}
}

// TestFaultMatching: which requests a fault applies to, seen through the API.
func TestFaultMatching(t *testing.T) {
	type req struct {
		method, path, token string
		want                int
	}
	cases := []struct {
		name  string
		fault map[string]any
		reqs  func(h *harness) []req
	}{
		{
			name:  "by operationId",
			fault: map[string]any{"operationId": "get-contact", "status": 500},
			reqs: func(h *harness) []req {
				return []req{
					{"GET", "/contacts/" + ctAlice, h.full, 500},
					{"GET", "/contacts/" + ctAlice + "/tasks", h.full, 200},
					{"GET", "/contacts/?locationId=" + locA, h.full, 200},
				}
			},
		},
		{
			name:  "by method and path template",
			fault: map[string]any{"method": "get", "path": "/contacts/{contactId}/tasks", "status": 502},
			reqs: func(h *harness) []req {
				return []req{
					{"GET", "/contacts/" + ctAlice + "/tasks", h.full, 502},
					{"POST", "/contacts/" + ctAlice + "/notes", h.full, 201},
					{"GET", "/contacts/" + ctAlice, h.full, 200},
				}
			},
		},
		{
			name:  "by wildcard path, any method",
			fault: map[string]any{"path": "/contacts/**", "status": 503},
			reqs: func(h *harness) []req {
				return []req{
					{"GET", "/contacts/" + ctAlice + "/notes", h.full, 503},
					{"GET", "/contacts/?locationId=" + locA, h.full, 503},
				}
			},
		},
		{
			name:  "by location",
			fault: map[string]any{"locationId": locB, "status": 500},
			reqs: func(h *harness) []req {
				return []req{
					{"GET", "/contacts/" + ctAlice, h.full, 200},
					{"GET", "/contacts/" + ctCarol, h.fullB, 500},
				}
			},
		},
		{
			name:  "count: the next 2 times, then expired",
			fault: map[string]any{"operationId": "get-contact", "status": 500, "count": 2},
			reqs: func(h *harness) []req {
				return []req{
					{"GET", "/contacts/" + ctAlice + "/tasks", h.full, 200}, // no match: not counted
					{"GET", "/contacts/" + ctAlice, h.full, 500},
					{"GET", "/contacts/" + ctAlice, h.full, 500},
					{"GET", "/contacts/" + ctAlice, h.full, 200},
				}
			},
		},
		{
			name:  "not before request validation: a 422 does not consume the count",
			fault: map[string]any{"operationId": "create-note", "status": 500, "count": 1},
			reqs: func(h *harness) []req {
				return []req{
					{"POST", "/contacts/" + ctAlice + "/notes", h.full, 422}, // body missing
					{"GET", "/contacts/" + ctAlice, "garbage", 401},
					{"POST", "/contacts/" + ctAlice + "/notes", h.full, 500},
					{"POST", "/contacts/" + ctAlice + "/notes", h.full, 201},
				}
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			id := h.addFault(tc.fault).str("id")
			hits := 0
			for i, rq := range tc.reqs(h) {
				var body any
				if rq.method == "POST" && rq.want != 422 {
					body = map[string]any{"body": "hello"}
				}
				r := h.do(rq.method, rq.path, rq.token, body)
				if r.Status != rq.want {
					t.Fatalf("request %d %s %s: %d %s, want %d", i, rq.method, rq.path, r.Status, r.Raw, rq.want)
				}
				if r.Status >= 500 {
					hits++
				}
			}
			list := h.do(http.MethodGet, "/__admin/faults", "", nil).must(t, http.StatusOK)
			faults, _ := list.Body["faults"].([]any)
			if len(faults) != 1 {
				t.Fatalf("GET /__admin/faults: %s", list.Raw)
			}
			got := faults[0].(map[string]any)
			if got["id"] != id || got["hits"] != float64(hits) {
				t.Errorf("fault %v, want id %s with %d hits", got, id, hits)
			}
		})
	}
}

// hitSequence sends n matching requests to a fresh mock with the seed and a probability fault,
// and returns which ones the fault hit.
func hitSequence(t *testing.T, seed int64, n int) []bool {
	t.Helper()
	h := newHarness(t, func(c *Config) {
		c.FaultSeed = seed
		c.RateLimits.Off = true
		c.Faults = []Fault{{ID: "flaky", OperationID: "get-contact", Status: 503, Probability: ptr(0.3)}}
	})
	out := make([]bool, n)
	for i := range out {
		// Requests the fault does not match do not disturb its draws.
		h.do(http.MethodGet, "/contacts/"+ctAlice+"/notes", h.full, nil).must(t, http.StatusOK)
		r := getAlice(h, h.full)
		out[i] = r.Status == http.StatusServiceUnavailable
	}
	return out
}

func TestFaultProbabilityReplay(t *testing.T) {
	const n = 60
	a := hitSequence(t, 42, n)
	b := hitSequence(t, 42, n)
	c := hitSequence(t, 7, n)
	if !slices.Equal(a, b) {
		t.Errorf("the same seed gave different hits:\n%v\n%v", a, b)
	}
	if slices.Equal(a, c) {
		t.Errorf("seeds 42 and 7 gave the same %d hits", n)
	}
	hits := 0
	for _, hit := range a {
		if hit {
			hits++
		}
	}
	if hits < 5 || hits > 35 { // p = 0.3 over 60 draws; far outside this range the draw is broken
		t.Errorf("%d hits out of %d at p = 0.3", hits, n)
	}
}

func TestFaultSeedReported(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.FaultSeed = 1234 })
	if r := h.do(http.MethodGet, "/__admin/faults", "", nil).must(t, http.StatusOK); r.Body["seed"] != float64(1234) {
		t.Errorf("GET /__admin/faults: %s", r.Raw)
	}
	if r := h.do(http.MethodGet, "/__admin/requests", "", nil).must(t, http.StatusOK); r.Body["faultSeed"] != float64(1234) {
		t.Errorf("GET /__admin/requests: %s", r.Raw)
	}
	random := newHarness(t)
	if seed := random.srv.FaultSeed(); seed <= 0 || seed >= 1<<53 {
		t.Errorf("picked seed %d, want 0 < seed < 2^53", seed)
	}
}

func TestFaultLatency(t *testing.T) {
	t.Run("fixed and jittered latency, from the seed", func(t *testing.T) {
		delays := func() []time.Duration {
			h := newHarness(t, func(c *Config) { c.FaultSeed = 99 })
			fs := &fakeSleeper{}
			h.srv.sleep = fs.sleep
			h.addFault(map[string]any{"operationId": "get-contact", "latencyMs": 250, "jitterMs": 100})
			for range 20 {
				getAlice(h, h.full).must(t, http.StatusOK) // latency alone: the handler still answers
			}
			return fs.delays
		}
		a, b := delays(), delays()
		if len(a) != 20 || !slices.Equal(a, b) {
			t.Fatalf("delays %v and %v, want the same 20", a, b)
		}
		for _, d := range a {
			if d < 250*time.Millisecond || d > 350*time.Millisecond {
				t.Errorf("delay %v outside [250ms, 350ms]", d)
			}
		}
		if slices.Min(a) == slices.Max(a) {
			t.Errorf("jitter drew the same delay 20 times: %v", a[0])
		}
	})
	t.Run("the client leaving ends the latency; the handler does not run", func(t *testing.T) {
		h := newHarness(t)
		h.srv.sleep = (&fakeSleeper{err: context.Canceled}).sleep
		h.addFault(map[string]any{"operationId": "delete-contact", "latencyMs": 5000, "status": 500})
		req := httptest.NewRequest(http.MethodDelete, "/contacts/"+ctBob, nil)
		req.Header.Set("Authorization", "Bearer "+h.full)
		req.Header.Set("Version", apiVer)
		h.srv.ServeHTTP(httptest.NewRecorder(), req)
		if _, err := h.srv.Store().GetContact(context.Background(), locA, ctBob); err != nil {
			t.Errorf("the contact was deleted: %v", err)
		}
		r := h.do(http.MethodGet, "/__admin/requests?operationId=delete-contact", "", nil).must(t, http.StatusOK)
		entries, _ := r.Body["requests"].([]any)
		if len(entries) != 1 || entries[0].(map[string]any)["outcome"] != "canceled" {
			t.Errorf("journal %s, want one canceled request", r.Raw)
		}
	})
	t.Run("real sleep honours the context", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if err := clock.Sleep(ctx, time.Hour); !errors.Is(err, context.Canceled) {
			t.Errorf("clock.Sleep with a done context: %v", err)
		}
		if err := clock.Sleep(context.Background(), 0); err != nil {
			t.Errorf("clock.Sleep(0): %v", err)
		}
	})
}

func TestFaultAnswers(t *testing.T) {
	t.Run("503 with Retry-After in the live error shape", func(t *testing.T) {
		h := newHarness(t)
		h.addFault(map[string]any{"operationId": "get-contact", "status": 503, "headers": map[string]string{"Retry-After": "7"}})
		r := getAlice(h, h.full).must(t, http.StatusServiceUnavailable)
		if string(r.Raw) != `{"error":"Service Unavailable","message":"Service Unavailable","statusCode":503}` {
			t.Errorf("body %s", r.Raw)
		}
		if r.Header.Get("Retry-After") != "7" || r.Header.Get("X-RateLimit-Remaining") != "99" {
			t.Errorf("headers %v", r.Header)
		}
	})
	t.Run("a string body is the message; any other body is sent as is", func(t *testing.T) {
		h := newHarness(t)
		h.addFault(map[string]any{"operationId": "get-contact", "status": 500, "body": "database on fire"})
		h.addFault(map[string]any{"operationId": "get-all-tasks", "status": 418, "body": map[string]any{"teapot": true}})
		if r := getAlice(h, h.full).must(t, 500); r.str("message") != "database on fire" || r.Body["statusCode"] != float64(500) {
			t.Errorf("body %s", r.Raw)
		}
		// 418 is not declared by the operation: strict mode would refuse it, but faults are exempt
		// (the harness fails the test on any violation).
		if r := h.do(http.MethodGet, "/contacts/"+ctAlice+"/tasks", h.full, nil).must(t, 418); string(r.Raw) != `{"teapot":true}` {
			t.Errorf("body %s", r.Raw)
		}
	})
	t.Run("forced 429 looks like the limiter's and conforms to the document", func(t *testing.T) {
		h := newHarness(t)
		getAlice(h, h.full).must(t, http.StatusOK) // opens the window
		h.addFault(map[string]any{"operationId": "get-contact", "status": 429, "count": 1})
		h.clock.Add(2500 * time.Millisecond)
		r := getAlice(h, h.full).must(t, http.StatusTooManyRequests)
		if r.Header.Get("Retry-After") != "8" || r.Header.Get("X-RateLimit-Remaining") != "0" ||
			r.Header.Get("X-RateLimit-Daily-Remaining") != "199998" {
			t.Errorf("headers %v", r.Header)
		}
		op := h.srv.Spec().Operation("get-contact")
		if err := op.ValidateResponse(context.Background(), nil, r.Status, r.Header, r.Raw); err != nil {
			t.Errorf("forced 429 does not conform: %v", err)
		}
	})
	t.Run("fault headers win: a forced daily 429", func(t *testing.T) {
		h := newHarness(t)
		h.addFault(map[string]any{"operationId": "get-contact", "status": 429,
			"headers": map[string]string{"X-RateLimit-Daily-Remaining": "0", "Retry-After": "3600"}})
		r := getAlice(h, h.full).must(t, http.StatusTooManyRequests)
		if r.Header.Get("X-RateLimit-Daily-Remaining") != "0" || r.Header.Get("Retry-After") != "3600" {
			t.Errorf("headers %v", r.Header)
		}
	})
	t.Run("headers alone decorate the real answer", func(t *testing.T) {
		h := newHarness(t)
		h.addFault(map[string]any{"operationId": "get-contact", "headers": map[string]string{"X-Debug": "on"}})
		if r := getAlice(h, h.full).must(t, http.StatusOK); r.Header.Get("X-Debug") != "on" || r.obj("contact")["id"] != ctAlice {
			t.Errorf("answer %v %s", r.Header, r.Raw)
		}
	})
}

// rawGet sends a GET on a fresh connection and reads the whole body. On a kept-alive connection,
// Go's client would silently resend an idempotent request that was dropped.
func rawGet(t *testing.T, client *http.Client, url, token string) (*http.Response, []byte, error) {
	t.Helper()
	client.CloseIdleConnections()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Version", apiVer)
	req.Close = true
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}

func TestFaultDropAndTruncate(t *testing.T) {
	for _, major := range []int{1, 2} {
		t.Run("HTTP/"+strconv.Itoa(major), func(t *testing.T) {
			h := newHarness(t)
			srv := h.http
			if major == 2 {
				srv = httptest.NewUnstartedServer(h.srv)
				srv.EnableHTTP2 = true
				srv.StartTLS()
				t.Cleanup(srv.Close)
			}
			client := srv.Client()
			h.addFault(map[string]any{"operationId": "get-contact", "drop": true, "count": 1})
			h.addFault(map[string]any{"operationId": "get-all-tasks", "truncate": true, "count": 1})

			if resp, _, err := rawGet(t, client, srv.URL+"/contacts/"+ctAlice, h.full); err == nil {
				t.Errorf("dropped request: got %s, want a transport error", resp.Status)
			}
			resp, body, err := rawGet(t, client, srv.URL+"/contacts/"+ctAlice+"/tasks", h.full)
			if err == nil {
				t.Fatalf("truncated answer read whole: %s %s", resp.Status, body)
			}
			if major == 1 {
				if !errors.Is(err, io.ErrUnexpectedEOF) || resp.StatusCode != 200 || int64(len(body)) >= resp.ContentLength {
					t.Errorf("truncated: %v, status %d, %d of %d bytes", err, resp.StatusCode, len(body), resp.ContentLength)
				}
			}
			// Both faults expired: the next requests are whole.
			resp, _, err = rawGet(t, client, srv.URL+"/contacts/"+ctAlice, h.full)
			if err != nil || resp.StatusCode != 200 || resp.ProtoMajor != major {
				t.Fatalf("after the drop: %v", err)
			}
			if resp, _, err := rawGet(t, client, srv.URL+"/contacts/"+ctAlice+"/tasks", h.full); err != nil || resp.StatusCode != 200 {
				t.Errorf("after the truncation: %v", err)
			}
			r := h.do(http.MethodGet, "/__admin/requests?limit=4", "", nil).must(t, http.StatusOK)
			var outcomes []string
			for _, e := range r.Body["requests"].([]any) {
				o, _ := e.(map[string]any)["outcome"].(string)
				outcomes = append(outcomes, o)
			}
			if !slices.Equal(outcomes, []string{"", "", "truncated", "dropped"}) {
				t.Errorf("journal outcomes %q", outcomes)
			}
		})
	}
}

func TestAdminFaults(t *testing.T) {
	h := newHarness(t)
	r := h.addFault(map[string]any{"operationId": "get-contact", "status": 500, "count": 2})
	if r.str("id") != "f1" || r.Body["remaining"] != float64(2) || r.Body["hits"] != float64(0) {
		t.Errorf("POST answered %s", r.Raw)
	}
	h.addFault(map[string]any{"id": "slow", "path": "/contacts/**", "latencyMs": 1})
	h.addFault(map[string]any{"method": "DELETE", "drop": true})
	r = h.do(http.MethodPost, "/__admin/faults", "", map[string]any{"id": "slow", "status": 500}).must(t, http.StatusUnprocessableEntity)
	if got := strs(r.Body["message"]); !slices.Equal(got, []string{"id slow is in use"}) {
		t.Errorf("duplicate id: %q", got)
	}
	r = h.do(http.MethodPost, "/__admin/faults", "", map[string]any{"status": 1000, "probability": 2, "colour": "red"}).must(t, http.StatusUnprocessableEntity)
	if got := strs(r.Body["message"]); !slices.Equal(got, []string{"property colour should not exist"}) {
		t.Errorf("unknown field: %q", got)
	}
	r = h.do(http.MethodPost, "/__admin/faults", "", map[string]any{"status": 1000, "probability": 2}).must(t, http.StatusUnprocessableEntity)
	if got := strs(r.Body["message"]); !slices.Equal(got, []string{"status must be between 200 and 599", "probability must be between 0 and 1"}) {
		t.Errorf("invalid fault: %q", got)
	}
	ids := func() []string {
		var out []string
		for _, f := range h.do(http.MethodGet, "/__admin/faults", "", nil).must(t, 200).Body["faults"].([]any) {
			out = append(out, f.(map[string]any)["id"].(string))
		}
		return out
	}
	if got := ids(); !slices.Equal(got, []string{"f1", "slow", "f2"}) {
		t.Errorf("ids %q", got)
	}
	h.do(http.MethodDelete, "/__admin/faults/slow", "", nil).must(t, http.StatusOK)
	h.do(http.MethodDelete, "/__admin/faults/slow", "", nil).must(t, http.StatusNotFound)
	if got := ids(); !slices.Equal(got, []string{"f1", "f2"}) {
		t.Errorf("ids after DELETE /slow %q", got)
	}
	if r := h.do(http.MethodDelete, "/__admin/faults", "", nil).must(t, http.StatusOK); r.Body["deleted"] != float64(2) {
		t.Errorf("DELETE all: %s", r.Raw)
	}
	if got := ids(); len(got) != 0 {
		t.Errorf("ids after DELETE all %q", got)
	}
	getAlice(h, h.full).must(t, http.StatusOK)
}

func TestConfigFaults(t *testing.T) {
	if _, err := New(Config{Faults: []Fault{{OperationID: "nope", Status: 500}}}); err == nil ||
		!strings.Contains(err.Error(), "operationId nope is not an operation of the document") {
		t.Errorf("New with an unknown operationId: %v", err)
	}
	h := newHarness(t, func(c *Config) { c.Faults = []Fault{{OperationID: "get-contact", Status: 502}} })
	getAlice(h, h.full).must(t, http.StatusBadGateway)
}

func TestLoadFaults(t *testing.T) {
	cases := []struct {
		name, file, content string
		want                []string // ids, or the error's lines
		wantErr             bool
	}{
		{"yaml list", "faults.yaml", `
- id: slow-search
  operationId: search-contacts-advanced
  latencyMs: 800
  jitterMs: 400
- path: /contacts/{contactId}
  method: get
  status: 503
  headers: {Retry-After: "5"}
  probability: 0.1
`, []string{"slow-search", ""}, false},
		{"yaml object, unquoted header value and numeric-looking id", "faults.yaml", `
faults:
  - id: 2024
    operationId: get-contact
    status: 503
    headers: {Retry-After: 5}
`, []string{"2024"}, false},
		{"json object", "faults.json", `{"faults": [{"operationId": "get-contact", "drop": true, "count": 1}]}`, []string{""}, false},
		{"yaml that is json", "faults.yml", `[{"status": 500}]`, []string{""}, false},
		{"empty yaml", "faults.yaml", "", nil, false},
		{"invalid faults are numbered", "faults.yaml", `
- status: 500
- status: 42
- drop: true
  status: 500
`, []string{"fault 2: status must be between 200 and 599", "fault 3: drop answers nothing: it cannot be combined with status, body, headers or truncate"}, true},
		{"duplicate ids", "faults.json", `[{"id": "a", "status": 500}, {"id": "a", "status": 502}]`, []string{"fault 2: id a is in use"}, true},
		{"unknown field", "faults.json", `[{"statuss": 500}]`, []string{`unknown field "statuss"`}, true},
		{"bad yaml", "faults.yaml", "- status: [", nil, true},
	}
	dir := t.TempDir()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			file := filepath.Join(dir, tc.file)
			if err := os.WriteFile(file, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			faults, err := LoadFaults(file)
			if tc.wantErr {
				if err == nil {
					t.Fatalf("LoadFaults accepted the file: %+v", faults)
				}
				for _, line := range tc.want {
					if !strings.Contains(err.Error(), line) {
						t.Errorf("error %q does not say %q", err, line)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, f := range faults {
				ids = append(ids, f.ID)
			}
			if !slices.Equal(ids, tc.want) {
				t.Errorf("ids %q, want %q", ids, tc.want)
			}
		})
	}
	if _, err := LoadFaults(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Error("LoadFaults of a missing file succeeded")
	}
}
