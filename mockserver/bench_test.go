package mockserver

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/spec"
)

// discardWriter is a ResponseWriter that keeps nothing but reuses its header map, so a benchmark
// measures the pipeline rather than the recorder.
type discardWriter struct {
	h      http.Header
	status int
}

func (w *discardWriter) Header() http.Header         { return w.h }
func (w *discardWriter) WriteHeader(status int)      { w.status = status }
func (w *discardWriter) Write(b []byte) (int, error) { return len(b), nil }

// BenchmarkPipeline runs GET /contacts/{id} through the whole pipeline in process (no network, no
// strict validation), all requests with one token: one (client, location) key, the limiter's
// worst case for lock contention. Compare limiter-on with limiter-off for the limiter's cost when it
// does not refuse, and journal-* with limiter-off for the journal's.
func BenchmarkPipeline(b *testing.B) {
	never := RateLimits{Burst: 1 << 40, Window: 10 * time.Second, Daily: 1 << 40}
	cases := []struct {
		name string
		cfg  func(*Config)
	}{
		{"limiter-off", func(c *Config) { c.RateLimits.Off = true; c.JournalSize = -1 }},
		{"limiter-on", func(c *Config) { c.RateLimits = never; c.JournalSize = -1 }},
		{"journal-on", func(c *Config) { c.RateLimits.Off = true }},
		{"journal-bodies", func(c *Config) { c.RateLimits.Off = true; c.JournalBodies = true }},
		{"faults-no-match", func(c *Config) {
			c.RateLimits.Off = true
			c.JournalSize = -1
			c.Faults = []Fault{{OperationID: "get-all-tasks", Status: 500}, {Path: "/contacts/*/notes", LatencyMs: 100}}
		}},
		{"all-on", func(c *Config) {
			c.RateLimits = never
			c.Faults = []Fault{{OperationID: "get-all-tasks", Status: 500}}
		}},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			cfg := Config{Initial: testDoc(), Clock: NewClock(NewManualClock(mustTime(testTime)).Now)}
			tc.cfg(&cfg)
			srv, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			tok, err := srv.MintToken(locA, []string{ScopeContactsReadonly}, time.Hour)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest(http.MethodGet, "/contacts/"+ctAlice, nil)
				r.Header.Set("Authorization", "Bearer "+tok.AccessToken)
				r.Header.Set("Version", apiVer)
				w := &discardWriter{h: http.Header{}}
				for pb.Next() {
					clear(w.h)
					srv.ServeHTTP(w, r)
					if w.status != http.StatusOK {
						b.Fatalf("status %d", w.status)
					}
				}
			})
		})
	}
}

// BenchmarkLimiterTake measures the limiter alone: serially, and in parallel on one key (every
// request contends for the same bucket) and on 64 keys.
func BenchmarkLimiterTake(b *testing.B) {
	never := RateLimits{Burst: 1 << 40, Window: 10 * time.Second, Daily: 1 << 40}
	now := mustTime(testTime)
	keys := func(n int) []rateKey {
		ks := make([]rateKey, n)
		for i := range ks {
			ks[i] = rateKey{client: DefaultClientID, location: "Loc" + strconv.Itoa(i)}
		}
		return ks
	}
	b.Run("serial", func(b *testing.B) {
		l, k := newLimiter(never), keys(1)[0]
		b.ReportAllocs()
		for b.Loop() {
			l.take(k, now)
		}
	})
	for _, n := range []int{1, 64} {
		b.Run("parallel/keys-"+strconv.Itoa(n), func(b *testing.B) {
			l, ks := newLimiter(never), keys(n)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					if !l.take(ks[i%n], now).allowed {
						b.Fatal("refused")
					}
				}
			})
		})
	}
}

// BenchmarkJournalRecord measures recording one request, in parallel.
func BenchmarkJournalRecord(b *testing.B) {
	for _, bodies := range []bool{false, true} {
		b.Run("bodies-"+strconv.FormatBool(bodies), func(b *testing.B) {
			j := newJournal(DefaultJournalSize, bodies)
			op := spec.MustDefault().Operation("get-contact")
			tok := &Token{ClientID: DefaultClientID, LocationID: locA}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				r := httptest.NewRequest(http.MethodGet, "/contacts/"+ctAlice+"?x=1", nil)
				c := &call{r: r, op: op, token: tok, rate: &rateState{remaining: 5, dailyRemaining: 9}}
				start := arrival{real: time.Now(), mock: time.Now()}
				body := []byte(`{"contact":{}}`)
				for pb.Next() {
					j.record(c, response{status: 200}, body, start, "")
				}
			})
		})
	}
}
