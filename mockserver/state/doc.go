// Package state owns the mock's domain: locations and, per location, contacts with their tasks,
// notes, tags, followers, campaign and workflow memberships, appointments and businesses; the
// inputs and queries of the API's operations; the events a change emits; and the errors a change
// can be refused with, as codes (NotFound, Duplicate, Conflict, Invalid) rather than wire wording.
//
// Store is the interface every backend implements (memory/ today; a shared backend next) and that
// statetest holds them all to. Every method takes a context and returns an error, since a backend
// may live in another process.
//
// state imports fixtures (the resource types and the document format) and jsonwire (a contact's
// JSON) and nothing else of this module; it imports no HTTP code.
package state
