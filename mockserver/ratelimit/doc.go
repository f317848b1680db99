// Package ratelimit decides whether a request may go on or is answered 429: the live API's limits
// per (OAuth client, location), a burst window and a daily quota, counted exactly in fixed windows.
// The limits in force and the counts are state, shared by every replica of a mock, so they sit
// behind the Settings and Counter interfaces (MemorySettings and MemoryCounter are the in-process
// defaults); time is a parameter of every call.
//
// ratelimit imports nothing of this module. It must not import the mock's handlers (mockserver)
// or the admin API.
package ratelimit
