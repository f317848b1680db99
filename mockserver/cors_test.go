package mockserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/spec"
)

const pageOrigin = "http://app.test:3000"

// preflight is a browser's preflight of method on path from origin.
func (h *harness) preflight(path, origin, method string, extra ...string) result {
	h.t.Helper()
	hdr := map[string]string{"Origin": origin, "Access-Control-Request-Method": method,
		"Access-Control-Request-Headers": "authorization,content-type,version", "Version": ""}
	for i := 0; i+1 < len(extra); i += 2 {
		hdr[extra[i]] = extra[i+1]
	}
	return h.doHeaders(http.MethodOptions, path, "", nil, hdr)
}

func TestCORSOffByDefault(t *testing.T) {
	h := newHarness(t)
	r := h.preflight("/contacts/", pageOrigin, "POST")
	if r.Status != http.StatusNotFound || r.str("message") != "Cannot OPTIONS /contacts/" || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("a preflight without --cors: %d %s %v", r.Status, r.Raw, r.Header)
	}
	got := h.doHeaders("GET", "/contacts/"+ctAlice, h.full, nil, map[string]string{"Origin": pageOrigin}).must(t, 200)
	if v := got.Header.Get("Access-Control-Allow-Origin"); v != "" {
		t.Errorf("Access-Control-Allow-Origin %q without --cors", v)
	}
}

// TestCORSPreflights: a preflight from an allowed origin is answered with the methods the
// document declares for the path and the request headers its operations take; any other
// preflight is an unknown route, as without CORS.
func TestCORSPreflights(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.CORSOrigins = []string{pageOrigin, "https://other.test"} })
	tests := []struct {
		name, path, origin string
		status             int
		methods, headers   string
	}{
		{"list and create", "/contacts/", pageOrigin, 204, "GET, POST", "Authorization, Content-Type, Version"},
		{"a contact", "/contacts/" + ctAlice, pageOrigin, 204, "GET, PUT, DELETE", "Authorization, Content-Type, Version"},
		{"its tags", "/contacts/" + ctAlice + "/tags", "https://other.test", 204, "POST, DELETE", "Authorization, Content-Type, Version"},
		{"the token endpoint", "/oauth/token", pageOrigin, 204, "POST", "Content-Type"},
		{"an origin not allowed", "/contacts/", "http://evil.test", 404, "", ""},
		{"the same host on another port", "/contacts/", "http://app.test:3001", 404, "", ""},
		{"a path the document lacks", "/nowhere", pageOrigin, 404, "", ""},
		{"the admin API (its guard refuses)", "/__admin/reset", pageOrigin, 403, "", ""},
		{"the admin API's tokens (its guard refuses)", "/__admin/tokens", pageOrigin, 403, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.preflight(tt.path, tt.origin, "POST")
			if r.Status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tt.status, r.Raw)
			}
			if tt.status != 204 {
				if v := r.Header.Get("Access-Control-Allow-Origin"); v != "" {
					t.Errorf("Access-Control-Allow-Origin %q on a refused preflight", v)
				}
				return
			}
			want := map[string]string{"Access-Control-Allow-Origin": tt.origin, "Access-Control-Allow-Methods": tt.methods,
				"Access-Control-Allow-Headers": tt.headers, "Access-Control-Max-Age": "600"}
			for k, v := range want {
				if got := r.Header.Get(k); got != v {
					t.Errorf("%s: %q, want %q", k, got, v)
				}
			}
			if vary := strings.Join(r.Header.Values("Vary"), ","); !strings.Contains(vary, "Origin") {
				t.Errorf("Vary: %q", vary)
			}
			if len(r.Raw) != 0 {
				t.Errorf("a 204 with a body: %q", r.Raw)
			}
		})
	}
	r := h.preflight("/contacts/", pageOrigin, "GET", "Access-Control-Request-Private-Network", "true")
	if r.Header.Get("Access-Control-Allow-Private-Network") != "true" {
		t.Error("a Private Network Access preflight is not allowed")
	}
}

