package mockserver

import (
	"net/http"
	"testing"

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
