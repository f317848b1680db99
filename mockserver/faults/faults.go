package faults

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"math/rand/v2"
	"net/http"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/contactsmock/contactsmock/spec"
)

// Fault is a failure injected into the API's answers: which requests it matches and what it does
// to them. The zero value of a matcher matches everything; a fault with no matcher at all applies
// to every request that reaches the fault stage (after authentication, rate limiting and request
// validation, before the handler).
//
// At most one fault applies to a request: the first one, in the order they were added, that
// matches and whose count and probability let it. Its effects combine: latency first, then
// drop, or the status and body, then headers and truncation.
type Fault struct {
	// ID names the fault; when empty the mock assigns "f1", "f2", … in the order faults are added.
	// With a seed, the random draws of a fault depend on its ID, so give IDs to faults in files
	// that you replay.
	ID string `json:"id,omitempty"`

	// OperationID matches requests routed to this operation of the document.
	OperationID string `json:"operationId,omitempty"`
	// Method matches the request's method (any case).
	Method string `json:"method,omitempty"`
	// Path matches the request's path: exactly ("/contacts/abc"), segment by segment with * for any
	// text within a segment ("/contacts/*/tasks"), ** for any number of segments ("/contacts/**"), or
	// a path template's {name} for one segment ("/contacts/{contactId}/notes"). A trailing slash
	// does not matter.
	Path string `json:"path,omitempty"`
	// LocationID matches requests whose token is bound to this location.
	LocationID string `json:"locationId,omitempty"`

	// Status is answered instead of the handler's response. Without Body, statuses from 400 on
	// answer the live error shape {statusCode, message, error}; a 429 without Body is answered the
	// way the rate limiter answers (X-RateLimit-* headers with X-RateLimit-Remaining 0, and
	// Retry-After).
	Status int `json:"status,omitempty"`
	// Body replaces the answer's body: a JSON string becomes the message of the live error shape,
	// anything else is sent as is. Needs Status.
	Body json.RawMessage `json:"body,omitempty"`
	// Headers are set on the answer (fault or not), over any the mock would send.
	Headers map[string]string `json:"headers,omitempty"`
	// LatencyMs delays the request by that many milliseconds of real time, before the handler runs;
	// JitterMs adds a random delay between 0 and JitterMs. The delay ends early when the client
	// goes away.
	LatencyMs int `json:"latencyMs,omitempty"`
	JitterMs  int `json:"jitterMs,omitempty"`
	// Drop closes the connection without an answer; the handler does not run.
	Drop bool `json:"drop,omitempty"`
	// Truncate sends the headers (with the full Content-Length) and half of the body, then closes
	// the connection.
	Truncate bool `json:"truncate,omitempty"`

	// Count applies the fault the next Count times, then it expires; 0 means no limit.
	Count int `json:"count,omitempty"`
	// Probability applies the fault to a matching request with this probability (0 to 1; absent
	// means always), drawn from the mock's seeded random source (Config.FaultSeed).
	Probability *float64 `json:"probability,omitempty"`
}

// Limits of a fault's fields.
const (
	maxFaultDelayMs = 10 * 60 * 1000 // the bound of LatencyMs and JitterMs
	maxFaultIDLen   = 64
)

var faultIDPattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

