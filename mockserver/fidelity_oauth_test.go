package mockserver

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

// TestTokenAnswersCarryTheInstallationFields (§4.1): the token endpoint answers planId and
// isBulkInstallation, and for a Company token installToFutureLocations and approveAllLocations.
func TestTokenAnswersCarryTheInstallationFields(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.Initial.Locations[0].CompanyID = "CompanyXAAAAAAAAAAAA" })
	loc := h.install().Body
	if id, _ := loc["planId"].(string); !fixtures.ValidObjectID(id) || loc["isBulkInstallation"] != false {
		t.Errorf("Location answer %v", loc)
	}
	for _, k := range []string{"installToFutureLocations", "approveAllLocations"} {
		if _, present := loc[k]; present {
			t.Errorf("a Location answer has %s", k)
		}
	}
	h.do(http.MethodPut, "/__admin/oauth/consent", "", map[string]any{"userType": UserTypeCompany}).must(t, http.StatusOK)
	company := h.token("grant_type", GrantAuthorizationCode, "code", h.code(consentQuery()), "user_type", UserTypeCompany).must(t, http.StatusOK).Body
	if company["planId"] != loc["planId"] || company["isBulkInstallation"] != true ||
		company["installToFutureLocations"] != true || company["approveAllLocations"] != true {
		t.Errorf("Company answer %v", company)
	}
}

// TestPrivateIntegrationTokens (§1, §3.13, §4.3): the admin API mints pit- tokens for a location
// (or an agency); they are bearer tokens with their scopes, never expire, are counted per location
// by the limiter like an app's tokens, and an unknown one is 401 "Invalid Private Integration token".
func TestPrivateIntegrationTokens(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.RateLimits = RateLimits{Burst: 2, Window: 10 * time.Second}
		c.Initial.Locations[0].CompanyID = "CompanyXAAAAAAAAAAAA"
	})
	mint := func(body map[string]any) map[string]any {
		return h.do(http.MethodPost, "/__admin/tokens", "", body).must(t, http.StatusCreated).Body
	}
	pit := mint(map[string]any{"privateIntegration": true, "locationId": locA, "scopes": []string{ScopeContactsReadonly}})
	tok, _ := pit["access_token"].(string)
	if !strings.HasPrefix(tok, "pit-") || len(tok) != len("pit-")+36 || pit["userType"] != UserTypeLocation || pit["locationId"] != locA {
		t.Fatalf("minted %v", pit)
	}
	if _, present := pit["expires_in"]; present {
		t.Errorf("a PIT has expires_in: %v", pit)
	}
	r := h.do(http.MethodGet, "/contacts/"+ctAlice, tok, nil).must(t, http.StatusOK)
	if r.Header.Get("X-Ratelimit-Remaining") != "1" {
		t.Errorf("X-RateLimit-Remaining %q after the PIT's first request", r.Header.Get("X-Ratelimit-Remaining"))
	}
	if r := h.do(http.MethodPut, "/contacts/"+ctAlice, tok, map[string]any{"city": "x"}); r.Status != http.StatusUnauthorized || r.str("message") != msgScope {
		t.Errorf("a read-only PIT wrote: %d %s", r.Status, r.Raw)
	}
	h.advance("8760h") // a year on: a PIT does not expire
	h.do(http.MethodGet, "/contacts/"+ctAlice, tok, nil).must(t, http.StatusOK)
	second := mint(map[string]any{"privateIntegration": true, "locationId": locA})["access_token"].(string)
	h.do(http.MethodGet, "/contacts/"+ctAlice, second, nil).must(t, http.StatusOK)
	if r := h.do(http.MethodGet, "/contacts/"+ctAlice, tok, nil); r.Status != http.StatusTooManyRequests {
		t.Errorf("the location's PITs share one bucket of 2: third request %d", r.Status)
	}
	if r := h.do(http.MethodGet, "/contacts/"+ctAlice, h.mint(locA, ScopeContactsReadonly), nil); r.Status != http.StatusOK {
		t.Errorf("an OAuth app's bucket is its own: %d", r.Status)
	}
	unknown := h.do(http.MethodGet, "/contacts/"+ctAlice, "pit-00000000-0000-4000-8000-000000000000", nil).must(t, http.StatusUnauthorized)
	if unknown.str("message") != "Invalid Private Integration token" {
		t.Errorf("unknown PIT: %s", unknown.Raw)
	}
	agency := mint(map[string]any{"privateIntegration": true, "userType": UserTypeCompany, "companyId": "CompanyXAAAAAAAAAAAA"})
	if !strings.HasPrefix(agency["access_token"].(string), "pit-") || agency["companyId"] != "CompanyXAAAAAAAAAAAA" {
		t.Errorf("agency PIT %v", agency)
	}
	h.do(http.MethodPost, "/__admin/tokens", "", map[string]any{"privateIntegration": true, "locationId": locA, "expiresIn": 60}).must(t, http.StatusUnprocessableEntity)
	h.do(http.MethodDelete, "/__admin/locations/"+locA, "", nil).must(t, http.StatusOK)
	if r := h.do(http.MethodGet, "/contacts/?locationId="+locA, second, nil); r.Status != http.StatusUnauthorized {
		t.Errorf("a PIT of a deleted location answered %d", r.Status)
	}
}

