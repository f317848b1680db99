package mockserver

import (
	"fmt"
	"math"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// RateLimits configures the per (OAuth client, location) limits. The defaults are the live API's;
// a zero field takes its default (see withDefaults).
type RateLimits struct {
	// Burst is the number of requests allowed per Window (live: 100).
	Burst int
	// Window is the burst window (live: 10 s).
	Window time.Duration
	// Daily is the number of requests allowed per UTC day (live: 200,000).
	Daily int
	// Off disables limiting: requests are neither counted nor refused; headers show full quotas.
	Off bool
}

// DefaultRateLimits are the live API's limits.
var DefaultRateLimits = RateLimits{Burst: 100, Window: 10 * time.Second, Daily: 200000}

// Bounds of the limits the admin API and Config accept.
const (
	minRateWindow = time.Millisecond // X-RateLimit-Interval-Milliseconds must not read 0
	maxRateWindow = 24 * time.Hour
)

// withDefaults fills the zero fields with DefaultRateLimits'.
func (l RateLimits) withDefaults() RateLimits {
	if l.Burst == 0 {
		l.Burst = DefaultRateLimits.Burst
	}
	if l.Window == 0 {
		l.Window = DefaultRateLimits.Window
	}
	if l.Daily == 0 {
		l.Daily = DefaultRateLimits.Daily
	}
	return l
}

// problems lists what is wrong with limits that have their defaults filled in, in the API's 422
// message style; nil when they are usable.
func (l RateLimits) problems() []string {
	var msgs []string
	if l.Burst < 1 {
		msgs = append(msgs, "burst must not be less than 1")
	}
	if l.Window < minRateWindow || l.Window > maxRateWindow {
		msgs = append(msgs, "window must be between 1ms and 24h")
	}
	if l.Daily < 1 {
		msgs = append(msgs, "daily must not be less than 1")
	}
	return msgs
}

// rateLimitsJSON is the admin API's form of RateLimits: the window as a Go duration string.
type rateLimitsJSON struct {
	Burst  int    `json:"burst"`
	Window string `json:"window"`
	Daily  int    `json:"daily"`
	Off    bool   `json:"off"`
}

func (l RateLimits) wire() rateLimitsJSON {
	return rateLimitsJSON{Burst: l.Burst, Window: l.Window.String(), Daily: l.Daily, Off: l.Off}
}

type rateKey struct{ client, location string }

// sweepEvery is how often (in mock time) the limiter drops the buckets that no longer hold anything.
const sweepEvery = time.Minute

// limiter counts requests in fixed windows per key: a burst window that opens with the first
// request after the previous one closed, and the UTC day. Fixed windows make the count exact: N
// concurrent clients get exactly Burst successes per window between them.
//
// The configuration is read with one atomic load, so Off takes no lock. Counting takes one mutex
// for about a tenth of a microsecond, against tens of microseconds for the rest of the pipeline
// (BenchmarkPipeline, BenchmarkLimiterTake); a sharded map measured slower, since hashing the key to
// pick a shard costs as much as the uncontended lock.
//
// Every sweepEvery of mock time, take drops the idle buckets: those whose window and day are both
// over. Until then a bucket holds a count that a later request must see, so the number of buckets
// is bounded by the keys active in one UTC day.
type limiter struct {
	cfg atomic.Pointer[limitsInForce]

	mu        sync.Mutex // guards buckets and nextSweep
	buckets   map[rateKey]*bucket
	nextSweep time.Time
}

type bucket struct {
	windowStart, windowEnd time.Time
	count                  int
	dayEnd                 time.Time
	dayCount               int
}

// rateState is what one request learned from the limiter: what the headers say and whether it
// passes.
type rateState struct {
	limits         *limitsInForce
	remaining      int
	dailyRemaining int
	windowReset    time.Time // when the current burst window closes
	dailyReset     time.Time // when the current UTC day ends
	allowed        bool
	// retryAfter is set on refusal: when the window (or the day) reopens.
	retryAfter time.Duration
	daily      bool // refused by the daily quota
}

func newLimiter(cfg RateLimits) *limiter {
	l := &limiter{buckets: map[rateKey]*bucket{}}
	l.setConfig(cfg)
	return l
}

func (l *limiter) config() RateLimits { return l.cfg.Load().RateLimits }

// setConfig changes the limits. Counts already taken stay, so a lowered limit applies at once; a
// new window length applies from the next window.
func (l *limiter) setConfig(cfg RateLimits) { l.cfg.Store(newLimitsInForce(cfg)) }

// limitsInForce are the limits with the refusal messages that state them, made once when the
// limits are set rather than on every refused request. Never changed once stored.
type limitsInForce struct {
	RateLimits
	burstMessage, dailyMessage string
}

func newLimitsInForce(cfg RateLimits) *limitsInForce {
	return &limitsInForce{
		RateLimits:   cfg,
		burstMessage: fmt.Sprintf("%s: %d requests per %s", msgTooManyRequests, cfg.Burst, windowText(cfg.Window)),
		dailyMessage: fmt.Sprintf("%s: %d requests per day", msgTooManyRequests, cfg.Daily),
	}
}

// reset forgets every count.
func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buckets = map[rateKey]*bucket{}
}

