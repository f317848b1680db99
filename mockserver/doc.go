// Package mockserver is the stateful mock of the Contacts API: an http.Handler that serves every
// operation of the spec package's document with the live API's semantics, its OAuth 2.0 endpoints,
// rate limits with the live headers, webhooks, and an admin API under /__admin/.
//
// This package is the request pipeline, the API's handlers and the one place answers (errors
// included) are written, with the table from error codes to the live status and wording
// (errors.go). The subsystems it wires together live in their own packages, each behind small
// interfaces whose state Config.State can replace: state (contacts; memory is the default),
// oauth (tokens, grants, consent), ratelimit (the 429 decision), faults, journal, webhooks
// (signing and delivery), admin (the /__admin/ API), clock and ids.
//
// A request goes through, in this order: route (from the document) → Version header →
// authentication, oauth.Server.Verify (401) → token type, scope and location (401/403) → rate
// limit, ratelimit.Limiter.Take (429) → request validation against the document (400/422) →
// fault injection, faults.Store.Pick (latency, errors, drops) → handler (state.Store) → [strict:
// response validation] → write → request journal (journal.Journal). Routes, validation, scopes and
// success statuses all come from the document; nothing here repeats them in a second table.
//
// mockserver imports spec, fixtures and its subsystem packages. It never imports contract,
// suites, Ginkgo or Gomega, and no subsystem imports it.
package mockserver
