package mockserver

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
)

const testAdminToken = "adm-4f1c2e9b7d3a"

func TestAdminToken(t *testing.T) {
	cases := []struct {
		name   string
		token  string // the configured admin token
		header map[string]string
		status int
	}{
		{"no token configured: open", "", nil, 200},
		{"no token sent", testAdminToken, nil, 401},
		{"X-Admin-Token", testAdminToken, map[string]string{AdminTokenHeader: testAdminToken}, 200},
		{"bearer", testAdminToken, map[string]string{"Authorization": "Bearer " + testAdminToken}, 200},
		{"lower-case bearer", testAdminToken, map[string]string{"Authorization": "bearer " + testAdminToken}, 200},
		{"wrong X-Admin-Token", testAdminToken, map[string]string{AdminTokenHeader: "adm-wrong"}, 401},
		{"wrong bearer", testAdminToken, map[string]string{"Authorization": "Bearer adm-wrong"}, 401},
		{"a prefix of the token", testAdminToken, map[string]string{AdminTokenHeader: testAdminToken[:5]}, 401},
		{"the token with more", testAdminToken, map[string]string{AdminTokenHeader: testAdminToken + "x"}, 401},
		{"the token as Basic", testAdminToken, map[string]string{"Authorization": "Basic " + testAdminToken}, 401},
		{"one header wrong, the other right", testAdminToken, map[string]string{"Authorization": "Bearer nope", AdminTokenHeader: testAdminToken}, 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.AdminToken = tc.token })
			h.version = ""
			hdr := map[string]string{}
			for k, v := range tc.header {
				hdr[k] = v
			}
			r := h.doHeaders(http.MethodGet, "/__admin/health", "", nil, hdr)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d: %s", r.Status, tc.status, r.Raw)
			}
			if tc.status == 401 {
				if p := errorShapeProblem(r.Status, r.Header, r.Raw); p != "" {
					t.Errorf("not in the error shape: %s", p)
				}
				if r.str("message") != msgAdminToken || r.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("answer %s (WWW-Authenticate %q)", r.Raw, r.Header.Get("WWW-Authenticate"))
				}
			}
		})
	}
}

// TestAdminTokenGuardsEveryRoute: with an admin token configured, no admin route answers (or
// changes anything) without it, and the API does not take the admin token as a token.
func TestAdminTokenGuardsEveryRoute(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.AdminToken = testAdminToken })
	before := adminState(h.srv)
	routes := adminRouteList(t, h.srv)
	for _, rt := range routes {
		if rt.path == "/__admin" || strings.HasPrefix(rt.path, "/__admin/ui") || rt.path == "/__admin/" {
			continue // the inspector's files: TestInspectorFilesHoldNoState
		}
		path := strings.NewReplacer("{id}", "x", "{contactId}", "y").Replace(rt.path)
		r := h.doHeaders(rt.method, path, "", `{}`, nil)
		if r.Status != http.StatusUnauthorized || r.str("message") != msgAdminToken {
			t.Errorf("%s %s without the admin token: %d %s", rt.method, path, r.Status, r.Raw)
		}
	}
	if !bytes.Equal(before, adminState(h.srv)) {
		t.Error("refused admin requests changed the state")
	}
	r := h.do(http.MethodGet, "/contacts/"+ctAlice, testAdminToken, nil)
	if r.Status != http.StatusUnauthorized || r.str("message") != msgInvalidJWT {
		t.Errorf("the admin token on the API: %d %s, want 401 %q", r.Status, r.Raw, msgInvalidJWT)
	}
	if len(routes) < 15 {
		t.Errorf("only %d admin routes found: %v", len(routes), routes)
	}
}

