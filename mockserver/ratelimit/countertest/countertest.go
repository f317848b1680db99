// Package countertest is the conformance suite every ratelimit.Counter passes (the memory counter
// and the Redis one): what the limiter relies on to decide a 429 exactly.
//
// countertest imports ratelimit and the standard library's testing; it imports no HTTP code.
package countertest

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
)

// Run holds the counters newCounter makes (an empty one per call) to the Counter contract.
func Run(t *testing.T, newCounter func(t *testing.T) ratelimit.Counter) {
	ctx := context.Background()
	// Near the wall clock: a backend may expire idle keys by the server's own time (the mock's
	// clock never runs behind the wall clock, so that is never early).
	start := time.Now().UTC().Truncate(time.Second)
	const window = 10 * time.Second
	take := func(t *testing.T, c ratelimit.Counter, k ratelimit.Key, now time.Time, burst int) ratelimit.Counts {
		t.Helper()
		n, err := c.Take(ctx, k, now, window, burst, 1000)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	t.Run("exactly the burst per window", func(t *testing.T) {
		c, k := newCounter(t), ratelimit.Key{Client: "c", Location: "exact"}
		for i := 1; i <= 4; i++ {
			if got := take(t, c, k, start.Add(time.Duration(i)*time.Millisecond), 3); got.Taken != (i <= 3) || got.Count != min(i, 3) {
				t.Fatalf("request %d: %+v", i, got)
			}
		}
		if got := take(t, c, k, start.Add(window+2*time.Millisecond), 3); !got.Taken || got.Count != 1 {
			t.Fatalf("the next window: %+v, want a fresh count", got)
		}
	})

	// Concurrent requests read the time before they reach the counter (and replicas' clocks
	// differ a little): a request stamped a moment before the window opened counts in it, so the
	// burst holds whatever order the stamps arrive in.
	t.Run("stamps a moment out of order count in the window", func(t *testing.T) {
		c, k := newCounter(t), ratelimit.Key{Client: "c", Location: "skew"}
		taken := 0
		for i := range 10 {
			now := start.Add(time.Duration(10-i) * time.Millisecond) // each earlier than the last
			if take(t, c, k, now, 4).Taken {
				taken++
			}
		}
		if taken != 4 {
			t.Fatalf("%d of 10 backwards-stamped requests taken, want the burst of 4", taken)
		}
	})

	t.Run("a clock set back opens a new window", func(t *testing.T) {
		c, k := newCounter(t), ratelimit.Key{Client: "c", Location: "back"}
		for range 2 {
			take(t, c, k, start.Add(time.Hour), 2)
		}
		if got := take(t, c, k, start.Add(time.Hour), 2); got.Taken {
			t.Fatalf("the burst is spent, yet %+v", got)
		}
		if got := take(t, c, k, start, 2); !got.Taken || got.Count != 1 {
			t.Fatalf("an hour back: %+v, want a new window", got)
		}
	})

	t.Run("concurrent takes hold the burst", func(t *testing.T) {
		c, k := newCounter(t), ratelimit.Key{Client: "c", Location: "race"}
		var mu sync.Mutex
		taken := 0
		var wg sync.WaitGroup
		for g := range 8 {
			wg.Go(func() {
				for i := range 20 {
					n, err := c.Take(ctx, k, start.Add(time.Duration((g*20+i)%7)*time.Millisecond), window, 50, 1000)
					if err != nil {
						t.Error(err)
						return
					}
					if n.Taken {
						mu.Lock()
						taken++
						mu.Unlock()
					}
				}
			})
		}
		wg.Wait()
		if taken != 50 {
			t.Fatalf("%d of 160 concurrent requests taken, want the burst of 50", taken)
		}
	})
}
