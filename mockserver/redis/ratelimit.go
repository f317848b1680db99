package redis

import (
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
)

// Limits is the ratelimit.Settings of a Backend: the limits are a field of the settings
// ({P}:cfg "limits"), read with them (see settings.go). A prefix that has none holds the limits
// its first replica was configured with (Join stores them).
type Limits struct {
	b   *Backend
	def ratelimit.Limits
}

var _ ratelimit.Settings = Limits{}

// Limits returns the backend's rate-limit settings; def are the limits in force while the prefix
// stores none.
func (b *Backend) Limits(def ratelimit.Limits) Limits { return Limits{b: b, def: def} }

// Limits implements ratelimit.Settings.
func (l Limits) Limits(ctx context.Context) (ratelimit.Limits, error) {
	st, err := l.b.current(ctx)
	if err != nil {
		return ratelimit.Limits{}, err
	}
	if st.limits == nil {
		return l.def, nil
	}
	return *st.limits, nil
}

// SetLimits implements ratelimit.Settings.
func (l Limits) SetLimits(ctx context.Context, lim ratelimit.Limits) error {
	data, err := json.Marshal(lim)
	if err != nil {
		return err
	}
	if err := l.b.setField(ctx, "limits", string(data)); err != nil {
		return err
	}
	_, err = l.b.loadSettings(ctx)
	return err
}

// Counter is the ratelimit.Counter of a Backend: one hash per key, {P}:rl:CLIENT:LOCATION, taken
// by one script, so the limits hold exactly whichever replica a request lands on. Times travel in
// microseconds (Lua's numbers are doubles).
type Counter struct{ b *Backend }

var _ ratelimit.Counter = Counter{}

// Counter returns the backend's rate-limit counter.
func (b *Backend) Counter() Counter { return Counter{b} }

func (c Counter) key(k ratelimit.Key) string { return c.b.g("rl", k.Client, k.Location) }

// takeScript rolls the window and the day as MemoryCounter.roll does, then counts one request
// unless a limit is reached (ARGV: now, window, burst, daily, next midnight, take?, clock skew: a
// request stamped up to that much before the window opened counts in it, as replicas race).
var takeScript = newScript(`
local now, win, burst, daily, midnight, take = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), ARGV[6] == '1'
local h = redis.call('HMGET', KEYS[1], 'ws', 'we', 'c', 'de', 'dc')
if not h[2] and not take then return {0, 0, 0, 0, 0, 0} end
local ws, we, c, de, dc = tonumber(h[1] or 0), tonumber(h[2] or 0), tonumber(h[3] or 0), tonumber(h[4] or 0), tonumber(h[5] or 0)
if now < ws and ws - now <= tonumber(ARGV[7]) then now = ws end
if now >= de or now < de - 86400000000 then de, dc = midnight, 0 end
if now >= we or now < ws then ws, we, c = now, now + win, 0 end
local taken = 0
if take then
  if dc < daily and c < burst then c = c + 1; dc = dc + 1; taken = 1 end
  redis.call('HSET', KEYS[1], 'ws', ws, 'we', we, 'c', c, 'de', de, 'dc', dc)
  redis.call('PEXPIREAT', KEYS[1], math.floor(math.max(we, de) / 1000) + 1000)
end
return {1, we, de, c, dc, taken}`)

func nextUTCMidnight(now time.Time) time.Time {
	y, m, d := now.UTC().Date()
	return time.Date(y, m, d+1, 0, 0, 0, 0, time.UTC)
}

func (c Counter) run(ctx context.Context, key ratelimit.Key, now time.Time, window time.Duration, burst, daily int, take bool) (ratelimit.Counts, error) {
	flag := "0"
	if take {
		flag = "1"
	}
	vals, err := c.b.run(ctx, takeScript, []string{c.key(key)},
		strconv.FormatInt(now.UnixMicro(), 10), strconv.FormatInt(window.Microseconds(), 10),
		strconv.Itoa(burst), strconv.Itoa(daily), strconv.FormatInt(nextUTCMidnight(now).UnixMicro(), 10), flag,
		strconv.FormatInt(ratelimit.ClockSkew.Microseconds(), 10)).AsIntSlice()
	if err := c.b.ok(err); err != nil {
		return ratelimit.Counts{}, err
	}
	if len(vals) != 6 || vals[0] == 0 {
		return ratelimit.Counts{}, nil
	}
	return ratelimit.Counts{
		WindowEnd: time.UnixMicro(vals[1]), DayEnd: time.UnixMicro(vals[2]).UTC(),
		Count: int(vals[3]), DayCount: int(vals[4]), Taken: vals[5] == 1,
	}, nil
}

// Take implements ratelimit.Counter.
func (c Counter) Take(ctx context.Context, key ratelimit.Key, now time.Time, window time.Duration, burst, daily int) (ratelimit.Counts, error) {
	return c.run(ctx, key, now, window, burst, daily, true)
}

// Peek implements ratelimit.Counter.
func (c Counter) Peek(ctx context.Context, key ratelimit.Key, now time.Time, window time.Duration) (ratelimit.Counts, error) {
	return c.run(ctx, key, now, window, 0, 0, false)
}

var resetCountsScript = newScript(`
local keys = redis.call('KEYS', ARGV[1])
for _, k in ipairs(keys) do redis.call('DEL', k) end
return #keys`)

// Reset implements ratelimit.Counter.
func (c Counter) Reset(ctx context.Context) error {
	return c.b.ok(c.b.run(ctx, resetCountsScript, []string{c.b.g("cfg")}, c.b.g("rl")+":*").Error())
}

var listCountsScript = newScript(`
local out = {}
for _, k in ipairs(redis.call('KEYS', ARGV[1])) do
  local h = redis.call('HMGET', k, 'ws', 'we', 'c', 'de', 'dc')
  table.insert(out, k)
  for i = 1, 5 do table.insert(out, h[i] or '0') end
end
return out`)

// List implements ratelimit.Counter.
func (c Counter) List(ctx context.Context, now time.Time, window time.Duration) ([]ratelimit.KeyCounts, error) {
	vals, err := c.b.run(ctx, listCountsScript, []string{c.b.g("cfg")}, c.b.g("rl")+":*").AsStrSlice()
	if err := c.b.ok(err); err != nil {
		return nil, err
	}
	prefix := c.b.g("rl") + ":"
	nowUs := now.UnixMicro()
	var out []ratelimit.KeyCounts
	for i := 0; i+5 < len(vals); i += 6 {
		client, loc, _ := strings.Cut(strings.TrimPrefix(vals[i], prefix), ":")
		n := make([]int64, 5)
		for j := range n {
			n[j], _ = strconv.ParseInt(vals[i+1+j], 10, 64)
		}
		ws, we, cnt, de, dc := n[0], n[1], n[2], n[3], n[4]
		if nowUs >= de || nowUs < de-86400000000 {
			de, dc = nextUTCMidnight(now).UnixMicro(), 0
		}
		if nowUs >= we || nowUs < ws {
			we, cnt = nowUs+window.Microseconds(), 0
		}
		if cnt == 0 && dc == 0 {
			continue
		}
		out = append(out, ratelimit.KeyCounts{Key: ratelimit.Key{Client: client, Location: loc},
			Counts: ratelimit.Counts{WindowEnd: time.UnixMicro(we), DayEnd: time.UnixMicro(de).UTC(), Count: int(cnt), DayCount: int(dc)}})
	}
	return out, nil
}
