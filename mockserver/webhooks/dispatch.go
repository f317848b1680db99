package webhooks

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/ids"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Webhook delivery.
//
// The state calls Emit with every event, in change order, after the change (see state.Store);
// Emit only appends a delivery record to the queue of every registration that wants the event (the
// payload is rendered later by whoever needs it first), so a slow or dead receiver never slows the
// API. Each registration has one bounded FIFO
// queue and one goroutine that delivers it, so a receiver sees its events in change order (hence in
// order per contact). The price of that order is head-of-line blocking: while a delivery is being
// retried, the registration's later events wait behind it.
//
// Lock order: Dispatcher.mu → registration.mu. Dispatcher.logMu is taken on its own or under
// Dispatcher.mu, never while holding registration.mu. No lock of the state is held when Emit runs.

// Delivery headers besides x-ghl-signature and Content-Type.
const (
	// SignatureHeader carries the Ed25519 signature of the body, base64.
	SignatureHeader = "x-ghl-signature"
	// DeliveryHeader carries the delivery's id (the id in the delivery log).
	DeliveryHeader = "X-Contactsmock-Delivery"
	// AttemptHeader carries the attempt number, 1 for the first.
	AttemptHeader = "X-Contactsmock-Attempt"
)

// Retry is the delivery retry policy. The default, LiveRetry, is the live sender's: a delivery is
// retried only when the receiver answers 429, about every 10 minutes (a fixed interval with
// jitter), and a 5xx, a network error or a timeout fails it at once. FastRetry is the policy the
// mock had before: not how live behaves, but quick to exercise a receiver's error paths.
//
// A delivery is retried after a 429 and, when RetryOn5xx is set, after a 5xx, a network error or
// a timeout. The wait is BaseDelay after the first failure, doubling after each further one up to
// MaxDelay (BaseDelay equal to MaxDelay makes it a fixed interval), then moved by a random amount
// within ±Jitter; with RetryAfter a 429's Retry-After is waited instead (capped at MaxDelay).
// After MaxAttempts attempts the delivery is failed. Any other answer is final: 2xx delivers,
// 410 Gone removes the registration, anything else fails at once. The waits run on the mock's
// clock: advancing it (POST /__admin/clock) brings a retry forward.
//
// The zero value means DefaultRetry. Otherwise the fields are taken as given, except that a
// zero or negative MaxAttempts, BaseDelay or MaxDelay takes DefaultRetry's: start from
// LiveRetry or FastRetry and change fields.
type Retry struct {
	// MaxAttempts counts every attempt, the first included.
	MaxAttempts int `json:"maxAttempts"`
	// BaseDelay is the wait after the first failed attempt.
	BaseDelay time.Duration `json:"-"`
	// MaxDelay caps every wait before jitter.
	MaxDelay time.Duration `json:"-"`
	// Jitter moves each wait by a random amount between -Jitter and +Jitter (never below zero),
	// drawn from Options.Seed's source.
	Jitter time.Duration `json:"-"`
	// RetryOn5xx also retries 5xx answers, network errors and timeouts. The live sender does not.
	RetryOn5xx bool `json:"retryOn5xx"`
	// RetryAfter waits a 429's Retry-After (seconds or an HTTP date) when the receiver sends one,
	// instead of the interval. Live is not documented to read it.
	RetryAfter bool `json:"retryAfter"`
}

// LiveRetry is the live sender's policy as the reference knows it (changelog of 2025-09-23):
// only a 429 is retried, about every 10 minutes with jitter. How many times live retries is not
// documented; 6 attempts (about an hour) is this mock's choice.
var LiveRetry = Retry{MaxAttempts: 6, BaseDelay: 10 * time.Minute, MaxDelay: 10 * time.Minute, Jitter: time.Minute}

// FastRetry is the mock's former default, kept as an opt-in: 5xx, network errors and timeouts are
// retried too, after 1 s doubling to 30 s, a 429 after its Retry-After; 5 attempts. It is not how
// the live API behaves: a receiver that only passes with it loses events live.
var FastRetry = Retry{MaxAttempts: 5, BaseDelay: time.Second, MaxDelay: 30 * time.Second, RetryOn5xx: true, RetryAfter: true}

