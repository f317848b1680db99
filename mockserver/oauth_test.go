package mockserver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/oauth"
)

// Companies of the OAuth tests: location A belongs to companyX, location B to companyY.
const (
	companyX     = "CompXXXXXXXXXXXXXXXX"
	companyY     = "CompYYYYYYYYYYYYYYYY"
	testRedirect = "http://127.0.0.1:9000/callback"
	testState    = "st-42"
	bothScopes   = ScopeContactsReadonly + " " + ScopeContactsWrite
	agencyScopes = bothScopes + " " + ScopeOAuthReadonly + " " + ScopeOAuthWrite
)

// withCompanies puts the test locations in two companies.
func withCompanies(cfg *Config) {
	cfg.Initial.Locations[0].CompanyID = companyX
	cfg.Initial.Locations[1].CompanyID = companyY
}

// newOAuthHarness is a harness whose locations belong to companies.
func newOAuthHarness(t *testing.T, mutate ...func(*Config)) *harness {
	t.Helper()
	return newHarness(t, append([]func(*Config){withCompanies}, mutate...)...)
}

// form posts a form body.
func (h *harness) form(path, token string, v url.Values) result {
	h.t.Helper()
	return h.doHeaders(http.MethodPost, path, token, v.Encode(), map[string]string{"Content-Type": "application/x-www-form-urlencoded"})
}

// token posts to the token endpoint with the default client's credentials plus kv (key, value,
// ...); a value "-" removes the key.
func (h *harness) token(kv ...string) result {
	h.t.Helper()
	v := url.Values{"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			v.Del(kv[i])
		} else {
			v.Set(kv[i], kv[i+1])
		}
	}
	return h.form("/oauth/token", "", v)
}

// consentQuery is a valid consent request of the default client, changed by kv (a value "-"
// removes the key).
func consentQuery(kv ...string) url.Values {
	q := url.Values{
		"response_type": {"code"}, "client_id": {DefaultClientID}, "redirect_uri": {testRedirect},
		"scope": {bothScopes}, "state": {testState},
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "-" {
			q.Del(kv[i])
		} else {
			q.Set(kv[i], kv[i+1])
		}
	}
	return q
}

// consentResult is the answer of the consent step.
type consentResult struct {
	result
	// Redirect is where it redirected (nil when it did not); Params is its query.
	Redirect *url.URL
	Params   url.Values
}

// consent runs the consent step without following its redirect.
func (h *harness) consent(path string, q url.Values, hdr map[string]string) consentResult {
	h.t.Helper()
	req, err := http.NewRequest(http.MethodGet, h.http.URL+path+"?"+q.Encode(), nil)
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	client := *h.http.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := client.Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out consentResult
	out.Status, out.Header = resp.StatusCode, resp.Header
	if out.Raw, err = io.ReadAll(resp.Body); err != nil {
		h.t.Fatal(err)
	}
	_ = json.Unmarshal(out.Raw, &out.Body)
	if loc := resp.Header.Get("Location"); loc != "" {
		u, err := url.Parse(loc)
		if err != nil {
			h.t.Fatalf("Location %q: %v", loc, err)
		}
		out.Redirect, out.Params = u, u.Query()
	}
	return out
}

// code runs a consent that must succeed and returns its code.
func (h *harness) code(q url.Values) string {
	h.t.Helper()
	r := h.consent("/oauth/chooselocation", q, nil)
	if r.Status != http.StatusFound || r.Params.Get("code") == "" {
		h.t.Fatalf("consent: status %d, Location %v, body %s; want 302 with a code", r.Status, r.Redirect, r.Raw)
	}
	return r.Params.Get("code")
}

// install runs consent and code exchange for the default client and returns the token response.
func (h *harness) install(consentKV ...string) result {
	h.t.Helper()
	code := h.code(consentQuery(consentKV...))
	return h.token("grant_type", GrantAuthorizationCode, "code", code, "redirect_uri", testRedirect).must(h.t, http.StatusOK)
}

// advance moves the mock's clock through the admin API.
func (h *harness) advance(d string) {
	h.t.Helper()
	h.do(http.MethodPost, "/__admin/clock", "", map[string]any{"advance": d}).must(h.t, http.StatusOK)
}

