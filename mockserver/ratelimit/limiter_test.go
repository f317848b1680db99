package ratelimit_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit/countertest"
)

const (
	locA     = "LocAAAAAAAAAAAAAAAAA"
	testTime = "2026-03-01T12:00:00Z"
)

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

// newLimiter is a limiter with the in-memory settings and counter.
func newLimiter(l ratelimit.Limits) *ratelimit.Limiter {
	return ratelimit.New(ratelimit.NewMemorySettings(l), ratelimit.NewMemoryCounter())
}

// take is Limiter.Take, failing the test on an error.
func take(t *testing.T, l *ratelimit.Limiter, key ratelimit.Key, now time.Time) ratelimit.State {
	t.Helper()
	st, err := l.Take(context.Background(), key, now)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// rateStep is one request to the limiter: how far the clock moves first, then what it must say.
type rateStep struct {
	advance        time.Duration
	allowed        bool
	daily          bool // refused by the daily quota
	remaining      int
	dailyRemaining int
	retryAfter     string // the Retry-After header; "" when allowed
	dailyReset     string // the X-RateLimit-Daily-Reset instant (RFC 3339)
}

func TestLimiterSteps(t *testing.T) {
	key := ratelimit.Key{Client: "client", Location: locA}
	cases := []struct {
		name   string
		limits ratelimit.Limits
		start  string
		steps  []rateStep
	}{
		{
			name: "burst window edges", limits: ratelimit.Limits{Burst: 3, Window: 10 * time.Second, Daily: 100},
			start: "2026-03-01T12:00:00Z",
			steps: []rateStep{
				{allowed: true, remaining: 2, dailyRemaining: 99, dailyReset: "2026-03-02T00:00:00Z"},
				{allowed: true, remaining: 1, dailyRemaining: 98, dailyReset: "2026-03-02T00:00:00Z"},
				{advance: 9999 * time.Millisecond, allowed: true, remaining: 0, dailyRemaining: 97, dailyReset: "2026-03-02T00:00:00Z"},
				// 1 ms before the window closes: refused, not counted, Retry-After rounded up to 1.
				{allowed: false, remaining: 0, dailyRemaining: 97, retryAfter: "1", dailyReset: "2026-03-02T00:00:00Z"},
				// The window closes exactly 10 s after the request that opened it.
				{advance: time.Millisecond, allowed: true, remaining: 2, dailyRemaining: 96, dailyReset: "2026-03-02T00:00:00Z"},
				{allowed: true, remaining: 1, dailyRemaining: 95, dailyReset: "2026-03-02T00:00:00Z"},
				{allowed: true, remaining: 0, dailyRemaining: 94, dailyReset: "2026-03-02T00:00:00Z"},
				{advance: 500 * time.Millisecond, allowed: false, remaining: 0, dailyRemaining: 94, retryAfter: "10", dailyReset: "2026-03-02T00:00:00Z"},
				{advance: 500 * time.Millisecond, allowed: false, remaining: 0, dailyRemaining: 94, retryAfter: "9", dailyReset: "2026-03-02T00:00:00Z"},
			},
		},
		{
			name: "daily quota, then reset at UTC midnight", limits: ratelimit.Limits{Burst: 10, Window: 10 * time.Second, Daily: 2},
			start: "2026-03-01T23:59:50Z",
			steps: []rateStep{
				{allowed: true, remaining: 9, dailyRemaining: 1, dailyReset: "2026-03-02T00:00:00Z"},
				{advance: 9 * time.Second, allowed: true, remaining: 8, dailyRemaining: 0, dailyReset: "2026-03-02T00:00:00Z"},
				// Daily refusal: Daily-Remaining 0, Retry-After until midnight (0.5 s, rounded up).
				{advance: 500 * time.Millisecond, allowed: false, daily: true, remaining: 8, dailyRemaining: 0, retryAfter: "1", dailyReset: "2026-03-02T00:00:00Z"},
				// Midnight: a new day (the burst window also ended).
				{advance: 500 * time.Millisecond, allowed: true, remaining: 9, dailyRemaining: 1, dailyReset: "2026-03-03T00:00:00Z"},
			},
		},
		{
			name: "daily refusal mid-window keeps the burst count", limits: ratelimit.Limits{Burst: 5, Window: time.Minute, Daily: 3},
			start: "2026-03-01T12:00:00Z",
			steps: []rateStep{
				{allowed: true, remaining: 4, dailyRemaining: 2, dailyReset: "2026-03-02T00:00:00Z"},
				{allowed: true, remaining: 3, dailyRemaining: 1, dailyReset: "2026-03-02T00:00:00Z"},
				{allowed: true, remaining: 2, dailyRemaining: 0, dailyReset: "2026-03-02T00:00:00Z"},
				{allowed: false, daily: true, remaining: 2, dailyRemaining: 0, retryAfter: "43200", dailyReset: "2026-03-02T00:00:00Z"},
				{advance: 2 * time.Minute, allowed: false, daily: true, remaining: 5, dailyRemaining: 0, retryAfter: "43080", dailyReset: "2026-03-02T00:00:00Z"},
			},
		},
		{
			name: "the clock put back opens a new window", limits: ratelimit.Limits{Burst: 1, Window: 10 * time.Second, Daily: 10},
			start: "2026-03-01T12:00:00Z",
			steps: []rateStep{
				{allowed: true, remaining: 0, dailyRemaining: 9, dailyReset: "2026-03-02T00:00:00Z"},
				{allowed: false, remaining: 0, dailyRemaining: 9, retryAfter: "10", dailyReset: "2026-03-02T00:00:00Z"},
				{advance: -time.Hour, allowed: true, remaining: 0, dailyRemaining: 8, dailyReset: "2026-03-02T00:00:00Z"},
				{advance: -24 * time.Hour, allowed: true, remaining: 0, dailyRemaining: 9, dailyReset: "2026-03-01T00:00:00Z"},
			},
		},
		{
			name: "off: nothing counted, full quotas", limits: ratelimit.Limits{Burst: 1, Window: 10 * time.Second, Daily: 1, Off: true},
			start: "2026-03-01T12:00:00Z",
			steps: []rateStep{
				{allowed: true, remaining: 1, dailyRemaining: 1, dailyReset: "2026-03-02T00:00:00Z"},
				{allowed: true, remaining: 1, dailyRemaining: 1, dailyReset: "2026-03-02T00:00:00Z"},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(tc.limits)
			now := mustTime(tc.start)
			for i, step := range tc.steps {
				now = now.Add(step.advance)
				st := take(t, l, key, now)
				if st.Allowed != step.allowed || st.Daily != step.daily {
					t.Fatalf("step %d: allowed %v daily %v, want %v %v", i, st.Allowed, st.Daily, step.allowed, step.daily)
				}
				h := http.Header{}
				st.SetHeaders(h)
				want := map[string]string{
					"X-RateLimit-Limit-Daily":           strconv.Itoa(tc.limits.Daily),
					"X-RateLimit-Daily-Remaining":       strconv.Itoa(step.dailyRemaining),
					"X-RateLimit-Daily-Reset":           strconv.FormatInt(mustTime(step.dailyReset).UnixMilli(), 10),
					"X-RateLimit-Interval-Milliseconds": strconv.FormatInt(tc.limits.Window.Milliseconds(), 10),
					"X-RateLimit-Max":                   strconv.Itoa(tc.limits.Burst),
					"X-RateLimit-Remaining":             strconv.Itoa(step.remaining),
					"Retry-After":                       step.retryAfter,
				}
				for name, v := range want {
					if got := h.Get(name); got != v {
						t.Errorf("step %d: %s = %q, want %q", i, name, got, v)
					}
				}
			}
		})
	}
}

func TestRetryAfterRounding(t *testing.T) {
	cases := []struct {
		name string
		wait time.Duration
		want int
	}{
		{"nothing left", 0, 1},
		{"one millisecond", time.Millisecond, 1},
		{"just under a second", 999 * time.Millisecond, 1},
		{"one second", time.Second, 1},
		{"just over a second", 1001 * time.Millisecond, 2},
		{"nine and a half", 9500 * time.Millisecond, 10},
		{"a whole window", 10 * time.Second, 10},
		{"until midnight", 12 * time.Hour, 43200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := ratelimit.RetryAfterSeconds(tc.wait); got != tc.want {
				t.Errorf("retryAfterSeconds(%v) = %d, want %d", tc.wait, got, tc.want)
			}
		})
	}
}

