package webhooks

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
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

// deliver sends one delivery until it is delivered, fails for good, or its registration goes.
func (w *Dispatcher) deliver(r *registration, d *delivery) {
	body, err := d.payload()
	if err != nil {
		w.finish(r, d, Failed, err.Error())
		return
	}
	if w.validate != nil {
		if err := w.validate(d.event, body); err != nil {
			w.violation(err)
		}
	}
	sig := base64.StdEncoding.EncodeToString(ed25519.Sign(w.key, body))
	w.logMu.Lock()
	d.signature = sig
	w.logMu.Unlock()
	for attempt := 1; ; attempt++ {
		res := w.attempt(r.ctx, d, body, sig, attempt)
		switch {
		case res.status >= 200 && res.status < 300:
			w.finish(r, d, Delivered, "")
			return
		case r.ctx.Err() != nil:
			w.finish(r, d, Dropped, context.Cause(r.ctx).Error())
			return
		case res.status == http.StatusGone:
			w.finish(r, d, Failed, errWebhookGone.Error())
			w.unregister(r.id, errWebhookGone)
			return
		}
		wait, retry := w.retryAfter(res, attempt)
		if !retry {
			w.finish(r, d, Failed, res.String()+" (not retried)")
			return
		}
		if attempt >= w.retry.MaxAttempts {
			w.finish(r, d, Failed, fmt.Sprintf("gave up after %d attempts: %s", attempt, res))
			return
		}
		w.logMu.Lock()
		ms := float64(wait) / float64(time.Millisecond)
		d.history[len(d.history)-1].RetryInMs = &ms
		d.lastError = res.String()
		w.logMu.Unlock()
		if err := w.sleep(r.ctx, wait); err != nil || r.ctx.Err() != nil {
			if cause := context.Cause(r.ctx); cause != nil {
				err = cause
			}
			w.finish(r, d, Dropped, "waiting to retry: "+err.Error())
			return
		}
	}
}

// retryAfter says whether to try again after res and how long to wait first.
func (w *Dispatcher) retryAfter(res attemptResult, attempt int) (time.Duration, bool) {
	switch {
	case res.status == http.StatusTooManyRequests:
		if res.hasRetry {
			return min(res.retryAfter, w.retry.MaxDelay), true
		}
		return w.retry.backoff(attempt), true
	case res.err != nil || res.status >= 500:
		return w.retry.backoff(attempt), w.retry.RetryOn5xx
	}
	return 0, false
}

// attempt POSTs the delivery once and records the outcome.
func (w *Dispatcher) attempt(ctx context.Context, d *delivery, body []byte, sig string, n int) attemptResult {
	at := fixtures.At(w.now())
	var res attemptResult
	start := time.Now()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.url, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "contactsmock-webhooks/1")
		req.Header.Set(SignatureHeader, sig)
		req.Header.Set(DeliveryHeader, d.id)
		req.Header.Set(AttemptHeader, strconv.Itoa(n))
		var resp *http.Response
		if resp, err = w.client.Do(req); err == nil {
			res.status = resp.StatusCode
			res.retryAfter, res.hasRetry = parseRetryAfter(resp.Header.Get("Retry-After"), w.now())
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
	w.logMu.Lock()
	d.history = append(d.history, a)
	w.logMu.Unlock()
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