// addClient registers a client through the admin API.
func (h *harness) addClient(c map[string]any) result {
	h.t.Helper()
	return h.do(http.MethodPost, "/__admin/clients", "", c).must(h.t, http.StatusCreated)
}

// getAlice reads contact A through the API with a token.
func (h *harness) getAlice(token string) result {
	h.t.Helper()
	return h.do(http.MethodGet, "/contacts/"+ctAlice, token, nil)
}

// mustInvalidJWT fails unless r is the API's 401 for a bad token.
func mustInvalidJWT(t *testing.T, r result) {
	t.Helper()
	if r.Status != http.StatusUnauthorized || r.str("message") != msgInvalidJWT {
		t.Fatalf("got %d %s, want 401 %q", r.Status, r.Raw, msgInvalidJWT)
	}
}

// mustOAuthError fails unless r is an OAuth error with the status, RFC 6749 code and a message
// containing msg.
func mustOAuthError(t *testing.T, r result, status int, code, msg string) {
	t.Helper()
	if r.Status != status || r.str("error") != code || !strings.Contains(r.str("message"), msg) ||
		r.str("error_description") != r.str("message") || r.Body["statusCode"] != float64(status) {
		t.Fatalf("got %d %s, want %d error %q with message containing %q", r.Status, r.Raw, status, code, msg)
	}
}