// Problems validates the fault, in the API's 422 message style, and normalises it (the method in
// upper case, a null body as none, the body compacted). With a document, operationId must name one of
// its operations.
func (f *Fault) Problems(sp *spec.Spec) []string {
	var msgs []string
	if f.ID != "" && (len(f.ID) > maxFaultIDLen || !faultIDPattern.MatchString(f.ID)) {
		msgs = append(msgs, "id must be 1 to 64 letters, digits, '.', '_' or '-'")
	}
	if f.OperationID != "" && sp != nil && sp.Operation(f.OperationID) == nil {
		msgs = append(msgs, "operationId "+f.OperationID+" is not an operation of the document")
	}
	if f.Method != "" {
		f.Method = strings.ToUpper(f.Method)
		if !isMethod(f.Method) {
			msgs = append(msgs, "method must be an HTTP method")
		}
	}
	if f.Path != "" {
		if _, err := compilePathPattern(f.Path); err != nil {
			msgs = append(msgs, err.Error())
		}
	}
	if b := bytes.TrimSpace(f.Body); len(b) == 0 || bytes.Equal(b, []byte("null")) {
		f.Body = nil
	} else if c := new(bytes.Buffer); json.Compact(c, b) == nil {
		f.Body = c.Bytes() // answered and shown compacted, whatever the spacing it came with
	}
	if f.Status != 0 && (f.Status < 200 || f.Status > 599) {
		msgs = append(msgs, "status must be between 200 and 599")
	}
	if f.Body != nil && f.Status == 0 {
		msgs = append(msgs, "body needs a status")
	}
	for k := range f.Headers {
		if !isToken(k) {
			msgs = append(msgs, "headers: "+strconv.Quote(k)+" is not a header name")
		}
	}
	if f.LatencyMs < 0 || f.LatencyMs > maxFaultDelayMs {
		msgs = append(msgs, "latencyMs must be between 0 and 600000")
	}
	if f.JitterMs < 0 || f.JitterMs > maxFaultDelayMs {
		msgs = append(msgs, "jitterMs must be between 0 and 600000")
	}
	if f.Drop && (f.Truncate || f.Status != 0 || len(f.Headers) > 0) {
		msgs = append(msgs, "drop answers nothing: it cannot be combined with status, body, headers or truncate")
	}
	if f.Count < 0 {
		msgs = append(msgs, "count must not be less than 0")
	}
	if p := f.Probability; p != nil && (*p < 0 || *p > 1 || *p != *p) {
		msgs = append(msgs, "probability must be between 0 and 1")
	}
	if f.Status == 0 && !f.Drop && !f.Truncate && f.LatencyMs == 0 && f.JitterMs == 0 && len(f.Headers) == 0 {
		msgs = append(msgs, "a fault needs an effect: status, latencyMs, jitterMs, drop, truncate or headers")
	}
	return msgs
}

func isMethod(m string) bool {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return true
	}
	return false
}

// isToken reports whether s is an RFC 9110 token (a valid header name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range []byte(s) {
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// pathPattern is a compiled Fault.Path: its segments, without leading and trailing slashes.
type pathPattern []string

