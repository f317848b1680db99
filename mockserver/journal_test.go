package mockserver

import (
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// requests lists the journal through the admin API.
func (h *harness) requests(query string) []map[string]any {
	h.t.Helper()
	r := h.do(http.MethodGet, "/__admin/requests"+query, "", nil).must(h.t, http.StatusOK)
	list, _ := r.Body["requests"].([]any)
	out := make([]map[string]any, len(list))
	for i, e := range list {
		out[i] = e.(map[string]any)
	}
	return out
}

func TestJournalRecords(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RateLimits = RateLimits{Burst: 50} })
	h.addFault(map[string]any{"id": "boom", "operationId": "get-all-notes", "status": 500})
	getAlice(h, h.full).must(t, http.StatusOK)
	h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "nope": 1}).must(t, http.StatusUnprocessableEntity)
	h.do(http.MethodGet, "/contacts/?locationId="+locA+"&limit=1", h.full, nil).must(t, http.StatusOK)
	h.do(http.MethodGet, "/contacts/"+ctAlice+"/notes", h.full, nil).must(t, http.StatusInternalServerError)
	getAlice(h, "garbage").must(t, http.StatusUnauthorized)
	h.do(http.MethodGet, "/nowhere", h.full, nil).must(t, http.StatusNotFound)
	h.do(http.MethodGet, "/__admin/health", "", nil).must(t, http.StatusOK) // not journaled

	got := h.requests("")
	if len(got) != 6 {
		t.Fatalf("%d entries, want 6: %v", len(got), got)
	}
	want := []struct {
		method, path, query, op string
		status                  int
		message                 string
		remaining               float64 // -1: no rate-limit state
		fault                   string
	}{
		{"GET", "/nowhere", "", "", 404, "Cannot GET /nowhere", -1, ""},
		{"GET", "/contacts/" + ctAlice, "", "get-contact", 401, msgInvalidJWT, -1, ""},
		{"GET", "/contacts/" + ctAlice + "/notes", "", "get-all-notes", 500, "Internal Server Error", 46, "boom"},
		{"GET", "/contacts/", "locationId=" + locA + "&limit=1", "get-contacts", 200, "", 47, ""},
		{"POST", "/contacts/", "", "create-contact", 422, "", 48, ""},
		{"GET", "/contacts/" + ctAlice, "", "get-contact", 200, "", 49, ""},
	}
	for i, w := range want {
		e := got[i]
		if e["method"] != w.method || e["path"] != w.path || str(e["query"]) != w.query || str(e["operationId"]) != w.op || e["status"] != float64(w.status) {
			t.Errorf("entry %d: %v, want %+v", i, e, w)
		}
		if msg := messageText(e["message"]); msg != w.message && !(w.status == 422 && strings.Contains(msg, "nope")) {
			t.Errorf("entry %d: message %q, want %q", i, msg, w.message)
		}
		rl, _ := e["rateLimit"].(map[string]any)
		switch {
		case w.remaining < 0 && rl != nil:
			t.Errorf("entry %d: rate limit %v, want none", i, rl)
		case w.remaining >= 0 && (rl == nil || rl["remaining"] != w.remaining || rl["dailyRemaining"] == nil):
			t.Errorf("entry %d: rate limit %v, want remaining %v", i, rl, w.remaining)
		}
		if str(e["fault"]) != w.fault {
			t.Errorf("entry %d: fault %v, want %q", i, e["fault"], w.fault)
		}
		if w.remaining >= 0 && (e["clientId"] != DefaultClientID || e["locationId"] != locA) {
			t.Errorf("entry %d: client %v location %v", i, e["clientId"], e["locationId"])
		}
		if e["requestBody"] != nil || e["responseBody"] != nil {
			t.Errorf("entry %d holds bodies with JournalBodies off", i)
		}
		if seq := e["seq"].(float64); seq != float64(6-i) {
			t.Errorf("entry %d: seq %v, want %d (newest first)", i, seq, 6-i)
		}
		if e["time"] != testTime {
			t.Errorf("entry %d: time %v, want the mock's %s", i, e["time"], testTime)
		}
	}
	raw := string(h.do(http.MethodGet, "/__admin/requests", "", nil).Raw)
	if strings.Contains(raw, h.full) || strings.Contains(raw, "garbage") {
		t.Errorf("the journal shows a token: %s", raw)
	}

	h.do(http.MethodDelete, "/__admin/requests", "", nil).must(t, http.StatusOK)
	if got := h.requests(""); len(got) != 0 {
		t.Errorf("%d entries after DELETE", len(got))
	}
	getAlice(h, h.full).must(t, http.StatusOK)
	if got := h.requests(""); len(got) != 1 || got[0]["seq"] != float64(7) {
		t.Errorf("after DELETE and one request: %v", got)
	}
}

