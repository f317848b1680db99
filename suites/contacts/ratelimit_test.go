package contacts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
)

// limitedTarget is a client whose (client, location) bucket belongs to these specs alone, with the
// limits the mock was started with (the live ones, in process): a location of its own (see ownMock).
// Exhausting it disturbs nothing else.
func limitedTarget(ctx SpecContext) (c *contract.Client, location string) {
	GinkgoHelper()
	m := newOwnMock(ctx)
	return m.client, m.location
}

// maxBurst is the largest burst the specs exhaust (the live one is 100).
const maxBurst = 1000

// exhaust spends the burst window of c's bucket and returns the first 429.
func exhaust(ctx SpecContext, c *contract.Client, location string) *contract.Exchange {
	GinkgoHelper()
	path := "/contacts/" + q("locationId", location, "limit", "1")
	first := call(ctx, c, http.MethodGet, path, nil, contract.NoRetry())
	Expect(first).To(contract.HaveStatus(http.StatusOK))
	burst, err := strconv.Atoi(first.ResponseHeader.Get("X-RateLimit-Max"))
	Expect(err).NotTo(HaveOccurred())
	Expect(burst).To(BeNumerically("<=", maxBurst))
	for i := 0; i <= burst; i++ {
		ex := call(ctx, c, http.MethodGet, path, nil, contract.NoRetry())
		if ex.Status == http.StatusTooManyRequests {
			return ex
		}
		Expect(ex).To(contract.HaveStatus(http.StatusOK))
		Expect(ex).To(contract.HaveRateLimitHeaders())
	}
	Fail("no 429 after X-RateLimit-Max requests")
	return nil
}

var _ = Describe("Rate limits", Ordered, contract.Area(contract.LabelRateLimit), contract.MockOnly(), func() {
	var (
		limited  *contract.Client
		location string
	)
	BeforeAll(func(ctx SpecContext) {
		limited, location = limitedTarget(ctx)
		probe := call(ctx, limited, http.MethodGet, "/contacts/"+q("locationId", location, "limit", "1"), nil, contract.NoRetry())
		Expect(probe).To(contract.HaveStatus(http.StatusOK))
		burst, err := strconv.Atoi(probe.ResponseHeader.Get("X-RateLimit-Max"))
		Expect(err).NotTo(HaveOccurred())
		if burst > maxBurst {
			Skip(fmt.Sprintf("the target's burst (X-RateLimit-Max: %d) is too large to exhaust in a spec; run the mock with the live limits", burst))
		}
	}, NodeTimeout(specTimeout))

	It("answers 429 with Retry-After and the X-RateLimit-* headers once the burst is spent", func(ctx SpecContext) {
		ex := exhaust(ctx, limited, location)
		Expect(ex).To(contract.BeRateLimited())
		Expect(ex.ResponseHeader.Get("Retry-After")).NotTo(BeEmpty(), "the mock's addition, on by default")
		Expect(ex.ResponseHeader.Get("X-RateLimit-Remaining")).To(Equal("0"))
		Expect(ex).To(contract.HaveAPIError(http.StatusTooManyRequests, Not(BeEmpty())))
	}, SpecTimeout(specTimeout))

	It("refuses every operation with 429 while the window lasts", func(ctx SpecContext) {
		reqs := sweepRequests()
		for _, op := range sweepOps() {
			r := reqs[op.ID]
			var body any
			if r.body != nil {
				body = r.body
			}
			path := r.path
			if op.LocationIn == "query" {
				path, _ = withLocation(op, location)
			} else if op.LocationIn == "body" {
				_, b := withLocation(op, location)
				body = b
			}
			Expect(call(ctx, limited, op.Method, path, body, contract.NoRetry())).To(contract.BeRateLimited(), "operation %s", op.ID)
		}
	}, SpecTimeout(specTimeout))

	It("is honoured by the client: it waits what Retry-After says, then gives up after its retries", func(ctx SpecContext) {
		patient, recorded := recordingRetries(limited, 2)
		ex := call(ctx, patient, http.MethodGet, "/contacts/"+q("locationId", location, "limit", "1"), nil)
		Expect(ex).To(contract.BeRateLimited())
		Expect(ex.Attempt).To(Equal(2))
		retryAfter, err := strconv.Atoi(ex.ResponseHeader.Get("Retry-After"))
		Expect(err).NotTo(HaveOccurred())
		waits := recorded()
		Expect(waits).To(HaveLen(2))
		for _, w := range waits {
			Expect(w).To(BeNumerically("~", time.Duration(retryAfter)*time.Second, time.Second))
		}
	}, SpecTimeout(specTimeout))
})

