package ratelimit

import (
	"cmp"
	"context"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Key is what the limits are counted per: an OAuth client and a location (or company).
type Key struct{ Client, Location string }

// Counts are a key's counts in its current burst window and UTC day.
type Counts struct {
	WindowEnd time.Time // when the burst window closes
	DayEnd    time.Time // when the UTC day ends
	Count     int       // requests counted in the window
	DayCount  int       // requests counted in the day
	// Taken reports that Take counted the request (it was within both limits).
	Taken bool
}

// Counter keeps the counts of every key: state, shared by replicas, so that the limits hold
// exactly across them. Take must be atomic: between reading the counts and counting, no other
// Take of the key may count.
type Counter interface {
	// Take opens a new window or day for key when now is past the current one (or before it: a
	// clock set back), then counts one request unless the day already holds daily or the window
	// burst requests. It returns the counts after.
	Take(ctx context.Context, key Key, now time.Time, window time.Duration, burst, daily int) (Counts, error)
	// Peek returns the counts Take would start from, counting nothing.
	Peek(ctx context.Context, key Key, now time.Time, window time.Duration) (Counts, error)
	// List returns the counts of every key that holds any at now (its window or its day is not
	// over), each as Peek would return it.
	List(ctx context.Context, now time.Time, window time.Duration) ([]KeyCounts, error)
	// Reset forgets every count.
	Reset(ctx context.Context) error
}

// KeyCounts are one key's counts (Counter.List).
type KeyCounts struct {
	Key
	Counts
}

// Limiter decides, for each request, whether its key is within the limits in force.
type Limiter struct {
	settings Settings
	counter  Counter
	// messages caches the refusal messages of the limits last read (see inForce).
	messages atomic.Pointer[inForce]
}

// New returns a limiter over settings and counter.
func New(settings Settings, counter Counter) *Limiter {
	return &Limiter{settings: settings, counter: counter}
}

// Limits returns the limits in force.
func (l *Limiter) Limits(ctx context.Context) (Limits, error) { return l.settings.Limits(ctx) }

// SetLimits changes the limits. Counts already taken stay, so a lowered limit applies at once; a
// new window length applies from the next window.
func (l *Limiter) SetLimits(ctx context.Context, lim Limits) error {
	return l.settings.SetLimits(ctx, lim)
}

// Reset forgets every count.
func (l *Limiter) Reset(ctx context.Context) error { return l.counter.Reset(ctx) }

// inForce returns the limits in force with their refusal messages.
func (l *Limiter) inForce(ctx context.Context) (*inForce, error) {
	if m, ok := l.settings.(*MemorySettings); ok {
		return m.cur.Load(), nil
	}
	lim, err := l.settings.Limits(ctx)
	if err != nil {
		return nil, err
	}
	if c := l.messages.Load(); c != nil && c.Limits == lim {
		return c, nil
	}
	c := newInForce(lim)
	l.messages.Store(c)
	return c, nil
}

// State is what one request learned from the limiter: what the headers say and whether it passes.
type State struct {
	limits         *inForce
	Remaining      int
	DailyRemaining int
	WindowReset    time.Time // when the current burst window closes
	DailyReset     time.Time // when the current UTC day ends
	Allowed        bool
	// RetryAfter is set on refusal: when the window (or the day) reopens.
	RetryAfter time.Duration
	// Daily reports a refusal by the daily quota.
	Daily bool
}

func nextUTCMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// full is the state of a key with nothing counted.
func full(cfg *inForce, now time.Time) State {
	return State{
		limits: cfg, Allowed: true, Remaining: cfg.Burst, DailyRemaining: cfg.Daily,
		WindowReset: now.Add(cfg.Window), DailyReset: nextUTCMidnight(now),
	}
}

// Take counts one request for key at now and says whether it may go on. A refused request is not
// counted.
func (l *Limiter) Take(ctx context.Context, key Key, now time.Time) (State, error) {
	cfg, err := l.inForce(ctx)
	if err != nil {
		return State{}, err
	}
	if cfg.Off {
		return full(cfg, now), nil
	}
	c, err := l.counter.Take(ctx, key, now, cfg.Window, cfg.Burst, cfg.Daily)
	if err != nil {
		return State{}, err
	}
	st := State{limits: cfg, Allowed: true, WindowReset: c.WindowEnd, DailyReset: c.DayEnd}
	switch {
	case c.Taken:
	case c.DayCount >= cfg.Daily:
		st.Allowed, st.Daily = false, true
		st.RetryAfter = c.DayEnd.Sub(now)
	default:
		st.Allowed = false
		st.RetryAfter = c.WindowEnd.Sub(now)
	}
	st.Remaining = max(cfg.Burst-c.Count, 0)
	st.DailyRemaining = max(cfg.Daily-c.DayCount, 0)
	return st, nil
}

// Peek returns the state of key at now without counting: the headers of a response to an
// authenticated request that a later stage refused before the limiter.
func (l *Limiter) Peek(ctx context.Context, key Key, now time.Time) (State, error) {
	cfg, err := l.inForce(ctx)
	if err != nil {
		return State{}, err
	}
	st := full(cfg, now)
	if cfg.Off {
		return st, nil
	}
	c, err := l.counter.Peek(ctx, key, now, cfg.Window)
	if err != nil {
		return State{}, err
	}
	if c.WindowEnd.IsZero() {
		return st, nil // nothing counted for the key
	}
	st.WindowReset, st.DailyReset = c.WindowEnd, c.DayEnd
	st.Remaining = max(cfg.Burst-c.Count, 0)
	st.DailyRemaining = max(cfg.Daily-c.DayCount, 0)
	return st, nil
}

// Bucket is one (client, location) pair's standing: what is left of its burst window and of its
// day (GET /__admin/ratelimit/buckets).
type Bucket struct {
	ClientID       string    `json:"clientId"`
	LocationID     string    `json:"locationId"`
	Remaining      int       `json:"remaining"`
	DailyRemaining int       `json:"dailyRemaining"`
	WindowReset    time.Time `json:"windowReset"`
	DailyReset     time.Time `json:"dailyReset"`
}

// Buckets returns the standing of every key that has counts at now, by client then location.
// With limiting off nothing is counted, and the list is empty.
func (l *Limiter) Buckets(ctx context.Context, now time.Time) ([]Bucket, error) {
	cfg, err := l.inForce(ctx)
	if err != nil {
		return nil, err
	}
	if cfg.Off {
		return []Bucket{}, nil
	}
	list, err := l.counter.List(ctx, now, cfg.Window)
	if err != nil {
		return nil, err
	}
	out := make([]Bucket, 0, len(list))
	for _, kc := range list {
		out = append(out, Bucket{
			ClientID: kc.Client, LocationID: kc.Location,
			Remaining: max(cfg.Burst-kc.Count, 0), DailyRemaining: max(cfg.Daily-kc.DayCount, 0),
			WindowReset: kc.WindowEnd.UTC(), DailyReset: kc.DayEnd.UTC(),
		})
	}
	slices.SortFunc(out, func(a, b Bucket) int {
		return cmp.Or(strings.Compare(a.ClientID, b.ClientID), strings.Compare(a.LocationID, b.LocationID))
	})
	return out, nil
}

// Limits returns the limits the state was decided under.
func (st *State) Limits() Limits { return st.limits.Limits }

// Message is the 429 body's message: which limit was hit (the document's TooManyRequestsError).
func (st *State) Message() string {
	if st.Daily {
		return st.limits.dailyMessage
	}
	return st.limits.burstMessage
}

// BurstMessage is the message of a refusal by the burst window (what a fault's 429 says).
func (st *State) BurstMessage() string { return st.limits.burstMessage }

// RetryAfterSeconds rounds a wait up to whole seconds, at least 1: a client that waits that long is
// sure to find the window open.
func RetryAfterSeconds(d time.Duration) int {
	return max(int(math.Ceil(d.Seconds())), 1)
}

// SetHeaders writes the live X-RateLimit-* headers, and on refusal Retry-After (the mock's
// addition, unless the limits say NoRetryAfter).
func (st *State) SetHeaders(h http.Header) {
	// The six values are formatted into one buffer and sliced out of one string made of it: two
	// allocations (the string and the backing array of the six) instead of seven.
	var buf [6 * 20]byte
	var end [6]int
	b := buf[:0]
	for i, n := range [6]int64{
		int64(st.limits.Daily), int64(st.DailyRemaining), st.DailyReset.UnixMilli(),
		st.limits.Window.Milliseconds(), int64(st.limits.Burst), int64(st.Remaining),
	} {
		b = strconv.AppendInt(b, n, 10)
		end[i] = len(b)
	}
	all := string(b)
	var v [6]string
	for i, start := 0, 0; i < 6; i++ {
		v[i] = all[start:end[i]]
		start = end[i]
	}
	vals := v[:]
	h["X-Ratelimit-Limit-Daily"] = vals[0:1:1]
	h["X-Ratelimit-Daily-Remaining"] = vals[1:2:2]
	h["X-Ratelimit-Daily-Reset"] = vals[2:3:3]
	h["X-Ratelimit-Interval-Milliseconds"] = vals[3:4:4]
	h["X-Ratelimit-Max"] = vals[4:5:5]
	h["X-Ratelimit-Remaining"] = vals[5:6:6]
	if !st.Allowed && !st.limits.NoRetryAfter {
		h["Retry-After"] = []string{strconv.Itoa(RetryAfterSeconds(st.RetryAfter))}
	}
}

// sweepEvery is how often (in mock time) the memory counter drops the buckets that no longer hold
// anything.
const sweepEvery = time.Minute

// MemoryCounter is the in-process Counter: a bucket per key behind one mutex. Counting takes the
// mutex for about a tenth of a microsecond, against tens of microseconds for the rest of the
// pipeline; a sharded map measured slower, since hashing the key to pick a shard costs as much as
// the uncontended lock.
//
// Every sweepEvery of mock time, Take drops the idle buckets: those whose window and day are both
// over. Until then a bucket holds a count that a later request must see, so the number of buckets
// is bounded by the keys active in one UTC day.
type MemoryCounter struct {
	mu        sync.Mutex // guards buckets and nextSweep
	buckets   map[Key]*bucket
	nextSweep time.Time
}

var _ Counter = (*MemoryCounter)(nil)

type bucket struct {
	windowStart, windowEnd time.Time
	count                  int
	dayEnd                 time.Time
	dayCount               int
}

// NewMemoryCounter returns a counter with nothing counted.
func NewMemoryCounter() *MemoryCounter { return &MemoryCounter{buckets: map[Key]*bucket{}} }

// Take implements Counter.
func (m *MemoryCounter) Take(_ context.Context, key Key, now time.Time, window time.Duration, burst, daily int) (Counts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !now.Before(m.nextSweep) {
		m.sweepLocked(now)
	}
	b := m.buckets[key]
	if b == nil {
		b = &bucket{}
		m.buckets[key] = b
	}
	b.roll(now, window)
	c := Counts{WindowEnd: b.windowEnd, DayEnd: b.dayEnd}
	if b.dayCount < daily && b.count < burst {
		b.count++
		b.dayCount++
		c.Taken = true
	}
	c.Count, c.DayCount = b.count, b.dayCount
	return c, nil
}

// Peek implements Counter.
func (m *MemoryCounter) Peek(_ context.Context, key Key, now time.Time, window time.Duration) (Counts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b, found := m.buckets[key]
	if !found {
		return Counts{}, nil
	}
	probe := *b
	probe.roll(now, window)
	return Counts{WindowEnd: probe.windowEnd, DayEnd: probe.dayEnd, Count: probe.count, DayCount: probe.dayCount}, nil
}

// List implements Counter.
func (m *MemoryCounter) List(_ context.Context, now time.Time, window time.Duration) ([]KeyCounts, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]KeyCounts, 0, len(m.buckets))
	for k, b := range m.buckets {
		probe := *b
		probe.roll(now, window)
		if probe.count == 0 && probe.dayCount == 0 {
			continue // both over: the next request starts afresh
		}
		out = append(out, KeyCounts{Key: k, Counts: Counts{WindowEnd: probe.windowEnd, DayEnd: probe.dayEnd, Count: probe.count, DayCount: probe.dayCount}})
	}
	return out, nil
}

