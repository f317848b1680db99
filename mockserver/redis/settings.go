package redis

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/redis/rueidis"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
)

// Settings: what every request reads and admins change (the clock's offset, the rate limits, the
// consent settings, the faults, the locations, the OAuth clients, the webhook registrations) is
// kept in a few hashes of the prefix's slot, and every change of any of them adds one to the
// revision "rev" of {P}:cfg in the same script. Each replica keeps the settings it read last, with
// their revision; every request's first round trip reads the revision (Prefetch), and the
// settings are read again only when it moved. An admin change on one replica therefore governs
// the next request on any replica, for the price of one number per request.

// settings are the settings as last read, never modified once stored.
type settings struct {
	rev       int64
	offset    time.Duration
	limits    *ratelimit.Limits // nil: none stored yet
	consent   oauth.ConsentSettings
	faults    []storedFault
	faultSeed int64
	locs      map[string]locMeta
	locOrder  []string
	clients   map[string]storedClient
	regs      []storedReg
}

// locMeta is a location as {P}:locs keeps it: its settings, and where its contents are.
type locMeta struct {
	Info fixtures.Location `json:"info"`
	// Inc names the incarnation whose change log holds the contents ({P:L}:log:Inc): a restore
	// gives a location a new one, so that replicas never mix the old log with the new.
	Inc string `json:"inc"`
	// Base is the number of the incarnation's first change (its load).
	Base uint64 `json:"base"`
	// Seed seeds the ids its changes draw; Seeded says it came from the mock's id seed (then an id
	// drawn is checked against those taken: see ids.Source.Seeded).
	Seed   uint64 `json:"seed"`
	Seeded bool   `json:"seeded,omitempty"`
	// Order keeps creation order.
	Order int64 `json:"order"`
}

type storedClient struct {
	Client oauth.Client `json:"client"`
	Order  int64        `json:"order"`
}

type storedReg struct {
	Reg   webhooks.Registration `json:"reg"`
	Order int64                 `json:"order"`
}

type storedFault struct {
	Fault faults.Fault `json:"fault"`
	Order int64        `json:"order"`
}

// loadSettings reads the settings (one round trip) and keeps them.
func (b *Backend) loadSettings(ctx context.Context) (*settings, error) {
	rs := b.multi(ctx,
		b.c.B().Hgetall().Key(b.g("cfg")).Build(),
		b.c.B().Hgetall().Key(b.g("locs")).Build(),
		b.c.B().Hgetall().Key(b.g("clients")).Build(),
		b.c.B().Hgetall().Key(b.g("hooks", "regs")).Build(),
		b.c.B().Hgetall().Key(b.g("faults")).Build(),
	)
	maps := make([]map[string]string, len(rs))
	for i, r := range rs {
		m, err := r.AsStrMap()
		if err := b.ok(err); err != nil {
			return nil, err
		}
		maps[i] = m
	}
	cfg := maps[0]
	st := &settings{locs: map[string]locMeta{}, clients: map[string]storedClient{}}
	st.rev, _ = strconv.ParseInt(cfg["rev"], 10, 64)
	off, _ := strconv.ParseInt(cfg["offset"], 10, 64)
	st.offset = time.Duration(off)
	st.faultSeed, _ = strconv.ParseInt(cfg["faultseed"], 10, 64)
	if v := cfg["limits"]; v != "" {
		var l ratelimit.Limits
		if err := json.Unmarshal([]byte(v), &l); err != nil {
			return nil, fmt.Errorf("redis: the stored rate limits: %w", err)
		}
		st.limits = &l
	}
	if v := cfg["consent"]; v != "" {
		if err := json.Unmarshal([]byte(v), &st.consent); err != nil {
			return nil, fmt.Errorf("redis: the stored consent settings: %w", err)
		}
	}
	for id, v := range maps[1] {
		var m locMeta
		if err := json.Unmarshal([]byte(v), &m); err != nil {
			return nil, fmt.Errorf("redis: location %s: %w", id, err)
		}
		st.locs[id] = m
		st.locOrder = append(st.locOrder, id)
	}
	slices.SortFunc(st.locOrder, func(a, c string) int { return int(st.locs[a].Order - st.locs[c].Order) })
	for id, v := range maps[2] {
		var c storedClient
		if err := json.Unmarshal([]byte(v), &c); err != nil {
			return nil, fmt.Errorf("redis: client %s: %w", id, err)
		}
		st.clients[id] = c
	}
	for id, v := range maps[3] {
		var r storedReg
		if err := json.Unmarshal([]byte(v), &r); err != nil {
			return nil, fmt.Errorf("redis: webhook %s: %w", id, err)
		}
		st.regs = append(st.regs, r)
	}
	slices.SortFunc(st.regs, func(a, c storedReg) int { return int(a.Order - c.Order) })
	for id, v := range maps[4] {
		var f storedFault
		if err := json.Unmarshal([]byte(v), &f); err != nil {
			return nil, fmt.Errorf("redis: fault %s: %w", id, err)
		}
		st.faults = append(st.faults, f)
	}
	slices.SortFunc(st.faults, func(a, c storedFault) int { return int(a.Order - c.Order) })
	b.keep(st)
	return st, nil
}

// keep stores st unless newer settings are kept already (a concurrent read).
func (b *Backend) keep(st *settings) {
	for {
		cur := b.cfg.Load()
		if cur != nil && cur.rev > st.rev {
			return
		}
		if b.cfg.CompareAndSwap(cur, st) {
			return
		}
	}
}

