package mockserver

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestConsent(t *testing.T) {
	limited := map[string]any{"clientId": "limited", "clientSecret": "s", "redirectUris": []string{testRedirect}, "scopes": []string{ScopeContactsReadonly}}
	cases := []struct {
		name   string
		path   string // default /oauth/chooselocation
		query  url.Values
		accept string
		setup  func(h *harness)
		status int
		// For a redirect: the target without query, and the parameters it must carry ("*": any
		// non-empty value; "-": absent).
		target string
		params map[string]string
		// For a refusal without redirect: the RFC 6749 error and a part of the message.
		code, msg string
	}{
		{name: "approves with a code and the state", query: consentQuery(), status: 302, target: testRedirect,
			params: map[string]string{"code": "*", "state": testState, "error": "-"}},
		{name: "the marketplace's /v2 path", path: "/v2/oauth/chooselocation", query: consentQuery(), status: 302, target: testRedirect,
			params: map[string]string{"code": "*", "state": testState}},
		{name: "no state, none echoed", query: consentQuery("state", "-"), status: 302, target: testRedirect,
			params: map[string]string{"code": "*", "state": "-"}},
		{name: "the redirect URI's own query is kept", query: consentQuery("redirect_uri", "http://localhost:3000/cb?app=1"), status: 302,
			target: "http://localhost:3000/cb", params: map[string]string{"code": "*", "app": "1"}},
		{name: "any loopback port and path", query: consentQuery("redirect_uri", "http://[::1]:41234/oauth/done"), status: 302,
			target: "http://[::1]:41234/oauth/done", params: map[string]string{"code": "*"}},
		{name: "a Zapier app's return URL", query: consentQuery("redirect_uri", "https://zapier.com/dashboard/auth/oauth/return/App123456CLIAPI/"), status: 302,
			target: "https://zapier.com/dashboard/auth/oauth/return/App123456CLIAPI/", params: map[string]string{"code": "*", "state": testState}},
		{name: "no scope asked", query: consentQuery("scope", "-"), status: 302, target: testRedirect, params: map[string]string{"code": "*"}},
		{name: "no response_type", query: consentQuery("response_type", "-"), status: 302, target: testRedirect,
			params: map[string]string{"error": "invalid_request", "state": testState, "code": "-"}},
		{name: "response_type other than code", query: consentQuery("response_type", "token"), status: 302, target: testRedirect,
			params: map[string]string{"error": "unsupported_response_type", "state": testState, "code": "-"}},
		{name: "scope beyond the client's", query: consentQuery("client_id", "limited"), setup: func(h *harness) { h.addClient(limited) },
			status: 302, target: testRedirect, params: map[string]string{"error": "invalid_scope", "state": testState, "code": "-"}},
		{name: "scope within the client's", query: consentQuery("client_id", "limited", "scope", ScopeContactsReadonly),
			setup: func(h *harness) { h.addClient(limited) }, status: 302, target: testRedirect, params: map[string]string{"code": "*"}},
		{name: "the user denies", query: consentQuery(), status: 302, target: testRedirect,
			setup: func(h *harness) {
				h.do(http.MethodPut, "/__admin/oauth/consent", "", map[string]any{"deny": true}).must(h.t, http.StatusOK)
			},
			params: map[string]string{"error": "access_denied", "error_description": "*", "state": testState, "code": "-"}},
		{name: "unknown location", query: consentQuery("locationId", "NoSuchLocation000000"), status: 302, target: testRedirect,
			params: map[string]string{"error": "invalid_request", "state": testState, "code": "-"}},
		{name: "Company installation of a location without company", query: consentQuery(), status: 302, target: testRedirect,
			setup: func(h *harness) {
				h.do(http.MethodPost, "/__admin/locations", "", map[string]any{"id": "LocNoCompanyAAAAAAAA", "name": "Solo"}).must(h.t, http.StatusCreated)
				h.do(http.MethodPut, "/__admin/oauth/consent", "", map[string]any{"userType": UserTypeCompany, "locationId": "LocNoCompanyAAAAAAAA"}).must(h.t, http.StatusOK)
			},
			params: map[string]string{"error": "invalid_request", "code": "-"}},
		{name: "unknown client", query: consentQuery("client_id", "nope"), status: 400, code: "invalid_client", msg: "Unknown client_id nope"},
		{name: "no redirect_uri", query: consentQuery("redirect_uri", "-"), status: 400, code: "invalid_request", msg: "redirect_uri is required"},
		{name: "unregistered redirect_uri", query: consentQuery("redirect_uri", "https://evil.example/cb"), status: 400, code: "invalid_request", msg: "is not registered"},
		{name: "loopback look-alike", query: consentQuery("redirect_uri", "http://localhost.evil.example/cb"), status: 400, code: "invalid_request", msg: "is not registered"},
		{name: "redirect_uri with a fragment", query: consentQuery("redirect_uri", testRedirect+"#x"), status: 400, code: "invalid_request", msg: "is not registered"},
		{name: "unregistered redirect_uri, asked by a browser", query: consentQuery("redirect_uri", "https://evil.example/cb"), accept: "text/html,*/*",
			status: 400, code: "invalid_request", msg: "is not registered"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newOAuthHarness(t)
			if tc.setup != nil {
				tc.setup(h)
			}
			path := tc.path
			if path == "" {
				path = "/oauth/chooselocation"
			}
			hdr := map[string]string{}
			if tc.accept != "" {
				hdr["Accept"] = tc.accept
			}
			r := h.consent(path, tc.query, hdr)
			if r.Status != tc.status {
				t.Fatalf("status %d, want %d; Location %v; body %s", r.Status, tc.status, r.Redirect, r.Raw)
			}
			if tc.status != http.StatusFound {
				if r.Redirect != nil {
					t.Fatalf("redirected to %v; a refused consent must not redirect", r.Redirect)
				}
				if tc.accept != "" {
					if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(r.Raw), tc.code) {
						t.Fatalf("Content-Type %q, body %s; want an HTML page naming %s", ct, r.Raw, tc.code)
					}
					return
				}
				mustOAuthError(t, r.result, tc.status, tc.code, tc.msg)
				return
			}
			u := *r.Redirect
			u.RawQuery = ""
			if u.String() != tc.target {
				t.Errorf("redirected to %s, want %s", u.String(), tc.target)
			}
			for k, want := range tc.params {
				got, present := r.Params[k]
				switch {
				case want == "-" && present:
					t.Errorf("%s=%q present, want absent", k, got)
				case want == "*" && (len(got) != 1 || got[0] == ""):
					t.Errorf("%s missing", k)
				case want != "-" && want != "*" && (len(got) != 1 || got[0] != want):
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", r.Header.Get("Cache-Control"))
			}
		})
	}
}