// size returns the number of buckets held (for tests of the sweep).
func (l *limiter) size() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.buckets)
}

func nextUTCMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// fullState is the state of a key with nothing counted.
func fullState(cfg *limitsInForce, now time.Time) rateState {
	return rateState{
		limits: cfg, allowed: true, remaining: cfg.Burst, dailyRemaining: cfg.Daily,
		windowReset: now.Add(cfg.Window), dailyReset: nextUTCMidnight(now),
	}
}

// take counts one request for key at now and says whether it may go on. A refused request is not
// counted.
func (l *limiter) take(key rateKey, now time.Time) rateState {
	cfg := l.cfg.Load()
	if cfg.Off {
		return fullState(cfg, now)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if !now.Before(l.nextSweep) {
		l.sweepLocked(now)
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{}
		l.buckets[key] = b
	}
	b.roll(now, cfg.Window)
	st := rateState{limits: cfg, allowed: true, windowReset: b.windowEnd, dailyReset: b.dayEnd}
	switch {
	case b.dayCount >= cfg.Daily:
		st.allowed, st.daily = false, true
		st.retryAfter = b.dayEnd.Sub(now)
	case b.count >= cfg.Burst:
		st.allowed = false
		st.retryAfter = b.windowEnd.Sub(now)
	default:
		b.count++
		b.dayCount++
	}
	st.remaining = max(cfg.Burst-b.count, 0)
	st.dailyRemaining = max(cfg.Daily-b.dayCount, 0)
	return st
}

// peek returns the state of key at now without counting: the headers of a response to an
// authenticated request that a later stage refused before the limiter.
func (l *limiter) peek(key rateKey, now time.Time) rateState {
	cfg := l.cfg.Load()
	st := fullState(cfg, now)
	if cfg.Off {
		return st
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	b, found := l.buckets[key]
	if !found {
		return st
	}
	probe := *b
	probe.roll(now, cfg.Window)
	st.windowReset, st.dailyReset = probe.windowEnd, probe.dayEnd
	st.remaining = max(cfg.Burst-probe.count, 0)
	st.dailyRemaining = max(cfg.Daily-probe.dayCount, 0)
	return st
}

// roll opens a new window or day when now is past the current one, or before it (a clock that is
// not the wall clock, such as a test's, can move back).
func (b *bucket) roll(now time.Time, window time.Duration) {
	if !now.Before(b.dayEnd) || now.Before(b.dayEnd.Add(-24*time.Hour)) {
		b.dayEnd, b.dayCount = nextUTCMidnight(now), 0
	}
	if !now.Before(b.windowEnd) || now.Before(b.windowStart) {
		b.windowStart, b.windowEnd, b.count = now, now.Add(window), 0
	}
}

// sweepLocked drops the buckets whose window and day are both over: they would be reset by the
// next request anyway.
func (l *limiter) sweepLocked(now time.Time) {
	for k, b := range l.buckets {
		if !now.Before(b.windowEnd) && !now.Before(b.dayEnd) {
			delete(l.buckets, k)
		}
	}
	l.nextSweep = now.Add(sweepEvery)
}

// message is the 429 body's message: which limit was hit (the document's TooManyRequestsError).
// It starts with the text the official SDK falls back to.
func (st *rateState) message() string {
	if st.daily {
		return st.limits.dailyMessage
	}
	return st.limits.burstMessage
}

// windowText says a window in words: "10 seconds", "1 minute", "1.5 seconds", "250ms".
func windowText(d time.Duration) string {
	switch {
	case d == time.Second:
		return "second"
	case d == time.Minute:
		return "minute"
	case d%time.Minute == 0:
		return strconv.FormatInt(int64(d/time.Minute), 10) + " minutes"
	case d >= time.Second:
		return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " seconds"
	}
	return d.String()
}

// refusal is the 429 error of a refused request.
func (st *rateState) refusal() *APIError {
	return newError(http.StatusTooManyRequests, st.message())
}

// retryAfterSeconds rounds a wait up to whole seconds, at least 1: a client that waits that long is
// sure to find the window open.
func retryAfterSeconds(d time.Duration) int {
	return max(int(math.Ceil(d.Seconds())), 1)
}

// setHeaders writes the live X-RateLimit-* headers (and Retry-After on refusal).
func (st *rateState) setHeaders(h http.Header) {
	// The six values are formatted into one buffer and sliced out of one string made of it: two
	// allocations (the string and the backing array of the six) instead of seven.
	var buf [6 * 20]byte
	var end [6]int
	b := buf[:0]
	for i, n := range [6]int64{
		int64(st.limits.Daily), int64(st.dailyRemaining), st.dailyReset.UnixMilli(),
		st.limits.Window.Milliseconds(), int64(st.limits.Burst), int64(st.remaining),
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
	if !st.allowed {
		h["Retry-After"] = []string{strconv.Itoa(retryAfterSeconds(st.retryAfter))}
	}
}