func TestLimiterSweepsIdleBuckets(t *testing.T) {
	counter := ratelimit.NewMemoryCounter()
	l := ratelimit.New(ratelimit.NewMemorySettings(ratelimit.Limits{Burst: 10, Window: 10 * time.Second, Daily: 100}), counter)
	t0 := mustTime("2026-03-01T12:00:00Z")
	for i := range 200 {
		take(t, l, ratelimit.Key{Client: "c", Location: "loc" + strconv.Itoa(i)}, t0)
	}
	if n := counter.Len(); n != 200 {
		t.Fatalf("%d buckets, want 200", n)
	}
	// Two minutes later the windows are over but the day is not: the sweep keeps the daily counts.
	take(t, l, ratelimit.Key{Client: "other", Location: locA}, t0.Add(2*time.Minute))
	if n := counter.Len(); n != 201 {
		t.Fatalf("%d buckets after a sweep within the day, want 201", n)
	}
	if st := take(t, l, ratelimit.Key{Client: "c", Location: "loc7"}, t0.Add(3*time.Minute)); st.DailyRemaining != 98 {
		t.Fatalf("daily remaining %d after the sweep, want 98", st.DailyRemaining)
	}
	// The next day the sweep drops every bucket whose window and day are over.
	take(t, l, ratelimit.Key{Client: "late", Location: locA}, mustTime("2026-03-02T00:01:00Z"))
	if n := counter.Len(); n != 1 {
		t.Fatalf("%d buckets the next day, want 1", n)
	}
}