func compilePathPattern(p string) (pathPattern, error) {
	if !strings.HasPrefix(p, "/") {
		return nil, errors.New("path must start with /")
	}
	if strings.ContainsAny(p, "?#") {
		return nil, errors.New("path must not hold a query or a fragment")
	}
	var out pathPattern
	trimmed := strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/")
	if trimmed == "" {
		return pathPattern{}, nil // "/" matches the root only
	}
	for _, seg := range strings.Split(trimmed, "/") {
		switch {
		case seg == "**":
		case strings.HasPrefix(seg, "{") && strings.HasSuffix(seg, "}"):
			seg = "{}"
		case strings.ContainsAny(seg, `*[\`):
			if _, err := path.Match(seg, ""); err != nil {
				return nil, fmt.Errorf("path segment %q is not a valid pattern", seg)
			}
		}
		out = append(out, seg)
	}
	return out, nil
}

// match reports whether a request path matches; it allocates nothing.
func (pp pathPattern) match(p string) bool {
	return matchSegments(pp, strings.TrimSuffix(strings.TrimPrefix(p, "/"), "/"))
}

// matchSegments matches pattern segments against the rest of a path ("" when no segment is left).
func matchSegments(pat []string, rest string) bool {
	for i, ps := range pat {
		if ps == "**" {
			for {
				if matchSegments(pat[i+1:], rest) {
					return true
				}
				if rest == "" {
					return false
				}
				_, rest, _ = strings.Cut(rest, "/")
			}
		}
		if rest == "" {
			return false
		}
		seg, after, _ := strings.Cut(rest, "/")
		switch {
		case ps == "{}":
			if seg == "" {
				return false
			}
		case strings.ContainsAny(ps, `*[\`):
			if ok, _ := path.Match(ps, seg); !ok {
				return false
			}
		case ps != seg:
			return false
		}
		rest = after
	}
	return rest == ""
}

// faultRule is a fault in force: its definition, compiled, and its state.
type faultRule struct {
	Fault
	pattern pathPattern // nil when Path is empty

	mu   sync.Mutex // guards hits, left and rng
	hits int
	left int // applications left when Count > 0
	rng  *rand.Rand
}

// Matches reports whether the fault matches a request (its count and probability aside). The
// fault must have passed Problems.
func (f *Fault) Matches(req Request) bool {
	fr := faultRule{Fault: *f}
	if f.Path != "" {
		fr.pattern, _ = compilePathPattern(f.Path)
	}
	return fr.matches(req)
}

func (fr *faultRule) matches(req Request) bool {
	return (fr.OperationID == "" || fr.OperationID == req.OperationID) &&
		(fr.Method == "" || fr.Method == req.Method) &&
		(fr.pattern == nil || fr.pattern.match(req.Path)) &&
		(fr.LocationID == "" || fr.LocationID == req.LocationID)
}

// draw decides whether the fault applies to one more matching request, and its delay.
func (fr *faultRule) draw() (bool, time.Duration) {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	if fr.Count > 0 && fr.left == 0 {
		return false, 0
	}
	if fr.Probability != nil && fr.rng.Float64() >= *fr.Probability {
		return false, 0
	}
	if fr.Count > 0 {
		fr.left--
	}
	fr.hits++
	delay := time.Duration(fr.LatencyMs) * time.Millisecond
	if fr.JitterMs > 0 {
		delay += time.Duration(fr.rng.Int64N(int64(fr.JitterMs)*int64(time.Millisecond) + 1))
	}
	return true, delay
}

// View is a fault as GET /__admin/faults shows it: its definition and how often it applied.
type View struct {
	Fault
	Hits int `json:"hits"`
	// Remaining is the number of applications left, for a fault with a count.
	Remaining *int `json:"remaining,omitempty"`
	Expired   bool `json:"expired,omitempty"`
}

func (fr *faultRule) view() View {
	fr.mu.Lock()
	defer fr.mu.Unlock()
	v := View{Fault: fr.Fault, Hits: fr.hits}
	if fr.Count > 0 {
		left := fr.left
		v.Remaining, v.Expired = &left, left == 0
	}
	return v
}

// Request is what a fault matches a request by.
type Request struct {
	OperationID, Method, Path string
	// LocationID is the location of the request's token ("" for none).
	LocationID string
}

// Store holds the faults in force and their counters (hits, applications left, the random draws).
// It is state, shared by replicas, so that a fault added on one governs the next request on any.
type Store interface {
	// Add validates f (against the document given to the store) and puts it in force, naming it
	// "f1", "f2", … when it has no ID. A fault that is not valid is a *ValidationError.
	Add(ctx context.Context, f Fault) (View, error)
	// Remove takes the fault with the id out of force; false if there is none.
	Remove(ctx context.Context, id string) (bool, error)
	// Clear takes every fault out of force and returns how many there were.
	Clear(ctx context.Context) (int, error)
	// List returns the faults in force, in the order they were added, with their counts.
	List(ctx context.Context) ([]View, error)
	// Pick returns the fault that applies to the request (the first, in the order they were
	// added, that matches and whose count and probability let it; nil when none does) and the
	// delay it draws. The fault returned is never modified afterwards.
	Pick(ctx context.Context, req Request) (*Fault, time.Duration, error)
	// Seed returns the seed of the random draws.
	Seed() int64
}

// ValidationError lists what is wrong with a fault, in the API's 422 message style.
type ValidationError struct{ Messages []string }

// Error implements error.
func (e *ValidationError) Error() string { return "faults: " + strings.Join(e.Messages, "; ") }

// Memory is the in-process Store. Requests read the list without a lock (it is replaced, never
// modified); adding and removing faults is serialised by mu.
type Memory struct {
	seed  int64
	spec  *spec.Spec
	rules atomic.Pointer[[]*faultRule]

	mu     sync.Mutex // serialises Add, Remove and Clear; guards nextID
	nextID int
}

var _ Store = (*Memory)(nil)

// RandomSeed picks a seed when none is configured: positive and below 2^53, so that it survives
// JSON readers that hold numbers as doubles.
func RandomSeed() int64 { return rand.Int64N(1<<53-1) + 1 }

// NewMemory returns a store with no fault in force. seed seeds the random draws; operation ids of
// faults are checked against sp (nil: not checked).
func NewMemory(seed int64, sp *spec.Spec) *Memory {
	fs := &Memory{seed: seed, spec: sp}
	fs.rules.Store(&[]*faultRule{})
	return fs
}

// Seed implements Store.
func (fs *Memory) Seed() int64 { return fs.seed }

// streamOf is the random source of one fault: the seed and a hash of the fault's ID. A fault draws
// only for the requests that reach it (it matches them and no earlier fault applied), so traffic it
// does not match leaves its sequence alone.
func streamOf(seed int64, id string) *rand.Rand {
	h := fnv.New64a()
	h.Write([]byte(id))
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// Add implements Store.
func (fs *Memory) Add(_ context.Context, f Fault) (View, error) {
	if msgs := f.Problems(fs.spec); len(msgs) > 0 {
		return View{}, &ValidationError{Messages: msgs}
	}
	fs.mu.Lock()
	defer fs.mu.Unlock()
	old := *fs.rules.Load()
	taken := func(id string) bool {
		for _, r := range old {
			if r.ID == id {
				return true
			}
		}
		return false
	}
	if f.ID == "" {
		for {
			fs.nextID++
			if f.ID = "f" + strconv.Itoa(fs.nextID); !taken(f.ID) {
				break
			}
		}
	} else if taken(f.ID) {
		return View{}, &ValidationError{Messages: []string{"id " + f.ID + " is in use"}}
	}
	fr := &faultRule{Fault: f, left: f.Count, rng: streamOf(fs.seed, f.ID)}
	if f.Path != "" {
		fr.pattern, _ = compilePathPattern(f.Path) // validated above
	}
	next := append(old[:len(old):len(old)], fr)
	fs.rules.Store(&next)
	return fr.view(), nil
}

// Remove implements Store.
func (fs *Memory) Remove(_ context.Context, id string) (bool, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	old := *fs.rules.Load()
	for i, r := range old {
		if r.ID == id {
			next := make([]*faultRule, 0, len(old)-1)
			next = append(append(next, old[:i]...), old[i+1:]...)
			fs.rules.Store(&next)
			return true, nil
		}
	}
	return false, nil
}

// Clear implements Store.
func (fs *Memory) Clear(context.Context) (int, error) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	n := len(*fs.rules.Load())
	fs.rules.Store(&[]*faultRule{})
	return n, nil
}

// List implements Store.
func (fs *Memory) List(context.Context) ([]View, error) {
	rules := *fs.rules.Load()
	out := make([]View, len(rules))
	for i, r := range rules {
		out[i] = r.view()
	}
	return out, nil
}

// Pick implements Store. With no fault in force it costs one atomic load.
func (fs *Memory) Pick(_ context.Context, req Request) (*Fault, time.Duration, error) {
	rules := *fs.rules.Load()
	if len(rules) == 0 {
		return nil, 0, nil
	}
	for _, fr := range rules {
		if !fr.matches(req) {
			continue
		}
		if ok, delay := fr.draw(); ok {
			return &fr.Fault, delay, nil
		}
	}
	return nil, 0, nil
}