// DefaultRetry is the retry policy of a zero Config: LiveRetry.
var DefaultRetry = LiveRetry

// RetryPolicy returns the named policy: "live" (LiveRetry) or "fast" (FastRetry).
func RetryPolicy(name string) (Retry, error) {
	switch name {
	case "live":
		return LiveRetry, nil
	case "fast":
		return FastRetry, nil
	}
	return Retry{}, fmt.Errorf("webhooks: unknown retry policy %q (live or fast)", name)
}

// Defaults of the webhook fields of Config.
const (
	DefaultQueueSize = 1000
	DefaultLogSize   = 1000
	DefaultTimeout   = 10 * time.Second
)

func (r Retry) withDefaults() Retry {
	if r == (Retry{}) {
		return DefaultRetry
	}
	if r.MaxAttempts <= 0 {
		r.MaxAttempts = DefaultRetry.MaxAttempts
	}
	if r.BaseDelay <= 0 {
		r.BaseDelay = DefaultRetry.BaseDelay
	}
	if r.MaxDelay <= 0 {
		r.MaxDelay = DefaultRetry.MaxDelay
	}
	r.MaxDelay = max(r.MaxDelay, r.BaseDelay)
	r.Jitter = max(r.Jitter, 0)
	return r
}

// backoff is the wait after the attempt-th failed attempt (1-based), before jitter.
func (r Retry) backoff(attempt int) time.Duration {
	d := r.BaseDelay
	for i := 1; i < attempt && d < r.MaxDelay; i++ {
		d *= 2
	}
	return min(d, r.MaxDelay)
}

// Delivery states.
const (
	Pending   = "pending"   // queued, being sent or waiting for a retry
	Delivered = "delivered" // the receiver answered 2xx
	Failed    = "failed"    // a final answer other than 2xx, or attempts exhausted
	Dropped   = "dropped"   // never completed: pushed out of a full queue, or its registration or the mock went away
)

// Registration is a receiver of webhooks.
type Registration struct {
	ID  string `json:"id"`
	URL string `json:"url"`
	// Events lists the event names it receives (all of them when registered without a list).
	Events []string `json:"events"`
	// LocationID limits it to one location's events; empty means every location.
	LocationID string             `json:"locationId,omitempty"`
	CreatedAt  fixtures.Timestamp `json:"createdAt"`
	Stats      Stats              `json:"stats"`
}

// Stats counts a registration's deliveries.
type Stats struct {
	// Pending counts deliveries queued or in flight (at most the queue size plus one).
	Pending   int `json:"pending"`
	Delivered int `json:"delivered"`
	Failed    int `json:"failed"`
	// Dropped counts deliveries that never completed: pushed out of the full queue (the oldest queued
	// delivery goes), or abandoned when the registration was removed or the mock closed.
	Dropped int `json:"dropped"`
}

// Delivery is one event sent (or to be sent) to one registration, as the delivery log shows
// it.
type Delivery struct {
	// ID identifies the delivery (header X-Contactsmock-Delivery); a replay is a new delivery.
	ID string `json:"id"`
	// WebhookID is the body's webhookId: the same on every attempt and on replays.
	WebhookID      string `json:"webhookId"`
	EventType      string `json:"eventType"`
	RegistrationID string `json:"registrationId"`
	URL            string `json:"url"`
	LocationID     string `json:"locationId"`
	// ResourceID is the contact's, note's or task's id; ContactID the contact it belongs to.
	ResourceID string `json:"resourceId"`
	ContactID  string `json:"contactId"`
	State      string `json:"state"`
	// Attempts counts the attempts made; Statuses has each one's status (0: no answer).
	Attempts int       `json:"attempts"`
	Statuses []int     `json:"statuses"`
	History  []Attempt `json:"history"`
	// LatencyMs is the time from the event to the final outcome (absent while pending).
	LatencyMs *float64 `json:"latencyMs,omitempty"`
	LastError string   `json:"lastError,omitempty"`
	// CreatedAt is the event's time on the mock's clock.
	CreatedAt fixtures.Timestamp `json:"createdAt"`
	// ReplayOf is the delivery this one replays.
	ReplayOf string `json:"replayOf,omitempty"`
	// Signature is the x-ghl-signature value sent (empty before the first attempt).
	Signature string          `json:"signature,omitempty"`
	Payload   json.RawMessage `json:"payload"`
}