// current returns the settings in force for a call: those the request's first round trip
// checked, or, outside a request, read now.
func (b *Backend) current(ctx context.Context) (*settings, error) {
	if pf := prefetchedOf(ctx); pf != nil {
		if st := b.cfg.Load(); st != nil && st.rev >= pf.rev {
			return st, nil
		}
		return b.loadSettings(ctx)
	}
	r := b.do(ctx, b.c.B().Hget().Key(b.g("cfg")).Field("rev").Build())
	v, err := r.AsInt64()
	if err := b.ok(err); err != nil {
		return nil, err
	}
	if st := b.cfg.Load(); st != nil && st.rev >= v {
		return st, nil
	}
	return b.loadSettings(ctx)
}

// changed is the script tail every settings change ends with.
const bumpRev = `redis.call('HINCRBY', KEYS[1], 'rev', 1)`

// setField replaces one field of {P}:cfg and moves the revision, in one step.
var setFieldScript = newScript(`redis.call('HSET', KEYS[1], ARGV[1], ARGV[2]) ` + bumpRev + ` return 1`)

func (b *Backend) setField(ctx context.Context, field, value string) error {
	return b.ok(b.run(ctx, setFieldScript, []string{b.g("cfg")}, field, value).Error())
}

// setEntry puts (or, with an empty value, removes) one entry of a settings hash and moves the
// revision; with nx set it refuses (0) an entry that exists.
var setEntryScript = newScript(`
if ARGV[3] == '1' and redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
if ARGV[2] == '' then
  if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return 0 end
else
  redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
end
` + bumpRev + ` return 1`)

func (b *Backend) setEntry(ctx context.Context, hash, id, value string, nx bool) (bool, error) {
	flag := "0"
	if nx {
		flag = "1"
	}
	n, err := b.run(ctx, setEntryScript, []string{b.g("cfg"), hash}, id, value, flag).AsInt64()
	return n == 1, b.ok(err)
}

// nextOrder draws the next creation-order number.
func (b *Backend) nextOrder(ctx context.Context) (int64, error) {
	n, err := b.do(ctx, b.c.B().Hincrby().Key(b.g("cfg")).Field("order").Increment(1).Build()).AsInt64()
	return n, b.ok(err)
}

// --- prefetch ---------------------------------------------------------------------------------

// prefetched is what a request's first round trip read.
type prefetched struct {
	rev int64
	// bearer is the token looked up: tok is its record ("" when none), revoked whether its
	// grant is revoked.
	bearer  string
	tok     string
	revoked bool
	// tail holds the changes of location loc's incarnation inc after number from.
	loc, inc string
	from     uint64
	tail     []rueidis.XRangeEntry
	fetched  bool
}

type prefetchedKey struct{}

func prefetchedOf(ctx context.Context) *prefetched {
	pf, _ := ctx.Value(prefetchedKey{}).(*prefetched)
	return pf
}

var prefetchScript = newScript(`
local rev = redis.call('HGET', KEYS[1], 'rev') or '0'
if KEYS[2] == KEYS[1] then return {rev, false, 0} end
local t = redis.call('HMGET', KEYS[2], 'j', 'g')
if not t[1] then return {rev, false, 0} end
local revoked = 0
if t[2] and t[2] ~= '' then revoked = redis.call('SISMEMBER', KEYS[3], t[2]) end
return {rev, t[1], revoked}`)

// Prefetch implements mockserver.Prefetcher: one round trip reads the settings' revision, the
// bearer token's record and the changes of the location the token names since this replica last
// read them.
func (b *Backend) Prefetch(ctx context.Context, bearer, loc string) (context.Context, error) {
	pf := &prefetched{bearer: bearer}
	tokKey := b.g("cfg")
	if bearer != "" {
		tokKey = b.tokenKey(bearer)
	}
	calls := []call{{s: prefetchScript, keys: []string{b.g("cfg"), tokKey, b.g("revoked")}}}
	if st := b.cfg.Load(); st != nil && loc != "" {
		if m, ok := st.locs[loc]; ok {
			pf.loc, pf.inc = loc, m.Inc
			pf.from = b.store.seen(loc, m)
			calls = append(calls, call{cmd: b.c.B().Xrange().Key(b.l(loc, "log", m.Inc)).Start("(0-" + strconv.FormatUint(pf.from, 10)).End("+").Build()})
		}
	}
	rs := b.batch(ctx, calls...)
	vals, err := rs[0].ToArray()
	if err := b.ok(err); err != nil {
		return ctx, err
	}
	if len(vals) == 3 {
		s, _ := vals[0].ToString()
		pf.rev, _ = strconv.ParseInt(s, 10, 64)
		pf.tok, _ = vals[1].ToString()
		n, _ := vals[2].AsInt64()
		pf.revoked = n == 1
	}
	if len(rs) > 1 {
		tail, err := rs[1].AsXRange()
		if err := b.ok(err); err != nil {
			return ctx, err
		}
		pf.tail, pf.fetched = tail, true
	}
	if st := b.cfg.Load(); st == nil || st.rev < pf.rev {
		if _, err := b.loadSettings(ctx); err != nil {
			return ctx, err
		}
	}
	return context.WithValue(ctx, prefetchedKey{}, pf), nil
}