// TestConsentOtherMethods: only GET (and HEAD) is the consent page; anything else is an unknown
// route of the API.
func TestConsentOtherMethods(t *testing.T) {
	h := newOAuthHarness(t)
	r := h.do(http.MethodPost, "/oauth/chooselocation", "", nil).must(t, http.StatusNotFound)
	if r.str("message") != "Cannot POST /oauth/chooselocation" {
		t.Errorf("message %q", r.str("message"))
	}
}

// TestConsentChoosesTheInstallation: which location and user type a code is for.
func TestConsentChoosesTheInstallation(t *testing.T) {
	cases := []struct {
		name     string
		settings map[string]any // PUT /__admin/oauth/consent; nil for none
		query    []string
		userType string
		location string
		company  string
	}{
		{"the first location by default", nil, nil, UserTypeLocation, locA, companyX},
		{"the locationId of the consent URL", nil, []string{"locationId", locB}, UserTypeLocation, locB, companyY},
		{"the admin setting", map[string]any{"locationId": locB}, nil, UserTypeLocation, locB, companyY},
		{"the URL wins over the admin setting", map[string]any{"locationId": locB}, []string{"locationId", locA}, UserTypeLocation, locA, companyX},
		{"a Company installation", map[string]any{"userType": UserTypeCompany, "locationId": locB}, nil, UserTypeCompany, "", companyY},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newOAuthHarness(t)
			if tc.settings != nil {
				h.do(http.MethodPut, "/__admin/oauth/consent", "", tc.settings).must(t, http.StatusOK)
			}
			r := h.install(tc.query...)
			if r.str("userType") != tc.userType || r.str("locationId") != tc.location || r.str("companyId") != tc.company {
				t.Errorf("got userType %q locationId %q companyId %q, want %q %q %q", r.str("userType"), r.str("locationId"),
					r.str("companyId"), tc.userType, tc.location, tc.company)
			}
		})
	}
}
