package mockserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/gorilla/mux"

	"github.com/contactsmock/contactsmock/spec"
)

// The fuzz targets of the handler: request targets (path and query), the JSON body of every
// operation, the OAuth form bodies and the admin API's bodies. Each input goes through the whole
// handler in-process (a panic fails the target instead of being swallowed by net/http) and must
// keep the invariants of checkAnswer: no 5xx, the live error shape on every 4xx, the state untouched
// by a refused request. `go test` runs the seeds and testdata/fuzz/<target>; `make fuzz` fuzzes.

// fuzzMaxBody is the body cap of the fuzzed mocks: small, so that the fuzzer reaches 413 too.
const fuzzMaxBody = 4096

// fuzzMock is a mock for one fuzzing process: strict, unlimited, with tokens of every kind. The
// state goes back to the initial one after an input that changed it, so that every input starts
// from the same state whatever ran before (a crasher replays alone).
type fuzzMock struct {
	srv    *Server
	base   []byte // stateBytes of the initial state
	tokens []string
}

// fuzzConfig is the configuration of fuzzed mocks: the test state (locations in two companies),
// a clock that stands still, no rate limit, no webhook leaving the process.
func fuzzConfig() Config {
	cfg := Config{
		Initial:         testDoc(),
		Clock:           NewClock(NewManualClock(mustTime(testTime)).Now),
		StrictResponses: true,
		RateLimits:      RateLimits{Off: true},
		MaxBody:         fuzzMaxBody,
		WebhookClient:   noNetwork,
	}
	withCompanies(&cfg)
	return cfg
}

// Token selectors of the fuzz targets (an input byte picks one, modulo their number).
const (
	fuzzTokenFull = iota
	fuzzTokenReadOnly
	fuzzTokenOtherLocation
	fuzzTokenCompany
	fuzzTokenNone
	fuzzTokens
)

func newFuzzMock(tb testing.TB) *fuzzMock {
	tb.Helper()
	srv, err := New(fuzzConfig())
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { closeServer(tb, srv) })
	m := &fuzzMock{srv: srv, base: stateBytes(srv), tokens: make([]string, fuzzTokens)}
	mint := func(loc string, scopes ...string) string {
		tok, err := srv.MintToken(loc, scopes, 0)
		if err != nil {
			tb.Fatal(err)
		}
		return tok.AccessToken
	}
	m.tokens[fuzzTokenFull] = mint(locA, ScopeContactsReadonly, ScopeContactsWrite)
	m.tokens[fuzzTokenReadOnly] = mint(locA, ScopeContactsReadonly)
	m.tokens[fuzzTokenOtherLocation] = mint(locB, ScopeContactsReadonly, ScopeContactsWrite)
	company, err := srv.MintCompanyToken(companyX, srv.auth.AdminTokenScopes(UserTypeCompany), 0)
	if err != nil {
		tb.Fatal(err)
	}
	m.tokens[fuzzTokenCompany] = company.AccessToken
	return m
}

// token returns the token a selector picks ("" for none).
func (m *fuzzMock) token(sel uint8) string { return m.tokens[int(sel)%fuzzTokens] }

// serve runs one request and checks the invariants; afterwards the mock is back in its initial
// state.
func (m *fuzzMock) serve(t *testing.T, r *http.Request) served {
	t.Helper()
	got := serveDirect(m.srv, r)
	for _, p := range checkAnswer(m.srv, got, m.base) {
		t.Errorf("%s %s: %s", r.Method, r.URL.RequestURI(), p)
	}
	if got.Status < 300 {
		m.reset(t)
	}
	return got
}

