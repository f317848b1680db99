// Package clock owns the mock's time: a base (the wall clock, or a test's ManualClock) plus an
// offset that the admin API moves. The offset is state, shared by every replica of a mock, so it
// sits behind the Offset interface; MemoryOffset is the in-process default.
//
// clock imports nothing of this module and no HTTP code.
package clock
