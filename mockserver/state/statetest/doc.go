// Package statetest is the conformance suite of state.Store: Run holds a backend to the semantics
// the mock's handlers rely on (the live API's duplicate rules, upsert, set operations on tags,
// cascades, paging and cursors, search, error codes) and to the event contract (every change's
// events, in order, delivered after the change and before the write returns, with no lock of the
// store held). The memory backend runs it; any other backend must.
//
// statetest imports fixtures and state, and testing; it imports no HTTP code and nothing of the
// mock's handlers.
package statetest
