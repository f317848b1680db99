package mockserver

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// RateLimits configures the per (OAuth client, location) limits. The defaults are the live API's.
type RateLimits struct {
	// Burst is the number of requests allowed per Window (live: 100).
	Burst int `json:"burst"`
	// Window is the burst window (live: 10 s).
	Window time.Duration `json:"-"`
	// Daily is the number of requests allowed per UTC day (live: 200,000).
	Daily int `json:"daily"`
	// Off disables limiting: requests are neither counted nor refused; headers show full quotas.
	Off bool `json:"off"`
}

// DefaultRateLimits are the live API's limits.
var DefaultRateLimits = RateLimits{Burst: 100, Window: 10 * time.Second, Daily: 200000}

type rateKey struct{ client, location string }

// limiter counts requests in fixed windows per key: a burst window that opens with the first
// request after the previous one closed, and the UTC day. Fixed windows make the count exact: N
// concurrent clients get exactly Burst successes per window between them.
type limiter struct {
	mu      sync.Mutex // guards cfg and buckets
	cfg     RateLimits
	buckets map[rateKey]*bucket
}

type bucket struct {
	windowEnd time.Time
	count     int
	dayEnd    time.Time
	dayCount  int
}

// rateState is what one request learned from the limiter: what the headers say and whether it
// passes.
type rateState struct {
	limits         RateLimits
	remaining      int
	dailyRemaining int
	dailyReset     time.Time
	allowed        bool
	// retryAfter is set on refusal: when the window (or the day) reopens.
	retryAfter time.Duration
	daily      bool // refused by the daily quota
}

func newLimiter(cfg RateLimits) *limiter {
	return &limiter{cfg: cfg, buckets: map[rateKey]*bucket{}}
}

func (l *limiter) config() RateLimits {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.cfg
}

// setConfig changes the limits; counts already taken stay, so a lowered limit applies at once.
func (l *limiter) setConfig(cfg RateLimits) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.cfg = cfg
}

// reset forgets every count.
func (l *limiter) reset() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.buckets = map[rateKey]*bucket{}
}

func nextUTCMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

// peek reports the state for key without counting a request (for answers given before the limiter,
// such as 403, which still carry the headers).
func (l *limiter) peek(key rateKey, now time.Time) rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	cfg := l.cfg
	st := rateState{limits: cfg, allowed: true, remaining: cfg.Burst, dailyRemaining: cfg.Daily, dailyReset: nextUTCMidnight(now)}
	if b := l.buckets[key]; b != nil && !cfg.Off {
		if now.Before(b.windowEnd) {
			st.remaining = max(cfg.Burst-b.count, 0)
		}
		if now.Before(b.dayEnd) {
			st.dailyRemaining = max(cfg.Daily-b.dayCount, 0)
			st.dailyReset = b.dayEnd
		}
	}
	return st
}

// take counts one request for key at now and says whether it may go on.
func (l *limiter) take(key rateKey, now time.Time) rateState {
	l.mu.Lock()
	defer l.mu.Unlock()
	cfg := l.cfg
	st := rateState{limits: cfg, allowed: true, remaining: cfg.Burst, dailyRemaining: cfg.Daily, dailyReset: nextUTCMidnight(now)}
	if cfg.Off {
		return st
	}
	b := l.buckets[key]
	if b == nil {
		b = &bucket{}
		l.buckets[key] = b
	}
	if !now.Before(b.dayEnd) {
		b.dayEnd, b.dayCount = nextUTCMidnight(now), 0
	}
	if !now.Before(b.windowEnd) {
		b.windowEnd, b.count = now.Add(cfg.Window), 0
	}
	st.dailyReset = b.dayEnd
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

// setHeaders writes the live X-RateLimit-* headers (and Retry-After on refusal).
func (st *rateState) setHeaders(h http.Header) {
	h["X-Ratelimit-Limit-Daily"] = []string{strconv.Itoa(st.limits.Daily)}
	h["X-Ratelimit-Daily-Remaining"] = []string{strconv.Itoa(st.dailyRemaining)}
	h["X-Ratelimit-Daily-Reset"] = []string{strconv.FormatInt(st.dailyReset.UnixMilli(), 10)}
	h["X-Ratelimit-Interval-Milliseconds"] = []string{strconv.FormatInt(st.limits.Window.Milliseconds(), 10)}
	h["X-Ratelimit-Max"] = []string{strconv.Itoa(st.limits.Burst)}
	h["X-Ratelimit-Remaining"] = []string{strconv.Itoa(st.remaining)}
	if !st.allowed {
		secs := int(math.Ceil(st.retryAfter.Seconds()))
		h["Retry-After"] = []string{strconv.Itoa(max(secs, 1))}
	}
}
