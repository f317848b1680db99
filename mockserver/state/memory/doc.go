// Package memory is the in-memory state.Store: the mock's state in this process, behind one
// read-write lock, with the indexes that keep lists, cursors, tag filters and sorted searches
// costing what the page costs. It is the default of mockserver.Config; statetest holds it to the
// same conformance suite as any other backend.
//
// memory imports fixtures, state and ids, and no HTTP code; nothing of this package is imported by
// the mock outside New.
package memory
