package redis

import (
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/ids"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
)

// Hooks is the webhooks.Hooks of a Backend. Registrations are settings ({P}:hooks:regs); each
// registration's queue is a list of delivery ids ({P}:hooks:q:REG), each delivery a hash
// ({P}:hooks:d:ID, its attempts the list {P}:hooks:d:ID:h), the delivery log a list of ids
// ({P}:hooks:log), the counts a hash per registration ({P}:hooks:st:REG).
//
// Exactly once: every replica hands Emit the events of every change it applies (the change log
// is the outbox), and one script per event queues it only when it comes after the last event
// queued for its location ({P}:hooks:cur): the first replica to get there queues it, in the
// location's change order, and the others find it queued. The webhookId is a function of the
// event's place and the registration, so whichever replica queues it writes the same one.
//
// Delivery: one replica at a time delivers a registration's queue, holding the lease
// {P}:hooks:own:REG; a replica that dies lets its lease expire and another takes the queue over
// and sends its head again, with the same webhookId: at most a duplicate, never a loss.
type Hooks struct {
	b         *Backend
	send      *webhooks.Sender
	queueSize int
	logSize   int
	now       func() time.Time
	log       *slog.Logger

	events chan state.Event // Emit's queue to the flusher
	flushd chan struct{}    // closed when the flusher has stopped

	mu      sync.Mutex // guards workers and closed
	workers map[string]context.CancelFunc
	closed  bool
	wg      sync.WaitGroup // the scheduler and the workers
	stop    context.CancelFunc
}

var _ webhooks.Hooks = (*Hooks)(nil)

// leaseTTL is how long a delivery lease outlives its owner's last renewal.
const leaseTTL = 5 * time.Second

// Hooks returns the backend's webhooks; o configures the sender and the bounds (its Key must be
// the prefix's: SharedKeys).
func (b *Backend) Hooks(o webhooks.Options) (*Hooks, error) {
	if b.hooks != nil {
		return b.hooks, nil
	}
	snd, err := webhooks.NewSender(o)
	if err != nil {
		return nil, err
	}
	h := &Hooks{b: b, send: snd, queueSize: o.QueueSize, logSize: o.LogSize, now: o.Now, log: o.Logger,
		events: make(chan state.Event, 4096), flushd: make(chan struct{}), workers: map[string]context.CancelFunc{}}
	if h.queueSize <= 0 {
		h.queueSize = webhooks.DefaultQueueSize
	}
	if h.logSize <= 0 {
		h.logSize = webhooks.DefaultLogSize
	}
	if h.now == nil {
		h.now = time.Now
	}
	if h.log == nil {
		h.log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h.stop = cancel
	go h.flush()
	h.wg.Go(func() { h.schedule(ctx) })
	b.hooks = h
	return h, nil
}

func (h *Hooks) k(parts ...string) string { return h.b.g(append([]string{"hooks"}, parts...)...) }

// PublicKey implements webhooks.Hooks.
func (h *Hooks) PublicKey() ed25519.PublicKey { return h.send.PublicKey() }

// --- registrations ----------------------------------------------------------------------------

// Register implements webhooks.Hooks.
func (h *Hooks) Register(ctx context.Context, url string, events []string, locationID string) (webhooks.Registration, error) {
	list, err := webhooks.CheckRegistration(url, events)
	if err != nil {
		return webhooks.Registration{}, err
	}
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return webhooks.Registration{}, &webhooks.UnavailableError{Message: "the mock is closing: no new webhook registrations"}
	}
	order, err := h.b.nextOrder(ctx)
	if err != nil {
		return webhooks.Registration{}, err
	}
	r := webhooks.Registration{ID: fixtures.NewID(rand.IntN), URL: url, Events: list, LocationID: locationID,
		CreatedAt: fixtures.At(h.now()), Stats: webhooks.Stats{}}
	data, err := jsonOf(storedReg{Reg: r, Order: order})
	if err != nil {
		return webhooks.Registration{}, err
	}
	if _, err := h.b.setEntry(ctx, h.k("regs"), r.ID, data, true); err != nil {
		return webhooks.Registration{}, err
	}
	if _, err := h.b.loadSettings(ctx); err != nil {
		return webhooks.Registration{}, err
	}
	h.log.Info("webhook registered", "id", r.ID, "url", r.URL)
	return r, nil
}