func TestTokenGrants(t *testing.T) {
	ccClient := map[string]any{"clientId": "cc-client", "clientSecret": "cc-secret", "redirectUris": []string{testRedirect},
		"grants": []string{GrantClientCredentials}, "companyId": companyX, "scopes": []string{ScopeOAuthWrite, ScopeContactsReadonly}}
	cases := []struct {
		name  string
		setup func(h *harness) result
		want  map[string]any // fields with exact values
		has   []string       // fields that must be present and non-empty
		lacks []string       // fields that must be absent
		// apiStatus is what GET /contacts/{id} answers with the access token.
		apiStatus int
	}{
		{
			name: "authorization_code, Location installation",
			setup: func(h *harness) result {
				return h.token("grant_type", GrantAuthorizationCode, "code", h.code(consentQuery()), "redirect_uri", testRedirect)
			},
			want: map[string]any{"token_type": "Bearer", "expires_in": 86399.0, "scope": bothScopes, "userType": UserTypeLocation,
				"locationId": locA, "companyId": companyX, "userId": userA},
			has: []string{"access_token", "refresh_token", "refreshTokenId"}, lacks: []string{"approvedLocations"},
			apiStatus: http.StatusOK,
		},
		{
			name: "authorization_code without redirect_uri, with user_type, without Version header",
			setup: func(h *harness) result {
				h.version = ""
				return h.token("grant_type", GrantAuthorizationCode, "code", h.code(consentQuery()), "user_type", UserTypeLocation)
			},
			want:      map[string]any{"userType": UserTypeLocation, "locationId": locA},
			has:       []string{"access_token", "refresh_token"},
			apiStatus: http.StatusUnauthorized, // the API call itself lacks the Version header
		},
		{
			name: "authorization_code, read-only scope asked",
			setup: func(h *harness) result {
				return h.token("grant_type", GrantAuthorizationCode, "code", h.code(consentQuery("scope", ScopeContactsReadonly)))
			},
			want:      map[string]any{"scope": ScopeContactsReadonly},
			apiStatus: http.StatusOK,
		},
		{
			name: "authorization_code, Company installation",
			setup: func(h *harness) result {
				h.do(http.MethodPut, "/__admin/oauth/consent", "", map[string]any{"userType": UserTypeCompany}).must(h.t, http.StatusOK)
				return h.token("grant_type", GrantAuthorizationCode, "code", h.code(consentQuery()), "user_type", UserTypeCompany)
			},
			want:      map[string]any{"userType": UserTypeCompany, "companyId": companyX, "approvedLocations": []any{locA}},
			has:       []string{"refresh_token", "refreshTokenId"},
			lacks:     []string{"locationId"},
			apiStatus: http.StatusUnauthorized,
		},
		{
			name: "refresh_token rotates",
			setup: func(h *harness) result {
				first := h.install()
				r := h.token("grant_type", GrantRefreshToken, "refresh_token", first.str("refresh_token"), "user_type", UserTypeLocation)
				if r.str("refresh_token") == first.str("refresh_token") || r.str("access_token") == first.str("access_token") {
					h.t.Errorf("refresh returned the same tokens")
				}
				if r.str("refreshTokenId") != first.str("refreshTokenId") {
					h.t.Errorf("refreshTokenId changed: %q then %q", first.str("refreshTokenId"), r.str("refreshTokenId"))
				}
				return r
			},
			want:      map[string]any{"token_type": "Bearer", "expires_in": 86399.0, "userType": UserTypeLocation, "locationId": locA, "scope": bothScopes},
			has:       []string{"refresh_token", "refreshTokenId"},
			apiStatus: http.StatusOK,
		},
		{
			name: "refresh_token of a Company grant",
			setup: func(h *harness) result {
				h.do(http.MethodPut, "/__admin/oauth/consent", "", map[string]any{"userType": UserTypeCompany}).must(h.t, http.StatusOK)
				first := h.install()
				return h.token("grant_type", GrantRefreshToken, "refresh_token", first.str("refresh_token"), "user_type", UserTypeCompany)
			},
			want:      map[string]any{"userType": UserTypeCompany, "companyId": companyX},
			lacks:     []string{"locationId"},
			apiStatus: http.StatusUnauthorized,
		},
		{
			name: "client_credentials gives a Company token without refresh token",
			setup: func(h *harness) result {
				h.addClient(ccClient)
				return h.form("/oauth/token", "", url.Values{"client_id": {"cc-client"}, "client_secret": {"cc-secret"},
					"grant_type": {GrantClientCredentials}, "user_type": {UserTypeCompany}})
			},
			want:      map[string]any{"userType": UserTypeCompany, "companyId": companyX, "scope": ScopeOAuthWrite + " " + ScopeContactsReadonly, "userId": oauth.MockUserID},
			lacks:     []string{"refresh_token", "refreshTokenId", "locationId"},
			apiStatus: http.StatusUnauthorized,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newOAuthHarness(t)
			r := tc.setup(h).must(t, http.StatusOK)
			for k, v := range tc.want {
				if got := r.Body[k]; !reflect.DeepEqual(got, v) {
					t.Errorf("%s = %#v, want %#v", k, got, v)
				}
			}
			for _, k := range tc.has {
				if r.str(k) == "" {
					t.Errorf("%s missing or empty in %s", k, r.Raw)
				}
			}
			for _, k := range tc.lacks {
				if _, found := r.Body[k]; found {
					t.Errorf("%s present in %s", k, r.Raw)
				}
			}
			if got := h.getAlice(r.str("access_token")); got.Status != tc.apiStatus {
				t.Errorf("API call with the token: %d %s, want %d", got.Status, got.Raw, tc.apiStatus)
			}
		})
	}
}

