package contacts_test

import (
	"context"
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
)

// addFault puts a fault in force on the target's mock, scoped to this process's location so that it
// never touches another process's requests, and takes it out when the spec ends.
func addFault(ctx context.Context, f contract.AdminFault) contract.AdminFaultState {
	GinkgoHelper()
	admin := needsAdmin()
	f.ID = tgt.names.Name("fault")
	f.LocationID = tgt.location
	out, err := admin.AddFault(ctx, f)
	Expect(err).NotTo(HaveOccurred())
	Expect(out.ID).To(Equal(f.ID))
	DeferCleanup(func(ctx SpecContext) {
		Expect(admin.DeleteFault(ctx, f.ID)).To(Succeed())
	}, NodeTimeout(10*time.Second))
	return out
}

// journal returns the journal's entries of one path of this process's location, newest first,
// without the rate limiter's own refusals: on a mock with the live limits the process's bucket may
// run out mid-spec, and the client then waits and retries, which adds a 429 (without a fault) to
// the journal between the requests a spec looks at.
func journal(ctx context.Context, operationID, path string) []contract.AdminRequest {
	GinkgoHelper()
	_, reqs, err := needsAdmin().Requests(ctx, url.Values{"operationId": {operationID}, "limit": {"200"}})
	Expect(err).NotTo(HaveOccurred())
	var out []contract.AdminRequest
	for _, r := range reqs {
		if r.Status == http.StatusTooManyRequests && r.Fault == "" {
			continue
		}
		if r.LocationID == tgt.location && r.Path == path {
			out = append(out, r)
		}
	}
	return out
}

// faulted is the full client for answers a fault makes up on purpose: a status the document does not
// declare for the operation must not fail the spec, nor count in the coverage report as an
// undeclared status. The exchange still carries its conformance verdict.
func faulted() *contract.Client {
	return tgt.full.With(func(c *contract.Client) { c.OnNonConforming, c.Coverage = nil, nil })
}

var _ = Describe("Faults and the request journal", contract.Mutating(contract.LabelFaults), contract.MockOnly(), func() {
	It("answers a fault set through the admin API in the next response, and journals it with the fault's id", func(ctx SpecContext) {
		id := createContact(ctx, nil)
		path := "/contacts/" + id
		f := addFault(ctx, contract.AdminFault{OperationID: "get-contact", Status: http.StatusServiceUnavailable,
			Headers: map[string]string{"Retry-After": "7"}, Count: 1})

		ex := call(ctx, faulted(), http.MethodGet, path, nil)
		Expect(ex).To(contract.HaveAPIError(http.StatusServiceUnavailable, "Service Unavailable"))
		Expect(ex.ResponseHeader.Get("Retry-After")).To(Equal("7"))
		Expect(ex.Conformance).To(HaveOccurred(), "the document declares no 503 for get-contact: the client notices")
		Expect(get(ctx, path)).To(contract.HaveStatus(http.StatusOK), "the fault applied once")

		entries := journal(ctx, "get-contact", path)
		Expect(len(entries)).To(BeNumerically(">=", 2))
		Expect(entries[0].Status).To(Equal(http.StatusOK))
		Expect(entries[0].Fault).To(BeEmpty())
		Expect(entries[1].Status).To(Equal(http.StatusServiceUnavailable))
		Expect(entries[1].Fault).To(Equal(f.ID))
		Expect(entries[1].Message).To(Equal("Service Unavailable"))
		Expect(entries[1].Method).To(Equal(http.MethodGet))
		Expect(entries[1].RateLimit).NotTo(BeNil(), "a fault acts after the rate limit, which counted the request")
	}, SpecTimeout(specTimeout))

	It("applies a fault with a count that many times to the requests it matches, then lists it expired", func(ctx SpecContext) {
		id := createContact(ctx, nil)
		path := "/contacts/" + id
		f := addFault(ctx, contract.AdminFault{Method: http.MethodGet, Path: "/contacts/{contactId}", Status: http.StatusInternalServerError, Count: 2})
		Expect(f.Remaining).To(HaveValue(Equal(2)))

		Expect(call(ctx, faulted(), http.MethodGet, path, nil)).To(contract.HaveAPIError(http.StatusInternalServerError, "Internal Server Error"))
		Expect(get(ctx, path+"/notes")).To(contract.HaveStatus(http.StatusOK), "a request the fault does not match is left alone")
		Expect(put(ctx, path, obj{"city": "Faultless"})).To(contract.HaveStatus(http.StatusOK), "nor is another method")
		Expect(call(ctx, faulted(), http.MethodGet, path, nil)).To(contract.HaveAPIError(http.StatusInternalServerError, "Internal Server Error"))
		Expect(get(ctx, path)).To(contract.HaveStatus(http.StatusOK), "the count is spent")

		state, err := needsAdmin().Fault(ctx, f.ID)
		Expect(err).NotTo(HaveOccurred())
		Expect(state.Hits).To(Equal(2))
		Expect(state.Remaining).To(HaveValue(Equal(0)))
		Expect(state.Expired).To(BeTrue())
		statuses := []int{}
		for _, e := range journal(ctx, "get-contact", path) {
			statuses = append(statuses, e.Status)
		}
		Expect(statuses[:3]).To(Equal([]int{http.StatusOK, http.StatusInternalServerError, http.StatusInternalServerError}))
	}, SpecTimeout(specTimeout))

	It("makes the recording client retry a forced 429 after its Retry-After", contract.Area(contract.LabelRateLimit), func(ctx SpecContext) {
		id := createContact(ctx, nil)
		path := "/contacts/" + id
		f := addFault(ctx, contract.AdminFault{OperationID: "get-contact", Status: http.StatusTooManyRequests, Count: 1})
		// The client records its waits instead of sleeping, so the one 429 it sees must be the
		// fault's: it gets a rate-limit bucket of its own, a token of another OAuth client (buckets
		// are per client and location), which a mock with the live limits cannot have spent.
		a := registerApp(ctx, needsAdmin(), contract.AdminClient{})
		access, _, _ := exchangeCode(ctx, tgt.anon, a, code(ctx, tgt.anon, a, a.consentQuery(tgt.location)), tgt.location)
		patient, waits := recordingRetries(tgt.full.WithToken(access), 3)
		mark := tgt.history.Mark()

		ex := call(ctx, patient, http.MethodGet, path, nil)
		Expect(ex).To(contract.HaveStatus(http.StatusOK))
		Expect(ex.Attempt).To(Equal(1), "one retry")
		var attempts []*contract.Exchange
		for _, e := range tgt.history.Since(mark) {
			if e.OperationID == "get-contact" {
				attempts = append(attempts, e)
			}
		}
		Expect(attempts).To(HaveLen(2))
		forced := attempts[0]
		Expect(forced).To(contract.BeRateLimited(), "a forced 429 looks like the limiter's")
		Expect(forced.Conformance).NotTo(HaveOccurred())
		retryAfter := header(forced, "Retry-After")
		Expect(waits()).To(ConsistOf(BeNumerically("~", time.Duration(retryAfter)*time.Second, time.Second)))

		entries := journal(ctx, "get-contact", path)
		Expect(entries[0].Status).To(Equal(http.StatusOK))
		Expect(entries[1].Status).To(Equal(http.StatusTooManyRequests))
		Expect(entries[1].Fault).To(Equal(f.ID))
	}, SpecTimeout(specTimeout))
})