// Attempt is one try of a delivery.
type Attempt struct {
	// At is when the attempt started, on the mock's clock.
	At     fixtures.Timestamp `json:"at"`
	Status int                `json:"status"`
	// DurationMs is how long the receiver took to answer (wall time).
	DurationMs float64 `json:"durationMs"`
	Error      string  `json:"error,omitempty"`
	// RetryInMs is the wait before the next attempt, when there is one.
	RetryInMs *float64 `json:"retryInMs,omitempty"`
}

// Hooks is the webhook side of the mock as the handlers and the admin API use it: registrations,
// their queues, delivery and the delivery log. Registrations, queues and the log are state;
// Dispatcher keeps them in this process, with one delivery goroutine per registration.
type Hooks interface {
	// Emit queues an event for every registration that wants it.
	Emit(e state.Event)
	// Register registers a receiver: every event (events nil) or the listed ones, of every
	// location (locationID empty) or of one. An invalid URL or event name is a *ValidationError.
	Register(ctx context.Context, url string, events []string, locationID string) (Registration, error)
	// Unregister removes a registration, dropping what it had queued; false when it did not exist.
	Unregister(ctx context.Context, id string) (bool, error)
	// Registrations lists the registrations, oldest first, with their delivery counts.
	Registrations(ctx context.Context) ([]Registration, error)
	// Registration returns one registration; false when it does not exist.
	Registration(ctx context.Context, id string) (Registration, bool, error)
	// Deliveries returns the delivery log, newest first.
	Deliveries(ctx context.Context, f DeliveryFilter) ([]Delivery, error)
	// Delivery returns one logged delivery; false when the log does not hold it.
	Delivery(ctx context.Context, id string) (Delivery, bool, error)
	// Replay sends a logged delivery again, to the same registration, as a new delivery with the
	// same body: same webhookId and timestamp, hence the same signature (Ed25519 is deterministic).
	Replay(ctx context.Context, id string) (Delivery, error)
	// PublicKey is the key receivers verify x-ghl-signature with.
	PublicKey() ed25519.PublicKey
	// Close stops accepting events, lets the queued deliveries go out until ctx ends, and drops
	// the rest; it returns once delivery has stopped (an error when ctx ended first).
	Close(ctx context.Context) error
}

// Options configure a Dispatcher; zero fields take the defaults.
type Options struct {
	// Key signs deliveries (x-ghl-signature); nil means a key generated here.
	Key ed25519.PrivateKey
	// Retry is the retry policy; the zero value means DefaultRetry.
	Retry Retry
	// QueueSize bounds each registration's queue (DefaultQueueSize); when it is full the oldest
	// queued delivery is dropped.
	QueueSize int
	// LogSize bounds the delivery log (DefaultLogSize).
	LogSize int
	// Timeout bounds one delivery attempt (DefaultTimeout).
	Timeout time.Duration
	// Client sends deliveries; nil means a client with Timeout that never follows redirects.
	Client *http.Client
	// Sleep waits between retries; nil means clock.Sleep (real time). The mock passes its clock's
	// Wait, so that the waits run on the mock's clock; tests inject one that returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// Seed seeds the jitter of retry waits; 0 draws a seed at random.
	Seed uint64
	// Now is the mock's clock.
	Now func() time.Time
	// Validate checks a payload against the document before it is sent (nil: not checked);
	// Violation records a payload that failed.
	Validate  func(event string, body []byte) error
	Violation func(error)
	// Logger receives registrations and removals; nil discards.
	Logger *slog.Logger
}

// Dispatcher is the in-process Hooks: registrations, their queues and workers, and the delivery
// log.
type Dispatcher struct {
	send      *Sender
	queueSize int
	logSize   int
	now       func() time.Time
	log       *slog.Logger

	mu     sync.RWMutex // guards regs and closed
	regs   []*registration
	closed bool

	logMu sync.Mutex // guards ring, byID and the mutable fields of every delivery
	ring  []*delivery
	byID  map[string]*delivery

	wg sync.WaitGroup // one per running worker
}