var dropQueueScript = newScript(`
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
for _, id in ipairs(ids) do
  local k = ARGV[1] .. id
  if redis.call('EXISTS', k) == 1 then redis.call('HSET', k, 'st', 'dropped', 'err', ARGV[2], 'done', ARGV[3]) end
end
redis.call('DEL', KEYS[1])
redis.call('HINCRBY', KEYS[2], 'dropped', #ids)
return #ids`)

// Unregister implements webhooks.Hooks.
func (h *Hooks) Unregister(ctx context.Context, id string) (bool, error) {
	ok, err := h.b.setEntry(ctx, h.k("regs"), id, "", false)
	if err != nil || !ok {
		return ok, err
	}
	if err := h.b.ok(h.b.run(ctx, dropQueueScript, []string{h.k("q", id), h.k("st", id)}, h.k("d")+":",
		"the registration was deleted", strconv.FormatInt(time.Now().UnixMilli(), 10)).Error()); err != nil {
		return true, err
	}
	_, err = h.b.loadSettings(ctx)
	h.log.Info("webhook removed", "id", id)
	return true, err
}

// Registrations implements webhooks.Hooks.
func (h *Hooks) Registrations(ctx context.Context) ([]webhooks.Registration, error) {
	st, err := h.b.current(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]webhooks.Registration, 0, len(st.regs))
	if len(st.regs) == 0 {
		return out, nil
	}
	var calls []call
	for _, r := range st.regs {
		calls = append(calls, call{cmd: h.b.c.B().Hgetall().Key(h.k("st", r.Reg.ID)).Build()},
			call{cmd: h.b.c.B().Llen().Key(h.k("q", r.Reg.ID)).Build()})
	}
	rs := h.b.batch(ctx, calls...)
	for i, r := range st.regs {
		m, err := rs[2*i].AsStrMap()
		if err := h.b.ok(err); err != nil {
			return nil, err
		}
		n, _ := rs[2*i+1].AsInt64()
		reg := r.Reg
		reg.Events = append([]string(nil), reg.Events...)
		reg.Stats = webhooks.Stats{Pending: int(n)}
		reg.Stats.Delivered, _ = strconv.Atoi(m["delivered"])
		reg.Stats.Failed, _ = strconv.Atoi(m["failed"])
		reg.Stats.Dropped, _ = strconv.Atoi(m["dropped"])
		out = append(out, reg)
	}
	return out, nil
}

// Registration implements webhooks.Hooks.
func (h *Hooks) Registration(ctx context.Context, id string) (webhooks.Registration, bool, error) {
	list, err := h.Registrations(ctx)
	if err != nil {
		return webhooks.Registration{}, false, err
	}
	for _, r := range list {
		if r.ID == id {
			return r, true, nil
		}
	}
	return webhooks.Registration{}, false, nil
}

// --- queueing ---------------------------------------------------------------------------------

// record is a delivery's fixed part, as {P}:hooks:d:ID "j" holds it.
type record struct {
	ID, WebhookID, Event, RegID, URL, LocationID, ResourceID, ContactID, ReplayOf string
	Created                                                                       fixtures.Timestamp
	// Enqueued is when it was queued (wall clock, ms), for its latency.
	Enqueued int64
	Payload  json.RawMessage
}

// Emit implements webhooks.Hooks: the event goes to the flusher, which queues it in Redis (see
// Hooks). Emit never waits for Redis: the change it comes from is in the change log already, and
// any replica that applies it emits it again should this one die first.
func (h *Hooks) Emit(e state.Event) {
	select {
	case h.events <- e:
	case <-h.flushd:
	}
}

