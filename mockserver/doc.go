// Package mockserver owns the stateful mock of the Contacts API: an http.Handler that serves every
// operation of the spec package's document with the live API's semantics, its OAuth 2.0 endpoints,
// rate limits with the live headers, and an admin API under /__admin/.
//
// A request goes through, in this order: route (from the document) → Version header →
// authentication (401) → token type, scope and location (401/403) → rate limit (429) → request
// validation against the document (400/422) → fault injection (admin-defined latency, errors,
// drops) → handler (state) → [strict: response validation] → write → request journal. Routes, validation, scopes and success statuses all come from the document; nothing here
// repeats them in a second table.
//
// mockserver imports spec, fixtures and its own store package. It never imports contract, suites,
// Ginkgo or Gomega.
package mockserver