// TestLimiterConcurrentExact: N goroutines hammering one key get exactly Burst successes in one
// window, and so does each key when several are hammered at once.
func TestLimiterConcurrentExact(t *testing.T) {
	cases := []struct {
		name             string
		keys, goroutines int
		perGoroutine     int
		burst            int
	}{
		{"one key, 16 goroutines x 50", 1, 16, 50, 100},
		{"8 keys, 32 goroutines x 100", 8, 32, 100, 100},
		{"burst larger than the load", 1, 16, 5, 100},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			l := newLimiter(ratelimit.Limits{Burst: tc.burst, Window: 10 * time.Second, Daily: 1 << 30})
			now := mustTime(testTime)
			ok := make([]atomic.Int64, tc.keys)
			var wg sync.WaitGroup
			for g := range tc.goroutines {
				wg.Go(func() {
					for i := range tc.perGoroutine {
						k := (g + i) % tc.keys
						if take(t, l, ratelimit.Key{Client: "c", Location: strconv.Itoa(k)}, now).Allowed {
							ok[k].Add(1)
						}
					}
				})
			}
			wg.Wait()
			total := tc.goroutines * tc.perGoroutine
			for k := range ok {
				want := min(tc.burst, total/tc.keys)
				if got := ok[k].Load(); got != int64(want) {
					t.Errorf("key %d: %d successes, want %d", k, got, want)
				}
			}
		})
	}
}

// TestBuckets: every key with counts is listed with what is left of its window and its day; a key
// whose window closed keeps its day's count; a key whose day ended too is gone; limits off list
// nothing.
func TestBuckets(t *testing.T) {
	ctx := context.Background()
	now := mustTime(testTime)
	l := newLimiter(ratelimit.Limits{Burst: 5, Window: 10 * time.Second, Daily: 100})
	a, b := ratelimit.Key{Client: "c1", Location: locA}, ratelimit.Key{Client: "c0", Location: "LocB"}
	for range 3 {
		take(t, l, a, now)
	}
	take(t, l, b, now)
	got, err := l.Buckets(ctx, now.Add(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ClientID != "c0" || got[1].ClientID != "c1" {
		t.Fatalf("buckets: %+v", got)
	}
	if g := got[1]; g.LocationID != locA || g.Remaining != 2 || g.DailyRemaining != 97 ||
		!g.WindowReset.Equal(now.Add(10*time.Second)) || !g.DailyReset.Equal(mustTime("2026-03-02T00:00:00Z")) {
		t.Fatalf("bucket of %v: %+v", a, g)
	}
	got, err = l.Buckets(ctx, now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Remaining != 5 || got[1].DailyRemaining != 97 {
		t.Fatalf("after the window: %+v", got)
	}
	if got, _ = l.Buckets(ctx, now.Add(24*time.Hour)); len(got) != 0 {
		t.Fatalf("the next day: %+v", got)
	}
	if err := l.SetLimits(ctx, ratelimit.Limits{Burst: 5, Window: time.Second, Daily: 100, Off: true}); err != nil {
		t.Fatal(err)
	}
	if got, _ = l.Buckets(ctx, now); got == nil || len(got) != 0 {
		t.Fatalf("limits off: %+v", got)
	}
}

// TestMemoryCounterConformance: the memory counter passes the suite every Counter passes.
func TestMemoryCounterConformance(t *testing.T) {
	countertest.Run(t, func(t *testing.T) ratelimit.Counter { return ratelimit.NewMemoryCounter() })
}