// enqueueScript queues an event's deliveries unless an event at or after its place in its
// location was queued already (an event of no change, 0, is queued as it comes) (KEYS: cfg, cursors, log; ARGV: settings revision, location,
// change, position, queue size, log size, then per delivery: registration, id, record).
var enqueueScript = newScript(`
if (redis.call('HGET', KEYS[1], 'rev') or '0') ~= ARGV[1] then return -1 end
local loc, ch, pos = ARGV[2], tonumber(ARGV[3]), tonumber(ARGV[4])
if ch ~= 0 then
  local cur = redis.call('HMGET', KEYS[2], loc, loc .. '#')
  local cch, cpos = tonumber(cur[1] or '-1'), tonumber(cur[2] or '-1')
  if ch < cch or (ch == cch and pos <= cpos) then return 0 end
  redis.call('HSET', KEYS[2], loc, ch, loc .. '#', pos)
end
local qsize, lsize = tonumber(ARGV[5]), tonumber(ARGV[6])
for i = 7, #ARGV, 3 do
  local reg, id, rec = ARGV[i], ARGV[i+1], ARGV[i+2]
  local q = KEYS[3] .. ':q:' .. reg
  redis.call('HSET', KEYS[3] .. ':d:' .. id, 'j', rec, 'st', 'pending')
  redis.call('RPUSH', q, id)
  redis.call('LPUSH', KEYS[3] .. ':log', id)
  while redis.call('LLEN', q) > qsize + 1 do
    local old = redis.call('LINDEX', q, 1)
    redis.call('LREM', q, 1, old)
    redis.call('HSET', KEYS[3] .. ':d:' .. old, 'st', 'dropped', 'err', 'the queue was full (' .. qsize .. '): pushed out by a newer delivery')
    redis.call('HINCRBY', KEYS[3] .. ':st:' .. reg, 'dropped', 1)
  end
end
while redis.call('LLEN', KEYS[3] .. ':log') > lsize do
  local old = redis.call('RPOP', KEYS[3] .. ':log')
  redis.call('DEL', KEYS[3] .. ':d:' .. old, KEYS[3] .. ':d:' .. old .. ':h')
end
return 1`)

// webhookID is the webhookId of an event's delivery to a registration: a UUID made of its place
// (the same on every replica that queues it).
func webhookID(prefix, loc string, change uint64, pos int, reg string) string {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%d\x00%d\x00%s", prefix, loc, change, pos, reg)))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	x := hex.EncodeToString(b)
	return x[:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:]
}

func wants(r webhooks.Registration, e state.Event) bool {
	if r.LocationID != "" && r.LocationID != e.LocationID {
		return false
	}
	for _, t := range r.Events {
		if t == e.Type {
			return true
		}
	}
	return false
}

// flush queues the events Emit was given, in order.
func (h *Hooks) flush() {
	defer close(h.flushd)
	last := map[string][2]uint64{} // location → change, position of the last event seen
	for e := range h.events {
		pos := 0
		if l, ok := last[e.LocationID]; ok && l[0] == e.Change {
			pos = int(l[1]) + 1
		}
		last[e.LocationID] = [2]uint64{e.Change, uint64(pos)}
		for attempt := 0; ; attempt++ {
			err := h.enqueue(e, pos)
			if err == nil {
				break
			}
			if attempt%50 == 0 {
				h.log.Warn("redis: a webhook event waits to be queued", "locationId", e.LocationID, "change", e.Change, "err", err)
			}
			time.Sleep(min(time.Duration(attempt+1)*10*time.Millisecond, time.Second))
		}
	}
}

func (h *Hooks) enqueue(e state.Event, pos int) error {
	ctx := context.Background()
	for {
		st := h.b.cfg.Load()
		if st == nil {
			var err error
			if st, err = h.b.loadSettings(ctx); err != nil {
				return err
			}
		}
		args := []string{strconv.FormatInt(st.rev, 10), e.LocationID, strconv.FormatUint(e.Change, 10), strconv.Itoa(pos),
			strconv.Itoa(h.queueSize), strconv.Itoa(h.logSize)}
		at := time.Now()
		if e.At != 0 {
			at = e.At.Time()
		}
		resource, contact := webhooks.EventIDs(e)
		for _, r := range st.regs {
			if !wants(r.Reg, e) {
				continue
			}
			wid := webhookID(h.b.p, e.LocationID, e.Change, pos, r.Reg.ID)
			if e.Change == 0 {
				// Not a change of a location's log (INSTALL, UNINSTALL): only the replica that saw
				// it emits it, so there is nothing to dedupe, and its id is its own.
				wid = ids.NewUUID()
			}
			body, err := webhooks.Payload(e, at, wid)
			if err != nil {
				h.log.Error("redis: a webhook payload", "err", err)
				continue
			}
			rec := record{ID: wid, WebhookID: wid, Event: e.Type, RegID: r.Reg.ID, URL: r.Reg.URL, LocationID: e.LocationID,
				ResourceID: resource, ContactID: contact, Created: fixtures.At(at), Enqueued: time.Now().UnixMilli(), Payload: body}
			data, err := jsonOf(rec)
			if err != nil {
				return err
			}
			args = append(args, r.Reg.ID, wid, data)
		}
		n, err := h.b.run(ctx, enqueueScript, []string{h.b.g("cfg"), h.k("cur"), h.b.g("hooks")}, args...).AsInt64()
		if err := h.b.ok(err); err != nil {
			return err
		}
		if n >= 0 {
			return nil
		}
		if _, err := h.b.loadSettings(ctx); err != nil {
			return err
		}
	}
}

