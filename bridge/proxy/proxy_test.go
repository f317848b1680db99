package proxy

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/contactsmock/contactsmock/bridge/inprocess"
	"github.com/contactsmock/contactsmock/bridge/standin"
	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/spec"
)

// syncBuffer is a log sink the proxy writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newProxy(t *testing.T, live string, cfg Config) (*Proxy, *httptest.Server) {
	t.Helper()
	u, err := url.Parse(live)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Live = u
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv
}

func TestForwardsUnchangedBothWays(t *testing.T) {
	type seen struct {
		method, path, rawQuery, body string
		header                       http.Header
	}
	var got seen
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got = seen{r.Method, r.URL.EscapedPath(), r.URL.RawQuery, string(b), r.Header.Clone()}
		w.Header().Set("X-Custom", "kept")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTeapot)
		_, _ = w.Write([]byte(`{"odd":  "spacing kept"}`))
	}))
	defer backend.Close()
	_, srv := newProxy(t, backend.URL, Config{})
	req, _ := http.NewRequest("DELETE", srv.URL+"/contacts/abc/tags?email=a%2Bb%40example.com&x=1&x=2", strings.NewReader(`{"tags":["A"]}`))
	req.Header.Set("Authorization", "Bearer secret-token-value")
	req.Header.Set("Version", "2021-07-28")
	req.Header.Set("X-Sdk-Version", "3.1.0")
	req.Header.Set("Connection", "close, X-Hop")
	req.Header.Set("X-Hop", "this hop only")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusTeapot || resp.Header.Get("X-Custom") != "kept" || string(body) != `{"odd":  "spacing kept"}` {
		t.Errorf("answer changed: %d %v %q", resp.StatusCode, resp.Header, body)
	}
	want := seen{method: "DELETE", path: "/contacts/abc/tags", rawQuery: "email=a%2Bb%40example.com&x=1&x=2", body: `{"tags":["A"]}`}
	if got.method != want.method || got.path != want.path || got.rawQuery != want.rawQuery || got.body != want.body {
		t.Errorf("forwarded %+v, want %+v", got, want)
	}
	for k, v := range map[string]string{"Authorization": "Bearer secret-token-value", "Version": "2021-07-28", "X-Sdk-Version": "3.1.0"} {
		if got.header.Get(k) != v {
			t.Errorf("header %s forwarded as %q", k, got.header.Get(k))
		}
	}
	if got.header.Get("X-Hop") != "" {
		t.Error("a hop-by-hop header named by Connection was forwarded")
	}
}

func TestPasses429OnAndNeverRetries(t *testing.T) {
	var calls atomic.Int32
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		for _, k := range []string{"X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining", "X-RateLimit-Daily-Reset", "X-RateLimit-Interval-Milliseconds", "X-RateLimit-Max"} {
			w.Header().Set(k, "1")
		}
		w.Header().Set("X-RateLimit-Remaining", "0")
		w.Header().Set("Retry-After", "7")
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusTooManyRequests)
		_, _ = w.Write([]byte(`{"statusCode":429,"message":"Too Many Requests","error":"Too Many Requests"}`))
	}))
	defer backend.Close()
	p, srv := newProxy(t, backend.URL, Config{})
	resp, err := http.Get(srv.URL + "/contacts/ocQHyuzHvysMo5N5VsXc")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "7" || resp.Header.Get("X-RateLimit-Remaining") != "0" {
		t.Errorf("the 429 was not passed on as it came: %d %v", resp.StatusCode, resp.Header)
	}
	if n := calls.Load(); n != 1 {
		t.Errorf("the target was asked %d times; the proxy must not retry", n)
	}
	c := p.Drift().Operations["get-contact"]
	if c == nil || c.Answers != 1 || c.Statuses["429"] != 1 || c.Conforming != 1 {
		t.Errorf("counts %+v: a declared 429 in the declared shape conforms", c)
	}
}

// client sends API requests with a token.
type client struct {
	t     *testing.T
	base  string
	token string
}

