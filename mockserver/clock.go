package mockserver

import (
	"sync/atomic"
	"time"
)

// Clock is the mock's time: the wall clock (or any base) plus an offset that the admin API can move
// forward, so token expiry, rate-limit windows and daily quotas can be tested without waiting, and
// set back (never behind the base), so a test leaves the mock as it found it. It is safe for
// concurrent use and costs one atomic load per reading.
type Clock struct {
	base   func() time.Time
	offset atomic.Int64 // nanoseconds added to base
}

// NewClock returns a clock reading base (time.Now when nil).
func NewClock(base func() time.Time) *Clock {
	if base == nil {
		base = time.Now
	}
	return &Clock{base: base}
}

// Now returns the mock's current time.
func (c *Clock) Now() time.Time { return c.base().Add(time.Duration(c.offset.Load())) }

// Advance moves the clock forward by d (a negative d is refused by the admin API, not here).
func (c *Clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// Offset reports how far the clock has been moved from its base.
func (c *Clock) Offset() time.Duration { return time.Duration(c.offset.Load()) }

// SetOffset puts the clock d ahead of its base (0: back on its base). The admin API refuses a
// negative d: the mock's clock never runs behind its base, so what has expired on the base has
// expired for good (see Base).
func (c *Clock) SetOffset(d time.Duration) { c.offset.Store(int64(d)) }

// Base reads the clock's base without the offset: the earliest the clock can read from now on, as
// the offset is never negative. Sweeps of expired tokens and codes go by it, so that a token that
// only expired because the clock was moved ahead is valid again when the clock is set back.
func (c *Clock) Base() time.Time { return c.base() }

// Reset puts the clock back on its base.
func (c *Clock) Reset() { c.offset.Store(0) }

// ManualClock is a base for tests: time stands still until Set or Add.
type ManualClock struct{ ns atomic.Int64 }

// NewManualClock returns a manual clock at t.
func NewManualClock(t time.Time) *ManualClock {
	m := &ManualClock{}
	m.ns.Store(t.UnixNano())
	return m
}

// Now returns the clock's time.
func (m *ManualClock) Now() time.Time { return time.Unix(0, m.ns.Load()).UTC() }

// Add moves the clock by d.
func (m *ManualClock) Add(d time.Duration) { m.ns.Add(int64(d)) }

// Set puts the clock at t.
func (m *ManualClock) Set(t time.Time) { m.ns.Store(t.UnixNano()) }
