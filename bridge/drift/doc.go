// Package drift owns the drift report: the same probes (read-only unless writes are allowed) sent
// to the live API and to a mock, each answer checked against our document, and the two compared
// side by side by their shapes — statuses, header presence, JSON pointer sets, types, value
// formats, id order, error bodies — never by their values. Each difference is classed: the live
// API differs from our document, the mock differs from the live API, or both (and, should it
// happen, the mock differs from our document).
//
// The mock is either one the caller names or one started in this process and seeded with what
// the probes read from the live API (the caller supplies the starter; see bridge/inprocess).
//
// drift imports spec, fixtures, bridge/shape and bridge/record, and nothing else of this module
// (never mockserver, contract or suites).
package drift
