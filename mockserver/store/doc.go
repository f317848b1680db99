// Package store owns the mock's state: locations and, per location, contacts with their tasks,
// notes, tags, followers, campaign and workflow memberships, appointments and businesses. Every
// operation is one atomic step with the live API's semantics (duplicate rules, upsert, tag set
// operations, cascade delete, paging) and emits the events a webhook sender needs.
//
// Store is the interface handlers use, so that a shared backend can replace Memory without touching
// them. Values go in and come out as copies: nothing a caller holds aliases the state.
//
// store imports fixtures (the resource types and the document format) and nothing else of this
// module.
package store