// lockedBuffer is a log sink for handlers that log from several goroutines.
type lockedBuffer struct {
	mu sync.Mutex // guards b
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestSecretsNeverLogged: a debug log of everything the mock does with secrets (the admin token,
// right and wrong; clients created with secrets; consent, code exchange, refresh, replays,
// client_credentials, location tokens, admin-minted tokens) holds none of them. It extends
// TestOAuthSecretsNotLogged to the admin token and the agency endpoints.
func TestSecretsNeverLogged(t *testing.T) {
	var logs lockedBuffer
	h := newOAuthHarness(t, func(c *Config) {
		c.AdminToken = testAdminToken
		c.Logger = slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	admin := map[string]string{AdminTokenHeader: testAdminToken}
	secrets := []string{testAdminToken, DefaultClientSecret, "adm-wrong-guess"}
	keep := func(r result, keys ...string) {
		for _, k := range keys {
			if v := r.str(k); v != "" {
				secrets = append(secrets, v)
			}
		}
	}
	h.doHeaders(http.MethodGet, "/__admin/health", "", nil, map[string]string{AdminTokenHeader: "adm-wrong-guess"}).must(t, 401)
	h.doHeaders(http.MethodGet, "/__admin/health", "", nil, map[string]string{"Authorization": "Bearer adm-wrong-guess"}).must(t, 401)
	cc := h.doHeaders(http.MethodPost, "/__admin/clients", "", map[string]any{"clientId": "cc-agency", "redirectUris": []string{testRedirect},
		"grants": []string{GrantClientCredentials, GrantRefreshToken, GrantAuthorizationCode}, "companyId": companyX}, admin).must(t, 201)
	keep(cc, "clientSecret")
	minted := h.doHeaders(http.MethodPost, "/__admin/tokens", "", map[string]any{"locationId": locA}, admin).must(t, 201)
	keep(minted, "access_token")

	// The default client: consent, exchange, refresh, a replayed refresh token, a replayed code.
	code := h.code(consentQuery())
	secrets = append(secrets, code)
	first := h.token("grant_type", GrantAuthorizationCode, "code", code)
	keep(first, "access_token", "refresh_token")
	second := h.token("grant_type", GrantRefreshToken, "refresh_token", first.str("refresh_token"))
	keep(second, "access_token", "refresh_token")
	h.token("grant_type", GrantRefreshToken, "refresh_token", first.str("refresh_token")).must(t, 400)
	h.token("grant_type", GrantAuthorizationCode, "code", code).must(t, 400)
	h.token("client_secret", "a-wrong-secret", "grant_type", GrantRefreshToken, "refresh_token", second.str("refresh_token")).must(t, 401)
	secrets = append(secrets, "a-wrong-secret")

	// The agency client: client_credentials, then a location token.
	agency := h.form("/oauth/token", "", url.Values{"client_id": {"cc-agency"}, "client_secret": {cc.str("clientSecret")},
		"grant_type": {GrantClientCredentials}}).must(t, 200)
	keep(agency, "access_token")
	loc := h.form("/oauth/locationToken", agency.str("access_token"), url.Values{"companyId": {companyX}, "locationId": {locA}}).must(t, 200)
	keep(loc, "access_token")
	h.getAlice(loc.str("access_token")).must(t, 200)
	h.getAlice("not-a-token-but-secret-looking").must(t, 401)
	secrets = append(secrets, "not-a-token-but-secret-looking")

	out := logs.String()
	if !strings.Contains(out, "admin request refused") || !strings.Contains(out, "oauth: location token issued") {
		t.Fatalf("the log lacks the events this test provokes:\n%s", out)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("the log holds a secret %q", s)
		}
	}
}

// TestCodesAndTokensAreUnguessable: two mocks with the same configuration and the same clock,
// taken through the same steps, issue different codes, access tokens and refresh tokens (they come
// from crypto/rand, not from anything a client could replay), each with at least 128 random bits.
func TestCodesAndTokensAreUnguessable(t *testing.T) {
	var got [2][]string
	for i := range got {
		h := newOAuthHarness(t)
		code := h.code(consentQuery())
		tok := h.token("grant_type", GrantAuthorizationCode, "code", code).must(t, 200)
		minted, err := h.srv.MintToken(locA, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		got[i] = []string{code, tok.str("access_token"), tok.str("refresh_token"), minted.AccessToken}
	}
	names := []string{"code", "access token", "refresh token", "minted token"}
	for i, name := range names {
		if got[0][i] == got[1][i] {
			t.Errorf("both mocks issued the same %s %q", name, got[0][i])
		}
	}
	if len(got[0][0]) < 32 {
		t.Errorf("code %q: fewer than 128 bits", got[0][0])
	}
}

// TestSecretsNeverJournaled: with request and response bodies journaled, nothing of the OAuth
// traffic's secrets reaches GET /__admin/requests: not a client secret, code, access or refresh
// token in a body, nor one a client put in a query string.
func TestSecretsNeverJournaled(t *testing.T) {
	h := newOAuthHarness(t, func(c *Config) { c.JournalBodies = true })
	var secrets []string
	keep := func(r result, keys ...string) {
		for _, k := range keys {
			if v := r.str(k); v != "" {
				secrets = append(secrets, v)
			}
		}
	}
	cc := h.addClient(map[string]any{"clientId": "cc-agency", "redirectUris": []string{testRedirect},
		"grants": []string{GrantClientCredentials}, "companyId": companyX})
	keep(cc, "clientSecret")
	code := h.code(consentQuery())
	secrets = append(secrets, code, DefaultClientSecret)
	first := h.token("grant_type", GrantAuthorizationCode, "code", code).must(t, 200)
	keep(first, "access_token", "refresh_token")
	second := h.token("grant_type", GrantRefreshToken, "refresh_token", first.str("refresh_token")).must(t, 200)
	keep(second, "access_token", "refresh_token")
	agency := h.form("/oauth/token", "", url.Values{"client_id": {"cc-agency"}, "client_secret": {cc.str("clientSecret")},
		"grant_type": {GrantClientCredentials}}).must(t, 200)
	keep(agency, "access_token")
	loc := h.form("/oauth/locationToken", agency.str("access_token"), url.Values{"companyId": {companyX}, "locationId": {locA}}).must(t, 200)
	keep(loc, "access_token")
	h.getAlice(loc.str("access_token")).must(t, 200)
	// Credentials where they do not belong: in the query string of the token endpoint and of an
	// API call.
	h.doHeaders(http.MethodPost, "/oauth/token?client_id=x&client_secret=query-secret-1&code=query-code-2", "", "grant_type=x",
		map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
	h.do(http.MethodGet, "/contacts/"+ctAlice+"?access_token=query-token-3&refresh_token=query-token-4", h.full, nil)
	secrets = append(secrets, "query-secret-1", "query-code-2", "query-token-3", "query-token-4", h.full)

	// A body the journal does keep, to show that bodies are journaled at all.
	h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "email": "kept@example.com"}).must(t, 201)

	journal := h.do(http.MethodGet, "/__admin/requests", "", nil).must(t, 200)
	if !strings.Contains(string(journal.Raw), "/oauth/locationToken") || !strings.Contains(string(journal.Raw), "requestBody") {
		t.Fatalf("the journal lacks the requests this test sent: %.500s", journal.Raw)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(string(journal.Raw), s) {
			t.Errorf("the journal holds a secret %q", s)
		}
	}
}

// msgAdminToken is the admin API's answer to a request without the right admin token.
const msgAdminToken = "The admin API needs the admin token: send it as " + AdminTokenHeader + ": <token> or Authorization: Bearer <token>."