func (c client) do(method, path string, body any) (int, []byte) {
	c.t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	req.Header.Set("Version", "2021-07-28")
	req.Header.Set("Authorization", "Bearer "+c.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

func generated(t *testing.T) fixtures.Document {
	t.Helper()
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 42, Contacts: 25, Locations: 1})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// reads sends the reads a client of the API typically makes (83 of them: under the burst of 100)
// and returns the ids of the contacts whose details it read, in list order.
func reads(t *testing.T, c client, loc string) []string {
	t.Helper()
	status, body := c.do("GET", "/contacts/?locationId="+loc+"&limit=100", nil)
	if status != 200 {
		t.Fatalf("list: %d %s", status, body)
	}
	var page struct {
		Contacts []fixtures.Contact `json:"contacts"`
	}
	if err := json.Unmarshal(body, &page); err != nil || len(page.Contacts) == 0 {
		t.Fatalf("list: %v %s", err, body)
	}
	var ids []string
	for i, ct := range page.Contacts {
		if i == 20 {
			break
		}
		ids = append(ids, ct.ID)
		c.do("GET", "/contacts/"+ct.ID, nil)
		c.do("GET", "/contacts/"+ct.ID+"/tasks", nil)
		c.do("GET", "/contacts/"+ct.ID+"/notes", nil)
		c.do("GET", "/contacts/"+ct.ID+"/appointments", nil)
	}
	c.do("POST", "/contacts/search", map[string]any{"locationId": loc, "pageLimit": 10})
	first := page.Contacts[0]
	c.do("GET", "/contacts/search/duplicate?locationId="+loc+"&email="+url.QueryEscape(first.Email), nil)
	return ids
}

func TestDriftLogFindsEachChangeOfTheStandIn(t *testing.T) {
	sp := spec.MustDefault()
	for _, change := range standin.Defaults() {
		t.Run(change.Kind, func(t *testing.T) {
			m, err := inprocess.Start(generated(t), inprocess.Options{Wrap: func(h http.Handler) http.Handler {
				w, err := standin.Wrap(h, sp, []standin.Change{change})
				if err != nil {
					t.Fatal(err)
				}
				return w
			}})
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			logs := &syncBuffer{}
			p, srv := newProxy(t, m.URL, Config{Logger: slog.New(slog.NewTextHandler(logs, nil))})
			reads(t, client{t, srv.URL, m.Token}, m.Location)
			l := p.Drift()
			var deviating []string
			for op, c := range l.Operations {
				if c.Deviating > 0 {
					deviating = append(deviating, op)
				}
			}
			if !slices.Equal(deviating, []string{change.Operation}) {
				t.Fatalf("deviating operations %v, want only %s (%v) %+v", deviating, change.Operation, l.Entries, l.Operations[change.Operation])
			}
			c := l.Operations[change.Operation]
			if c.Conforming != 0 || c.Problems[change.Where()] != c.Answers || len(c.Problems) != 1 {
				t.Errorf("%s: counts %+v, want every answer with one problem at %s", change, c, change.Where())
			}
			e := l.Entries[0]
			if e.Operation != change.Operation || e.Path != sp.Operation(change.Operation).Path || e.Problems[0].Where != change.Where() {
				t.Errorf("entry %+v", e)
			}
			if !strings.Contains(logs.String(), "operation="+change.Operation) || !strings.Contains(logs.String(), change.Where()) {
				t.Errorf("the log does not name the operation and the place:\n%s", logs)
			}
			if strings.Contains(logs.String(), m.Token) {
				t.Error("the log holds the token")
			}
		})
	}
}

func TestNothingDriftsOnThePlainMock(t *testing.T) {
	m, err := inprocess.Start(generated(t), inprocess.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	p, srv := newProxy(t, m.URL, Config{})
	reads(t, client{t, srv.URL, m.Token}, m.Location)
	l := p.Drift()
	if len(l.Entries) != 0 {
		t.Errorf("the plain mock drifted: %+v", l.Entries)
	}
	if l.Operations["get-contact"].Answers != 20 || l.Operations["get-contact"].Conforming != 20 {
		t.Errorf("counts %+v", l.Operations["get-contact"])
	}
	var out strings.Builder
	if err := p.WriteSummary(&out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "; 0 did not conform") || !strings.Contains(out.String(), "get-contact ") {
		t.Errorf("summary:\n%s", out.String())
	}
}

func TestDriftEndpointAndSummaryNeverHoldTheToken(t *testing.T) {
	const token = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// A drifting answer that echoes the credential back, as a broken server might.
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"contact":{"id":"` + r.Header.Get("Authorization") + `"}}`))
	}))
	defer backend.Close()
	logs := &syncBuffer{}
	p, srv := newProxy(t, backend.URL, Config{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	client{t, srv.URL, token}.do("GET", "/contacts/ocQHyuzHvysMo5N5VsXc?email=someone%40example.com", nil)
	resp, err := http.Get(srv.URL + DriftPath)
	if err != nil {
		t.Fatal(err)
	}
	drift, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var summary strings.Builder
	_ = p.WriteSummary(&summary)
	var l Log
	if err := json.Unmarshal(drift, &l); err != nil || len(l.Entries) != 1 {
		t.Fatalf("drift log %s (%v)", drift, err)
	}
	for name, text := range map[string]string{"log": logs.String(), "drift log": string(drift), "summary": summary.String()} {
		if strings.Contains(text, token) || strings.Contains(text, "someone") {
			t.Errorf("the %s holds the token or the query:\n%s", name, text)
		}
	}
	if got := scrub("see Bearer abc.def and pit-1234567890ab and " + token); strings.Contains(got, "abc.def") || strings.Contains(got, "pit-1234") || strings.Contains(got, "c2lnbmF0dXJl") {
		t.Errorf("scrub left a credential: %s", got)
	}
	// DELETE clears; another method is refused.
	req, _ := http.NewRequest("DELETE", srv.URL+DriftPath, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 204 {
		t.Fatalf("DELETE: %v %v", resp, err)
	}
	resp.Body.Close()
	if l := p.Drift(); len(l.Entries) != 0 || len(l.Operations) != 0 {
		t.Errorf("not cleared: %+v", l)
	}
	resp, _ = http.Post(srv.URL+DriftPath, "application/json", nil)
	resp.Body.Close()
	if resp.StatusCode != 405 {
		t.Errorf("POST: %d", resp.StatusCode)
	}
}

func TestGzipAnswersAreCheckedAndPassedAsTheyCame(t *testing.T) {
	var zipped bytes.Buffer
	zw := gzip.NewWriter(&zipped)
	_, _ = zw.Write([]byte(`{"contacts":[],"meta":{"total":"3"}}`))
	_ = zw.Close()
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Accept-Encoding") != "gzip" {
			t.Errorf("Accept-Encoding %q: the proxy must send the client's, and only it", r.Header.Get("Accept-Encoding"))
		}
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(zipped.Bytes())
	}))
	defer backend.Close()
	p, srv := newProxy(t, backend.URL, Config{})
	req, _ := http.NewRequest("GET", srv.URL+"/contacts/?locationId=x", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Client{Transport: &http.Transport{DisableCompression: true}}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, zipped.Bytes()) {
		t.Error("the compressed body was changed")
	}
	found := false
	for _, e := range p.Drift().Entries {
		for _, pr := range e.Problems {
			found = found || pr.Where == "/meta/total"
		}
	}
	if !found {
		t.Errorf("the decompressed body was not checked: %+v", p.Drift().Entries)
	}
}

func TestUnreachableAndUnknown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + ln.Addr().String()
	ln.Close()
	logs := &syncBuffer{}
	_, srv := newProxy(t, dead, Config{Logger: slog.New(slog.NewTextHandler(logs, nil))})
	resp, err := http.Get(srv.URL + "/contacts/?email=someone%40example.com")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var e map[string]any
	if resp.StatusCode != 502 || json.Unmarshal(body, &e) != nil || e["statusCode"] != float64(502) {
		t.Errorf("unreachable: %d %s", resp.StatusCode, body)
	}
	if strings.Contains(logs.String()+string(body), "someone") {
		t.Errorf("the query reached the log or the answer: %s %s", logs, body)
	}

	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(404) }))
	defer backend.Close()
	p, srv2 := newProxy(t, backend.URL, Config{})
	resp, err = http.Get(srv2.URL + "/nowhere")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if c := p.Drift().Operations[Unknown]; c == nil || c.Answers != 1 || len(p.Drift().Entries) != 0 {
		t.Errorf("an unknown route: %+v", p.Drift())
	}
	if _, err := New(Config{Live: &url.URL{Scheme: "ftp", Host: "x"}}); err == nil {
		t.Error("an ftp target was taken")
	}
}

func TestLargeAnswersPassUnchecked(t *testing.T) {
	big := bytes.Repeat([]byte("x"), 4096)
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(big) }))
	defer backend.Close()
	p, srv := newProxy(t, backend.URL, Config{MaxBody: 100})
	resp, err := http.Get(srv.URL + "/contacts/ocQHyuzHvysMo5N5VsXc")
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, big) {
		t.Errorf("a large body came back with %d bytes", len(got))
	}
	if c := p.Drift().Operations["get-contact"]; c.Unchecked != 1 || c.Deviating != 0 {
		t.Errorf("counts %+v", c)
	}
}