type registration struct {
	id, url, locationID string
	events              []string
	accept              map[string]bool // nil: every event
	created             fixtures.Timestamp

	ctx    context.Context
	cancel context.CancelCauseFunc
	wake   chan struct{} // capacity 1: "the queue changed"

	mu       sync.Mutex // guards the fields below
	queue    []*delivery
	inflight bool
	draining bool
	stats    Stats // Pending is computed
}

type delivery struct {
	id, webhookID, event, regID, url  string
	locationID, resourceID, contactID string
	replayOf                          string
	ev                                *pendingEvent
	created                           fixtures.Timestamp
	enqueued                          time.Time // wall clock, for latency

	bodyOnce sync.Once
	body     []byte // set by payload
	bodyErr  error

	// guarded by webhooks.logMu
	state     string
	history   []Attempt
	lastError string
	latency   time.Duration
	signature string
}

var _ Hooks = (*Dispatcher)(nil)

var (
	errWebhookClosed  = errors.New("mockserver: closed") // the wording the delivery log has always shown
	errWebhookDeleted = errors.New("the registration was deleted")
	errWebhookGone    = errors.New("the receiver answered 410 Gone: the registration was removed")
)

// New returns a dispatcher with no registration.
func New(o Options) (*Dispatcher, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	snd, err := NewSender(o)
	if err != nil {
		return nil, err
	}
	w := &Dispatcher{
		send:      snd,
		queueSize: o.QueueSize,
		logSize:   o.LogSize,
		now:       o.Now,
		log:       o.Logger,
		byID:      map[string]*delivery{},
	}
	if w.queueSize <= 0 {
		w.queueSize = DefaultQueueSize
	}
	if w.logSize <= 0 {
		w.logSize = DefaultLogSize
	}
	return w, nil
}

// newWebhookClient returns the delivery client: bounded in time at every step, never following
// redirects (a redirected POST would turn into a GET; a 3xx is a failed delivery).
func newWebhookClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			Proxy:                 http.ProxyFromEnvironment,
			DialContext:           (&net.Dialer{Timeout: min(timeout, 5*time.Second)}).DialContext,
			TLSHandshakeTimeout:   min(timeout, 5*time.Second),
			ResponseHeaderTimeout: timeout,
			MaxIdleConnsPerHost:   4,
			IdleConnTimeout:       30 * time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// --- registrations --------------------------------------------------------------------------

// ValidationError lists what is wrong with a registration, in the API's 422 message style.
type ValidationError struct{ Messages []string }

// Error implements error.
func (e *ValidationError) Error() string { return "webhooks: " + strings.Join(e.Messages, "; ") }

// UnavailableError refuses what a closing dispatcher no longer does (503).
type UnavailableError struct{ Message string }

// Error implements error.
func (e *UnavailableError) Error() string { return "webhooks: " + e.Message }

// NotFoundError is a replay of a delivery or a registration that is not there (404).
type NotFoundError struct{ Message string }

// Error implements error.
func (e *NotFoundError) Error() string { return "webhooks: " + e.Message }

// CheckURL accepts absolute http and https URLs with a host.
func CheckURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return &ValidationError{Messages: []string{"url must be a URL address (absolute, http or https)"}}
	}
	return nil
}

// CheckRegistration validates a registration's URL and event names and returns the events it
// receives (every event when events is nil), in the order of state.EventTypes. A problem is a
// *ValidationError.
func CheckRegistration(rawURL string, events []string) ([]string, error) {
	var msgs []string
	var ve *ValidationError
	if err := CheckURL(rawURL); errors.As(err, &ve) {
		msgs = append(msgs, ve.Messages...)
	}
	var accept map[string]bool
	if events != nil {
		accept = map[string]bool{}
		for _, e := range events {
			if !slices.Contains(state.EventTypes, e) {
				msgs = append(msgs, "each value in events must be one of the following values: "+strings.Join(state.EventTypes, ", "))
				break
			}
			accept[e] = true
		}
		if len(events) == 0 {
			msgs = append(msgs, "events should not be empty (leave it out to receive every event)")
		}
	}
	if len(msgs) > 0 {
		return nil, &ValidationError{Messages: msgs}
	}
	list := slices.Clone(state.EventTypes)
	if accept != nil {
		list = slices.DeleteFunc(list, func(e string) bool { return !accept[e] })
	}
	return list, nil
}