func str(v any) string { s, _ := v.(string); return s }

func messageText(v any) string {
	switch m := v.(type) {
	case string:
		return m
	case []any:
		return "[" + strings.Join(strs(m), " ") + "]"
	}
	return ""
}

func TestJournalBodies(t *testing.T) {
	// Not strict: the token endpoint is not this test's subject.
	h := newHarness(t, func(c *Config) { c.JournalBodies = true; c.StrictResponses = false })
	h.do(http.MethodPost, "/contacts/"+ctAlice+"/notes", h.full, map[string]any{"body": "Asked for a quote"}).must(t, http.StatusCreated)
	h.do(http.MethodPost, "/oauth/token", "", "client_id=x&client_secret=topsecret&grant_type=client_credentials")
	got := h.requests("")
	if len(got) != 2 {
		t.Fatalf("%d entries", len(got))
	}
	if got[0]["requestBody"] != nil || got[0]["responseBody"] != nil {
		t.Errorf("the token endpoint's bodies were journaled: %v", got[0])
	}
	req, _ := got[1]["requestBody"].(map[string]any)
	resp, _ := got[1]["responseBody"].(map[string]any)
	if req["body"] != "Asked for a quote" || resp["note"] == nil {
		t.Errorf("bodies %v / %v", got[1]["requestBody"], got[1]["responseBody"])
	}
}

func TestJournalFilters(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RateLimits = RateLimits{Burst: 3} })
	for range 4 { // the 4th is 429
		getAlice(h, h.full)
	}
	h.clock.Add(10 * time.Minute)
	h.do(http.MethodGet, "/contacts/"+ctAlice+"/tasks", h.full, nil).must(t, http.StatusOK)
	h.do(http.MethodGet, "/contacts/"+ctAlice+"/tasks", h.ro, nil).must(t, http.StatusOK)
	cases := []struct {
		name, query string
		wantSeqs    []int
	}{
		{"all, newest first", "", []int{6, 5, 4, 3, 2, 1}},
		{"by operation", "?operationId=get-all-tasks", []int{6, 5}},
		{"by status", "?status=429", []int{4}},
		{"by class", "?status=2xx", []int{6, 5, 3, 2, 1}},
		{"since a duration", "?since=5m", []int{6, 5}},
		{"since a time", "?since=" + h.clock.Now().Add(-11*time.Minute).Format(time.RFC3339), []int{6, 5, 4, 3, 2, 1}},
		{"limit", "?limit=2", []int{6, 5}},
		{"combined", "?operationId=get-contact&status=2xx&limit=2", []int{3, 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var seqs []int
			for _, e := range h.requests(tc.query) {
				seqs = append(seqs, int(e["seq"].(float64)))
			}
			if !slices.Equal(seqs, tc.wantSeqs) {
				t.Errorf("seqs %v, want %v", seqs, tc.wantSeqs)
			}
		})
	}
	bad := []struct{ query, want string }{
		{"?status=abc", "status must be a status code such as 429 or a class such as 4xx"},
		{"?status=6xx", "status must be a status code such as 429 or a class such as 4xx"},
		{"?since=yesterday", "since must be an RFC 3339 time or a duration such as 5m"},
		{"?limit=0", "limit must not be less than 1"},
	}
	for _, tc := range bad {
		t.Run("422: "+tc.query, func(t *testing.T) {
			r := h.do(http.MethodGet, "/__admin/requests"+tc.query, "", nil).must(t, http.StatusUnprocessableEntity)
			if got := strs(r.Body["message"]); len(got) != 1 || got[0] != tc.want {
				t.Errorf("messages %q, want %q", got, tc.want)
			}
		})
	}
}

func TestJournalOverHTTPConcurrent(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.JournalSize = 64; c.RateLimits.Off = true })
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 20 {
				req, _ := http.NewRequest(http.MethodGet, h.http.URL+"/contacts/"+ctAlice, nil)
				req.Header.Set("Authorization", "Bearer "+h.full)
				req.Header.Set("Version", apiVer)
				if resp, err := h.http.Client().Do(req); err == nil {
					resp.Body.Close()
				}
			}
		})
	}
	wg.Wait()
	got := h.requests("")
	if len(got) != 64 || got[0]["seq"] != float64(160) || got[63]["seq"] != float64(97) {
		t.Errorf("%d entries from seq %v to %v, want 64 from 160 to 97", len(got), got[0]["seq"], got[len(got)-1]["seq"])
	}
}

func TestJournalOff(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.JournalSize = -1 })
	getAlice(h, h.full).must(t, http.StatusOK)
	if got := h.requests(""); len(got) != 0 {
		t.Errorf("journal off holds %d entries", len(got))
	}
}
