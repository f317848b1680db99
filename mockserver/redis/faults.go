package redis

import (
	"context"
	"slices"
	"strconv"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/spec"
)

// Faults is the faults.Store of a Backend: the faults are settings ({P}:faults, read with the
// others), their counters hashes {P}:fault:ID (applications left, hits, draws). A request that a
// fault matches draws in one script, so a fault with a count applies exactly that many times
// across replicas. The n-th draw of a fault is a function of the seed, the fault's id and n (a
// hash: Lua has no PCG), so a seeded run replays on this backend as on the memory one, though the
// two draw different sequences.
type Faults struct {
	b    *Backend
	spec *spec.Spec
}

var _ faults.Store = Faults{}

// Faults returns the backend's fault store; operation ids are checked against sp.
func (b *Backend) Faults(sp *spec.Spec) Faults { return Faults{b: b, spec: sp} }

// Seed implements faults.Store: the prefix's seed (Join stores the first replica's).
func (f Faults) Seed() int64 {
	if st := f.b.cfg.Load(); st != nil {
		return st.faultSeed
	}
	return 0
}

var addFaultScript = newScript(`
if redis.call('HEXISTS', KEYS[2], ARGV[1]) == 1 then return 0 end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('DEL', KEYS[3])
redis.call('HSET', KEYS[3], 'left', ARGV[3], 'hits', 0, 'n', 0)
` + bumpRev + ` return 1`)

// Add implements faults.Store.
func (f Faults) Add(ctx context.Context, ft faults.Fault) (faults.View, error) {
	if msgs := ft.Problems(f.spec); len(msgs) > 0 {
		return faults.View{}, &faults.ValidationError{Messages: msgs}
	}
	st, err := f.b.current(ctx)
	if err != nil {
		return faults.View{}, err
	}
	taken := func(id string) bool {
		return slices.ContainsFunc(st.faults, func(s storedFault) bool { return s.Fault.ID == id })
	}
	auto := ft.ID == ""
	if !auto && taken(ft.ID) {
		return faults.View{}, &faults.ValidationError{Messages: []string{"id " + ft.ID + " is in use"}}
	}
	for {
		if auto {
			n, err := f.b.do(ctx, f.b.c.B().Hincrby().Key(f.b.g("cfg")).Field("faultnext").Increment(1).Build()).AsInt64()
			if err := f.b.ok(err); err != nil {
				return faults.View{}, err
			}
			if ft.ID = "f" + strconv.FormatInt(n, 10); taken(ft.ID) {
				continue
			}
		}
		order, err := f.b.nextOrder(ctx)
		if err != nil {
			return faults.View{}, err
		}
		data, err := jsonOf(storedFault{Fault: ft, Order: order})
		if err != nil {
			return faults.View{}, err
		}
		n, err := f.b.run(ctx, addFaultScript, []string{f.b.g("cfg"), f.b.g("faults"), f.b.g("fault", ft.ID)}, ft.ID, data, strconv.Itoa(ft.Count)).AsInt64()
		if err := f.b.ok(err); err != nil {
			return faults.View{}, err
		}
		if n == 0 {
			if auto {
				continue
			}
			return faults.View{}, &faults.ValidationError{Messages: []string{"id " + ft.ID + " is in use"}}
		}
		break
	}
	if _, err := f.b.loadSettings(ctx); err != nil {
		return faults.View{}, err
	}
	v := faults.View{Fault: ft}
	if ft.Count > 0 {
		left := ft.Count
		v.Remaining = &left
	}
	return v, nil
}

var removeFaultScript = newScript(`
if redis.call('HDEL', KEYS[2], ARGV[1]) == 0 then return 0 end
redis.call('DEL', KEYS[3])
` + bumpRev + ` return 1`)

// Remove implements faults.Store.
func (f Faults) Remove(ctx context.Context, id string) (bool, error) {
	n, err := f.b.run(ctx, removeFaultScript, []string{f.b.g("cfg"), f.b.g("faults"), f.b.g("fault", id)}, id).AsInt64()
	if err := f.b.ok(err); err != nil {
		return false, err
	}
	_, err = f.b.loadSettings(ctx)
	return n == 1, err
}

var clearFaultsScript = newScript(`
local ids = redis.call('HKEYS', KEYS[2])
for _, id in ipairs(ids) do redis.call('DEL', ARGV[1] .. id) end
redis.call('DEL', KEYS[2])
` + bumpRev + ` return #ids`)

