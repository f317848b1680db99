// Package standin owns the "live stand-in": an http.Handler wrapper that makes a mock's answers
// drift from our document in known, named ways (a renamed field, a string for a number, a missing
// header, a changed status, a date in another format), so that the proxy and the drift report can
// be tested without the internet: each change must be found, named and classed.
//
// standin imports spec and nothing else of this module; it wraps any handler (the mock's in the
// tests and in cmd/contactsstandin) without knowing what is inside.
package standin
