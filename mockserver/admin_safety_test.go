package mockserver

import (
	"bufio"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The admin API's rules against pages of other origins (mockserver/admin/guard.go): each refusal
// is in the error shape, and a refused write changes nothing.

const evilOrigin = "http://evil.example"

// TestAdminRefusesCrossOriginWrites: a write a page of another origin sends is refused (the
// same-origin one and curl's, without Origin, are not), and the state stays as it was.
func TestAdminRefusesCrossOriginWrites(t *testing.T) {
	h := newHarness(t)
	self := strings.Replace(h.http.URL, "127.0.0.1", "127.0.0.1", 1)
	cases := []struct {
		name   string
		hdr    map[string]string
		status int
	}{
		{"another origin", map[string]string{"Origin": evilOrigin}, http.StatusForbidden},
		{"another port of the same host", map[string]string{"Origin": "http://127.0.0.1:1"}, http.StatusForbidden},
		{"a null origin (sandboxed frame, file)", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"another site's fetch without Origin", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"a same-site page on another port", map[string]string{"Sec-Fetch-Site": "same-site"}, http.StatusForbidden},
		{"a cross-site navigation does not make a write", map[string]string{"Origin": evilOrigin, "Sec-Fetch-Mode": "navigate"}, http.StatusForbidden},
		{"the mock's own page", map[string]string{"Origin": self, "Sec-Fetch-Site": "same-origin"}, http.StatusCreated},
		{"curl (no Origin)", nil, http.StatusCreated},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := adminState(h.srv)
			r := h.doHeaders(http.MethodPost, "/__admin/faults", "", `{"status":503,"count":1}`, tc.hdr)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			if tc.status != http.StatusForbidden {
				h.do(http.MethodDelete, "/__admin/faults", "", nil).must(t, http.StatusOK)
				return
			}
			if p := errorShapeProblem(r.Status, r.Header, r.Raw); p != "" {
				t.Errorf("not in the error shape: %s", p)
			}
			if r.Header.Get("Access-Control-Allow-Origin") != "" {
				t.Errorf("a refusal opens CORS: %v", r.Header)
			}
			if string(before) != string(adminState(h.srv)) {
				t.Error("a refused write changed the admin state")
			}
		})
	}
	// Reads from another origin are refused too: the page could read them under --cors, or
	// through a CORS layer in front.
	r := h.doHeaders(http.MethodGet, "/__admin/snapshot", "", nil, map[string]string{"Origin": evilOrigin})
	if r.Status != http.StatusForbidden || strings.Contains(string(r.Raw), locA) {
		t.Fatalf("a cross-origin read: %d %.200s", r.Status, r.Raw)
	}
}

// TestAdminRefusesRebindingHost: a Host that is not a loopback name or one the mock was told of
// is refused on every admin path (the stream and the inspector's files included); loopback names
// and configured ones pass; the API itself is not affected.
func TestAdminRefusesRebindingHost(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AdminHosts = []string{"mock.internal", "192.0.2.7"} })
	for _, tc := range []struct {
		host   string
		status int
	}{
		{"evil.example", http.StatusForbidden},
		{"evil.example:8080", http.StatusForbidden},
		{"127.0.0.1.evil.example", http.StatusForbidden},
		{"localhost.evil.example", http.StatusForbidden},
		{"192.0.2.8:8080", http.StatusForbidden},
		{"localhost:8080", http.StatusOK},
		{"LOCALHOST", http.StatusOK},
		{"app.localhost:8080", http.StatusOK},
		{"127.0.0.1:8080", http.StatusOK},
		{"127.1.2.3", http.StatusOK},
		{"[::1]:8080", http.StatusOK},
		{"mock.internal:8080", http.StatusOK},
		{"Mock.Internal.", http.StatusOK},
		{"192.0.2.7:8080", http.StatusOK},
	} {
		for _, path := range []string{"/__admin/health", "/__admin/ui/", "/__admin/requests/stream"} {
			if tc.status == http.StatusOK && path == "/__admin/requests/stream" {
				continue // TestJournalStream reads it
			}
			r := h.doHeaders(http.MethodGet, path, "", nil, map[string]string{"Host": tc.host})
			if r.Status != tc.status {
				t.Errorf("Host %q, %s: %d, want %d: %.200s", tc.host, path, r.Status, tc.status, r.Raw)
			}
			if tc.status == http.StatusForbidden && !strings.Contains(r.str("message"), "DNS rebinding") {
				t.Errorf("Host %q: %s", tc.host, r.Raw)
			}
		}
	}
	r := h.doHeaders(http.MethodGet, "/contacts/"+ctAlice, h.full, nil, map[string]string{"Host": "api.example"})
	if r.Status != http.StatusOK {
		t.Errorf("the API under another Host: %d %s", r.Status, r.Raw)
	}
}

