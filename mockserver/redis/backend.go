package redis

import (
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/rueidis"

	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Options configure a Backend.
type Options struct {
	// URL is the server: redis://[user:password@]host:port/db, or rediss:// for TLS. A node of a
	// Redis Cluster is detected as one: the client then learns the other nodes from it.
	URL string
	// Cluster lists nodes of a Redis Cluster (host:port) instead of URL; credentials and TLS
	// still come from URL when it is set.
	Cluster []string
	// Prefix names the mock: replicas on one prefix share everything; other prefixes on the same
	// Redis are independent mocks (default DefaultPrefix).
	Prefix string
	// Base is the clock the mock's clock adds its offset to (time.Now when nil).
	Base func() time.Time
	// IDSeed seeds the ids of what requests create (0: random); see mockserver.Config.IDSeed.
	IDSeed int64
	// Logger receives what the backend notices (Redis going away and coming back); nil discards.
	Logger *slog.Logger
}

// DefaultPrefix is the prefix of a Backend configured without one.
const DefaultPrefix = "contactsmock"

// Backend is one replica's connection to a mock's state in Redis. Its parts (Store, OAuth,
// Limits, ...) are the implementations mockserver.Config.State takes.
type Backend struct {
	c      rueidis.Client
	p      string // the prefix
	base   func() time.Time
	idSeed int64
	log    *slog.Logger
	// replica names this process in the leases it takes and the changes it writes.
	replica string

	cfg atomic.Pointer[settings] // the settings last read (see settings.go)

	store   *Store
	hooks   *Hooks
	journal *Journal

	downMu sync.Mutex // guards down
	down   bool       // the last call failed for want of Redis

	stop context.CancelFunc
	wg   sync.WaitGroup
}

// Open connects to Redis and returns the backend of the prefix. It does not seed it: see Join.
func Open(o Options) (*Backend, error) {
	if o.Prefix == "" {
		o.Prefix = DefaultPrefix
	}
	if strings.ContainsAny(o.Prefix, "{}: \t\n") {
		return nil, fmt.Errorf("redis: prefix %q: letters, digits, '.', '_' and '-' only", o.Prefix)
	}
	var opt rueidis.ClientOption
	if o.URL != "" {
		var err error
		if opt, err = rueidis.ParseURL(o.URL); err != nil {
			return nil, fmt.Errorf("redis: --redis %s: %w", o.URL, err)
		}
	}
	if len(o.Cluster) > 0 {
		opt.InitAddress = o.Cluster
		opt.SelectDB = 0
	}
	if len(opt.InitAddress) == 0 {
		return nil, errors.New("redis: no server: give a redis:// URL or cluster nodes")
	}
	// Client-side caching is not used: the mock's reads must see the last write of any replica at
	// once, which a revision read in the request's first round trip gives exactly.
	opt.DisableCache = true
	opt.Dialer.Timeout = 2 * time.Second
	opt.ConnWriteTimeout = 5 * time.Second
	c, err := rueidis.NewClient(opt)
	if err != nil {
		return nil, state.UnavailableError(fmt.Errorf("redis: connecting to %s: %w", strings.Join(opt.InitAddress, ","), err))
	}
	if o.Base == nil {
		o.Base = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	var rid [6]byte
	_, _ = rand.Read(rid[:])
	b := &Backend{c: c, p: o.Prefix, base: o.Base, idSeed: o.IDSeed, log: o.Logger, replica: hex.EncodeToString(rid[:])}
	b.store = newStore(b)
	b.journal = &Journal{b: b}
	ctx, cancel := context.WithCancel(context.Background())
	b.stop = cancel
	if _, err := b.loadSettings(ctx); err != nil {
		c.Close()
		cancel()
		return nil, err
	}
	b.wg.Go(func() { b.follow(ctx) })
	return b, nil
}

// Close stops the backend's background work (webhook delivery stops with Hooks.Close) and closes
// the connection.
func (b *Backend) Close() {
	b.stop()
	b.wg.Wait()
	if b.hooks != nil {
		b.hooks.stopWorkers()
	}
	b.c.Close()
}

// Prefix returns the prefix the backend works in.
func (b *Backend) Prefix() string { return b.p }

// Replica returns the name this process goes by in the shared state.
func (b *Backend) Replica() string { return b.replica }

// Ping checks that Redis answers (GET /__admin/health).
func (b *Backend) Ping(ctx context.Context) error {
	return b.ok(b.c.Do(ctx, b.c.B().Ping().Build()).Error())
}

// --- keys -------------------------------------------------------------------------------------

// g is a global key: in the prefix's slot.
func (b *Backend) g(parts ...string) string { return "{" + b.p + "}:" + strings.Join(parts, ":") }

// l is a key of location loc: in the location's slot.
func (b *Backend) l(loc string, parts ...string) string {
	return "{" + b.p + ":" + loc + "}:" + strings.Join(parts, ":")
}

// --- calls ------------------------------------------------------------------------------------

// roundTrips counts the batches a request sends (CountRoundTrips).
type roundTrips struct{ n atomic.Int64 }

type roundTripsKey struct{}

// CountRoundTrips returns a context whose calls into a Backend are counted, and the function that
// reads the count: each command or pipelined batch sent is one round trip (journal writes are
// not counted: see Journal).
func CountRoundTrips(ctx context.Context) (context.Context, func() int) {
	rt := &roundTrips{}
	return context.WithValue(ctx, roundTripsKey{}, rt), func() int { return int(rt.n.Load()) }
}

func count(ctx context.Context) {
	if rt, ok := ctx.Value(roundTripsKey{}).(*roundTrips); ok {
		rt.n.Add(1)
	}
}

// do sends one command.
func (b *Backend) do(ctx context.Context, cmd rueidis.Completed) rueidis.RedisResult {
	count(ctx)
	r := b.c.Do(ctx, cmd)
	b.note(r.Error())
	return r
}

// multi sends commands as one pipelined batch (split by slot on a cluster, sent in parallel).
func (b *Backend) multi(ctx context.Context, cmds ...rueidis.Completed) []rueidis.RedisResult {
	count(ctx)
	rs := b.c.DoMulti(ctx, cmds...)
	for _, r := range rs {
		b.note(r.Error())
	}
	return rs
}

// note logs Redis going away and coming back (once each).
func (b *Backend) note(err error) {
	lost := err != nil && !rueidis.IsRedisNil(err) && isNetwork(err)
	b.downMu.Lock()
	defer b.downMu.Unlock()
	switch {
	case lost && !b.down:
		b.down = true
		b.log.Error("redis: the state store cannot be reached; answering 503 until it is back", "err", err)
	case err == nil && b.down:
		b.down = false
		b.log.Info("redis: the state store is back")
	}
}

// isNetwork tells an error of the connection from an error Redis answered.
func isNetwork(err error) bool {
	_, isRedis := rueidis.IsRedisErr(err)
	return !isRedis
}

// ok turns a client error into the state's: Unavailable when Redis cannot be reached, a plain
// error (a bug: 500) when Redis refused the command.
func (b *Backend) ok(err error) error {
	if err == nil || rueidis.IsRedisNil(err) {
		return nil
	}
	if isNetwork(err) {
		return state.UnavailableError(fmt.Errorf("redis: %w", err))
	}
	return fmt.Errorf("redis: %w", err)
}

// --- scripts ------------------------------------------------------------------------------------

// script is a Lua script, sent by its SHA1 and by its body when the server does not have it (a
// restarted server).
type script struct{ body, sha string }

func newScript(body string) *script {
	sum := sha1.Sum([]byte(body))
	return &script{body: body, sha: hex.EncodeToString(sum[:])}
}

// cmd builds the script's call.
func (b *Backend) evalsha(s *script, keys []string, args ...string) rueidis.Completed {
	return b.c.B().Evalsha().Sha1(s.sha).Numkeys(int64(len(keys))).Key(keys...).Arg(args...).Build()
}

func (b *Backend) eval(s *script, keys []string, args ...string) rueidis.Completed {
	return b.c.B().Eval().Script(s.body).Numkeys(int64(len(keys))).Key(keys...).Arg(args...).Build()
}

// run runs one script.
func (b *Backend) run(ctx context.Context, s *script, keys []string, args ...string) rueidis.RedisResult {
	r := b.do(ctx, b.evalsha(s, keys, args...))
	if noScript(r.Error()) {
		r = b.c.Do(ctx, b.eval(s, keys, args...))
		b.note(r.Error())
	}
	return r
}

// call is a script call in a batch.
type call struct {
	s    *script
	keys []string
	args []string
	cmd  rueidis.Completed // a plain command instead of a script
}

// batch sends calls as one round trip; a script the server lost is sent again by its body.
func (b *Backend) batch(ctx context.Context, calls ...call) []rueidis.RedisResult {
	cmds := make([]rueidis.Completed, len(calls))
	for i, c := range calls {
		if c.s != nil {
			cmds[i] = b.evalsha(c.s, c.keys, c.args...)
		} else {
			cmds[i] = c.cmd
		}
	}
	rs := b.multi(ctx, cmds...)
	for i, r := range rs {
		if c := calls[i]; c.s != nil && noScript(r.Error()) {
			rs[i] = b.c.Do(ctx, b.eval(c.s, c.keys, c.args...))
		}
	}
	return rs
}

func noScript(err error) bool {
	e, ok := rueidis.IsRedisErr(err)
	return ok && strings.HasPrefix(e.Error(), "NOSCRIPT")
}
