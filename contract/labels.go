package contract

import "github.com/onsi/ginkgo/v2"

// Labels of the contract suites. Filter with --ginkgo.label-filter, e.g. '!mock-only' against a
// live deployment, or 'auth' to run only the auth specs.
const (
	// LabelMockOnly marks specs that need the mock's admin API (seeding, minting tokens, locations).
	LabelMockOnly = "mock-only"
	// LabelMutating marks specs that create, change or delete data (only their own).
	LabelMutating  = "mutating"
	LabelAuth      = "auth"
	LabelContacts  = "contacts"
	LabelTasks     = "tasks"
	LabelNotes     = "notes"
	LabelTags      = "tags"
	LabelSearch    = "search"
	LabelBulk      = "bulk"
	LabelRateLimit = "ratelimit"
	LabelOAuth     = "oauth"
	LabelWebhooks  = "webhooks"
	// LabelFaults marks specs that inject failures through the mock's admin API and read its
	// request journal (always with LabelMockOnly).
	LabelFaults = "faults"
	// LabelScenario marks end-to-end integration scenarios.
	LabelScenario = "scenario"
)

// AllLabels lists every label above.
var AllLabels = []string{
	LabelMockOnly, LabelMutating, LabelAuth, LabelContacts, LabelTasks, LabelNotes, LabelTags,
	LabelSearch, LabelBulk, LabelRateLimit, LabelOAuth, LabelWebhooks, LabelFaults, LabelScenario,
}

// MockOnly is the Ginkgo decorator for specs that need the mock's admin API.
func MockOnly() ginkgo.Labels { return ginkgo.Label(LabelMockOnly) }

// Mutating is the Ginkgo decorator for specs that write, plus their areas.
func Mutating(areas ...string) ginkgo.Labels {
	return ginkgo.Label(append([]string{LabelMutating}, areas...)...)
}

// Area is the Ginkgo decorator for one or more area labels.
func Area(areas ...string) ginkgo.Labels { return ginkgo.Label(areas...) }

// LiveFilter returns the label filter that keeps a run off mock-only specs, combined with the
// user's filter (which may be empty).
func LiveFilter(user string) string {
	if user == "" {
		return "!" + LabelMockOnly
	}
	return "(" + user + ") && !" + LabelMockOnly
}
