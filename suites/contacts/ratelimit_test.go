package contacts_test

import (
	"context"
	"fmt"
	"net/http"
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