// header reads an integer response header (failing the spec when it is not one).
func header(ex *contract.Exchange, name string) int {
	GinkgoHelper()
	n, err := strconv.Atoi(ex.ResponseHeader.Get(name))
	Expect(err).NotTo(HaveOccurred(), "header %s of\n%s", name, ex)
	return n
}

// recordingRetries returns a copy of c whose retry policy records its waits instead of sleeping.
func recordingRetries(c *contract.Client, maxRetries int) (*contract.Client, func() []time.Duration) {
	var mu sync.Mutex
	var waits []time.Duration
	patient := c.With(func(c *contract.Client) {
		c.Retry = contract.RetryPolicy{MaxRetries: maxRetries, MaxDelay: time.Minute, Sleep: func(ctx context.Context, d time.Duration) error {
			mu.Lock()
			defer mu.Unlock()
			waits = append(waits, d) // recorded, not slept: the spec stays fast
			return ctx.Err()
		}}
	})
	return patient, func() []time.Duration {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(waits)
	}
}

// These specs change the mock's limits (PUT /__admin/ratelimit) and move its clock: each has a mock
// (or location) of its own, and they run Serial so that on a shared mock nothing else runs
// meanwhile. The limits are restored when each ends.
var _ = Describe("Rate limits set through the admin API", Serial, contract.Area(contract.LabelRateLimit), contract.MockOnly(), func() {
	It("allows exactly the burst, then answers 429 with Retry-After and the headers, until the window reopens on the mock's clock", func(ctx SpecContext) {
		m := newOwnMock(ctx)
		limits := m.setRateLimits(ctx, func(l *contract.AdminRateLimits) { l.Burst, l.Window, l.Off = 3, "10s", false })
		Expect(limits.Burst).To(Equal(3))
		for i := 1; i <= 3; i++ {
			ex := call(ctx, m.client, http.MethodGet, m.list(), nil, contract.NoRetry())
			Expect(ex).To(contract.HaveStatus(http.StatusOK))
			Expect(ex).To(contract.HaveRateLimitHeaders())
			Expect(header(ex, "X-RateLimit-Max")).To(Equal(3))
			Expect(header(ex, "X-RateLimit-Interval-Milliseconds")).To(Equal(10000))
			Expect(header(ex, "X-RateLimit-Remaining")).To(Equal(3-i), "request %d", i)
		}
		refused := call(ctx, m.client, http.MethodGet, m.list(), nil, contract.NoRetry())
		Expect(refused).To(contract.BeRateLimited())
		Expect(refused).To(contract.HaveAPIError(http.StatusTooManyRequests, ContainSubstring("Rate limit exceeded")))
		Expect(header(refused, "X-RateLimit-Remaining")).To(Equal(0))
		Expect(header(refused, "X-RateLimit-Daily-Remaining")).To(BeNumerically(">", 0), "a burst refusal leaves the daily quota")
		Expect(header(refused, "Retry-After")).To(BeNumerically("~", 5, 5), "at most the window, in whole seconds")

		m.advanceClock(ctx, 10*time.Second)
		reopened := call(ctx, m.client, http.MethodGet, m.list(), nil, contract.NoRetry())
		Expect(reopened).To(contract.HaveStatus(http.StatusOK))
		Expect(header(reopened, "X-RateLimit-Remaining")).To(Equal(2))
	}, SpecTimeout(specTimeout))

	It("without Retry-After, as live documents a 429, the client waits X-RateLimit-Interval-Milliseconds", func(ctx SpecContext) {
		m := newOwnMock(ctx)
		off := false
		limits := m.setRateLimits(ctx, func(l *contract.AdminRateLimits) { l.Burst, l.Window, l.Off, l.RetryAfter = 1, "7s", false, &off })
		Expect(limits.RetryAfter).To(HaveValue(BeFalse()))
		Expect(call(ctx, m.client, http.MethodGet, m.list(), nil, contract.NoRetry())).To(contract.HaveStatus(http.StatusOK))
		patient, waits := recordingRetries(m.client, 2)
		refused := call(ctx, patient, http.MethodGet, m.list(), nil)
		Expect(refused).To(contract.BeRateLimited())
		Expect(refused.ResponseHeader.Values("Retry-After")).To(BeEmpty())
		Expect(refused.Attempt).To(Equal(2), "retried without Retry-After")
		Expect(waits()).To(Equal([]time.Duration{7 * time.Second, 7 * time.Second}), "one X-RateLimit-Interval-Milliseconds window each")
	}, SpecTimeout(specTimeout))

	It("spends the daily quota: 429 with X-RateLimit-Daily-Remaining 0, which the client does not retry, until the next UTC day", func(ctx SpecContext) {
		m := newOwnMock(ctx)
		m.setRateLimits(ctx, func(l *contract.AdminRateLimits) { l.Burst, l.Window, l.Daily, l.Off = 100, "10s", 3, false })
		var last *contract.Exchange
		for i := 1; i <= 3; i++ {
			last = call(ctx, m.client, http.MethodGet, m.list(), nil, contract.NoRetry())
			Expect(last).To(contract.HaveStatus(http.StatusOK))
			Expect(header(last, "X-RateLimit-Limit-Daily")).To(Equal(3))
			Expect(header(last, "X-RateLimit-Daily-Remaining")).To(Equal(3-i), "request %d", i)
		}
		patient, waits := recordingRetries(m.client, 3)
		refused := call(ctx, patient, http.MethodGet, m.list(), nil)
		Expect(refused).To(contract.BeRateLimited())
		Expect(header(refused, "X-RateLimit-Daily-Remaining")).To(Equal(0))
		Expect(header(refused, "Retry-After")).To(BeNumerically("~", 43200, 43200), "until the day ends")
		Expect(refused.Attempt).To(Equal(0), "waiting seconds does not help a spent day: no retry")
		Expect(waits()).To(BeEmpty())

		By("the next UTC day on the mock's clock opens a new quota")
		reset := time.UnixMilli(int64(header(last, "X-RateLimit-Daily-Reset")))
		now, err := m.admin.Clock(ctx)
		Expect(err).NotTo(HaveOccurred())
		Expect(reset.Sub(now.Now)).To(BeNumerically("~", 12*time.Hour, 12*time.Hour), "X-RateLimit-Daily-Reset is the end of the mock's day")
		m.advanceClock(ctx, reset.Sub(now.Now)+time.Second)
		next := call(ctx, m.client, http.MethodGet, m.list(), nil, contract.NoRetry())
		Expect(next).To(contract.HaveStatus(http.StatusOK))
		Expect(header(next, "X-RateLimit-Daily-Remaining")).To(Equal(2))
	}, SpecTimeout(specTimeout))

	It("counts an agency token's location-token requests per (client, company)", contract.Area(contract.LabelOAuth), func(ctx SpecContext) {
		m := newOwnMock(ctx)
		m.setRateLimits(ctx, func(l *contract.AdminRateLimits) { l.Burst, l.Window, l.Off = 1, "10s", false })
		agency, err := m.admin.MintCompanyToken(ctx, m.company, nil, suiteTokenLife)
		Expect(err).NotTo(HaveOccurred())
		form := url.Values{"companyId": {m.company}, "locationId": {m.location}}
		Expect(locationTokenRequest(ctx, m.client, agency, form, contract.NoRetry())).To(contract.HaveStatus(http.StatusOK))
		refused := locationTokenRequest(ctx, m.client, agency, form, contract.NoRetry())
		Expect(refused).To(contract.BeRateLimited())
		By("the location's own bucket is another one")
		Expect(call(ctx, m.client, http.MethodGet, m.list(), nil, contract.NoRetry())).To(contract.HaveStatus(http.StatusOK))
	}, SpecTimeout(specTimeout))
})