// TestAdminHostsUnspecified: a mock told to listen on every address takes any IP address as Host
// (an address cannot be rebound) but still no name of another.
func TestAdminHostsUnspecified(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AdminHosts = []string{"0.0.0.0"} })
	for host, want := range map[string]int{"192.0.2.99:8080": 200, "[2001:db8::1]:8080": 200, "evil.example": 403} {
		if r := h.doHeaders(http.MethodGet, "/__admin/health", "", nil, map[string]string{"Host": host}); r.Status != want {
			t.Errorf("Host %q: %d, want %d", host, r.Status, want)
		}
	}
}

// TestAdminRefusesFormContentTypes: admin writes take JSON or YAML only; the types a cross-site
// form sends are refused with 415 (and change nothing), so is a body without a type; a write
// without a body needs no type (curl -X POST .../reset).
func TestAdminRefusesFormContentTypes(t *testing.T) {
	h := newHarness(t)
	body := `{"status":503}`
	for _, ct := range []string{"application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", "text/plain;charset=UTF-8", "", "application/jsonx", "text/html"} {
		before := adminState(h.srv)
		r := h.doHeaders(http.MethodPost, "/__admin/faults", "", body, map[string]string{"Content-Type": ct})
		if r.Status != http.StatusUnsupportedMediaType || !strings.Contains(r.str("message"), "application/json") {
			t.Errorf("Content-Type %q: %d %s", ct, r.Status, r.Raw)
		}
		if p := errorShapeProblem(r.Status, r.Header, r.Raw); p != "" {
			t.Errorf("Content-Type %q: not in the error shape: %s", ct, p)
		}
		if string(before) != string(adminState(h.srv)) {
			t.Errorf("Content-Type %q: a refused write changed the admin state", ct)
		}
	}
	for _, ct := range []string{"application/json", "application/json; charset=utf-8", "APPLICATION/JSON"} {
		h.doHeaders(http.MethodPost, "/__admin/faults", "", body, map[string]string{"Content-Type": ct}).must(t, http.StatusCreated)
	}
	r := h.doHeaders(http.MethodPost, "/__admin/seed", "", "locations:\n  - id: LocYAMLAAAAAAAAAAAAA\n    name: Yaml\n", map[string]string{"Content-Type": "application/yaml"})
	r.must(t, http.StatusOK)
	// A write without a body and without a type: a form cannot make it across origins.
	req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/__admin/reset", nil)
	resp, err := h.http.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /__admin/reset without a body: %d", resp.StatusCode)
	}
	// An empty form: its type alone refuses it.
	if r := h.doHeaders(http.MethodPost, "/__admin/reset", "", "", map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); r.Status != http.StatusUnsupportedMediaType {
		t.Errorf("an empty form: %d %s", r.Status, r.Raw)
	}
}

