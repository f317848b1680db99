package mockserver

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestAdminClock(t *testing.T) {
	cases := []struct {
		name   string
		body   any
		status int
		offset string // after the call
		msg    string
	}{
		{"forward by a day and an hour", map[string]any{"advance": "25h"}, 200, "25h0m0s", ""},
		{"zero", map[string]any{"advance": "0s"}, 200, "0s", ""},
		{"negative", map[string]any{"advance": "-1h"}, 422, "0s", "advance must not be negative"},
		{"not a duration", map[string]any{"advance": "tomorrow"}, 422, "0s", "advance must be a Go duration"},
		{"a number", map[string]any{"advance": 3600}, 422, "0s", "advance"},
		{"missing", map[string]any{}, 422, "0s", "advance or offset should not be empty"},
		{"empty", map[string]any{"advance": ""}, 422, "0s", "advance should not be empty"},
		{"offset ahead", map[string]any{"offset": "2h30m"}, 200, "2h30m0s", ""},
		{"offset zero", map[string]any{"offset": "0s"}, 200, "0s", ""},
		{"negative offset", map[string]any{"offset": "-1s"}, 422, "0s", "offset must not be negative"},
		{"offset not a duration", map[string]any{"offset": "now"}, 422, "0s", "offset must be a Go duration"},
		{"both", map[string]any{"advance": "1h", "offset": "1h"}, 422, "0s", "either advance or offset"},
		{"unknown field", map[string]any{"advance": "1h", "to": "2030-01-01"}, 422, "0s", "property to should not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t)
			r := h.do(http.MethodPost, "/__admin/clock", "", tc.body).must(t, tc.status)
			if tc.msg != "" && !strings.Contains(strings.Join(strs(r.Body["message"]), "; "), tc.msg) {
				t.Errorf("message %s, want %q in it", r.Raw, tc.msg)
			}
			got := h.do(http.MethodGet, "/__admin/clock", "", nil).must(t, http.StatusOK)
			if got.str("offset") != tc.offset {
				t.Errorf("offset %q, want %q", got.str("offset"), tc.offset)
			}
			d, _ := time.ParseDuration(tc.offset)
			if want := mustTime(testTime).Add(d).Format(time.RFC3339Nano); got.str("now") != want {
				t.Errorf("now %q, want %q", got.str("now"), want)
			}
		})
	}
}

// TestClockSetBack: a clock moved ahead and set back again leaves the mock as it was: a token
// that expired meanwhile works again, even after a sweep ran while the clock was ahead, and what
// is written after the clock went back is stamped no earlier than what was written before.
func TestClockSetBack(t *testing.T) {
	h := newHarness(t)
	list := "/contacts/?locationId=" + locA + "&limit=1"
	h.do(http.MethodGet, list, h.full, nil).must(t, http.StatusOK)
	before := h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "email": "before@example.com"}).must(t, http.StatusCreated)

	h.do(http.MethodPost, "/__admin/clock", "", map[string]any{"advance": "25h"}).must(t, http.StatusOK)
	h.do(http.MethodGet, list, h.full, nil).must(t, http.StatusUnauthorized)
	ahead := h.mint(locA, ScopeContactsReadonly, ScopeContactsWrite)
	during := h.do(http.MethodPost, "/contacts/", ahead, map[string]any{"locationId": locA, "email": "during@example.com"}).must(t, http.StatusCreated)
	for range 2 * minSweep { // sweeps of the token table run while the clock is ahead
		h.mint(locA, ScopeContactsReadonly)
	}

	h.do(http.MethodPost, "/__admin/clock", "", map[string]any{"offset": "0s"}).must(t, http.StatusOK)
	h.do(http.MethodGet, list, h.full, nil).must(t, http.StatusOK)
	after := h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "email": "after@example.com"}).must(t, http.StatusCreated)

	added := func(r result) string { return r.Body["contact"].(map[string]any)["dateAdded"].(string) }
	if !(added(before) < added(during) && added(during) <= added(after)) {
		t.Errorf("dateAdded before %s, during %s, after %s: want them in the order of the writes", added(before), added(during), added(after))
	}
	page := h.do(http.MethodGet, "/contacts/?locationId="+locA+"&limit=2", h.full, nil).must(t, http.StatusOK)
	first := page.Body["contacts"].([]any)[0].(map[string]any)
	if first["email"] != "after@example.com" {
		t.Errorf("newest first lists %v first, want the contact written last", first["email"])
	}
}

