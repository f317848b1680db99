// Package contract owns the library the contract suites are written with: the target
// configuration (flags and environment), an HTTP client that records every exchange, retries 429s
// politely and validates every response against the spec package's document, Gomega matchers
// (HaveStatus, ConformToSpec, BeRateLimited, HaveAPIError, HaveOAuthError), unique names for the
// data a run creates, label helpers, a coverage recorder of operations and statuses, and a client of
// the mock's admin API over HTTP (locations, tokens, OAuth clients and consent, the clock, rate
// limits, faults, the request journal, webhooks), so that it drives a mock in another process the
// same way as one in this process.
//
// contract imports spec and fixtures of this module, Ginkgo and Gomega. It never imports
// mockserver: a build that only targets a live API never links the mock. Only suites/ wires the
// mock into tests.
package contract