// TestAdminCORSStaysClosed: whatever a CORS layer in front of the mock adds (as --cors may),
// the admin API answers without Access-Control-* headers and refuses preflights; the served
// document is the exception.
func TestAdminCORSStaysClosed(t *testing.T) {
	h := newHarness(t)
	open := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		w.Header().Set("Access-Control-Allow-Headers", "X-Admin-Token, Content-Type")
		h.srv.ServeHTTP(w, r)
	})
	front := httptest.NewServer(open)
	defer front.Close()
	do := func(method, path string, hdr map[string]string) *http.Response {
		req, _ := http.NewRequest(method, front.URL+path, nil)
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		resp, err := front.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	for _, tc := range []struct {
		method, path string
		hdr          map[string]string
		status       int
	}{
		{http.MethodGet, "/__admin/health", nil, http.StatusOK},
		{http.MethodGet, "/__admin/health", map[string]string{"Origin": evilOrigin}, http.StatusForbidden},
		{http.MethodOptions, "/__admin/reset", map[string]string{"Origin": evilOrigin, "Access-Control-Request-Method": "POST"}, http.StatusForbidden},
		{http.MethodOptions, "/__admin/reset", map[string]string{"Access-Control-Request-Method": "POST"}, http.StatusForbidden},
	} {
		resp := do(tc.method, tc.path, tc.hdr)
		if resp.StatusCode != tc.status {
			t.Errorf("%s %s %v: %d, want %d", tc.method, tc.path, tc.hdr, resp.StatusCode, tc.status)
		}
		for k := range resp.Header {
			if strings.HasPrefix(k, "Access-Control-") {
				t.Errorf("%s %s %v: answered with %s", tc.method, tc.path, tc.hdr, k)
			}
		}
	}
	// The API keeps the layer's headers, and so does the served document (its route is the
	// document engineer's; here only the guard's exception is checked).
	if resp := do(http.MethodGet, "/contacts/"+ctAlice, map[string]string{"Origin": evilOrigin}); resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Error("the API lost the CORS layer's headers")
	}
	for _, p := range PublicAdminPaths {
		resp := do(http.MethodGet, p, map[string]string{"Origin": evilOrigin})
		if resp.StatusCode == http.StatusForbidden || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("GET %s from another origin: %d, headers %v", p, resp.StatusCode, resp.Header)
		}
	}
}

// TestJournalStream: the live stream needs the admin token, sends each request the API answers
// as an event (its id the entry's seq) soon after it is answered, resumes after a given seq, and
// ends when the mock shuts its streams.
func TestJournalStream(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AdminToken = testAdminToken })
	h.version = apiVer
	r := h.doHeaders(http.MethodGet, "/__admin/requests/stream", "", nil, nil)
	if r.Status != http.StatusUnauthorized || r.str("message") != msgAdminToken {
		t.Fatalf("the stream without the admin token: %d %s", r.Status, r.Raw)
	}
	r = h.doHeaders(http.MethodGet, "/__admin/requests/stream", "", nil, map[string]string{AdminTokenHeader: testAdminToken, "Sec-Fetch-Site": "cross-site"})
	if r.Status != http.StatusForbidden {
		t.Fatalf("the stream for another site's page: %d %s", r.Status, r.Raw)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	open := func(after string) (*bufio.Reader, func()) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, h.http.URL+"/__admin/requests/stream"+after, nil)
		req.Header.Set(AdminTokenHeader, testAdminToken)
		resp, err := h.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Fatalf("stream: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		return bufio.NewReader(resp.Body), func() { resp.Body.Close() }
	}
	// next reads the stream up to the next request event: its id and data.
	next := func(rd *bufio.Reader) (id, data string) {
		t.Helper()
		for {
			line, err := rd.ReadString('\n')
			if err != nil {
				t.Fatalf("stream ended: %v", err)
			}
			line = strings.TrimRight(line, "\n")
			switch {
			case strings.HasPrefix(line, "id: "):
				id = line[4:]
			case strings.HasPrefix(line, "data: "):
				data = line[6:]
			case line == "" && data != "":
				return id, data
			}
		}
	}
	h.do(http.MethodGet, "/contacts/"+ctAlice, h.full, nil).must(t, http.StatusOK) // seq 1, before the stream
	rd, closeStream := open("")
	defer closeStream()
	h.do(http.MethodGet, "/contacts/"+ctBob, h.full, nil).must(t, http.StatusOK)
	id, data := next(rd)
	if id != "2" || !strings.Contains(data, `"path":"/contacts/`+ctBob+`"`) || !strings.Contains(data, `"Authorization":["Bearer [redacted]"]`) || strings.Contains(data, h.full) {
		t.Fatalf("event %s: %s", id, data)
	}
	h.do(http.MethodGet, "/contacts/nope", h.full, nil)
	if id, data = next(rd); id != "3" || !strings.Contains(data, `"status":400`) {
		t.Fatalf("event %s: %s", id, data)
	}
	// A reconnecting client resumes after what it saw.
	rd2, close2 := open("?after=1")
	defer close2()
	for _, want := range []string{"2", "3"} {
		if id, _ := next(rd2); id != want {
			t.Fatalf("resumed stream: event %s, want %s", id, want)
		}
	}
	h.srv.EndStreams()
	done := make(chan error, 1)
	go func() {
		_, err := rd.ReadString('\n')
		for err == nil {
			_, err = rd.ReadString('\n')
		}
		done <- err
	}()
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatal("EndStreams left the stream open")
	}
}