// TestInstalledLocations (§4.2): GET /oauth/installedLocations lists an agency's locations with
// whether the app is installed on each (a grant in force), when, and the paging the vendor gives.
func TestInstalledLocations(t *testing.T) {
	h := newOAuthHarness(t, func(c *Config) {
		c.Initial.Locations = append(c.Initial.Locations, fixtures.Location{ID: "LocCCCCCCCCCCCCCCCCC", Name: "Charlie Clinic", CompanyID: companyX})
	})
	h.install() // the default client's app on location A
	agency := h.mintCompany(companyX)
	list := func(q string) map[string]any {
		return h.do(http.MethodGet, "/oauth/installedLocations?companyId="+companyX+"&appId="+appOfDefaultClient+q, agency, nil).must(t, http.StatusOK).Body
	}
	all := list("")
	locs := all["locations"].([]any)
	if all["count"] != float64(2) || len(locs) != 2 || all["installToFutureLocations"] != false {
		t.Fatalf("answer %v", all)
	}
	a, c := locs[0].(map[string]any), locs[1].(map[string]any)
	if a["_id"] != locA || a["isInstalled"] != true || a["versionId"] != appOfDefaultClient || a["installedAt"] != "2026-03-01T12:00:00.000Z" {
		t.Errorf("location A %v", a)
	}
	if c["_id"] != "LocCCCCCCCCCCCCCCCCC" || c["isInstalled"] != false || c["installedAt"] != nil {
		t.Errorf("location C %v", c)
	}
	if got := list("&isInstalled=false")["locations"].([]any); len(got) != 1 || got[0].(map[string]any)["_id"] != "LocCCCCCCCCCCCCCCCCC" {
		t.Errorf("isInstalled=false: %v", got)
	}
	if got := list("&query=CHARLIE"); got["count"] != float64(1) {
		t.Errorf("query: %v", got)
	}
	if got := list("&skip=1&limit=1"); got["count"] != float64(2) || len(got["locations"].([]any)) != 1 || got["locations"].([]any)[0].(map[string]any)["_id"] != "LocCCCCCCCCCCCCCCCCC" {
		t.Errorf("paging: %v", got)
	}
	if got := h.do(http.MethodGet, "/oauth/installedLocations?companyId="+companyX+"&appId=000000000000000000000000", agency, nil).must(t, http.StatusOK).Body; got["locations"].([]any)[0].(map[string]any)["isInstalled"] != false {
		t.Errorf("another app is installed: %v", got)
	}
	h.do(http.MethodGet, "/oauth/installedLocations?companyId="+companyY+"&appId="+appOfDefaultClient, agency, nil).must(t, http.StatusForbidden)
	h.do(http.MethodGet, "/oauth/installedLocations?companyId="+companyX+"&appId="+appOfDefaultClient, h.full, nil).must(t, http.StatusUnauthorized)
	h.do(http.MethodGet, "/oauth/installedLocations?companyId="+companyX, agency, nil).must(t, http.StatusUnprocessableEntity)
}

// mintCompany mints an agency token for a company with the admin scopes.
func (h *harness) mintCompany(company string) string {
	h.t.Helper()
	tok, err := h.srv.MintCompanyToken(company, h.srv.auth.AdminTokenScopes(UserTypeCompany), 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok.AccessToken
}