// --- the delivery log -------------------------------------------------------------------------

// delivery reads one delivery; false when the log no longer holds it.
func (h *Hooks) readDeliveries(ctx context.Context, ids []string) ([]webhooks.Delivery, error) {
	var calls []call
	for _, id := range ids {
		calls = append(calls, call{cmd: h.b.c.B().Hgetall().Key(h.k("d", id)).Build()},
			call{cmd: h.b.c.B().Lrange().Key(h.k("d", id, "h")).Start(0).Stop(-1).Build()})
	}
	if len(calls) == 0 {
		return nil, nil
	}
	rs := h.b.batch(ctx, calls...)
	out := make([]webhooks.Delivery, 0, len(ids))
	for i := range ids {
		m, err := rs[2*i].AsStrMap()
		if err := h.b.ok(err); err != nil {
			return nil, err
		}
		if m["j"] == "" {
			continue
		}
		hist, _ := rs[2*i+1].AsStrSlice()
		d, err := deliveryOf(m, hist)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

func deliveryOf(m map[string]string, hist []string) (webhooks.Delivery, error) {
	var rec record
	if err := json.Unmarshal([]byte(m["j"]), &rec); err != nil {
		return webhooks.Delivery{}, fmt.Errorf("redis: delivery: %w", err)
	}
	d := webhooks.Delivery{ID: rec.ID, WebhookID: rec.WebhookID, EventType: rec.Event, RegistrationID: rec.RegID, URL: rec.URL,
		LocationID: rec.LocationID, ResourceID: rec.ResourceID, ContactID: rec.ContactID, State: m["st"],
		LastError: m["err"], CreatedAt: rec.Created, ReplayOf: rec.ReplayOf, Signature: m["sig"], Payload: rec.Payload,
		Statuses: []int{}, History: []webhooks.Attempt{}}
	for _, a := range hist {
		var at webhooks.Attempt
		if err := json.Unmarshal([]byte(a), &at); err == nil {
			d.History = append(d.History, at)
			d.Statuses = append(d.Statuses, at.Status)
		}
	}
	d.Attempts = len(d.History)
	if d.State != webhooks.Pending {
		done, _ := strconv.ParseInt(m["done"], 10, 64)
		ms := float64(max(done-rec.Enqueued, 0))
		d.LatencyMs = &ms
	}
	return d, nil
}

// Deliveries implements webhooks.Hooks.
func (h *Hooks) Deliveries(ctx context.Context, f webhooks.DeliveryFilter) ([]webhooks.Delivery, error) {
	ids, err := h.b.do(ctx, h.b.c.B().Lrange().Key(h.k("log")).Start(0).Stop(-1).Build()).AsStrSlice()
	if err := h.b.ok(err); err != nil {
		return nil, err
	}
	all, err := h.readDeliveries(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []webhooks.Delivery{}
	for i := range all {
		if f.Limit > 0 && len(out) >= f.Limit {
			break
		}
		if f.Matches(&all[i]) {
			out = append(out, all[i])
		}
	}
	return out, nil
}

// Delivery implements webhooks.Hooks.
func (h *Hooks) Delivery(ctx context.Context, id string) (webhooks.Delivery, bool, error) {
	list, err := h.readDeliveries(ctx, []string{id})
	if err != nil || len(list) == 0 {
		return webhooks.Delivery{}, false, err
	}
	return list[0], true, nil
}

var replayScript = newScript(`
redis.call('HSET', KEYS[1] .. ':d:' .. ARGV[2], 'j', ARGV[3], 'st', 'pending')
redis.call('RPUSH', KEYS[1] .. ':q:' .. ARGV[1], ARGV[2])
redis.call('LPUSH', KEYS[1] .. ':log', ARGV[2])
while redis.call('LLEN', KEYS[1] .. ':log') > tonumber(ARGV[4]) do
  local old = redis.call('RPOP', KEYS[1] .. ':log')
  redis.call('DEL', KEYS[1] .. ':d:' .. old, KEYS[1] .. ':d:' .. old .. ':h')
end
return 1`)

// Replay implements webhooks.Hooks.
func (h *Hooks) Replay(ctx context.Context, id string) (webhooks.Delivery, error) {
	orig, ok, err := h.Delivery(ctx, id)
	if err != nil {
		return webhooks.Delivery{}, err
	}
	if !ok {
		return webhooks.Delivery{}, &webhooks.NotFoundError{Message: fmt.Sprintf("webhook delivery %s not found (the log keeps the last %d)", id, h.logSize)}
	}
	h.mu.Lock()
	closed := h.closed
	h.mu.Unlock()
	if closed {
		return webhooks.Delivery{}, &webhooks.UnavailableError{Message: "the mock is closing: no replays"}
	}
	if _, found, err := h.Registration(ctx, orig.RegistrationID); err != nil || !found {
		if err != nil {
			return webhooks.Delivery{}, err
		}
		return webhooks.Delivery{}, &webhooks.NotFoundError{Message: fmt.Sprintf("webhook %s, which delivery %s went to, is no longer registered", orig.RegistrationID, id)}
	}
	rec := record{ID: ids.NewUUID(), WebhookID: orig.WebhookID, Event: orig.EventType, RegID: orig.RegistrationID, URL: orig.URL,
		LocationID: orig.LocationID, ResourceID: orig.ResourceID, ContactID: orig.ContactID, ReplayOf: orig.ID,
		Created: fixtures.At(h.now()), Enqueued: time.Now().UnixMilli(), Payload: orig.Payload}
	data, err := jsonOf(rec)
	if err != nil {
		return webhooks.Delivery{}, err
	}
	if err := h.b.ok(h.b.run(ctx, replayScript, []string{h.b.g("hooks")}, rec.RegID, rec.ID, data, strconv.Itoa(h.logSize)).Error()); err != nil {
		return webhooks.Delivery{}, err
	}
	return deliveryOf(map[string]string{"j": data, "st": webhooks.Pending}, nil)
}

// --- delivery ---------------------------------------------------------------------------------

// schedule starts a worker for every registration whose queue holds something and whose lease it
// gets, every 50 ms, until ctx ends.
func (h *Hooks) schedule(ctx context.Context) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		st := h.b.cfg.Load()
		if st == nil || len(st.regs) == 0 {
			continue
		}
		var calls []call
		var regs []storedReg
		h.mu.Lock()
		for _, r := range st.regs {
			if h.workers[r.Reg.ID] == nil {
				regs = append(regs, r)
				calls = append(calls, call{cmd: h.b.c.B().Llen().Key(h.k("q", r.Reg.ID)).Build()})
			}
		}
		h.mu.Unlock()
		if len(calls) == 0 {
			continue
		}
		for i, r := range h.b.batch(ctx, calls...) {
			if n, err := r.AsInt64(); err != nil || n == 0 {
				continue
			}
			reg := regs[i].Reg
			ok, err := h.b.c.Do(ctx, h.b.c.B().Set().Key(h.k("own", reg.ID)).Value(h.b.replica).Nx().Px(leaseTTL).Build()).ToString()
			if err != nil || ok != "OK" {
				continue
			}
			wctx, cancel := context.WithCancelCause(ctx)
			h.mu.Lock()
			if h.closed {
				h.mu.Unlock()
				cancel(nil)
				return
			}
			h.workers[reg.ID] = func() { cancel(fmt.Errorf("the mock closed")) }
			h.mu.Unlock()
			h.wg.Go(func() { h.work(wctx, cancel, reg) })
		}
	}
}

var renewScript = newScript(`
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`)

var releaseScript = newScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end
return 1`)

var settleScript = newScript(`
if redis.call('LINDEX', KEYS[1], 0) ~= ARGV[1] then return 0 end
redis.call('LPOP', KEYS[1])
local d = KEYS[3] .. ARGV[1]
if redis.call('EXISTS', d) == 1 then redis.call('HSET', d, 'st', ARGV[2], 'err', ARGV[3], 'done', ARGV[5]) end
redis.call('HINCRBY', KEYS[2], ARGV[4], 1)
return 1`)

// work delivers a registration's queue, head first, while it holds the lease.
func (h *Hooks) work(ctx context.Context, cancel context.CancelCauseFunc, reg webhooks.Registration) {
	own := h.k("own", reg.ID)
	defer func() {
		h.b.run(context.Background(), releaseScript, []string{own}, h.b.replica)
		h.mu.Lock()
		delete(h.workers, reg.ID)
		h.mu.Unlock()
		cancel(nil)
	}()
	// The lease is renewed while the worker runs; losing it (this replica stalled past its
	// expiry, another took the queue over) stops the worker.
	go func() {
		t := time.NewTicker(leaseTTL / 5)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
			n, err := h.b.run(context.Background(), renewScript, []string{own}, h.b.replica, strconv.FormatInt(leaseTTL.Milliseconds(), 10)).AsInt64()
			if err == nil && n == 0 {
				cancel(fmt.Errorf("the delivery lease passed to another replica"))
				return
			}
		}
	}()
	q := h.k("q", reg.ID)
	for ctx.Err() == nil {
		id, err := h.b.c.Do(ctx, h.b.c.B().Lindex().Key(q).Index(0).Build()).ToString()
		if err != nil {
			return // empty, or Redis is away: the scheduler starts a worker again
		}
		list, err := h.readDeliveries(ctx, []string{id})
		if err != nil {
			return
		}
		if len(list) == 0 {
			// Its record was trimmed from the log: nothing to send, take it off the queue.
			h.settle(reg.ID, id, webhooks.Dropped, "the delivery log no longer holds it")
			continue
		}
		d := list[0]
		out := h.send.Send(ctx, webhooks.Outgoing{ID: d.ID, URL: d.URL, Event: d.EventType, Body: d.Payload, FirstAttempt: len(d.History) + 1},
			&progress{h: h, id: id})
		if out.State == webhooks.Dropped && ctx.Err() != nil {
			return // closing or lease lost: the head stays queued for the next owner
		}
		h.settle(reg.ID, id, out.State, out.Message)
		if out.Gone {
			_, _ = h.Unregister(context.Background(), reg.ID)
			return
		}
	}
}

func (h *Hooks) settle(reg, id, st, msg string) {
	field := map[string]string{webhooks.Delivered: "delivered", webhooks.Failed: "failed", webhooks.Dropped: "dropped"}[st]
	h.b.run(context.Background(), settleScript, []string{h.k("q", reg), h.k("st", reg), h.k("d") + ":"},
		id, st, msg, field, strconv.FormatInt(time.Now().UnixMilli(), 10))
}

// progress writes a delivery's attempts into its hash.
type progress struct {
	h    *Hooks
	id   string
	last webhooks.Attempt
}

func (p *progress) Signed(sig string) {
	p.h.b.c.Do(context.Background(), p.h.b.c.B().Hset().Key(p.h.k("d", p.id)).FieldValue().FieldValue("sig", sig).Build())
}

func (p *progress) Attempted(a webhooks.Attempt) {
	p.last = a
	data, _ := json.Marshal(a)
	p.h.b.c.Do(context.Background(), p.h.b.c.B().Rpush().Key(p.h.k("d", p.id, "h")).Element(string(data)).Build())
}

func (p *progress) Waiting(wait time.Duration, lastError string) {
	ms := float64(wait) / float64(time.Millisecond)
	a := p.last
	a.RetryInMs = &ms
	data, _ := json.Marshal(a)
	p.h.b.c.DoMulti(context.Background(),
		p.h.b.c.B().Lset().Key(p.h.k("d", p.id, "h")).Index(-1).Element(string(data)).Build(),
		p.h.b.c.B().Hset().Key(p.h.k("d", p.id)).FieldValue().FieldValue("err", lastError).Build())
}

// stopWorkers stops scheduling and every worker, leaving their queues for other replicas.
func (h *Hooks) stopWorkers() {
	h.mu.Lock()
	h.closed = true
	for _, c := range h.workers {
		c()
	}
	h.mu.Unlock()
	h.stop()
}

// Close implements webhooks.Hooks: events already emitted are queued in Redis, then this
// replica stops delivering; what its queues hold stays in Redis for the other replicas (or
// for the next start). It waits for the workers until ctx ends.
func (h *Hooks) Close(ctx context.Context) error {
	h.mu.Lock()
	already := h.closed
	h.mu.Unlock()
	if !already {
		// Let the flusher drain what was emitted (bounded by ctx).
		deadline := time.Now().Add(2 * time.Second)
		for len(h.events) > 0 && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(5 * time.Millisecond)
		}
	}
	h.stopWorkers()
	done := make(chan struct{})
	go func() {
		h.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		h.send.CloseIdle()
		return nil
	case <-ctx.Done():
		return fmt.Errorf("webhooks: deliveries still running when the mock closed: %w", ctx.Err())
	}
}
