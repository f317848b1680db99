package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/mockserver/clock"
	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/redis"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
	"github.com/contactsmock/contactsmock/spec"
)

// redisEnv is the environment variable --redis defaults to.
const redisEnv = "CONTACTSMOCK_REDIS"

// redisFlags are the flags of several replicas on one state (docs/replicas.md).
type redisFlags struct {
	url     string
	prefix  string
	cluster string
}

func (r *redisFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&r.url, "redis", "", "keep all state in Redis at this `URL` (redis://[user:password@]host:port/db, rediss:// for TLS; also $"+redisEnv+"), so that any number of replicas on it behave as one mock; a node of a Redis Cluster is detected as one")
	fs.StringVar(&r.prefix, "redis-prefix", redis.DefaultPrefix, "`NAME` of the mock in Redis: replicas with the same prefix share everything, other prefixes are other mocks")
	fs.StringVar(&r.cluster, "redis-cluster", "", "nodes of a Redis Cluster (`host:port,...`) instead of --redis's host (credentials and TLS still come from --redis)")
}

// on reports whether the state lives in Redis.
func (r *redisFlags) on() bool { return r.url != "" || r.cluster != "" }

// checkRedis refuses what cannot go with --redis.
func (f *serveFlags) checkRedis() error {
	if f.redis.url == "" {
		f.redis.url = os.Getenv(redisEnv)
	}
	if f.redis.on() && f.stateFile != "" {
		return errors.New("--state-file cannot be used with --redis: the state lives in Redis, which keeps it across restarts (give Redis persistence for that); leave out one of them")
	}
	return nil
}

// sharedState opens the prefix, seeds it when this replica is the first (or joins it), and fills
// cfg.State with the Redis implementations. It returns the backend, to close on shutdown.
func (f *serveFlags) sharedState(cfg *mockserver.Config, logger *slog.Logger) (*redis.Backend, error) {
	var nodes []string
	if f.redis.cluster != "" {
		nodes = strings.Split(f.redis.cluster, ",")
	}
	url := f.redis.url
	if url == "" {
		url = "redis://" + nodes[0]
	}
	b, err := redis.Open(redis.Options{URL: url, Cluster: nodes, Prefix: f.redis.prefix, IDSeed: f.idSeed, Logger: logger})
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	keys, err := b.SharedKeys(ctx, redis.Keys{Webhook: cfg.WebhookKey})
	if err != nil {
		b.Close()
		return nil, err
	}
	cfg.AccessKey, cfg.RefreshKey, cfg.WebhookKey = keys.Access, keys.Refresh, keys.Webhook
	sp := cfg.Spec
	if sp == nil {
		if sp, err = spec.Default(); err != nil {
			b.Close()
			return nil, err
		}
	}
	seed := cfg.FaultSeed
	if seed == 0 {
		seed = faults.RandomSeed()
	}
	first, err := b.Join(ctx, redis.Seed{Initial: cfg.Initial, Limits: cfg.RateLimits.WithDefaults(), FaultSeed: seed, Faults: cfg.Faults, Spec: sp}, time.Minute)
	if err != nil {
		b.Close()
		return nil, err
	}
	clk := clock.WithOffset(nil, b.Offset())
	cfg.Clock = clk
	// The retry waits run on the shared clock (clk.Wait), as in one process: advancing the clock on
	// any replica brings a waiting retry forward (within the clock's poll of a second).
	hooks, err := b.Hooks(webhooks.Options{Key: keys.Webhook, Retry: cfg.WebhookRetry, QueueSize: cfg.WebhookQueueSize,
		LogSize: cfg.WebhookLogSize, Timeout: cfg.WebhookTimeout, Now: clk.Now, Sleep: clk.Wait, Seed: cfg.WebhookSeed, Logger: logger})
	if err != nil {
		b.Close()
		return nil, err
	}
	if first {
		for _, u := range cfg.WebhookURLs {
			if _, err := hooks.Register(ctx, u, nil, ""); err != nil {
				b.Close()
				return nil, fmt.Errorf("--webhook-url %s: %w", u, err)
			}
		}
		logger.Info("redis: seeded the prefix", "prefix", b.Prefix(), "replica", b.Replica())
	} else {
		logger.Info("redis: joined the prefix (its data, limits, faults, webhooks and keys are the first replica's)", "prefix", b.Prefix(), "replica", b.Replica())
	}
	cfg.State = mockserver.State{
		Store: b.Store(), OAuth: b.OAuth(), RateLimits: b.Limits(cfg.RateLimits.WithDefaults()), RateCounts: b.Counter(),
		Faults: b.Faults(sp), Webhooks: hooks, Coverage: b.Coverage(), ClockOffset: b.Offset(), IDs: b.IDs(), Initial: b.Initial, Prefetch: b,
	}
	if cfg.JournalSize >= 0 {
		cfg.State.Journal = b.Journal(cfg.JournalSize)
	}
	return b, nil
}