func TestTokenFailures(t *testing.T) {
	otherClient := map[string]any{"clientId": "other-client", "clientSecret": "other-secret", "redirectUris": []string{testRedirect}}
	cases := []struct {
		name string
		// send makes the request under test (after any preparation).
		send   func(h *harness) result
		status int
		code   string // RFC 6749 error; "" for the document's 422
		msg    string // contained in message
	}{
		{"unknown client", func(h *harness) result {
			return h.token("client_id", "nope", "grant_type", GrantRefreshToken, "refresh_token", "x")
		}, 401, "invalid_client", "Client authentication failed"},
		{"wrong secret", func(h *harness) result {
			return h.token("client_secret", "wrong", "grant_type", GrantAuthorizationCode, "code", h.code(consentQuery()))
		}, 401, "invalid_client", "Client authentication failed"},
		{"empty client_id", func(h *harness) result {
			return h.token("client_id", "", "grant_type", GrantAuthorizationCode, "code", "x")
		}, 401, "invalid_client", "Client authentication failed"},
		{"grant not allowed for the client", func(h *harness) result {
			return h.token("grant_type", GrantClientCredentials)
		}, 400, "unauthorized_client", "not allowed to use grant_type client_credentials"},
		{"client_credentials for a client without company", func(h *harness) result {
			h.addClient(map[string]any{"clientId": "cc", "clientSecret": "s", "redirectUris": []string{testRedirect}, "grants": []string{GrantClientCredentials}})
			return h.token("client_id", "cc", "client_secret", "s", "grant_type", GrantClientCredentials)
		}, 400, "unauthorized_client", "no companyId"},
		{"client_credentials asked for a Location token", func(h *harness) result {
			h.addClient(map[string]any{"clientId": "cc", "clientSecret": "s", "redirectUris": []string{testRedirect}, "grants": []string{GrantClientCredentials}, "companyId": companyX})
			return h.token("client_id", "cc", "client_secret", "s", "grant_type", GrantClientCredentials, "user_type", UserTypeLocation)
		}, 400, "invalid_request", "user_type must be Company"},
		{"missing code", func(h *harness) result {
			return h.token("grant_type", GrantAuthorizationCode)
		}, 400, "invalid_request", "code is required"},
		{"unknown code", func(h *harness) result {
			return h.token("grant_type", GrantAuthorizationCode, "code", "0123456789abcdef0123456789abcdef01234567")
		}, 400, "invalid_grant", "The authorization code is invalid"},
		{"code of another client", func(h *harness) result {
			h.addClient(otherClient)
			code := h.code(consentQuery("client_id", "other-client"))
			return h.token("grant_type", GrantAuthorizationCode, "code", code)
		}, 400, "invalid_grant", "The authorization code is invalid"},
		{"code used twice", func(h *harness) result {
			code := h.code(consentQuery())
			h.token("grant_type", GrantAuthorizationCode, "code", code).must(h.t, http.StatusOK)
			return h.token("grant_type", GrantAuthorizationCode, "code", code)
		}, 400, "invalid_grant", "already been used"},
		{"expired code", func(h *harness) result {
			code := h.code(consentQuery())
			h.advance("10m")
			return h.token("grant_type", GrantAuthorizationCode, "code", code)
		}, 400, "invalid_grant", "has expired"},
		{"redirect_uri mismatch", func(h *harness) result {
			return h.token("grant_type", GrantAuthorizationCode, "code", h.code(consentQuery()), "redirect_uri", "http://127.0.0.1:9001/callback")
		}, 400, "invalid_grant", "redirect_uri does not match"},
		{"user_type other than the installation's", func(h *harness) result {
			return h.token("grant_type", GrantAuthorizationCode, "code", h.code(consentQuery()), "user_type", UserTypeCompany)
		}, 400, "invalid_grant", "granted for user_type Location, not Company"},
		{"missing refresh_token", func(h *harness) result {
			return h.token("grant_type", GrantRefreshToken)
		}, 400, "invalid_request", "refresh_token is required"},
		{"garbage refresh_token", func(h *harness) result {
			return h.token("grant_type", GrantRefreshToken, "refresh_token", "not-a-token")
		}, 400, "invalid_grant", "The refresh token is invalid"},
		{"access token presented as refresh token", func(h *harness) result {
			return h.token("grant_type", GrantRefreshToken, "refresh_token", h.install().str("access_token"))
		}, 400, "invalid_grant", "The refresh token is invalid"},
		{"refresh token with its signature altered", func(h *harness) result {
			rt := h.install().str("refresh_token")
			last := "A"
			if strings.HasSuffix(rt, "A") {
				last = "B"
			}
			return h.token("grant_type", GrantRefreshToken, "refresh_token", rt[:len(rt)-1]+last)
		}, 400, "invalid_grant", "The refresh token is invalid"},
		{"refresh token of another client", func(h *harness) result {
			rt := h.install().str("refresh_token")
			h.addClient(otherClient)
			return h.token("client_id", "other-client", "client_secret", "other-secret", "grant_type", GrantRefreshToken, "refresh_token", rt)
		}, 400, "invalid_grant", "The refresh token is invalid"},
		{"rotated refresh token", func(h *harness) result {
			rt := h.install().str("refresh_token")
			h.token("grant_type", GrantRefreshToken, "refresh_token", rt).must(h.t, http.StatusOK)
			return h.token("grant_type", GrantRefreshToken, "refresh_token", rt)
		}, 400, "invalid_grant", "already been used; every token of its grant is revoked"},
		{"refresh token of a revoked grant", func(h *harness) result {
			rt := h.install().str("refresh_token")
			newest := h.token("grant_type", GrantRefreshToken, "refresh_token", rt).must(h.t, http.StatusOK).str("refresh_token")
			h.token("grant_type", GrantRefreshToken, "refresh_token", rt).must(h.t, http.StatusBadRequest)
			return h.token("grant_type", GrantRefreshToken, "refresh_token", newest)
		}, 400, "invalid_grant", "has been revoked"},
		{"refresh token of a replayed code", func(h *harness) result {
			code := h.code(consentQuery())
			rt := h.token("grant_type", GrantAuthorizationCode, "code", code).must(h.t, http.StatusOK).str("refresh_token")
			h.token("grant_type", GrantAuthorizationCode, "code", code).must(h.t, http.StatusBadRequest)
			return h.token("grant_type", GrantRefreshToken, "refresh_token", rt)
		}, 400, "invalid_grant", "has been revoked"},
		{"expired refresh token", func(h *harness) result {
			rt := h.install().str("refresh_token")
			h.advance("8760h")
			return h.token("grant_type", GrantRefreshToken, "refresh_token", rt)
		}, 400, "invalid_grant", "has expired"},
		{"refresh with another user_type", func(h *harness) result {
			rt := h.install().str("refresh_token")
			return h.token("grant_type", GrantRefreshToken, "refresh_token", rt, "user_type", UserTypeCompany)
		}, 400, "invalid_grant", "granted for user_type Location"},
		{"unknown form field", func(h *harness) result {
			return h.token("grant_type", GrantAuthorizationCode, "code", "x", "code_verifier", "abc")
		}, 422, "", "property code_verifier should not exist"},
		{"grant_type outside the enum", func(h *harness) result {
			return h.token("grant_type", "password")
		}, 422, "", "grant_type must be one of the following values"},
		{"user_type outside the enum", func(h *harness) result {
			return h.token("grant_type", GrantRefreshToken, "refresh_token", "x", "user_type", "Agency")
		}, 422, "", "user_type must be one of the following values"},
		{"missing client_secret", func(h *harness) result {
			return h.token("client_secret", "-", "grant_type", GrantRefreshToken, "refresh_token", "x")
		}, 422, "", "client_secret should not be empty"},
		{"JSON body", func(h *harness) result {
			return h.do(http.MethodPost, "/oauth/token", "", map[string]any{"client_id": DefaultClientID, "client_secret": DefaultClientSecret, "grant_type": GrantRefreshToken})
		}, 400, "invalid_request", "send application/x-www-form-urlencoded"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newOAuthHarness(t)
			r := tc.send(h)
			if tc.code == "" {
				if r.Status != tc.status || r.str("error") != "Unprocessable Entity" || !strings.Contains(strings.Join(strs(r.Body["message"]), "; "), tc.msg) {
					t.Fatalf("got %d %s, want %d with a message containing %q", r.Status, r.Raw, tc.status, tc.msg)
				}
				return
			}
			mustOAuthError(t, r, tc.status, tc.code, tc.msg)
		})
	}
}

