// Package faults owns fault injection: the faults an admin defines (latency, errors, dropped or
// truncated answers), how a request is matched against them, and the seeded random draws that
// decide whether a fault with a probability applies. The faults in force and their counters are
// state, shared by replicas, so they sit behind the Store interface; Memory is the in-process
// default.
//
// faults imports spec and fixtures and nothing else of this module. It must not import the mock's
// handlers (mockserver) or the admin API.
package faults
