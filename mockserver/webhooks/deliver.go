package webhooks

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/clock"
)

// --- the worker -----------------------------------------------------------------------------

// take pops the queue's head, marking it in flight until settled.
func (r *registration) take() (d *delivery, draining bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.queue) == 0 {
		return nil, r.draining
	}
	d = r.queue[0]
	r.queue[0] = nil
	r.queue = r.queue[1:]
	r.inflight = true
	return d, false
}

// run delivers r's queue in order until r is removed, or the mock closes and the queue is empty.
func (w *Dispatcher) run(r *registration) {
	defer w.wg.Done()
	for r.ctx.Err() == nil {
		d, draining := r.take()
		if d == nil {
			if draining {
				break
			}
			select {
			case <-r.wake:
			case <-r.ctx.Done():
			}
			continue
		}
		w.deliver(r, d)
		r.mu.Lock()
		r.inflight = false
		r.mu.Unlock()
	}
	r.mu.Lock()
	left := r.queue
	r.queue, r.inflight = nil, false
	r.mu.Unlock()
	cause := "the mock closed"
	if err := context.Cause(r.ctx); err != nil {
		cause = err.Error()
	}
	for _, d := range left {
		w.finish(r, d, Dropped, cause)
	}
}

type attemptResult struct {
	status     int
	err        error
	retryAfter time.Duration
	hasRetry   bool // the answer carried a usable Retry-After
}

func (a attemptResult) String() string {
	if a.err != nil {
		return a.err.Error()
	}
	return fmt.Sprintf("the receiver answered %d %s", a.status, http.StatusText(a.status))
}

// Sender sends deliveries: it signs a body, POSTs it to the receiver and retries by the policy
// until the receiver takes it, refuses it for good, or the context ends. Every Hooks delivers
// through one, whatever keeps its registrations, queues and log: the Dispatcher in this process,
// a shared store elsewhere.
type Sender struct {
	key       ed25519.PrivateKey
	retry     Retry
	client    *http.Client
	ownClient bool
	sleep     func(context.Context, time.Duration) error
	now       func() time.Time
	// validate checks a payload against the document (strict mode only); violation records a failure.
	validate  func(event string, body []byte) error
	violation func(error)

	jitterMu sync.Mutex // guards jitter
	jitter   *rand.Rand
}