// TestOAuthFlow runs the whole life of an installation over HTTP, as a client would live it.
func TestOAuthFlow(t *testing.T) {
	h := newOAuthHarness(t)

	c := h.consent("/v2/oauth/chooselocation", consentQuery(), nil)
	if c.Status != http.StatusFound || c.Params.Get("state") != testState || c.Params.Get("code") == "" {
		t.Fatalf("consent: %d Location %v, want 302 with code and state", c.Status, c.Redirect)
	}
	if got := c.Redirect.Scheme + "://" + c.Redirect.Host + c.Redirect.Path; got != testRedirect {
		t.Fatalf("redirected to %s, want %s", got, testRedirect)
	}
	first := h.token("grant_type", GrantAuthorizationCode, "code", c.Params.Get("code"), "redirect_uri", testRedirect).must(t, http.StatusOK)
	access1, refresh1 := first.str("access_token"), first.str("refresh_token")
	h.getAlice(access1).must(t, http.StatusOK)

	h.advance("25h")
	mustInvalidJWT(t, h.getAlice(access1))

	second := h.token("grant_type", GrantRefreshToken, "refresh_token", refresh1).must(t, http.StatusOK)
	access2, refresh2 := second.str("access_token"), second.str("refresh_token")
	if refresh2 == refresh1 {
		t.Fatal("the refresh token did not rotate")
	}
	h.getAlice(access2).must(t, http.StatusOK)

	// The spent refresh token comes back: refused, and the whole grant is revoked.
	mustOAuthError(t, h.token("grant_type", GrantRefreshToken, "refresh_token", refresh1), 400, "invalid_grant", "already been used")
	mustInvalidJWT(t, h.getAlice(access2))
	mustOAuthError(t, h.token("grant_type", GrantRefreshToken, "refresh_token", refresh2), 400, "invalid_grant", "has been revoked")

	// A new consent starts a new grant, unaffected.
	h.getAlice(h.install().str("access_token")).must(t, http.StatusOK)
}

