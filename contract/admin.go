package contract

import "github.com/contactsmock/contactsmock/contract/adminclient"

// The admin API's client lives in contract/adminclient, which links neither Ginkgo nor Gomega (the
// mocktest package hands it to tests of other projects). The names below keep the suites'
// spelling.

// Admin is a client of the mock's admin API (adminclient.Client).
type Admin = adminclient.Client

// AdminError is an admin call the mock refused.
type AdminError = adminclient.Error

// AdminAPI is what a probe of a target's admin API found.
type AdminAPI = adminclient.API

// The outcomes of Admin.Probe.
const (
	NoAdminAPI      = adminclient.Absent
	AdminAPIOpen    = adminclient.Open
	AdminAPIRefused = adminclient.Refused
)

// The admin API's resources.
type (
	AdminLocation     = adminclient.Location
	AdminUser         = adminclient.User
	AdminClient       = adminclient.OAuthClient
	AdminConsent      = adminclient.Consent
	AdminClock        = adminclient.Clock
	AdminRateLimits   = adminclient.RateLimits
	AdminFault        = adminclient.Fault
	AdminFaultState   = adminclient.FaultState
	AdminRequest      = adminclient.Request
	AdminWebhook      = adminclient.Webhook
	AdminWebhookStats = adminclient.WebhookStats
	AdminDelivery     = adminclient.Delivery
)