func TestAdminClients(t *testing.T) {
	h := newOAuthHarness(t)
	created := h.addClient(map[string]any{"redirectUris": []string{"https://app.example.com/cb"}, "scopes": []string{ScopeContactsReadonly}})
	id, secret := created.str("clientId"), created.str("clientSecret")
	if !regexp.MustCompile(`^[0-9a-f]{24}-[0-9a-z]{8}$`).MatchString(id) {
		t.Errorf("generated clientId %q, want <24 hex>-<8 lower-case letters and digits>", id)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(secret) {
		t.Errorf("generated clientSecret %q, want a UUID", secret)
	}
	if g := strs(created.Body["grants"]); strings.Join(g, ",") != "authorization_code,refresh_token" {
		t.Errorf("grants %v, want the default grants", g)
	}

	t.Run("listed without secrets", func(t *testing.T) {
		r := h.do(http.MethodGet, "/__admin/clients", "", nil).must(t, http.StatusOK)
		if bytes.Contains(r.Raw, []byte(secret)) || bytes.Contains(r.Raw, []byte(DefaultClientSecret)) || bytes.Contains(r.Raw, []byte("clientSecret")) {
			t.Fatalf("a secret is listed: %s", r.Raw)
		}
		list, _ := r.Body["clients"].([]any)
		if len(list) != 2 || list[0].(map[string]any)["clientId"] != DefaultClientID || list[1].(map[string]any)["clientId"] != id {
			t.Fatalf("clients %s, want the default client then %s", r.Raw, id)
		}
		def := list[0].(map[string]any)
		if strings.Join(strs(def["redirectUris"]), " ") != strings.Join(DefaultRedirectURIs, " ") {
			t.Errorf("default client's redirectUris %v", def["redirectUris"])
		}
	})

	t.Run("the new client installs and exchanges", func(t *testing.T) {
		code := h.code(consentQuery("client_id", id, "redirect_uri", "https://app.example.com/cb", "scope", ScopeContactsReadonly))
		r := h.form("/oauth/token", "", url.Values{"client_id": {id}, "client_secret": {secret}, "grant_type": {GrantAuthorizationCode}, "code": {code}}).must(t, http.StatusOK)
		if r.str("scope") != ScopeContactsReadonly {
			t.Errorf("scope %q", r.str("scope"))
		}
		// The default client's loopback rule does not extend to it.
		if c := h.consent("/oauth/chooselocation", consentQuery("client_id", id), nil); c.Status != http.StatusBadRequest {
			t.Errorf("loopback redirect for a client without it: %d", c.Status)
		}
	})

	cases := []struct {
		name   string
		body   map[string]any
		status int
		msg    string
	}{
		{"explicit id and secret", map[string]any{"clientId": "my-app", "clientSecret": "my-secret", "redirectUris": []string{RedirectLoopback},
			"grants": []string{GrantClientCredentials}, "companyId": companyX}, 201, ""},
		{"existing id", map[string]any{"clientId": DefaultClientID, "redirectUris": []string{RedirectLoopback}}, 400, "exists already"},
		{"no redirect URI", map[string]any{}, 422, "redirectUris should not be empty"},
		{"relative redirect URI", map[string]any{"redirectUris": []string{"/cb"}}, 422, "not an absolute URI"},
		{"star inside", map[string]any{"redirectUris": []string{"https://*.example.com/cb"}}, 422, "only a final * is allowed"},
		{"fragment", map[string]any{"redirectUris": []string{"https://app.example.com/cb#x"}}, 422, "must not have a fragment"},
		{"unknown grant", map[string]any{"redirectUris": []string{RedirectLoopback}, "grants": []string{"password"}}, 422, "grants must be one of"},
		{"scope with a space", map[string]any{"redirectUris": []string{RedirectLoopback}, "scopes": []string{"a b"}}, 422, "scopes must be single words"},
		{"unknown field", map[string]any{"redirectUris": []string{RedirectLoopback}, "name": "x"}, 422, "property name should not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(http.MethodPost, "/__admin/clients", "", tc.body).must(t, tc.status)
			msg := r.str("message") + strings.Join(strs(r.Body["message"]), "; ")
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %s, want %q in it", r.Raw, tc.msg)
			}
		})
	}
}