// TestAuthorizationCodeLifetime checks the 10-minute edge of codes on the mock clock.
func TestAuthorizationCodeLifetime(t *testing.T) {
	cases := []struct {
		name   string
		wait   time.Duration
		status int
	}{
		{"at once", 0, http.StatusOK},
		{"a second before expiry", AuthorizationCodeTTL - time.Second, http.StatusOK},
		{"at expiry", AuthorizationCodeTTL, http.StatusBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newOAuthHarness(t)
			code := h.code(consentQuery())
			h.clock.Add(tc.wait)
			h.token("grant_type", GrantAuthorizationCode, "code", code).must(t, tc.status)
		})
	}
}

// TestReplayedCodeRevokesItsTokens: presenting a code twice revokes what it was exchanged for.
func TestReplayedCodeRevokesItsTokens(t *testing.T) {
	h := newOAuthHarness(t)
	code := h.code(consentQuery())
	access := h.token("grant_type", GrantAuthorizationCode, "code", code).must(t, http.StatusOK).str("access_token")
	h.getAlice(access).must(t, http.StatusOK)
	mustOAuthError(t, h.token("grant_type", GrantAuthorizationCode, "code", code), 400, "invalid_grant", "already been used")
	mustInvalidJWT(t, h.getAlice(access))
}

// TestOAuthTokensStayInTheirLocation: a token from consent sees its location only.
func TestOAuthTokensStayInTheirLocation(t *testing.T) {
	h := newOAuthHarness(t)
	tokA := h.install().str("access_token")
	tokB := h.install("locationId", locB).str("access_token")
	cases := []struct {
		name, method, path, token string
		status                    int
		msg                       string
	}{
		{"A reads its contact", http.MethodGet, "/contacts/" + ctAlice, tokA, 200, ""},
		{"A reads B's contact", http.MethodGet, "/contacts/" + ctCarol, tokA, 400, "Contact with id " + ctCarol + " not found"},
		{"A lists B", http.MethodGet, "/contacts/?locationId=" + locB, tokA, 403, msgLocation},
		{"B reads its contact", http.MethodGet, "/contacts/" + ctCarol, tokB, 200, ""},
		{"B reads A's contact", http.MethodGet, "/contacts/" + ctAlice, tokB, 400, "Contact with id " + ctAlice + " not found"},
		{"B lists A", http.MethodGet, "/contacts/?locationId=" + locA, tokB, 403, msgLocation},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(tc.method, tc.path, tc.token, nil).must(t, tc.status)
			if tc.msg != "" && r.str("message") != tc.msg {
				t.Errorf("message %q, want %q", r.str("message"), tc.msg)
			}
		})
	}
}