func (m *fuzzMock) reset(t *testing.T) {
	t.Helper()
	if err := m.srv.store.Restore(context.Background(), m.srv.cfg.Initial); err != nil {
		t.Fatal(err)
	}
	if err := m.srv.clock.Reset(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := m.srv.auth.SetConsent(context.Background(), ConsentSettings{}); err != nil {
		t.Fatal(err)
	}
}

// readRequest parses a request the way the HTTP server does; ok is false for one it would refuse
// before the handler sees it.
func readRequest(method, target string, header http.Header, body []byte) (*http.Request, bool) {
	var b bytes.Buffer
	b.WriteString(method + " " + target + " HTTP/1.1\r\nHost: mock.test\r\n")
	if err := header.Write(&b); err != nil {
		return nil, false
	}
	if body != nil {
		b.WriteString("Content-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	r, err := http.ReadRequest(bufio.NewReader(&b))
	if err != nil {
		return nil, false
	}
	return r, true
}

// apiHeader is the header of an API request with a token ("" for none).
func apiHeader(token, contentType string) http.Header {
	h := http.Header{}
	h.Set("Version", apiVer)
	if token != "" {
		h.Set("Authorization", "Bearer "+token)
	}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	return h
}

// happyTarget is the request target of an operation's happy case.
func happyTarget(op *spec.Operation) string {
	tc := happyCases[op.ID]
	target := expand(op.Path, tc.params)
	if tc.query != "" {
		target += "?" + tc.query
	}
	return target
}

// FuzzRequestTarget: any method and request target (path and query), with any of the tokens,
// through routing and the whole pipeline.
func FuzzRequestTarget(f *testing.F) {
	for _, op := range spec.MustDefault().Operations {
		if _, ok := happyCases[op.ID]; ok {
			f.Add(op.Method, happyTarget(op), uint8(fuzzTokenFull))
		}
	}
	for _, s := range []struct {
		method, target string
		token          uint8
	}{
		{"GET", "/contacts/?locationId=" + locA + "&limit=0", fuzzTokenFull},
		{"GET", "/contacts/?locationId=" + locA + "&limit=1e400&startAfter=NaN", fuzzTokenFull},
		{"GET", "/contacts/?locationId=" + locA + "&startAfterId=" + ctBob + "&startAfter=-1", fuzzTokenReadOnly},
		{"GET", "/contacts/?locationId=" + locB, fuzzTokenFull},
		{"GET", "/contacts/%2e%2e/%2F", fuzzTokenFull},
		{"GET", "/contacts/%zz", fuzzTokenFull},
		{"GET", "//contacts//tasks", fuzzTokenFull},
		{"DELETE", "/contacts/" + ctCarol, fuzzTokenFull},
		{"GET", "/contacts/business/" + bizA + "?locationId=" + locA + "&limit=99999999999999999999&skip=-0", fuzzTokenFull},
		{"GET", "/contacts/search/duplicate?locationId=" + locA + "&number=%2B1%20555&email=", fuzzTokenFull},
		{"GET", "/contacts/" + ctAlice, fuzzTokenCompany},
		{"GET", "/contacts/" + ctAlice, fuzzTokenNone},
		{"GET", "/oauth/chooselocation?response_type=code&client_id=" + DefaultClientID + "&redirect_uri=http://127.0.0.1/cb", fuzzTokenNone},
		{"GET", "/__admin/health", fuzzTokenNone},
		{"PATCH", "/contacts/", fuzzTokenFull},
		{"OPTIONS", "*", fuzzTokenNone},
	} {
		f.Add(s.method, s.target, s.token)
	}
	m := newFuzzMock(f)
	f.Fuzz(func(t *testing.T, method, target string, tok uint8) {
		r, ok := readRequest(method, target, apiHeader(m.token(tok), ""), nil)
		if !ok {
			return
		}
		m.serve(t, r)
	})
}

// bodyOperations are the operations with a JSON body and a happy case, in document order.
func bodyOperations() []*spec.Operation {
	var out []*spec.Operation
	for _, op := range spec.MustDefault().Operations {
		if _, ok := happyCases[op.ID]; ok && op.HasBody && op.BodyContentType == "application/json" {
			out = append(out, op)
		}
	}
	return out
}

// FuzzOperationBody: any body, with any Content-Type, sent to any operation that takes a JSON body
// (the happy case's path and query). Seeds: every happy case's body.
func FuzzOperationBody(f *testing.F) {
	ops := bodyOperations()
	for i, op := range ops {
		data, err := json.Marshal(happyCases[op.ID].body)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(i), "application/json", data)
	}
	f.Add(uint8(0), "application/json; charset=utf-8", []byte(`{"locationId":"`+locA+`","firstName":null,"dateOfBirth":{}}`))
	f.Add(uint8(0), "text/plain", []byte(`{}`))
	f.Add(uint8(0), "", []byte(`[]`))
	m := newFuzzMock(f)
	f.Fuzz(func(t *testing.T, opIndex uint8, contentType string, body []byte) {
		op := ops[int(opIndex)%len(ops)]
		r, ok := readRequest(op.Method, happyTarget(op), apiHeader(m.tokens[fuzzTokenFull], contentType), body)
		if !ok {
			return
		}
		m.serve(t, r)
	})
}

// FuzzOAuthForm: any form body, with any Content-Type, on the two OAuth endpoints: the token
// endpoint (no token) and the location-token endpoint (with an agency token). The existing
// FuzzRedirectAllowed and FuzzParseRefresh cover the redirect URI check and refresh token parsing
// alone; this one takes the whole form through the pipeline.
func FuzzOAuthForm(f *testing.F) {
	form := "application/x-www-form-urlencoded"
	creds := "client_id=" + url.QueryEscape(DefaultClientID) + "&client_secret=" + DefaultClientSecret
	for _, s := range []struct {
		endpoint    uint8
		contentType string
		body        string
	}{
		{0, form, creds + "&grant_type=authorization_code&code=0123456789abcdef&redirect_uri=http%3A%2F%2F127.0.0.1%2Fcb"},
		{0, form, creds + "&grant_type=refresh_token&refresh_token=a.b.c&user_type=Location"},
		{0, form, creds + "&grant_type=client_credentials&user_type=Company"},
		{0, form, creds + "&grant_type=password"},
		{0, form, "client_id=x&client_id=y&client_secret=&grant_type=refresh_token&code_verifier=z"},
		{0, form, "%zz=1&grant_type"},
		{0, "application/json", `{"client_id":"x"}`},
		{1, form, "companyId=" + companyX + "&locationId=" + locA},
		{1, form, "companyId=" + companyY + "&locationId=" + locB},
		{1, form, "companyId=" + companyX + "&locationId=" + locB + "&extra=1"},
	} {
		f.Add(s.endpoint, s.contentType, s.body)
	}
	m := newFuzzMock(f)
	f.Fuzz(func(t *testing.T, endpoint uint8, contentType, body string) {
		path, token := "/oauth/token", ""
		if endpoint%2 == 1 {
			path, token = "/oauth/locationToken", m.tokens[fuzzTokenCompany]
		}
		h := apiHeader(token, contentType)
		r, ok := readRequest(http.MethodPost, path, h, []byte(body))
		if !ok {
			return
		}
		m.serve(t, r)
	})
}

// adminRoute is one route of the admin API.
type adminRoute struct{ method, path string }

// adminRouteList walks the admin router: every route with its methods, sorted.
func adminRouteList(tb testing.TB, s *Server) []adminRoute {
	tb.Helper()
	var out []adminRoute
	err := s.admin.Walk(func(route *mux.Route, _ *mux.Router, _ []*mux.Route) error {
		tpl, err := route.GetPathTemplate()
		if err != nil {
			return nil
		}
		methods, err := route.GetMethods()
		if err != nil {
			return nil
		}
		for _, m := range methods {
			out = append(out, adminRoute{m, tpl})
		}
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].path != out[j].path {
			return out[i].path < out[j].path
		}
		return out[i].method < out[j].method
	})
	if len(out) == 0 {
		tb.Fatal("the admin router has no routes")
	}
	return out
}

// adminState is everything the admin API can change, encoded: the store, the OAuth clients, the
// consent settings, the clock and the webhook registrations.
func adminState(s *Server) []byte {
	consent, err := s.auth.ConsentSettings(context.Background())
	if err != nil {
		panic(err)
	}
	offset, err := s.clock.Offset(context.Background())
	if err != nil {
		panic(err)
	}
	data, err := json.Marshal(map[string]any{
		"clients": s.Clients(), "consent": consent, "clock": offset,
		"webhooks": s.WebhookRegistrations(),
	})
	if err != nil {
		panic(err)
	}
	return append(stateBytes(s), data...)
}

// FuzzAdminRequest: any JSON body (and path id) on every route of the admin API, each input on a
// fresh mock. A refused request leaves everything the admin API manages as it was.
func FuzzAdminRequest(f *testing.F) {
	probe, err := New(fuzzConfig())
	if err != nil {
		f.Fatal(err)
	}
	var routes []adminRoute
	for _, rt := range adminRouteList(f, probe) {
		// The live stream answers until the client leaves (TestJournalStream reads it), and the
		// inspector's files take no body.
		if rt.path != "/__admin/requests/stream" && !strings.HasPrefix(rt.path, "/__admin/ui") && rt.path != "/__admin" && rt.path != "/__admin/" {
			routes = append(routes, rt)
		}
	}
	closeServer(f, probe)
	seeds := map[string][]string{
		"/__admin/locations":     {`{"name":"Gym","id":"LocCCCCCCCCCCCCCCCCC","duplicatePriority":["phone"]}`, `{"name":""}`},
		"/__admin/tokens":        {`{"locationId":"` + locA + `","scopes":["contacts.readonly"],"expiresIn":60}`, `{"userType":"Company","companyId":"` + companyX + `"}`, `{"expiresIn":-1}`},
		"/__admin/appointments":  {`{"locationId":"` + locA + `","contactId":"` + ctAlice + `","startTime":"2026-03-10T09:00:00Z","endTime":"2026-03-10T10:00:00Z"}`},
		"/__admin/businesses":    {`{"locationId":"` + locA + `","name":"Biz"}`, `{"locationId":"` + locA + `","name":"Biz","id":"zz"}`},
		"/__admin/clients":       {`{"clientId":"c1","clientSecret":"s","redirectUris":["loopback"],"grants":["client_credentials"],"companyId":"` + companyX + `"}`},
		"/__admin/oauth/consent": {`{"deny":true}`, `{"userType":"Company","locationId":"` + locA + `"}`},
		"/__admin/clock":         {`{"advance":"25h"}`, `{"advance":"-1s"}`, `{"advance":"9999999999h"}`},
		"/__admin/webhooks":      {`{"url":"http://127.0.0.1:9/hook","events":["ContactCreate"],"locationId":"` + locA + `"}`},
		"/__admin/reset":         {`{}`},
		"/__admin/webhooks/{id}": {``},
	}
	for i, rt := range routes {
		f.Add(uint8(i), "id", []byte(`{}`))
		f.Add(uint8(i), "", []byte(`{"unknown":1}`))
		f.Add(uint8(i), "x/../y", []byte(`{"a":`))
		for _, body := range seeds[rt.path] {
			f.Add(uint8(i), "id", []byte(body))
		}
	}
	f.Fuzz(func(t *testing.T, route uint8, id string, body []byte) {
		rt := routes[int(route)%len(routes)]
		path := strings.NewReplacer("{id}", url.PathEscape(id)).Replace(rt.path)
		r, ok := readRequest(rt.method, path, http.Header{"Content-Type": {"application/json"}}, body)
		if !ok {
			return
		}
		srv, err := New(fuzzConfig())
		if err != nil {
			t.Fatal(err)
		}
		defer closeServer(t, srv)
		before := adminState(srv)
		got := serveDirect(srv, r)
		for _, p := range checkAnswer(srv, got, nil) {
			t.Errorf("%s %s %q: %s", rt.method, path, body, p)
		}
		if got.Status >= 300 && !bytes.Equal(before, adminState(srv)) {
			t.Errorf("%s %s %q: refused with %d, but the admin state changed: %s", rt.method, path, body, got.Status, got.Raw)
		}
	})
}
