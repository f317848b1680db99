package contacts_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/suites/internal/breaker"
)

// ownMock is a mock whose global settings (its clock, its rate limits, its consent page) a spec may
// change, with a location of its own in a company of its own:
//
//   - on the in-process target, a second mock that belongs to the spec alone (strict, and broken the
//     same way as the target's in the self-check), closed when the spec ends;
//   - on a mock in another process, the target itself with a new location (a fresh rate-limit
//     bucket), deleted when the spec ends. Its settings are shared by every parallel process, so
//     the specs that use it are decorated Serial (Ginkgo runs them alone, after the parallel ones)
//     and put back what they change with DeferCleanup: limits, consent settings, and the clock
//     (advanceClock), which goes back to where it was, so that the tokens it expired for a moment
//     (the user's among them) work again.
type ownMock struct {
	admin *contract.Admin
	// location belongs to company, and is the only location of that company.
	location, company string
	// client sends a full token of location; anon sends no token. Both record into the suite's
	// history and coverage and fail the spec on a non-conforming response.
	client, anon *contract.Client
	// clockKept: the clock's offset at the first advanceClock is noted and put back at the end.
	clockKept bool
}

// newOwnMock sets up an ownMock for the running spec (or container, from BeforeAll).
func newOwnMock(ctx SpecContext) *ownMock {
	GinkgoHelper()
	m := &ownMock{}
	base, hc := tgt.base, tgt.full.HTTP
	if tgt.mock != nil {
		m.location, m.company = newID(), newID()
		doc := mockDocument(m.location, newID(), newID())
		doc.Locations[0].CompanyID = m.company
		srv, err := mockserver.New(mockserver.Config{Initial: doc, StrictResponses: true})
		Expect(err).NotTo(HaveOccurred())
		hs := httptest.NewServer(breaker.Wrap(srv, os.Getenv(breaker.EnvMode)))
		DeferCleanup(func(ctx SpecContext) {
			hs.Close()
			Expect(srv.Close(ctx)).To(Succeed(), "the spec's own mock stops its webhook deliveries")
			Expect(srv.Violations()).To(BeEmpty(), "the spec's own mock produced responses or webhooks that do not conform to the document")
		}, NodeTimeout(10*time.Second))
		base, hc = hs.URL, hs.Client()
		hc.Timeout = cfg.RequestTimeout
		m.admin = &contract.Admin{BaseURL: base, HTTP: hc}
	} else {
		m.admin = needsAdmin()
		m.company = newID()
		m.location = tempLocation(ctx, m.admin, contract.AdminLocation{Name: tgt.names.Name("contract-own"), CompanyID: m.company}).ID
	}
	token, err := m.admin.MintToken(ctx, m.location, nil, suiteTokenLife)
	Expect(err).NotTo(HaveOccurred())
	m.client = tgt.full.With(func(c *contract.Client) { c.BaseURL, c.HTTP, c.Token = base, hc, token })
	m.anon = m.client.WithToken("")
	return m
}

// tempLocation creates a location on a mock for the running spec (or container) and deletes it,
// with everything in it and every token minted for it, when the spec ends.
func tempLocation(ctx SpecContext, admin *contract.Admin, loc contract.AdminLocation) contract.AdminLocation {
	GinkgoHelper()
	out, err := admin.CreateLocation(ctx, loc)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx SpecContext) {
		Expect(admin.DeleteLocation(ctx, out.ID)).To(Succeed(), "delete the location %s the spec created", out.ID)
	}, NodeTimeout(10*time.Second))
	return out
}

// list is a cheap read of the mock's location: the API call the OAuth and rate-limit specs make.
func (m *ownMock) list() string {
	return "/contacts/" + q("locationId", m.location, "limit", "1")
}

// advanceClock moves the mock's clock forward by d for the rest of the spec; when the spec ends the
// clock goes back to where it was before the spec's first advance.
func (m *ownMock) advanceClock(ctx SpecContext, d time.Duration) {
	GinkgoHelper()
	if !m.clockKept {
		was, err := m.admin.ClockOffset(ctx)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(func(ctx SpecContext) {
			_, err := m.admin.SetClockOffset(ctx, was)
			Expect(err).NotTo(HaveOccurred(), "put the clock back")
		}, NodeTimeout(10*time.Second))
		m.clockKept = true
	}
	_, err := m.admin.AdvanceClock(ctx, d)
	Expect(err).NotTo(HaveOccurred())
}

// setRateLimits changes the mock's limits for the rest of the spec and restores the previous ones
// when it ends.
func (m *ownMock) setRateLimits(ctx SpecContext, change func(*contract.AdminRateLimits)) contract.AdminRateLimits {
	GinkgoHelper()
	before, err := m.admin.RateLimits(ctx)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx SpecContext) {
		_, err := m.admin.SetRateLimits(ctx, before)
		Expect(err).NotTo(HaveOccurred(), "restore the rate limits")
	}, NodeTimeout(10*time.Second))
	want := before
	change(&want)
	got, err := m.admin.SetRateLimits(ctx, want)
	Expect(err).NotTo(HaveOccurred())
	return got
}

// setConsent changes the mock's consent page for the rest of the spec and restores the previous
// settings when it ends.
func (m *ownMock) setConsent(ctx SpecContext, c contract.AdminConsent) {
	GinkgoHelper()
	before, err := m.admin.Consent(ctx)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func(ctx SpecContext) {
		Expect(m.admin.SetConsent(ctx, before)).To(Succeed(), "restore the consent settings")
	}, NodeTimeout(10*time.Second))
	Expect(m.admin.SetConsent(ctx, c)).To(Succeed())
}

// noRedirects is a copy of an HTTP client that returns redirects instead of following them.
func noRedirects(hc *http.Client) *http.Client {
	if hc == nil {
		hc = &http.Client{Timeout: cfg.RequestTimeout}
	}
	cp := *hc
	cp.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &cp
}