func TestAdminConsent(t *testing.T) {
	cases := []struct {
		name   string
		body   map[string]any
		status int
		msg    string
	}{
		{"all settings", map[string]any{"locationId": locB, "deny": true, "userType": UserTypeCompany}, 200, ""},
		{"defaults", map[string]any{}, 200, ""},
		{"unknown location", map[string]any{"locationId": "NoSuchLocation000000"}, 400, "Location with id NoSuchLocation000000 not found"},
		{"bad userType", map[string]any{"userType": "Agency"}, 422, "userType must be one of the following values"},
		{"unknown field", map[string]any{"scope": "x"}, 422, "property scope should not exist"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newOAuthHarness(t)
			r := h.do(http.MethodPut, "/__admin/oauth/consent", "", tc.body).must(t, tc.status)
			msg := r.str("message") + strings.Join(strs(r.Body["message"]), "; ")
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %s, want %q in it", r.Raw, tc.msg)
			}
			got := h.do(http.MethodGet, "/__admin/oauth/consent", "", nil).must(t, http.StatusOK)
			if tc.status == http.StatusOK {
				for k, v := range tc.body {
					if got.Body[k] != v {
						t.Errorf("%s = %v, want %v", k, got.Body[k], v)
					}
				}
			}
			h.do(http.MethodPost, "/__admin/reset", "", nil).must(t, http.StatusOK)
			if got := h.do(http.MethodGet, "/__admin/oauth/consent", "", nil); string(got.Raw) != `{"deny":false}` {
				t.Errorf("after reset: %s", got.Raw)
			}
		})
	}
}

func TestAdminMintTokenUserType(t *testing.T) {
	cases := []struct {
		name   string
		body   map[string]any
		status int
		want   map[string]any
		msg    string
	}{
		{"Location by default", map[string]any{"locationId": locA}, 201, map[string]any{"userType": UserTypeLocation, "locationId": locA}, ""},
		{"Company", map[string]any{"userType": UserTypeCompany, "companyId": companyX}, 201,
			map[string]any{"userType": UserTypeCompany, "companyId": companyX, "scope": "contacts.readonly contacts.write oauth.readonly oauth.write"}, ""},
		{"Company with scopes", map[string]any{"userType": UserTypeCompany, "companyId": companyX, "scopes": []string{ScopeOAuthWrite}}, 201,
			map[string]any{"scope": ScopeOAuthWrite}, ""},
		{"unknown company", map[string]any{"userType": UserTypeCompany, "companyId": "NoSuchCompany0000000"}, 400, nil, "Company with id NoSuchCompany0000000 not found"},
		{"Company without companyId", map[string]any{"userType": UserTypeCompany}, 422, nil, "companyId should not be empty"},
		{"Company with a locationId", map[string]any{"userType": UserTypeCompany, "companyId": companyX, "locationId": locA}, 422, nil, "locationId must be empty"},
		{"Location with a companyId", map[string]any{"locationId": locA, "companyId": companyX}, 422, nil, "companyId is for Company tokens only"},
		{"unknown userType", map[string]any{"userType": "Agency", "locationId": locA}, 422, nil, "userType must be one of"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newOAuthHarness(t)
			r := h.do(http.MethodPost, "/__admin/tokens", "", tc.body).must(t, tc.status)
			for k, v := range tc.want {
				if r.Body[k] != v {
					t.Errorf("%s = %v, want %v", k, r.Body[k], v)
				}
			}
			msg := r.str("message") + strings.Join(strs(r.Body["message"]), "; ")
			if !strings.Contains(msg, tc.msg) {
				t.Errorf("message %s, want %q in it", r.Raw, tc.msg)
			}
		})
	}
}

// TestOAuthSecretsNotLogged runs installations, refreshes and refusals with a debug logger and
// checks that no secret, code or token appears in the log.
func TestOAuthSecretsNotLogged(t *testing.T) {
	var buf bytes.Buffer
	h := newOAuthHarness(t, func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	code := h.code(consentQuery())
	first := h.token("grant_type", GrantAuthorizationCode, "code", code).must(t, http.StatusOK)
	second := h.token("grant_type", GrantRefreshToken, "refresh_token", first.str("refresh_token")).must(t, http.StatusOK)
	h.token("grant_type", GrantRefreshToken, "refresh_token", first.str("refresh_token")).must(t, http.StatusBadRequest)
	h.token("client_secret", "a-wrong-secret", "grant_type", GrantRefreshToken, "refresh_token", "x").must(t, http.StatusUnauthorized)
	h.token("grant_type", GrantAuthorizationCode, "code", code).must(t, http.StatusBadRequest)
	log := buf.String()
	if !strings.Contains(log, "oauth: tokens issued") {
		t.Fatalf("nothing logged: %q", log)
	}
	for _, secret := range []string{DefaultClientSecret, "a-wrong-secret", code, first.str("access_token"), first.str("refresh_token"),
		second.str("access_token"), second.str("refresh_token")} {
		if strings.Contains(log, secret) {
			t.Errorf("the log holds a secret %q:\n%s", secret, log)
		}
	}
}

// minSweep is the size from which oauth.MemoryStore sweeps what has expired.
const minSweep = 1024