// TestCORSAnswers: answers to an allowed origin carry Access-Control-Allow-Origin and expose the
// rate-limit headers, refusals included; the admin API's answers never do, except the document.
func TestCORSAnswers(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.CORSOrigins = []string{pageOrigin} })
	origin := map[string]string{"Origin": pageOrigin}
	for _, r := range []result{
		h.doHeaders("GET", "/contacts/"+ctAlice, h.full, nil, origin).must(t, 200),
		h.doHeaders("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "firstName": "Ada"}, origin).must(t, 201),
		h.doHeaders("GET", "/contacts/"+ctAlice, h.ro+"x", nil, origin).must(t, 401),
	} {
		if r.Header.Get("Access-Control-Allow-Origin") != pageOrigin || !strings.Contains(strings.Join(r.Header.Values("Vary"), ","), "Origin") {
			t.Errorf("%d: Access-Control-Allow-Origin %q, Vary %q", r.Status, r.Header.Get("Access-Control-Allow-Origin"), r.Header.Values("Vary"))
		}
		exposed := r.Header.Get("Access-Control-Expose-Headers")
		for _, name := range []string{"X-RateLimit-Remaining", "X-RateLimit-Daily-Remaining", "X-RateLimit-Daily-Reset", "Retry-After", "X-Trace-Id"} {
			if !strings.Contains(exposed, name) {
				t.Errorf("%d: %s not exposed: %q", r.Status, name, exposed)
			}
		}
	}
	if r := h.doHeaders("GET", "/contacts/"+ctAlice, h.full, nil, map[string]string{"Origin": "http://evil.test"}).must(t, 200); r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("an origin not allowed is allowed")
	}
	// The admin API's guard refuses pages of other origins outright; CORS adds nothing to it.
	for _, path := range []string{"/__admin/health", "/__admin/locations", "/__admin/requests", "/__admin/webhooks/public-key"} {
		if r := h.doHeaders("GET", path, "", nil, origin); r.Status == 200 || r.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Errorf("%s lets another origin read it: %d %v", path, r.Status, r.Header)
		}
	}
	if r := h.doHeaders("POST", "/__admin/tokens", "", map[string]any{"locationId": locA}, origin); r.Status == 201 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Errorf("POST /__admin/tokens lets another origin mint a token: %d %v", r.Status, r.Header)
	}
	for _, path := range []string{"/__admin/openapi.yaml", "/__admin/openapi.json"} {
		r := h.doHeaders("GET", path, "", nil, origin).must(t, 200)
		if r.Header.Get("Access-Control-Allow-Origin") != pageOrigin {
			t.Errorf("%s: a page of the allowed origin cannot read the document", path)
		}
		p := h.preflight(path, pageOrigin, "GET")
		if p.Status != 204 || p.Header.Get("Access-Control-Allow-Methods") != "GET" {
			t.Errorf("%s preflight: %d %v", path, p.Status, p.Header)
		}
	}
}

func TestCORSAnyOrigin(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.CORSOrigins = []string{"*"} })
	r := h.doHeaders("GET", "/contacts/"+ctAlice, h.full, nil, map[string]string{"Origin": "http://anything.test"}).must(t, 200)
	if r.Header.Get("Access-Control-Allow-Origin") != "*" || len(r.Header.Values("Vary")) != 0 {
		t.Errorf("with *: %v", r.Header)
	}
	if p := h.preflight("/contacts/", "null", "POST"); p.Status != 204 || p.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Errorf("with *, an opaque origin's preflight: %d %v", p.Status, p.Header)
	}
	if r := h.doHeaders("GET", "/__admin/locations", "", nil, map[string]string{"Origin": "http://anything.test"}); r.Status == 200 || r.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Error("with *, the admin API is readable from another origin")
	}
}

func TestCORSOriginsChecked(t *testing.T) {
	for _, bad := range []string{"app.test", "http://app.test/path", "ftp://app.test", "http://", "http://u:p@app.test", "http://app.test?x=1"} {
		if _, err := New(Config{CORSOrigins: []string{bad}, Spec: spec.MustDefault()}); err == nil || !strings.Contains(err.Error(), "scheme://host[:port]") {
			t.Errorf("origin %q: %v", bad, err)
		}
	}
	if _, err := New(Config{CORSOrigins: []string{"http://localhost:3000/", "HTTPS://App.Test"}}); err != nil {
		t.Errorf("good origins refused: %v", err)
	}
}
