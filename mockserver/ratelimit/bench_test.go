package ratelimit_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
)

// BenchmarkLimiterTake measures the limiter alone: serially, and in parallel on one key (every
// request contends for the same bucket) and on 64 keys.
func BenchmarkLimiterTake(b *testing.B) {
	ctx := context.Background()
	never := ratelimit.Limits{Burst: 1 << 40, Window: 10 * time.Second, Daily: 1 << 40}
	now := mustTime(testTime)
	keys := func(n int) []ratelimit.Key {
		ks := make([]ratelimit.Key, n)
		for i := range ks {
			ks[i] = ratelimit.Key{Client: "client", Location: "Loc" + strconv.Itoa(i)}
		}
		return ks
	}
	b.Run("serial", func(b *testing.B) {
		l, k := newLimiter(never), keys(1)[0]
		b.ReportAllocs()
		for b.Loop() {
			_, _ = l.Take(ctx, k, now)
		}
	})
	for _, n := range []int{1, 64} {
		b.Run("parallel/keys-"+strconv.Itoa(n), func(b *testing.B) {
			l, ks := newLimiter(never), keys(n)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					i++
					if st, err := l.Take(ctx, ks[i%n], now); err != nil || !st.Allowed {
						b.Fatal("refused")
					}
				}
			})
		})
	}
}