// Register implements Hooks.
func (w *Dispatcher) Register(_ context.Context, rawURL string, events []string, locationID string) (Registration, error) {
	list, err := CheckRegistration(rawURL, events)
	if err != nil {
		return Registration{}, err
	}
	var accept map[string]bool
	if events != nil {
		accept = map[string]bool{}
		for _, e := range list {
			accept[e] = true
		}
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	r := &registration{
		id: fixtures.NewID(rand.IntN), url: rawURL, locationID: locationID, events: list, accept: accept,
		created: fixtures.At(w.now()), ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1),
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		cancel(errWebhookClosed)
		return Registration{}, &UnavailableError{Message: "the mock is closing: no new webhook registrations"}
	}
	w.regs = append(w.regs, r)
	w.wg.Add(1)
	go w.run(r)
	w.log.Info("webhook registered", "id", r.id, "url", r.url)
	return r.view(), nil
}

// Unregister implements Hooks.
func (w *Dispatcher) Unregister(_ context.Context, id string) (bool, error) {
	return w.unregister(id, errWebhookDeleted), nil
}

// unregister removes a registration; its worker stops and what it had queued is dropped.
func (w *Dispatcher) unregister(id string, cause error) bool {
	w.mu.Lock()
	i := slices.IndexFunc(w.regs, func(r *registration) bool { return r.id == id })
	if i < 0 {
		w.mu.Unlock()
		return false
	}
	r := w.regs[i]
	w.regs = slices.Delete(w.regs, i, i+1)
	w.mu.Unlock()
	r.cancel(cause)
	w.log.Info("webhook removed", "id", id, "cause", cause)
	return true
}

// Registrations implements Hooks.
func (w *Dispatcher) Registrations(context.Context) ([]Registration, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	out := make([]Registration, 0, len(w.regs))
	for _, r := range w.regs {
		out = append(out, r.view())
	}
	return out, nil
}

// Registration implements Hooks.
func (w *Dispatcher) Registration(_ context.Context, id string) (Registration, bool, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	for _, r := range w.regs {
		if r.id == id {
			return r.view(), true, nil
		}
	}
	return Registration{}, false, nil
}

func (r *registration) view() Registration {
	r.mu.Lock()
	st := r.stats
	st.Pending = len(r.queue)
	if r.inflight {
		st.Pending++
	}
	r.mu.Unlock()
	return Registration{
		ID: r.id, URL: r.url, Events: slices.Clone(r.events), LocationID: r.locationID,
		CreatedAt: r.created, Stats: st,
	}
}

func (r *registration) wants(e state.Event) bool {
	return (r.accept == nil || r.accept[e.Type]) && (r.locationID == "" || r.locationID == e.LocationID)
}

// --- the state's subscriber -----------------------------------------------------------------------

// pendingEvent is an event waiting to be rendered; the store's copies in it are never modified.
type pendingEvent struct {
	e  state.Event
	at time.Time

	once     sync.Once
	rendered *renderedEvent
	err      error
}

func (p *pendingEvent) render() (*renderedEvent, error) {
	p.once.Do(func() { p.rendered, p.err = renderEvent(p.e, p.at) })
	return p.rendered, p.err
}

// payload returns the delivery's body, rendering it on first use.
func (d *delivery) payload() ([]byte, error) {
	d.bodyOnce.Do(func() {
		ev, err := d.ev.render()
		if err != nil {
			d.bodyErr = err
			return
		}
		d.body, d.bodyErr = ev.body(d.webhookID)
	})
	return d.body, d.bodyErr
}

