package main

import (
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/mockserver/requestlog"
)

const apiVersion = "2021-07-28"

// highLimits never trip during a run but keep the limiter counting.
var highLimits = mockserver.RateLimits{Burst: 1_000_000_000, Window: 10 * time.Second, Daily: 1_000_000_000}

// mockEnv is an in-process mock behind a real net/http server on loopback.
type mockEnv struct {
	srv      *mockserver.Server
	hs       *http.Server
	t        target
	loc      string
	contacts []string // ids of seeded contacts
}

func startMock(doc fixtures.Document, limits mockserver.RateLimits, rl *requestlog.Log) (*mockEnv, error) {
	srv, err := mockserver.New(mockserver.Config{Initial: doc, RateLimits: limits, FaultSeed: 1, RequestLog: rl})
	if err != nil {
		return nil, err
	}
	loc := doc.Locations[0]
	tok, err := srv.MintToken(loc.ID, []string{mockserver.ScopeContactsReadonly, mockserver.ScopeContactsWrite}, 0)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = hs.Serve(ln) }()
	env := &mockEnv{srv: srv, hs: hs, loc: loc.ID, t: target{
		name: "mock", addr: ln.Addr().String(), headers: authHeaders(tok.AccessToken),
	}}
	for _, c := range loc.Contacts {
		env.contacts = append(env.contacts, c.ID)
	}
	return env, nil
}

func authHeaders(token string) string {
	return "Authorization: Bearer " + token + "\r\nVersion: " + apiVersion + "\r\n"
}

// baseline is a bare net/http handler that answers every request with a fixed status and body.
type baseline struct {
	hs   *http.Server
	t    target
	resp atomic.Pointer[fixedResponse]
}

type fixedResponse struct {
	status int
	body   []byte
}

func startBaseline(headers string) (*baseline, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	b := &baseline{t: target{name: "baseline", addr: ln.Addr().String(), headers: headers}}
	b.resp.Store(&fixedResponse{status: http.StatusOK, body: []byte("{}")})
	b.hs = &http.Server{ReadHeaderTimeout: 10 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fr := b.resp.Load()
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(fr.status)
		_, _ = w.Write(fr.body)
	})}
	go func() { _ = b.hs.Serve(ln) }()
	return b, nil
}

// workload is one kind of traffic, driven against the mock and against the baseline.
type workload struct {
	name   string
	env    *mockEnv
	gen    gen
	expect func(status int) bool
	// prime runs before the probe (the rate-limited workload spends its burst there).
	prime func() error
}

var createSeq atomic.Uint64

// createBody appends a create-contact body with an email no other request of the process uses
// (the location refuses duplicates).
func createBody(dst []byte, loc string) []byte {
	n := createSeq.Add(1)
	dst = append(dst, `{"locationId":"`...)
	dst = append(dst, loc...)
	dst = append(dst, `","firstName":"Bench","lastName":"Load`...)
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, `","email":"bench.load`...)
	dst = strconv.AppendUint(dst, n, 10)
	dst = append(dst, `@example.com","source":"contactsbench","tags":["bench","load"]}`...)
	return dst
}

func status(codes ...int) func(int) bool {
	return func(s int) bool {
		for _, c := range codes {
			if s == c {
				return true
			}
		}
		return false
	}
}

// workloads builds the standard workloads on the main mock and the rate-limited one.
func workloads(main, limited *mockEnv) []*workload {
	get := "/contacts/" + main.contacts[0]
	list := "/contacts/?locationId=" + main.loc + "&limit=20"
	type paths struct{ get, tags, notes string }
	byID := make([]paths, len(main.contacts))
	for i, id := range main.contacts {
		byID[i] = paths{"/contacts/" + id, "/contacts/" + id + "/tags", "/contacts/" + id + "/notes"}
	}
	limitedGet := "/contacts/" + limited.contacts[0]
	mixUpdate := []byte(`{"city":"Benchville","source":"contactsbench"}`)
	mixTags := []byte(`{"tags":["bench-mix"]}`)
	mixNote := []byte(`{"body":"written by contactsbench"}`)
	return []*workload{
		{name: "get", env: main, expect: status(200), gen: func(n uint64, _ *[]byte) (string, string, []byte) {
			return "GET", get, nil
		}},
		{name: "list20", env: main, expect: status(200), gen: func(n uint64, _ *[]byte) (string, string, []byte) {
			return "GET", list, nil
		}},
		{name: "create", env: main, expect: status(201), gen: func(n uint64, scratch *[]byte) (string, string, []byte) {
			return "POST", "/contacts/", buildIn(scratch, func(b []byte) []byte { return createBody(b, main.loc) })
		}},
		{name: "429", env: limited, expect: status(200, 429),
			gen: func(n uint64, _ *[]byte) (string, string, []byte) {
				return "GET", limitedGet, nil
			},
			prime: func() error {
				for range highBurstProbe {
					if _, _, err := fetch(limited.t, "GET", limitedGet, nil); err != nil {
						return err
					}
				}
				return nil
			}},
		// A write-heavy mix: 4 creates, 2 updates, 1 tag add and 1 note per 10 requests, and 2 reads.
		{name: "mix", env: main, expect: status(200, 201), gen: func(n uint64, scratch *[]byte) (string, string, []byte) {
			p := &byID[(n/10)%uint64(len(byID))]
			switch n % 10 {
			case 0, 3, 5, 8:
				return "POST", "/contacts/", buildIn(scratch, func(b []byte) []byte { return createBody(b, main.loc) })
			case 1, 6:
				return "PUT", p.get, mixUpdate
			case 2:
				return "POST", p.tags, mixTags
			case 4:
				return "POST", p.notes, mixNote
			}
			return "GET", p.get, nil
		}},
	}
}

// highBurstProbe is how many requests the rate-limited workload spends before it is measured, more
// than its burst, so that the run measures refusals.
const highBurstProbe = 20

// probe sends a few requests of the workload to the mock and returns the status the most of them
// got and a body of their mean size, for the baseline to serve.
func probe(w *workload) (*fixedResponse, error) {
	const n = 10
	counts := map[int]int{}
	var first []byte
	total := 0
	var scratch []byte
	for i := range n {
		method, path, body := w.gen(uint64(i), &scratch)
		st, got, err := fetch(w.env.t, method, path, body)
		if err != nil {
			return nil, err
		}
		if !w.expect(st) {
			return nil, fmt.Errorf("%s: %s %s answered %d: %.300s", w.name, method, path, st, got)
		}
		counts[st]++
		total += len(got)
		if first == nil || len(got) > len(first) {
			first = got
		}
	}
	best := 0
	for st, c := range counts {
		if c > counts[best] {
			best = st
		}
	}
	size := total / n
	body := bytes.Clone(first)
	if len(body) > size {
		body = body[:size]
	}
	for len(body) < size {
		body = append(body, ' ')
	}
	return &fixedResponse{status: best, body: body}, nil
}
