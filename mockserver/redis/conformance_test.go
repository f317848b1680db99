package redis_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"

	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit/countertest"
	"github.com/contactsmock/contactsmock/mockserver/redis"
	"github.com/contactsmock/contactsmock/mockserver/redis/redistest"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/statetest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	redistest.StopShared()
	os.Exit(code)
}

var prefixes atomic.Int64

// open returns a backend on a prefix of the test's own on the shared server, dropped at its end.
func open(t *testing.T, o redis.Options) *redis.Backend {
	t.Helper()
	if o.URL == "" && len(o.Cluster) == 0 {
		o.URL = redistest.Shared(t).URL()
	}
	if o.Prefix == "" {
		o.Prefix = fmt.Sprintf("t%d-%d", os.Getpid(), prefixes.Add(1))
	}
	b, err := redis.Open(o)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = b.Drop(context.Background())
		b.Close()
	})
	return b
}

// TestConformance: the Redis store passes the suite every state.Store passes.
func TestConformance(t *testing.T) {
	statetest.Run(t, func(t *testing.T) state.Store { return open(t, redis.Options{}).Store() })
}

// TestCounterConformance: the Redis rate-limit counter passes the suite every Counter passes.
func TestCounterConformance(t *testing.T) {
	countertest.Run(t, func(t *testing.T) ratelimit.Counter { return open(t, redis.Options{}).Counter() })
}