// NewSender returns a sender configured by the delivery fields of o (Key, Retry, Timeout, Client,
// Sleep, Now, Validate, Violation); a nil key is generated.
func NewSender(o Options) (*Sender, error) {
	s := &Sender{key: o.Key, retry: o.Retry.withDefaults(), client: o.Client, sleep: o.Sleep, now: o.Now,
		validate: o.Validate, violation: o.Violation}
	seed := o.Seed
	if seed == 0 {
		seed = rand.Uint64()
	}
	s.jitter = rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	if s.key == nil {
		k, err := GenerateKey()
		if err != nil {
			return nil, err
		}
		s.key = k
	} else if len(s.key) != ed25519.PrivateKeySize {
		return nil, fmt.Errorf("webhooks: the webhook key has %d bytes, want %d", len(s.key), ed25519.PrivateKeySize)
	}
	if s.sleep == nil {
		s.sleep = clock.Sleep
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.client == nil {
		timeout := o.Timeout
		if timeout <= 0 {
			timeout = DefaultTimeout
		}
		s.client = newWebhookClient(timeout)
		s.ownClient = true
	}
	return s, nil
}

// PublicKey is the key receivers verify x-ghl-signature with.
func (s *Sender) PublicKey() ed25519.PublicKey { return s.key.Public().(ed25519.PublicKey) }

// Sign returns the x-ghl-signature of a body.
func (s *Sender) Sign(body []byte) string {
	return base64.StdEncoding.EncodeToString(ed25519.Sign(s.key, body))
}

// CloseIdle closes the idle connections of the sender's own client.
func (s *Sender) CloseIdle() {
	if s.ownClient {
		s.client.CloseIdleConnections()
	}
}

// Outgoing is one delivery as the sender sends it.
type Outgoing struct {
	// ID is the delivery's id (X-Contactsmock-Delivery); URL the receiver; Event the event type.
	ID, URL, Event string
	Body           []byte
	// FirstAttempt numbers the first attempt made now (1 unless an earlier owner made some).
	FirstAttempt int
}

// Progress hears of a delivery's progress as Send makes it.
type Progress interface {
	// Signed is told the signature before the first attempt.
	Signed(sig string)
	// Attempted is told each attempt once it has an outcome.
	Attempted(a Attempt)
	// Waiting is told before a wait for the next attempt: how long, and why.
	Waiting(wait time.Duration, lastError string)
}

// Outcome is how a delivery ended.
type Outcome struct {
	// State is Delivered, Failed or Dropped.
	State string
	// Message says why it failed or was dropped.
	Message string
	// Gone reports a 410: the receiver wants no more deliveries (its registration goes).
	Gone bool
}

// Send delivers d until it is delivered, fails for good, or ctx ends (Dropped, with ctx's cause).
func (s *Sender) Send(ctx context.Context, d Outgoing, p Progress) Outcome {
	if s.validate != nil {
		if err := s.validate(d.Event, d.Body); err != nil {
			s.violation(err)
		}
	}
	sig := s.Sign(d.Body)
	p.Signed(sig)
	for attempt := max(d.FirstAttempt, 1); ; attempt++ {
		res := s.attempt(ctx, d, sig, attempt, p)
		switch {
		case res.status >= 200 && res.status < 300:
			return Outcome{State: Delivered}
		case ctx.Err() != nil:
			return Outcome{State: Dropped, Message: context.Cause(ctx).Error()}
		case res.status == http.StatusGone:
			return Outcome{State: Failed, Message: errWebhookGone.Error(), Gone: true}
		}
		wait, retry := s.retryAfter(res, attempt)
		if !retry {
			return Outcome{State: Failed, Message: res.String() + " (not retried)"}
		}
		if attempt >= s.retry.MaxAttempts {
			return Outcome{State: Failed, Message: fmt.Sprintf("gave up after %d attempts: %s", attempt, res)}
		}
		p.Waiting(wait, res.String())
		if err := s.sleep(ctx, wait); err != nil || ctx.Err() != nil {
			if cause := context.Cause(ctx); cause != nil {
				err = cause
			}
			return Outcome{State: Dropped, Message: "waiting to retry: " + err.Error()}
		}
	}
}

// deliver sends one delivery of the dispatcher until it is delivered, fails for good, or its
// registration goes.
func (w *Dispatcher) deliver(r *registration, d *delivery) {
	body, err := d.payload()
	if err != nil {
		w.finish(r, d, Failed, err.Error())
		return
	}
	out := w.send.Send(r.ctx, Outgoing{ID: d.id, URL: d.url, Event: d.event, Body: body}, dispatchProgress{w, d})
	w.finish(r, d, out.State, out.Message)
	if out.Gone {
		w.unregister(r.id, errWebhookGone)
	}
}

// dispatchProgress writes a delivery's progress into the dispatcher's log.
type dispatchProgress struct {
	w *Dispatcher
	d *delivery
}

func (p dispatchProgress) Signed(sig string) {
	p.w.logMu.Lock()
	p.d.signature = sig
	p.w.logMu.Unlock()
}

func (p dispatchProgress) Attempted(a Attempt) {
	p.w.logMu.Lock()
	p.d.history = append(p.d.history, a)
	p.w.logMu.Unlock()
}

func (p dispatchProgress) Waiting(wait time.Duration, lastError string) {
	p.w.logMu.Lock()
	ms := float64(wait) / float64(time.Millisecond)
	p.d.history[len(p.d.history)-1].RetryInMs = &ms
	p.d.lastError = lastError
	p.w.logMu.Unlock()
}

// retryAfter says whether to try again after res and how long to wait first.
func (s *Sender) retryAfter(res attemptResult, attempt int) (time.Duration, bool) {
	switch {
	case res.status == http.StatusTooManyRequests:
		if res.hasRetry && s.retry.RetryAfter {
			return min(res.retryAfter, s.retry.MaxDelay), true
		}
		return s.jittered(s.retry.backoff(attempt)), true
	case (res.err != nil || res.status >= 500) && s.retry.RetryOn5xx:
		return s.jittered(s.retry.backoff(attempt)), true
	}
	return 0, false
}

// jittered moves d by a random whole number of milliseconds within ±Retry.Jitter, never below
// zero.
func (s *Sender) jittered(d time.Duration) time.Duration {
	j := int64(s.retry.Jitter / time.Millisecond)
	if j <= 0 {
		return d
	}
	s.jitterMu.Lock()
	off := time.Duration(s.jitter.Int64N(2*j+1)-j) * time.Millisecond
	s.jitterMu.Unlock()
	return max(d+off, 0)
}

// attempt POSTs the delivery once and reports the outcome.
func (s *Sender) attempt(ctx context.Context, d Outgoing, sig string, n int, p Progress) attemptResult {
	at := fixtures.At(s.now())
	var res attemptResult
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "contactsmock-webhooks/1")
		req.Header.Set(SignatureHeader, sig)
		req.Header.Set(DeliveryHeader, d.ID)
		req.Header.Set(AttemptHeader, strconv.Itoa(n))
		var resp *http.Response
		if resp, err = s.client.Do(req); err == nil {
			res.status = resp.StatusCode
			res.retryAfter, res.hasRetry = parseRetryAfter(resp.Header.Get("Retry-After"), s.now())
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			_ = resp.Body.Close()
		}
	}
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		res.err = err
	}
	a := Attempt{At: at, Status: res.status, DurationMs: float64(time.Since(start)) / float64(time.Millisecond)}
	if res.err != nil {
		a.Error = res.err.Error()
	}
	p.Attempted(a)
	return res
}

// parseRetryAfter reads Retry-After as seconds or as an HTTP date (relative to now).
func parseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		return time.Duration(min(n, int64(time.Duration(1<<62)/time.Second))) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}
