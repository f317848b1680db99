package mockserver

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// The admin endpoints the inspector page reads: rate-limit buckets, coverage, a location's
// contacts and one contact; and how a browser reaches the page.

// TestRateLimitBuckets: each (client, location) pair that used its quota is listed with what is
// left of its window and day.
func TestRateLimitBuckets(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RateLimits = RateLimits{Burst: 10, Daily: 50} })
	r := h.do(http.MethodGet, "/__admin/ratelimit/buckets", "", nil).must(t, http.StatusOK)
	if b, _ := r.Body["buckets"].([]any); b == nil || len(b) != 0 {
		t.Fatalf("before any request: %s", r.Raw)
	}
	for range 3 {
		h.do(http.MethodGet, "/contacts/"+ctAlice, h.full, nil).must(t, http.StatusOK)
	}
	h.do(http.MethodGet, "/contacts/"+ctCarol, h.fullB, nil).must(t, http.StatusOK)
	r = h.do(http.MethodGet, "/__admin/ratelimit/buckets", "", nil).must(t, http.StatusOK)
	list, _ := r.Body["buckets"].([]any)
	if len(list) != 2 {
		t.Fatalf("buckets: %s", r.Raw)
	}
	left := map[string][2]float64{}
	for _, b := range list {
		m := b.(map[string]any)
		if m["clientId"] != DefaultClientID {
			t.Errorf("bucket of client %v", m["clientId"])
		}
		left[m["locationId"].(string)] = [2]float64{m["remaining"].(float64), m["dailyRemaining"].(float64)}
	}
	if left[locA] != [2]float64{7, 47} || left[locB] != [2]float64{9, 49} {
		t.Fatalf("left: %v", left)
	}
	if lim := r.obj("limits"); lim["burst"] != 10.0 || lim["daily"] != 50.0 {
		t.Fatalf("limits: %v", lim)
	}
}

// TestCoverage: every operation of the document is listed with its declared statuses; what the
// mock answered is counted (undeclared statuses flagged); a refused admin request is not
// counted; DELETE clears.
func TestCoverage(t *testing.T) {
	h := newHarness(t)
	h.do(http.MethodGet, "/contacts/"+ctAlice, h.full, nil).must(t, http.StatusOK)
	h.do(http.MethodGet, "/contacts/"+ctAlice, h.full, nil).must(t, http.StatusOK)
	h.do(http.MethodGet, "/contacts/"+ctAlice, "bad", nil).must(t, http.StatusUnauthorized)
	h.do(http.MethodPost, "/__admin/faults", "", map[string]any{"operationId": "get-all-tasks", "status": 418, "count": 1}).must(t, http.StatusCreated)
	h.do(http.MethodGet, "/contacts/"+ctAlice+"/tasks", h.full, nil).must(t, 418)
	h.do(http.MethodGet, "/nowhere", h.full, nil).must(t, http.StatusNotFound)

	r := h.do(http.MethodGet, "/__admin/coverage", "", nil).must(t, http.StatusOK)
	ops, _ := r.Body["operations"].([]any)
	if len(ops) != len(h.srv.Spec().Operations) {
		t.Fatalf("%d operations listed, the document has %d", len(ops), len(h.srv.Spec().Operations))
	}
	find := func(id string) map[string]any {
		for _, o := range ops {
			if m := o.(map[string]any); m["operationId"] == id {
				return m
			}
		}
		t.Fatalf("operation %s not listed", id)
		return nil
	}
	status := func(op map[string]any, st float64) map[string]any {
		for _, s := range op["statuses"].([]any) {
			if m := s.(map[string]any); m["status"] == st {
				return m
			}
		}
		return nil
	}
	get := find("get-contact")
	if get["answered"] != 3.0 || status(get, 200)["count"] != 2.0 || status(get, 401)["count"] != 1.0 || status(get, 400)["count"] != 0.0 {
		t.Fatalf("get-contact: %v", get)
	}
	if s := status(find("get-all-tasks"), 418); s == nil || s["declared"] != false || s["count"] != 1.0 {
		t.Fatalf("an undeclared status: %v", find("get-all-tasks"))
	}
	sum := r.obj("summary")
	if sum["operationsAnswered"] != 2.0 || sum["declaredStatusesAnswered"] != 2.0 || sum["operations"] != float64(len(ops)) {
		t.Fatalf("summary: %v", sum)
	}
	h.do(http.MethodDelete, "/__admin/coverage", "", nil).must(t, http.StatusOK)
	r = h.do(http.MethodGet, "/__admin/coverage", "", nil).must(t, http.StatusOK)
	if r.obj("summary")["operationsAnswered"] != 0.0 {
		t.Fatalf("after DELETE: %v", r.obj("summary"))
	}
}

