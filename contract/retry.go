package contract

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// RetryPolicy says how the client answers a 429: wait what Retry-After says, else what
// X-RateLimit-Interval-Milliseconds says (the live API documents no Retry-After; the official SDK
// waits the interval), else back off exponentially with jitter, never longer than MaxDelay per
// wait, at most MaxRetries times, and
// never when the daily quota is spent (X-RateLimit-Daily-Remaining: 0), since waiting seconds does
// not help then and retrying would only burn what is left of the next day's quota.
type RetryPolicy struct {
	// MaxRetries is how many times a 429 is retried; 0 disables retries.
	MaxRetries int
	// BaseDelay is the first exponential wait (doubled per retry) when Retry-After is absent.
	BaseDelay time.Duration
	// MaxDelay caps each wait.
	MaxDelay time.Duration
	// Sleep waits d or until ctx is done; nil means a timer. Tests inject a recorder.
	Sleep func(ctx context.Context, d time.Duration) error
	// Jitter returns a uniform float64 in [0, 1); nil means math/rand/v2. Tests inject a constant.
	Jitter func() float64
	// Now is the clock used to read an HTTP-date Retry-After; nil means time.Now.
	Now func() time.Time
}

// DefaultRetryPolicy is the official SDK's: 3 retries, 1 s base, 30 s cap.
var DefaultRetryPolicy = RetryPolicy{MaxRetries: 3, BaseDelay: time.Second, MaxDelay: 30 * time.Second}

// Delay decides whether a response is retried after attempt (0 for the first retry) and how long
// to wait first. It retries 429 only.
func (p RetryPolicy) Delay(attempt int, status int, h http.Header) (time.Duration, bool) {
	if status != http.StatusTooManyRequests || attempt >= p.MaxRetries {
		return 0, false
	}
	if v := strings.TrimSpace(h.Get("X-RateLimit-Daily-Remaining")); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n <= 0 {
			return 0, false
		}
	}
	if d, ok := p.retryAfter(h.Get("Retry-After")); ok {
		return p.capped(d), true
	}
	if ms, err := strconv.Atoi(strings.TrimSpace(h.Get("X-RateLimit-Interval-Milliseconds"))); err == nil && ms > 0 {
		return p.capped(time.Duration(ms) * time.Millisecond), true
	}
	base := p.BaseDelay
	if base <= 0 {
		base = DefaultRetryPolicy.BaseDelay
	}
	d := base << min(attempt, 20)
	jitter := p.Jitter
	if jitter == nil {
		jitter = rand.Float64
	}
	// "Equal jitter": half fixed, half random, so waits grow but clients do not retry in step.
	d = d/2 + time.Duration(jitter()*float64(d/2))
	return p.capped(d), true
}

func (p RetryPolicy) capped(d time.Duration) time.Duration {
	if p.MaxDelay > 0 && d > p.MaxDelay {
		return p.MaxDelay
	}
	if d < 0 {
		return 0
	}
	return d
}

// retryAfter reads Retry-After as delta-seconds or an HTTP-date.
func (p RetryPolicy) retryAfter(v string) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseFloat(v, 64); err == nil && n >= 0 {
		return time.Duration(n * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		now := time.Now
		if p.Now != nil {
			now = p.Now
		}
		return max(t.Sub(now()), 0), true
	}
	return 0, false
}

func (p RetryPolicy) sleep(ctx context.Context, d time.Duration) error {
	if p.Sleep != nil {
		return p.Sleep(ctx, d)
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
