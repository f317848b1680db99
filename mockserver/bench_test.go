package mockserver

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/requestlog"
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

// benchServer is a mock with the default generated data (as contactsbench and make run use), limits
// that count but never trip, the journal on, and a token with both scopes.
func benchServer(b *testing.B, mutate ...func(*Config)) (*Server, fixtures.Document, string) {
	b.Helper()
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 42})
	if err != nil {
		b.Fatal(err)
	}
	cfg := Config{Initial: doc, RateLimits: RateLimits{Burst: 1 << 40, Window: 10 * time.Second, Daily: 1 << 40}, FaultSeed: 1}
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		b.Fatal(err)
	}
	tok, err := srv.MintToken(doc.Locations[0].ID, []string{ScopeContactsReadonly, ScopeContactsWrite}, 0)
	if err != nil {
		b.Fatal(err)
	}
	return srv, doc, tok.AccessToken
}

var benchCreateSeq atomic.Int64

// benchRequests are the hot requests of contactsbench, as in-process requests.
func benchRequests(doc fixtures.Document, token string) map[string]func() *http.Request {
	loc := doc.Locations[0]
	mk := func(method, target, body string) *http.Request {
		var r *http.Request
		if body == "" {
			r = httptest.NewRequest(method, target, nil)
		} else {
			r = httptest.NewRequest(method, target, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/json")
		}
		r.Header.Set("Authorization", "Bearer "+token)
		r.Header.Set("Version", apiVer)
		return r
	}
	return map[string]func() *http.Request{
		"get-contact":  func() *http.Request { return mk("GET", "/contacts/"+loc.Contacts[0].ID, "") },
		"get-contacts": func() *http.Request { return mk("GET", "/contacts/?locationId="+loc.ID+"&limit=20", "") },
		"create-contact": func() *http.Request {
			n := strconv.FormatInt(benchCreateSeq.Add(1), 10)
			return mk("POST", "/contacts/", `{"locationId":"`+loc.ID+`","firstName":"Bench","lastName":"Load`+n+
				`","email":"bench.load`+n+`@example.com","source":"contactsbench","tags":["bench","load"]}`)
		},
	}
}

// BenchmarkPipelineOps runs the hot operations through ServeHTTP (no network), serially, with the
// default generated data: the whole per-request cost of the mock, stage by stage below. A create
// gets a new body (a new email: the location refuses duplicates) on the same request each time.
func BenchmarkPipelineOps(b *testing.B) {
	for _, name := range []string{"get-contact", "get-contacts", "create-contact"} {
		for _, logged := range []bool{false, true} {
			sub := name
			if logged {
				sub += "/request-log"
			}
			b.Run(sub, func(b *testing.B) {
				var rl *requestlog.Log
				if logged {
					rl = benchRequestLog(b)
				}
				srv, doc, token := benchServer(b, func(c *Config) { c.RequestLog = rl })
				r := benchRequests(doc, token)[name]()
				loc := doc.Locations[0].ID
				w := &discardWriter{h: http.Header{}}
				var body []byte
				rd := bytes.NewReader(nil)
				n := 0
				b.ReportAllocs()
				cpu := processCPU()
				for b.Loop() {
					if r.Method == http.MethodPost {
						n++
						body = append(body[:0], `{"locationId":"`+loc+`","firstName":"Bench","email":"pipeline`...)
						body = strconv.AppendInt(body, int64(n), 10)
						body = append(body, `@example.com","tags":["bench"]}`...)
						rd.Reset(body)
						r.Body, r.ContentLength = io.NopCloser(rd), int64(len(body))
					}
					clear(w.h)
					srv.ServeHTTP(w, r)
					if w.status >= 300 {
						b.Fatalf("status %d", w.status)
					}
				}
				if rl != nil {
					ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
					defer cancel()
					if err := rl.Close(ctx); err != nil {
						b.Fatal(err)
					}
				}
				// The request log's writer runs on another goroutine: ns/op misses it, the
				// process's CPU time does not.
				b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
			})
		}
	}
}

// benchRequestLog is a request log writing to a file, as contactsmock serve's writes to a console.
func benchRequestLog(b *testing.B) *requestlog.Log {
	b.Helper()
	f, err := os.Create(filepath.Join(b.TempDir(), "requests.log"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { f.Close() })
	rl, err := requestlog.New(requestlog.Options{Out: f})
	if err != nil {
		b.Fatal(err)
	}
	return rl
}

// processCPU is the CPU time the process has used, user and system, in nanoseconds.
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// BenchmarkAuthorize measures the token lookup, scope and location checks of one request.
func BenchmarkAuthorize(b *testing.B) {
	for _, name := range []string{"get-contact", "get-contacts", "create-contact"} {
		b.Run(name, func(b *testing.B) {
			srv, doc, token := benchServer(b)
			r := benchRequests(doc, token)[name]()
			op, params, err := srv.spec.FindRequest(r)
			if err != nil {
				b.Fatal(err)
			}
			var body []byte
			if r.Body != nil {
				body, _ = io.ReadAll(r.Body)
			}
			b.ReportAllocs()
			for b.Loop() {
				c := &call{r: r, op: op, params: params, body: body}
				if err := srv.authorize(c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkHandler measures the handlers of the hot operations alone (store call and response
// value), without encoding.
func BenchmarkHandler(b *testing.B) {
	for _, name := range []string{"get-contact", "get-contacts"} {
		b.Run(name, func(b *testing.B) {
			srv, doc, token := benchServer(b)
			r := benchRequests(doc, token)[name]()
			op, params, err := srv.spec.FindRequest(r)
			if err != nil {
				b.Fatal(err)
			}
			c := &call{r: r, op: op, params: params}
			if err := srv.authorize(c); err != nil {
				b.Fatal(err)
			}
			h := srv.handlers[op.ID]
			b.ReportAllocs()
			for b.Loop() {
				if _, err := h(srv, c); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkWrite measures encoding and writing a response (with the rate-limit headers): one
// contact, and a page of 20.
func BenchmarkWrite(b *testing.B) {
	srv, doc, token := benchServer(b)
	reqs := benchRequests(doc, token)
	rate, err := srv.limiter.Peek(context.Background(), ratelimit.Key{Client: DefaultClientID, Location: doc.Locations[0].ID}, srv.clock.Now())
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"get-contact", "get-contacts"} {
		b.Run(name, func(b *testing.B) {
			r := reqs[name]()
			op, params, err := srv.spec.FindRequest(r)
			if err != nil {
				b.Fatal(err)
			}
			c := &call{r: r, op: op, params: params}
			if err := srv.authorize(c); err != nil {
				b.Fatal(err)
			}
			out, err := srv.handlers[op.ID](srv, c)
			if err != nil {
				b.Fatal(err)
			}
			w := &discardWriter{h: http.Header{}}
			b.ReportAllocs()
			for b.Loop() {
				clear(w.h)
				srv.write(w, r, op, &rate, response{status: 200, body: out})
			}
		})
	}
}