// Reset implements Counter.
func (m *MemoryCounter) Reset(context.Context) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.buckets = map[Key]*bucket{}
	return nil
}

// Len returns the number of buckets held (for tests of the sweep).
func (m *MemoryCounter) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.buckets)
}

// roll opens a new window or day when now is past the current one, or before it (a clock that is
// not the wall clock, such as a test's, can move back).
func (b *bucket) roll(now time.Time, window time.Duration) {
	if now.Before(b.windowStart) && b.windowStart.Sub(now) <= ClockSkew {
		// Stamped a moment before the window opened: requests race to the lock with the time
		// they read before it (and replicas' clocks differ a little). It counts in the window;
		// only a clock set back further opens a new one.
		now = b.windowStart
	}
	if !now.Before(b.dayEnd) || now.Before(b.dayEnd.Add(-24*time.Hour)) {
		b.dayEnd, b.dayCount = nextUTCMidnight(now), 0
	}
	if !now.Before(b.windowEnd) || now.Before(b.windowStart) {
		b.windowStart, b.windowEnd, b.count = now, now.Add(window), 0
	}
}

// ClockSkew is how far before a window's start a request may be stamped and still count in that
// window instead of opening a new one (which a clock set back does): concurrent requests read the
// time before they take the bucket, so they arrive a little out of order.
const ClockSkew = time.Second

// sweepLocked drops the buckets whose window and day are both over: they would be reset by the
// next request anyway.
func (m *MemoryCounter) sweepLocked(now time.Time) {
	for k, b := range m.buckets {
		if !now.Before(b.windowEnd) && !now.Before(b.dayEnd) {
			delete(m.buckets, k)
		}
	}
	m.nextSweep = now.Add(sweepEvery)
}