// TestAdminContacts: a location's contacts page by cursor, newest first, with a search; one
// contact comes with its tasks, notes and appointments; unknown ones are 404; the reads are not
// journaled and use no rate limit.
func TestAdminContacts(t *testing.T) {
	h := newHarness(t)
	r := h.do(http.MethodGet, "/__admin/locations/"+locA+"/contacts?limit=1", "", nil).must(t, http.StatusOK)
	list := r.Body["contacts"].([]any)
	if len(list) != 1 || list[0].(map[string]any)["id"] != ctBob || r.Body["total"] != 2.0 || r.Body["more"] != true {
		t.Fatalf("first page: %s", r.Raw)
	}
	next := r.obj("next")
	after := strconv.FormatFloat(next["startAfter"].(float64), 'f', 0, 64)
	r = h.do(http.MethodGet, "/__admin/locations/"+locA+"/contacts?limit=1&startAfterId="+next["startAfterId"].(string)+"&startAfter="+after, "", nil).must(t, http.StatusOK)
	if list = r.Body["contacts"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != ctAlice || r.Body["more"] != false || r.Body["offset"] != 1.0 {
		t.Fatalf("second page: %s", r.Raw)
	}
	r = h.do(http.MethodGet, "/__admin/locations/"+locA+"/contacts?query=alice", "", nil).must(t, http.StatusOK)
	if r.Body["total"] != 1.0 {
		t.Fatalf("search: %s", r.Raw)
	}
	r = h.do(http.MethodGet, "/__admin/locations/"+locA+"/contacts/"+ctAlice, "", nil).must(t, http.StatusOK)
	if r.obj("contact")["email"] != "alice@example.com" || len(r.Body["tasks"].([]any)) != 1 || len(r.Body["notes"].([]any)) != 1 || len(r.Body["appointments"].([]any)) != 1 {
		t.Fatalf("contact: %s", r.Raw)
	}
	if r := h.do(http.MethodGet, "/__admin/locations/"+locA+"/contacts/"+ctBob, "", nil).must(t, http.StatusOK); string(r.Raw) == "" || len(r.Body["tasks"].([]any)) != 0 {
		t.Fatalf("a contact without children: %s", r.Raw)
	}
	for _, p := range []string{"/__admin/locations/LocNopeAAAAAAAAAAAAA/contacts", "/__admin/locations/" + locA + "/contacts/" + ctCarol} {
		if r := h.do(http.MethodGet, p, "", nil); r.Status != http.StatusNotFound {
			t.Errorf("%s: %d %s", p, r.Status, r.Raw)
		}
	}
	for _, q := range []string{"limit=0", "limit=101", "limit=x", "startAfter=x"} {
		if r := h.do(http.MethodGet, "/__admin/locations/"+locA+"/contacts?"+q, "", nil); r.Status != http.StatusUnprocessableEntity {
			t.Errorf("?%s: %d %s", q, r.Status, r.Raw)
		}
	}
	if r := h.do(http.MethodGet, "/__admin/requests", "", nil); len(r.Body["requests"].([]any)) != 0 {
		t.Errorf("admin reads were journaled: %s", r.Raw)
	}
}

// TestInspectorPage: the page and its files are served under /__admin/ui/ with a policy that
// holds them to the mock (no token needed: they hold nothing of the state, which the page reads
// through the API with the token); / and /__admin/ send a browser there; an API client asking
// for / still gets the live 404.
func TestInspectorPage(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AdminToken = testAdminToken })
	h.version = ""
	noRedirect := *h.http.Client()
	noRedirect.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	get := func(path, accept string) *http.Response {
		req, _ := http.NewRequest(http.MethodGet, h.http.URL+path, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		resp, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	for _, p := range []string{"/__admin/ui/", "/__admin/ui/app.js", "/__admin/ui/app.css", "/__admin/ui/icon.svg"} {
		resp := get(p, "")
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.Contains(resp.Header.Get("Content-Security-Policy"), "default-src 'none'") ||
			resp.Header.Get("X-Frame-Options") != "DENY" || len(body) == 0 {
			t.Errorf("%s: %d %v", p, resp.StatusCode, resp.Header)
		}
		for _, secret := range []string{locA, "Alice", DefaultClientSecret, testAdminToken} {
			if strings.Contains(string(body), secret) {
				t.Errorf("%s holds %q", p, secret)
			}
		}
	}
	for _, tc := range []struct{ path, accept, location string }{
		{"/", "text/html,application/xhtml+xml", "/__admin/ui/"},
		{"/__admin/", "", "/__admin/ui/"},
		{"/__admin", "", "/__admin/ui/"},
		{"/__admin/ui", "", "/__admin/ui/"},
	} {
		resp := get(tc.path, tc.accept)
		resp.Body.Close()
		if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != tc.location {
			t.Errorf("GET %s: %d → %q", tc.path, resp.StatusCode, resp.Header.Get("Location"))
		}
	}
	resp := get("/", "application/json")
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), "Cannot GET /") {
		t.Errorf("GET / from an API client: %d %s", resp.StatusCode, body)
	}
	// Every admin path other than the page's files still needs the token.
	if r := h.do(http.MethodGet, "/__admin/coverage", "", nil); r.Status != http.StatusUnauthorized {
		t.Errorf("coverage without the token: %d", r.Status)
	}
}