// Emit implements Hooks. It only records and enqueues: the payload is rendered by whoever needs it
// first.
func (w *Dispatcher) Emit(e state.Event) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed || len(w.regs) == 0 {
		return
	}
	var ev *pendingEvent
	for _, r := range w.regs {
		if !r.wants(e) {
			continue
		}
		if ev == nil {
			at := w.now()
			if e.At != 0 {
				at = e.At.Time()
			}
			ev = &pendingEvent{e: e, at: at}
		}
		resource, contact := eventIDs(e)
		d := &delivery{
			id: ids.NewUUID(), webhookID: ids.NewUUID(), event: e.Type, regID: r.id, url: r.url,
			locationID: e.LocationID, resourceID: resource, contactID: contact, ev: ev,
			created: fixtures.At(ev.at), enqueued: time.Now(), state: Pending,
		}
		w.enqueueLocked(r, d)
	}
}

// enqueueLocked logs d and appends it to r's queue, pushing the oldest queued delivery out when the
// queue is full. The caller holds w.mu (read or write) and has checked that r is registered.
func (w *Dispatcher) enqueueLocked(r *registration, d *delivery) {
	w.record(d)
	r.mu.Lock()
	var pushedOut *delivery
	if len(r.queue) >= w.queueSize {
		pushedOut = r.queue[0]
		r.queue[0] = nil
		r.queue = r.queue[1:]
		r.stats.Dropped++
	}
	r.queue = append(r.queue, d)
	r.mu.Unlock()
	if pushedOut != nil {
		w.finish(nil, pushedOut, Dropped, fmt.Sprintf("the queue was full (%d): pushed out by a newer delivery", w.queueSize))
	}
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

// record adds a delivery to the log, forgetting the oldest beyond logSize.
func (w *Dispatcher) record(d *delivery) {
	w.logMu.Lock()
	defer w.logMu.Unlock()
	w.ring = append(w.ring, d)
	w.byID[d.id] = d
	if over := len(w.ring) - w.logSize; over > 0 {
		for _, old := range w.ring[:over] {
			delete(w.byID, old.id)
		}
		clear(w.ring[:over])
		w.ring = w.ring[over:]
	}
}

// finish sets a delivery's final state and, when r is given, counts it.
func (w *Dispatcher) finish(r *registration, d *delivery, state, msg string) {
	w.logMu.Lock()
	d.state = state
	if msg != "" {
		d.lastError = msg
	}
	d.latency = time.Since(d.enqueued)
	w.logMu.Unlock()
	if r == nil {
		return
	}
	r.mu.Lock()
	switch state {
	case Delivered:
		r.stats.Delivered++
	case Failed:
		r.stats.Failed++
	case Dropped:
		r.stats.Dropped++
	}
	r.mu.Unlock()
}

// --- the log and replay ---------------------------------------------------------------------

// DeliveryFilter narrows the delivery log; zero fields match everything.
type DeliveryFilter struct {
	RegistrationID, EventType, State, ContactID string
	// Limit caps the number returned (0: all the log holds).
	Limit int
}

func (f DeliveryFilter) match(d *delivery) bool {
	return f.keeps(d.regID, d.event, d.state, d.contactID)
}

// Matches reports whether the filter keeps a logged delivery.
func (f DeliveryFilter) Matches(d *Delivery) bool {
	return f.keeps(d.RegistrationID, d.EventType, d.State, d.ContactID)
}

func (f DeliveryFilter) keeps(regID, event, st, contactID string) bool {
	return (f.RegistrationID == "" || f.RegistrationID == regID) && (f.EventType == "" || f.EventType == event) &&
		(f.State == "" || f.State == st) && (f.ContactID == "" || f.ContactID == contactID)
}

// Deliveries implements Hooks. Payloads are rendered after logMu is released: every write that
// emits records under logMu, so logMu is held only to copy.
func (w *Dispatcher) Deliveries(_ context.Context, f DeliveryFilter) ([]Delivery, error) {
	var found []*delivery
	out := []Delivery{}
	w.logMu.Lock()
	for i := len(w.ring) - 1; i >= 0 && (f.Limit <= 0 || len(out) < f.Limit); i-- {
		if d := w.ring[i]; f.match(d) {
			found = append(found, d)
			out = append(out, d.viewLocked())
		}
	}
	w.logMu.Unlock()
	for i, d := range found {
		out[i].Payload = d.payloadJSON()
	}
	return out, nil
}

// Delivery implements Hooks.
func (w *Dispatcher) Delivery(_ context.Context, id string) (Delivery, bool, error) {
	w.logMu.Lock()
	d := w.byID[id]
	var v Delivery
	if d != nil {
		v = d.viewLocked()
	}
	w.logMu.Unlock()
	if d == nil {
		return Delivery{}, false, nil
	}
	v.Payload = d.payloadJSON()
	return v, true, nil
}

// payloadJSON is the delivery's body as raw JSON (rendered once, see payload).
func (d *delivery) payloadJSON() json.RawMessage {
	body, _ := d.payload()
	return json.RawMessage(body)
}

// viewLocked copies the delivery for the admin API, without its payload (the caller adds it after
// releasing webhooks.logMu, which it holds).
func (d *delivery) viewLocked() Delivery {
	v := Delivery{
		ID: d.id, WebhookID: d.webhookID, EventType: d.event, RegistrationID: d.regID, URL: d.url,
		LocationID: d.locationID, ResourceID: d.resourceID, ContactID: d.contactID, State: d.state,
		Attempts: len(d.history), Statuses: make([]int, len(d.history)), History: slices.Clone(d.history),
		LastError: d.lastError, CreatedAt: d.created, ReplayOf: d.replayOf, Signature: d.signature,
	}
	for i, a := range d.history {
		v.Statuses[i] = a.Status
	}
	if d.state != Pending {
		ms := float64(d.latency) / float64(time.Millisecond)
		v.LatencyMs = &ms
	}
	return v
}

// Replay implements Hooks: the same body again (same webhookId, hence the same signature) to the
// same registration, as a new delivery.
func (w *Dispatcher) Replay(_ context.Context, id string) (Delivery, error) {
	w.logMu.Lock()
	orig := w.byID[id]
	w.logMu.Unlock()
	if orig == nil {
		return Delivery{}, &NotFoundError{Message: fmt.Sprintf("webhook delivery %s not found (the log keeps the last %d)", id, w.logSize)}
	}
	w.mu.RLock()
	defer w.mu.RUnlock()
	if w.closed {
		return Delivery{}, &UnavailableError{Message: "the mock is closing: no replays"}
	}
	i := slices.IndexFunc(w.regs, func(r *registration) bool { return r.id == orig.regID })
	if i < 0 {
		return Delivery{}, &NotFoundError{Message: fmt.Sprintf("webhook %s, which delivery %s went to, is no longer registered", orig.regID, id)}
	}
	d := &delivery{
		id: ids.NewUUID(), webhookID: orig.webhookID, event: orig.event, regID: orig.regID, url: orig.url,
		locationID: orig.locationID, resourceID: orig.resourceID, contactID: orig.contactID,
		replayOf: orig.id, ev: orig.ev, created: fixtures.At(w.now()), enqueued: time.Now(), state: Pending,
	}
	// The answer is the delivery as queued: viewed before the worker can see it (d is nobody
	// else's yet, so logMu is not needed), since a quick receiver may have it delivered before
	// this returns.
	v := d.viewLocked()
	w.enqueueLocked(w.regs[i], d)
	v.Payload = d.payloadJSON()
	return v, nil
}

// --- stopping -------------------------------------------------------------------------------

// Close implements Hooks: it stops accepting events, lets every worker deliver what is queued,
// and when ctx ends first abandons the rest (dropped). It returns once every worker has stopped.
func (w *Dispatcher) Close(ctx context.Context) error {
	w.mu.Lock()
	w.closed = true
	regs := slices.Clone(w.regs)
	w.mu.Unlock()
	for _, r := range regs {
		r.mu.Lock()
		r.draining = true
		r.mu.Unlock()
		select {
		case r.wake <- struct{}{}:
		default:
		}
	}
	done := make(chan struct{})
	go func() {
		w.wg.Wait()
		close(done)
	}()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		for _, r := range regs {
			r.cancel(errWebhookClosed)
		}
		<-done
		err = fmt.Errorf("webhooks: webhook queues abandoned before they drained: %w", ctx.Err())
	}
	for _, r := range regs {
		r.cancel(errWebhookClosed)
	}
	w.send.CloseIdle()
	return err
}

// PublicKey implements Hooks.
func (w *Dispatcher) PublicKey() ed25519.PublicKey { return w.send.PublicKey() }