// TestExpiredTokenOnEveryOperation: past its expiry a token is 401 Invalid JWT on every secured
// operation of the document.
func TestExpiredTokenOnEveryOperation(t *testing.T) {
	h := newOAuthHarness(t)
	loc := h.install().str("access_token")
	company, err := h.srv.MintCompanyToken(companyX, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	h.advance("86399s")
	for _, op := range h.srv.Spec().Operations {
		if op.Public() {
			continue
		}
		tok := loc
		if op.UserType == UserTypeCompany {
			tok = company.AccessToken
		}
		tc := happyCases[op.ID]
		path := expand(op.Path, tc.params)
		if tc.query != "" {
			path += "?" + tc.query
		}
		r := h.do(op.Method, path, tok, tc.body)
		if r.Status != http.StatusUnauthorized || r.str("message") != msgInvalidJWT {
			t.Errorf("%s: %d %s, want 401 %q", op.ID, r.Status, r.Raw, msgInvalidJWT)
		}
	}
}

func TestCompanyTokens(t *testing.T) {
	h := newOAuthHarness(t)
	h.do(http.MethodPut, "/__admin/oauth/consent", "", map[string]any{"userType": UserTypeCompany}).must(t, http.StatusOK)
	company := h.install("scope", agencyScopes).str("access_token")
	minted := h.do(http.MethodPost, "/__admin/tokens", "", map[string]any{"userType": UserTypeCompany, "companyId": companyX}).must(t, http.StatusCreated)
	if minted.str("userType") != UserTypeCompany || minted.str("companyId") != companyX || minted.Body["locationId"] != nil {
		t.Fatalf("admin Company token: %s", minted.Raw)
	}
	noWrite := h.do(http.MethodPost, "/__admin/tokens", "", map[string]any{"userType": UserTypeCompany, "companyId": companyX,
		"scopes": []string{ScopeOAuthReadonly}}).must(t, http.StatusCreated).str("access_token")

	t.Run("refused on contacts routes", func(t *testing.T) {
		for _, tok := range []string{company, minted.str("access_token")} {
			for _, path := range []string{"/contacts/" + ctAlice, "/contacts/?locationId=" + locA} {
				r := h.do(http.MethodGet, path, tok, nil)
				if r.Status != http.StatusUnauthorized || r.str("message") != msgScope {
					t.Errorf("GET %s: %d %s, want 401 %q", path, r.Status, r.Raw, msgScope)
				}
			}
		}
	})

	t.Run("mints location tokens", func(t *testing.T) {
		for _, tok := range []string{company, minted.str("access_token")} {
			r := h.form("/oauth/locationToken", tok, url.Values{"companyId": {companyX}, "locationId": {locA}}).must(t, http.StatusOK)
			if r.str("userType") != UserTypeLocation || r.str("locationId") != locA || r.str("companyId") != companyX ||
				r.str("token_type") != "Bearer" || r.Body["expires_in"] != 86399.0 || r.str("appId") != strings.Split(DefaultClientID, "-")[0] {
				t.Errorf("location token: %s", r.Raw)
			}
			if r.Header.Get("X-RateLimit-Remaining") == "" {
				t.Errorf("no rate-limit headers")
			}
			h.getAlice(r.str("access_token")).must(t, http.StatusOK)
			h.do(http.MethodGet, "/contacts/"+ctCarol, r.str("access_token"), nil).must(t, http.StatusBadRequest)
		}
	})

	cases := []struct {
		name, token string
		form        url.Values
		hdr         map[string]string
		status      int
		msg         string
	}{
		{"another company", company, url.Values{"companyId": {companyY}, "locationId": {locB}}, nil, 403, "The token does not have access to this company."},
		{"a location of another company", company, url.Values{"companyId": {companyX}, "locationId": {locB}}, nil, 400, "Location with id " + locB + " not found in company " + companyX},
		{"unknown location", company, url.Values{"companyId": {companyX}, "locationId": {"NoSuchLocation000000"}}, nil, 400, "not found in company"},
		{"a location token", h.full, url.Values{"companyId": {companyX}, "locationId": {locA}}, nil, 401, msgScope},
		{"without oauth.write", noWrite, url.Values{"companyId": {companyX}, "locationId": {locA}}, nil, 401, msgScope},
		{"no token", "", url.Values{"companyId": {companyX}, "locationId": {locA}}, nil, 401, msgInvalidJWT},
		{"no Version header", company, url.Values{"companyId": {companyX}, "locationId": {locA}}, map[string]string{"Version": ""}, 401, msgVersionMissing},
		{"missing locationId", company, url.Values{"companyId": {companyX}}, nil, 422, "locationId should not be empty"},
		{"unknown field", company, url.Values{"companyId": {companyX}, "locationId": {locA}, "userType": {"Location"}}, nil, 422, "property userType should not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			hdr := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
			for k, v := range tc.hdr {
				hdr[k] = v
			}
			r := h.doHeaders(http.MethodPost, "/oauth/locationToken", tc.token, tc.form.Encode(), hdr)
			msg := r.str("message")
			if tc.status == 422 {
				msg = strings.Join(strs(r.Body["message"]), "; ")
			}
			if r.Status != tc.status || !strings.Contains(msg, tc.msg) {
				t.Fatalf("got %d %s, want %d %q", r.Status, r.Raw, tc.status, tc.msg)
			}
		})
	}

	t.Run("revoking the agency grant revokes its location tokens", func(t *testing.T) {
		h.do(http.MethodPut, "/__admin/oauth/consent", "", map[string]any{"userType": UserTypeCompany}).must(t, http.StatusOK)
		agency := h.install("scope", agencyScopes)
		loc := h.form("/oauth/locationToken", agency.str("access_token"), url.Values{"companyId": {companyX}, "locationId": {locA}}).must(t, http.StatusOK)
		rt := agency.str("refresh_token")
		h.token("grant_type", GrantRefreshToken, "refresh_token", rt, "user_type", UserTypeCompany).must(t, http.StatusOK)
		h.token("grant_type", GrantRefreshToken, "refresh_token", rt, "user_type", UserTypeCompany).must(t, http.StatusBadRequest)
		mustInvalidJWT(t, h.getAlice(loc.str("access_token")))
	})
}

