package mockserver

import (
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// rateHeaders are the live headers, in the document's spelling.
var rateHeaders = []string{
	"X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining", "X-RateLimit-Daily-Reset",
	"X-RateLimit-Interval-Milliseconds", "X-RateLimit-Max", "X-RateLimit-Remaining",
}

func getAlice(h *harness, token string) result {
	h.t.Helper()
	return h.do(http.MethodGet, "/contacts/"+ctAlice, token, nil)
}

func headerInt(t *testing.T, r result, name string) int {
	t.Helper()
	n, err := strconv.Atoi(r.Header.Get(name))
	if err != nil {
		t.Fatalf("%s = %q: %v", name, r.Header.Get(name), err)
	}
	return n
}

// TestRateLimitOverHTTP runs the limiter through the whole pipeline, in strict mode, so every
// answer (429s included) is also checked against the document.
func TestRateLimitOverHTTP(t *testing.T) {
	t.Run("default limits: the 101st request in a window is 429", func(t *testing.T) {
		h := newHarness(t)
		for i := range 100 {
			r := getAlice(h, h.full).must(t, http.StatusOK)
			if got := headerInt(t, r, "X-RateLimit-Remaining"); got != 99-i {
				t.Fatalf("request %d: remaining %d, want %d", i+1, got, 99-i)
			}
			if got := headerInt(t, r, "X-RateLimit-Daily-Remaining"); got != 199999-i {
				t.Fatalf("request %d: daily remaining %d, want %d", i+1, got, 199999-i)
			}
		}
		r := getAlice(h, h.full).must(t, http.StatusTooManyRequests)
		if got := r.Header.Get("Retry-After"); got != "10" {
			t.Errorf("Retry-After %q, want 10", got)
		}
		if r.Body["statusCode"] != float64(429) || r.str("error") != "Too Many Requests" ||
			r.str("message") != "Too Many Requests - Rate limit exceeded: 100 requests per 10 seconds" {
			t.Errorf("429 body %s", r.Raw)
		}
		want := map[string]int{
			"X-RateLimit-Limit-Daily": 200000, "X-RateLimit-Daily-Remaining": 199900,
			"X-RateLimit-Interval-Milliseconds": 10000, "X-RateLimit-Max": 100, "X-RateLimit-Remaining": 0,
			"X-RateLimit-Daily-Reset": int(mustTime("2026-03-02T00:00:00Z").UnixMilli()),
		}
		for name, v := range want {
			if got := headerInt(t, r, name); got != v {
				t.Errorf("%s = %d, want %d", name, got, v)
			}
		}
		h.clock.Add(10 * time.Second)
		if r := getAlice(h, h.full).must(t, http.StatusOK); headerInt(t, r, "X-RateLimit-Remaining") != 99 {
			t.Errorf("after the window: remaining %s, want 99", r.Header.Get("X-RateLimit-Remaining"))
		}
	})
	t.Run("daily 429 sets daily remaining to 0", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.RateLimits = RateLimits{Burst: 10, Daily: 2} })
		getAlice(h, h.full).must(t, http.StatusOK)
		getAlice(h, h.full).must(t, http.StatusOK)
		r := getAlice(h, h.full).must(t, http.StatusTooManyRequests)
		if headerInt(t, r, "X-RateLimit-Daily-Remaining") != 0 || r.Header.Get("Retry-After") != "43200" {
			t.Errorf("daily 429: daily remaining %s, Retry-After %s; want 0 and 43200",
				r.Header.Get("X-RateLimit-Daily-Remaining"), r.Header.Get("Retry-After"))
		}
		if r.str("message") != "Too Many Requests - Rate limit exceeded: 2 requests per day" {
			t.Errorf("daily 429 message %q", r.str("message"))
		}
	})
	t.Run("a client's tokens share a bucket per location", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.RateLimits = RateLimits{Burst: 2} })
		getAlice(h, h.full).must(t, http.StatusOK)
		getAlice(h, h.ro).must(t, http.StatusOK) // same client, same location
		getAlice(h, h.full).must(t, http.StatusTooManyRequests)
		// Location B has its own bucket.
		h.do(http.MethodGet, "/contacts/"+ctCarol, h.fullB, nil).must(t, http.StatusOK)
	})
	t.Run("an unauthenticated flood is 401 and not counted", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.RateLimits = RateLimits{Burst: 5} })
		for range 50 {
			r := getAlice(h, "garbage").must(t, http.StatusUnauthorized)
			if r.Header.Get("X-RateLimit-Remaining") != "" {
				t.Fatalf("a 401 for a bad token carries rate-limit headers")
			}
		}
		if r := getAlice(h, h.full).must(t, http.StatusOK); headerInt(t, r, "X-RateLimit-Remaining") != 4 {
			t.Errorf("remaining %s after the flood, want 4", r.Header.Get("X-RateLimit-Remaining"))
		}
	})
	t.Run("an authenticated refusal carries the headers, uncounted", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.RateLimits = RateLimits{Burst: 5} })
		getAlice(h, h.full).must(t, http.StatusOK)
		// 403: a locationId outside the token's location.
		r := h.do(http.MethodGet, "/contacts/?locationId="+locB, h.full, nil).must(t, http.StatusForbidden)
		if headerInt(t, r, "X-RateLimit-Remaining") != 4 {
			t.Errorf("403: remaining %s, want 4", r.Header.Get("X-RateLimit-Remaining"))
		}
		// 401: a read-only token on a write operation.
		r = h.do(http.MethodDelete, "/contacts/"+ctBob, h.ro, nil).must(t, http.StatusUnauthorized)
		for _, name := range rateHeaders {
			if r.Header.Get(name) == "" {
				t.Errorf("scope 401: no %s", name)
			}
		}
		if r := getAlice(h, h.full).must(t, http.StatusOK); headerInt(t, r, "X-RateLimit-Remaining") != 3 {
			t.Errorf("remaining %s, want 3", r.Header.Get("X-RateLimit-Remaining"))
		}
	})
	t.Run("validation errors are counted and carry the headers", func(t *testing.T) {
		h := newHarness(t, func(c *Config) { c.RateLimits = RateLimits{Burst: 5} })
		r := h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "nope": 1}).must(t, http.StatusUnprocessableEntity)
		if headerInt(t, r, "X-RateLimit-Remaining") != 4 {
			t.Errorf("422: remaining %s, want 4", r.Header.Get("X-RateLimit-Remaining"))
		}
	})
}