// Clear implements faults.Store.
func (f Faults) Clear(ctx context.Context) (int, error) {
	n, err := f.b.run(ctx, clearFaultsScript, []string{f.b.g("cfg"), f.b.g("faults")}, f.b.g("fault")+":").AsInt64()
	if err := f.b.ok(err); err != nil {
		return 0, err
	}
	_, err = f.b.loadSettings(ctx)
	return int(n), err
}

// List implements faults.Store.
func (f Faults) List(ctx context.Context) ([]faults.View, error) {
	st, err := f.b.current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]faults.View, 0, len(st.faults))
	if len(st.faults) == 0 {
		return out, nil
	}
	var calls []call
	for _, sf := range st.faults {
		calls = append(calls, call{cmd: f.b.c.B().Hmget().Key(f.b.g("fault", sf.Fault.ID)).Field("left", "hits").Build()})
	}
	for i, r := range f.b.batch(ctx, calls...) {
		vals, err := r.ToArray()
		if err := f.b.ok(err); err != nil {
			return nil, err
		}
		ft := st.faults[i].Fault
		v := faults.View{Fault: ft}
		if len(vals) == 2 {
			h, _ := vals[1].ToString()
			v.Hits, _ = strconv.Atoi(h)
			if ft.Count > 0 {
				l, _ := vals[0].ToString()
				left, _ := strconv.Atoi(l)
				v.Remaining, v.Expired = &left, left == 0
			}
		}
		out = append(out, v)
	}
	return out, nil
}

// pickScript draws, in order, for each fault that matched until one applies (ARGV: seed, then
// per fault: id, count, probability or -1, latency ms, jitter ms). A draw u in [0, 1) is the first
// 13 hex digits of SHA1(seed:id:n).
var pickScript = newScript(`
local seed = ARGV[1]
for i = 2, #ARGV, 5 do
  local id, count, p, lat, jit = ARGV[i], tonumber(ARGV[i+1]), tonumber(ARGV[i+2]), tonumber(ARGV[i+3]), tonumber(ARGV[i+4])
  local k = KEYS[1] .. id
  if redis.call('EXISTS', k) == 1 then
    local left = tonumber(redis.call('HGET', k, 'left') or '0')
    if not (count > 0 and left <= 0) then
      local go = true
      local n = redis.call('HINCRBY', k, 'n', 1)
      if p >= 0 then
        local u = tonumber(string.sub(redis.sha1hex(seed .. ':' .. id .. ':' .. n), 1, 13), 16) / 4503599627370496
        go = u < p
      end
      if go then
        if count > 0 then redis.call('HINCRBY', k, 'left', -1) end
        redis.call('HINCRBY', k, 'hits', 1)
        local delay = lat * 1000000
        if jit > 0 then
          local u = tonumber(string.sub(redis.sha1hex(seed .. ':' .. id .. ':' .. n .. ':j'), 1, 13), 16) / 4503599627370496
          delay = delay + math.floor(u * (jit * 1000000 + 1))
        end
        return {id, tostring(delay)}
      end
    end
  end
end
return false`)

// Pick implements faults.Store: matching is local (the faults came with the settings); only a
// request some fault matches draws in Redis.
func (f Faults) Pick(ctx context.Context, req faults.Request) (*faults.Fault, time.Duration, error) {
	st, err := f.b.current(ctx)
	if err != nil || len(st.faults) == 0 {
		return nil, 0, err
	}
	args := []string{strconv.FormatInt(st.faultSeed, 10)}
	byID := map[string]*faults.Fault{}
	for i := range st.faults {
		ft := &st.faults[i].Fault
		if !ft.Matches(req) {
			continue
		}
		p := "-1"
		if ft.Probability != nil {
			p = strconv.FormatFloat(*ft.Probability, 'g', -1, 64)
		}
		args = append(args, ft.ID, strconv.Itoa(ft.Count), p, strconv.Itoa(ft.LatencyMs), strconv.Itoa(ft.JitterMs))
		byID[ft.ID] = ft
	}
	if len(byID) == 0 {
		return nil, 0, nil
	}
	vals, err := f.b.run(ctx, pickScript, []string{f.b.g("fault") + ":"}, args...).ToArray()
	if err := f.b.ok(err); err != nil || len(vals) != 2 {
		return nil, 0, err
	}
	id, _ := vals[0].ToString()
	d, _ := vals[1].ToString()
	ns, _ := strconv.ParseInt(d, 10, 64)
	ft := *byID[id]
	return &ft, time.Duration(ns), nil
}
