// Package admin is the mock's admin API under /__admin/ (the WireMock convention): health, reset,
// locations, tokens, OAuth clients and consent, the clock, seed and snapshot, appointments and
// businesses, rate limits, faults, the request journal and webhooks. gorilla/mux routes it. It works
// over narrow interfaces of the subsystems (Deps), and answers through the mock's one wire writer
// (Deps.Respond, Deps.Fail), so its errors read like the API's.
//
// admin imports fixtures, spec and the subsystem packages (state, oauth, ratelimit, faults,
// journal, webhooks, clock). It must not import the mock's handlers (mockserver), and no subsystem
// imports it.
package admin
