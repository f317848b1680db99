package clock

import (
	"context"
	"sync"
	"sync/atomic"
	"time"
)

// Offset stores how far the mock's clock runs ahead of its base. It is state: a shared
// implementation lets every replica read the same time.
type Offset interface {
	// Offset returns the offset in force.
	Offset(ctx context.Context) (time.Duration, error)
	// SetOffset replaces it.
	SetOffset(ctx context.Context, d time.Duration) error
	// Advance adds d to it.
	Advance(ctx context.Context, d time.Duration) error
}

// MemoryOffset is the in-process Offset: one atomic integer.
type MemoryOffset struct{ ns atomic.Int64 }

var _ Offset = (*MemoryOffset)(nil)

// Offset implements Offset.
func (m *MemoryOffset) Offset(context.Context) (time.Duration, error) {
	return time.Duration(m.ns.Load()), nil
}

// SetOffset implements Offset.
func (m *MemoryOffset) SetOffset(_ context.Context, d time.Duration) error {
	m.ns.Store(int64(d))
	return nil
}

// Advance implements Offset.
func (m *MemoryOffset) Advance(_ context.Context, d time.Duration) error {
	m.ns.Add(int64(d))
	return nil
}

// Clock is the mock's time: the wall clock (or any base) plus an offset that the admin API can move
// forward, so token expiry, rate-limit windows and daily quotas can be tested without waiting, and
// set back (never behind the base), so a test leaves the mock as it found it. It is safe for
// concurrent use; with the memory offset a reading costs one atomic load.
type Clock struct {
	base func() time.Time
	off  Offset
	mem  *MemoryOffset // off when it is the memory offset: read without an interface call
	// last is the last offset read, in nanoseconds: what Now uses when the offset cannot be read.
	last atomic.Int64

	moveMu sync.Mutex    // guards moved
	moved  chan struct{} // closed (and replaced) when this clock's offset is changed: wakes Wait
}

// waitPoll bounds how long Wait sleeps between two readings of the clock: an offset moved by
// another replica (a shared Offset) or a base moved by a test is noticed within it.
const waitPoll = time.Second

// New returns a clock reading base (time.Now when nil) with an offset of its own in memory.
func New(base func() time.Time) *Clock { return WithOffset(base, nil) }

// WithOffset returns a clock reading base (time.Now when nil) plus the offset off (a new
// MemoryOffset when nil).
func WithOffset(base func() time.Time, off Offset) *Clock {
	if base == nil {
		base = time.Now
	}
	c := &Clock{base: base, off: off}
	if off == nil {
		c.mem = &MemoryOffset{}
		c.off = c.mem
	} else if m, ok := off.(*MemoryOffset); ok {
		c.mem = m
	}
	return c
}

// Now returns the mock's current time. Should the offset not be readable (a shared store that is
// down), it uses the last offset it read: time goes on rather than jumping back to the base.
func (c *Clock) Now() time.Time {
	if c.mem != nil {
		return c.base().Add(time.Duration(c.mem.ns.Load()))
	}
	d, err := c.off.Offset(context.Background())
	if err != nil {
		d = time.Duration(c.last.Load())
	} else {
		c.last.Store(int64(d))
	}
	return c.base().Add(d)
}

// Advance moves the clock forward by d (a negative d is refused by the admin API, not here).
func (c *Clock) Advance(ctx context.Context, d time.Duration) error {
	defer c.wake()
	return c.off.Advance(ctx, d)
}

// Offset reports how far the clock has been moved from its base.
func (c *Clock) Offset(ctx context.Context) (time.Duration, error) { return c.off.Offset(ctx) }

// SetOffset puts the clock d ahead of its base (0: back on its base). The admin API refuses a
// negative d: the mock's clock never runs behind its base, so what has expired on the base has
// expired for good (see Base).
func (c *Clock) SetOffset(ctx context.Context, d time.Duration) error {
	defer c.wake()
	return c.off.SetOffset(ctx, d)
}

// Base reads the clock's base without the offset: the earliest the clock can read from now on, as
// the offset is never negative. Sweeps of expired tokens and codes go by it, so that a token that
// only expired because the clock was moved ahead is valid again when the clock is set back.
func (c *Clock) Base() time.Time { return c.base() }

// Reset puts the clock back on its base.
func (c *Clock) Reset(ctx context.Context) error { return c.SetOffset(ctx, 0) }

// Wait returns once the mock's clock has moved d past the time it was called (or when ctx ends,
// with the context's cause). The clock moves with its base and when its offset is advanced, so
// POST /__admin/clock {"advance": ...} ends a wait early: the waits between webhook retries run on
// it, and a test advances through them instead of waiting.
func (c *Clock) Wait(ctx context.Context, d time.Duration) error {
	return c.WaitUntil(ctx, c.Now().Add(d))
}

// WaitUntil returns once the mock's clock reads due or later (or when ctx ends, with the
// context's cause); see Wait.
func (c *Clock) WaitUntil(ctx context.Context, due time.Time) error {
	for {
		moved := c.movedChan()
		left := due.Sub(c.Now())
		if left <= 0 {
			return context.Cause(ctx)
		}
		t := time.NewTimer(min(left, waitPoll))
		select {
		case <-t.C:
		case <-moved:
			t.Stop()
		case <-ctx.Done():
			t.Stop()
			return context.Cause(ctx)
		}
	}
}

// movedChan returns the channel the next change of the offset closes.
func (c *Clock) movedChan() <-chan struct{} {
	c.moveMu.Lock()
	defer c.moveMu.Unlock()
	if c.moved == nil {
		c.moved = make(chan struct{})
	}
	return c.moved
}

// wake tells every Wait that the offset changed.
func (c *Clock) wake() {
	c.moveMu.Lock()
	defer c.moveMu.Unlock()
	if c.moved != nil {
		close(c.moved)
		c.moved = nil
	}
}

// ManualClock is a base for tests: time stands still until Set or Add.
type ManualClock struct{ ns atomic.Int64 }

// NewManual returns a manual clock at t.
func NewManual(t time.Time) *ManualClock {
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

// Sleep waits d of real time, or until ctx ends (then it returns the context's cause): the pause
// between webhook delivery attempts, and injected latency (faults). Both are real time on purpose:
// the mock's clock is for what the API computes (expiry, windows), not for how long things take.
func Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return context.Cause(ctx)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return context.Cause(ctx)
	}
}
