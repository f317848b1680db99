package contacts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
	"github.com/contactsmock/contactsmock/mockserver"
)

// limitedTarget is a client whose (client, location) bucket has the live limits and belongs to
// these specs alone: on the in-process target a second mock, on a mock in another process a new
// location. Exhausting it disturbs nothing else.
func limitedTarget(ctx SpecContext) (c *contract.Client, location string) {
	GinkgoHelper()
	if tgt.mock != nil {
		location = newID()
		srv, err := mockserver.New(mockserver.Config{Initial: mockDocument(location, newID(), newID()), StrictResponses: true})
		Expect(err).NotTo(HaveOccurred())
		hs := httptest.NewServer(srv)
		DeferCleanup(hs.Close)
		admin := &contract.Admin{BaseURL: hs.URL, HTTP: hs.Client()}
		token, err := admin.MintToken(ctx, location, nil, 0)
		Expect(err).NotTo(HaveOccurred())
		c = tgt.full.With(func(x *contract.Client) { x.BaseURL, x.HTTP, x.Token = hs.URL, hs.Client(), token })
		return c, location
	}
	admin := needsAdmin()
	loc, err := admin.CreateLocation(ctx, contract.AdminLocation{Name: tgt.names.Name("contract-ratelimit")})
	Expect(err).NotTo(HaveOccurred())
	token, err := admin.MintToken(ctx, loc.ID, nil, 0)
	Expect(err).NotTo(HaveOccurred())
	return tgt.full.WithToken(token), loc.ID
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
		var mu sync.Mutex
		var waits []time.Duration
		patient := limited.With(func(c *contract.Client) {
			c.Retry = contract.RetryPolicy{MaxRetries: 2, MaxDelay: time.Minute, Sleep: func(ctx context.Context, d time.Duration) error {
				mu.Lock()
				defer mu.Unlock()
				waits = append(waits, d) // recorded, not slept: the spec stays fast
				return ctx.Err()
			}}
		})
		ex := call(ctx, patient, http.MethodGet, "/contacts/"+q("locationId", location, "limit", "1"), nil)
		Expect(ex).To(contract.BeRateLimited())
		Expect(ex.Attempt).To(Equal(2))
		retryAfter, err := strconv.Atoi(ex.ResponseHeader.Get("Retry-After"))
		Expect(err).NotTo(HaveOccurred())
		Expect(waits).To(HaveLen(2))
		for _, w := range waits {
			Expect(w).To(BeNumerically("~", time.Duration(retryAfter)*time.Second, time.Second))
		}
	}, SpecTimeout(specTimeout))
})