// TestTokenTTL: access tokens from the token endpoint live Config.TokenTTL.
func TestTokenTTL(t *testing.T) {
	h := newOAuthHarness(t, func(c *Config) { c.TokenTTL = time.Hour })
	r := h.install()
	if r.Body["expires_in"] != 3600.0 {
		t.Fatalf("expires_in %v, want 3600", r.Body["expires_in"])
	}
	h.clock.Add(time.Hour - time.Second)
	h.getAlice(r.str("access_token")).must(t, http.StatusOK)
	h.clock.Add(time.Second)
	mustInvalidJWT(t, h.getAlice(r.str("access_token")))
}

// TestConcurrentRefresh: refreshes racing with one refresh token rotate it once; every other one
// is a reuse, which revokes the grant (why clients such as the official SDK merge concurrent
// refreshes).
func TestConcurrentRefresh(t *testing.T) {
	h := newOAuthHarness(t)
	rt := h.install().str("refresh_token")
	const n = 8
	statuses := make(chan result, n)
	for range n {
		go func() {
			v := url.Values{"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}, "grant_type": {GrantRefreshToken}, "refresh_token": {rt}}
			req, _ := http.NewRequest(http.MethodPost, h.http.URL+"/oauth/token", strings.NewReader(v.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := h.http.Client().Do(req)
			if err != nil {
				statuses <- result{}
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			r := result{Status: resp.StatusCode, Raw: raw}
			_ = json.Unmarshal(raw, &r.Body)
			statuses <- r
		}()
	}
	var won []result
	for range n {
		if r := <-statuses; r.Status == http.StatusOK {
			won = append(won, r)
		} else if r.Status != http.StatusBadRequest {
			t.Errorf("status %d %s", r.Status, r.Raw)
		}
	}
	if len(won) != 1 {
		t.Fatalf("%d refreshes succeeded, want exactly 1", len(won))
	}
	mustInvalidJWT(t, h.getAlice(won[0].str("access_token")))
}