// TestRateLimitConcurrentOverHTTP: 16 clients × 50 requests in one window get exactly 100
// successes between them; every other answer is a valid 429.
func TestRateLimitConcurrentOverHTTP(t *testing.T) {
	h := newHarness(t)
	var ok, limited, other atomic.Int64
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for range 50 {
				req, _ := http.NewRequest(http.MethodGet, h.http.URL+"/contacts/"+ctAlice, nil)
				req.Header.Set("Authorization", "Bearer "+h.full)
				req.Header.Set("Version", apiVer)
				resp, err := h.http.Client().Do(req)
				if err != nil {
					other.Add(1)
					continue
				}
				resp.Body.Close()
				switch resp.StatusCode {
				case http.StatusOK:
					ok.Add(1)
				case http.StatusTooManyRequests:
					limited.Add(1)
				default:
					other.Add(1)
				}
			}
		})
	}
	wg.Wait()
	if ok.Load() != 100 || limited.Load() != 700 || other.Load() != 0 {
		t.Errorf("%d ok, %d limited, %d other; want 100, 700, 0", ok.Load(), limited.Load(), other.Load())
	}
}

func TestRateLimitConfig(t *testing.T) {
	cases := []struct {
		name    string
		in      RateLimits
		want    RateLimits
		wantErr bool
	}{
		{"zero value is the live limits", RateLimits{}, DefaultRateLimits, false},
		{"zero fields take the defaults", RateLimits{Burst: 5}, RateLimits{Burst: 5, Window: 10 * time.Second, Daily: 200000}, false},
		{"off keeps the default numbers for the headers", RateLimits{Off: true}, RateLimits{Burst: 100, Window: 10 * time.Second, Daily: 200000, Off: true}, false},
		{"negative burst", RateLimits{Burst: -1}, RateLimits{}, true},
		{"window under a millisecond", RateLimits{Window: time.Microsecond}, RateLimits{}, true},
		{"negative daily", RateLimits{Daily: -5}, RateLimits{}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, err := New(Config{RateLimits: tc.in})
			if tc.wantErr {
				if err == nil {
					t.Fatalf("New accepted %+v", tc.in)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := s.RateLimits(); got != tc.want {
				t.Errorf("limits %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestAdminRateLimit(t *testing.T) {
	t.Run("get, put, and the new limits apply", func(t *testing.T) {
		h := newHarness(t)
		r := h.do(http.MethodGet, "/__admin/ratelimit", "", nil).must(t, http.StatusOK)
		if string(r.Raw) != `{"burst":100,"window":"10s","daily":200000,"off":false,"retryAfter":true}` {
			t.Fatalf("GET %s", r.Raw)
		}
		r = h.do(http.MethodPut, "/__admin/ratelimit", "", map[string]any{"burst": 2, "window": "1m"}).must(t, http.StatusOK)
		if string(r.Raw) != `{"burst":2,"window":"1m0s","daily":200000,"off":false,"retryAfter":true}` {
			t.Fatalf("PUT answered %s", r.Raw)
		}
		getAlice(h, h.full).must(t, http.StatusOK)
		getAlice(h, h.full).must(t, http.StatusOK)
		r = getAlice(h, h.full).must(t, http.StatusTooManyRequests)
		if headerInt(t, r, "X-RateLimit-Interval-Milliseconds") != 60000 || r.Header.Get("Retry-After") != "60" {
			t.Errorf("interval %s, Retry-After %s; want 60000 and 60", r.Header.Get("X-RateLimit-Interval-Milliseconds"), r.Header.Get("Retry-After"))
		}
		h.do(http.MethodPut, "/__admin/ratelimit", "", map[string]any{"off": true}).must(t, http.StatusOK)
		for range 5 {
			r := getAlice(h, h.full).must(t, http.StatusOK)
			if headerInt(t, r, "X-RateLimit-Remaining") != 2 {
				t.Fatalf("off: remaining %s, want the full 2", r.Header.Get("X-RateLimit-Remaining"))
			}
		}
		h.do(http.MethodPut, "/__admin/ratelimit", "", map[string]any{"off": false}).must(t, http.StatusOK)
		getAlice(h, h.full).must(t, http.StatusTooManyRequests) // counts taken before stay
	})
	bad := []struct {
		name string
		body any
		want []string
	}{
		{"burst 0", map[string]any{"burst": 0}, []string{"burst must not be less than 1"}},
		{"negative daily and burst", map[string]any{"burst": -1, "daily": -1}, []string{"burst must not be less than 1", "daily must not be less than 1"}},
		{"window not a duration", map[string]any{"window": "soon"}, []string{`window must be a duration such as "10s"`}},
		{"window as a number", map[string]any{"window": 10}, []string{`window must be a duration such as "10s"`}},
		{"window zero", map[string]any{"window": "0s"}, []string{"window must be between 1ms and 24h"}},
		{"window too long", map[string]any{"window": "25h"}, []string{"window must be between 1ms and 24h"}},
		{"unknown field", map[string]any{"limit": 5}, []string{"property limit should not exist"}},
	}
	for _, tc := range bad {
		t.Run("422: "+tc.name, func(t *testing.T) {
			h := newHarness(t)
			r := h.do(http.MethodPut, "/__admin/ratelimit", "", tc.body).must(t, http.StatusUnprocessableEntity)
			if got := strs(r.Body["message"]); !slices.Equal(got, tc.want) {
				t.Errorf("messages %q, want %q", got, tc.want)
			}
			if got := h.srv.RateLimits(); got != DefaultRateLimits {
				t.Errorf("a refused PUT changed the limits to %+v", got)
			}
		})
	}
}
