// Package proxy owns the validating, recording proxy in front of the live Contacts API: an
// http.Handler that forwards every request unchanged (method, path, query, headers with
// Authorization, body) and returns the target's answer unchanged, while it checks each answer
// against our document (status declared, headers, body and formats as declared), keeps a drift log
// of the deviations with the operation, status and JSON pointer (served at GET /__admin/drift),
// counts answers per operation, and can hand what passed to a recorder. It passes the target's
// 429s on and never retries on its own; it never logs a token, a query string or a body.
//
// proxy imports spec, bridge/shape and bridge/record, and nothing else of this module (never
// mockserver, contract or suites).
package proxy
