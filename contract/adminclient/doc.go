// Package adminclient is a client of the mock's admin API (/__admin/): locations, tokens, the
// clock, OAuth clients and consent, rate limits, faults, the request journal and webhooks, for a
// mock in this process or in another one.
//
// It speaks only HTTP: it imports nothing of the mock (mockserver), of the contract library's
// matchers, Ginkgo or Gomega, so a test that only drives a mock links none of them.
package adminclient
