package journal

import (
	"bytes"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"sync"
	"time"
)

// DefaultSize is the number of requests a journal keeps when configured with 0.
const DefaultSize = 1000

// Outcomes of a request whose answer was not written whole.
const (
	Dropped   = "dropped"   // a fault closed the connection without an answer
	Truncated = "truncated" // a fault cut the body short
	Canceled  = "canceled"  // the client left during an injected latency
)

// Journal keeps the last requests.
type Journal interface {
	// Record adds an entry; the journal numbers it (Entry.Seq).
	Record(ctx context.Context, e Entry) error
	// List returns the entries the filter keeps, newest first.
	List(ctx context.Context, f Filter) ([]Entry, error)
	// Clear forgets every entry (sequence numbers go on).
	Clear(ctx context.Context) error
}

// Entry is one request as recorded. It holds no token: only the token's client and location.
type Entry struct {
	Seq                 uint64
	Time                time.Time // mock time when the request arrived
	Duration            time.Duration
	Method, Path, Query string // Query redacted (RedactQuery)
	// Header is the request's headers, credentials redacted (RedactHeader); nil when unknown.
	Header               Headers
	OperationID          string
	Status               int // 0 when no answer was written
	Outcome              string
	ClientID, LocationID string
	// Rated: Remaining and DailyRemaining are known.
	Rated                     bool
	Remaining, DailyRemaining int
	FaultID                   string
	// Message is the error's message, for answers from 400 on (a string or a list of strings).
	Message                   any
	RequestBody, ResponseBody []byte
}

// Ring is the in-process Journal: a ring of entries. Recording copies one entry under the lock and
// allocates nothing; listing copies the ring out under the lock.
type Ring struct {
	mu   sync.Mutex // guards ring, seq and n
	ring []Entry
	seq  uint64 // entries ever recorded: the newest is ring[(seq-1)%len(ring)]
	n    int    // entries held (at most len(ring))
}

var _ Journal = (*Ring)(nil)

// NewRing returns a journal of size entries (DefaultSize when size is 0 or less).
func NewRing(size int) *Ring {
	if size <= 0 {
		size = DefaultSize
	}
	return &Ring{ring: make([]Entry, size)}
}

// Record implements Journal.
func (j *Ring) Record(_ context.Context, e Entry) error {
	j.mu.Lock()
	j.seq++
	e.Seq = j.seq
	j.ring[(j.seq-1)%uint64(len(j.ring))] = e
	j.n = min(j.n+1, len(j.ring))
	j.mu.Unlock()
	return nil
}

// Clear implements Journal.
func (j *Ring) Clear(context.Context) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	j.n = 0
	return nil
}

// List implements Journal.
func (j *Ring) List(_ context.Context, f Filter) ([]Entry, error) {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []Entry
	for i := 0; i < j.n && (f.Limit == 0 || len(out) < f.Limit); i++ {
		e := &j.ring[(j.seq-1-uint64(i))%uint64(len(j.ring))]
		if e.Seq <= f.AfterSeq {
			break // the rest is older still
		}
		if f.Keep(e) {
			out = append(out, *e)
		}
	}
	return out, nil
}

// Filter selects entries; zero fields select everything.
type Filter struct {
	OperationID string
	Status      int // exact status, or 1 to 5 for a class ("4xx" is 4)
	Since       time.Time
	// AfterSeq keeps the entries recorded after the one numbered AfterSeq (a live stream's
	// cursor). Entries come newest first, so an implementation may stop at the first one not
	// after it.
	AfterSeq uint64
	Limit    int
}

// Keep reports whether the filter keeps e.
func (f *Filter) Keep(e *Entry) bool {
	switch {
	case f.OperationID != "" && e.OperationID != f.OperationID:
		return false
	case f.Status >= 100 && e.Status != f.Status:
		return false
	case f.Status > 0 && f.Status < 10 && e.Status/100 != f.Status:
		return false
	case !f.Since.IsZero() && e.Time.Before(f.Since):
		return false
	case e.Seq <= f.AfterSeq:
		return false
	}
	return true
}

// FilterError lists what is wrong with a filter, in the API's 422 message style.
type FilterError struct{ Messages []string }

// Error implements error.
func (e *FilterError) Error() string { return "journal: " + strings.Join(e.Messages, "; ") }

// ParseFilter reads the query of GET /__admin/requests: operationId, status (429 or 4xx), since
// (RFC 3339, or a duration back from the mock's now such as 5m), after (a seq) and limit.
func ParseFilter(q map[string][]string, now time.Time) (Filter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var f Filter
	var msgs []string
	f.OperationID = get("operationId")
	if v := get("status"); v != "" {
		n, err := strconv.Atoi(v)
		if class, found := strings.CutSuffix(strings.ToLower(v), "xx"); found && len(class) == 1 {
			n, err = strconv.Atoi(class)
			if err != nil || n < 1 || n > 5 {
				msgs = append(msgs, "status must be a status code such as 429 or a class such as 4xx")
			}
		} else if err != nil || n < 100 || n > 599 {
			msgs = append(msgs, "status must be a status code such as 429 or a class such as 4xx")
		}
		f.Status = n
	}
	if v := get("since"); v != "" {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			f.Since = t
		} else if d, err := time.ParseDuration(v); err == nil && d >= 0 {
			f.Since = now.Add(-d)
		} else {
			msgs = append(msgs, "since must be an RFC 3339 time or a duration such as 5m")
		}
	}
	if v := get("after"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			msgs = append(msgs, "after must be a request's seq (a number not less than 0)")
		}
		f.AfterSeq = n
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			msgs = append(msgs, "limit must not be less than 1")
		}
		f.Limit = n
	}
	if len(msgs) > 0 {
		return f, &FilterError{Messages: msgs}
	}
	return f, nil
}

// View is an entry as GET /__admin/requests shows it.
type View struct {
	Seq         uint64              `json:"seq"`
	Time        string              `json:"time"`
	DurationMs  float64             `json:"durationMs"`
	Method      string              `json:"method"`
	Path        string              `json:"path"`
	Query       string              `json:"query,omitempty"`
	Headers     map[string][]string `json:"headers,omitempty"`
	OperationID string              `json:"operationId,omitempty"`
	Status      int                 `json:"status"`
	Outcome     string              `json:"outcome,omitempty"`
	ClientID    string              `json:"clientId,omitempty"`
	LocationID  string              `json:"locationId,omitempty"`
	RateLimit   *RateView           `json:"rateLimit,omitempty"`
	Fault       string              `json:"fault,omitempty"`
	Message     any                 `json:"message,omitempty"`
	Request     any                 `json:"requestBody,omitempty"`
	Response    any                 `json:"responseBody,omitempty"`
}

// RateView is the rate-limit part of a View.
type RateView struct {
	Remaining      int `json:"remaining"`
	DailyRemaining int `json:"dailyRemaining"`
}

// View returns the entry as the admin API shows it.
func (e *Entry) View() View {
	v := e.Summary()
	v.Headers, v.Request, v.Response = e.Header.Map(), bodyView(e.RequestBody), bodyView(e.ResponseBody)
	return v
}

// Summary is View without the headers and the bodies (what a list of many entries needs).
func (e *Entry) Summary() View {
	v := View{
		Seq: e.Seq, Time: e.Time.UTC().Format(time.RFC3339Nano),
		DurationMs: float64(e.Duration.Microseconds()) / 1000,
		Method:     e.Method, Path: e.Path, Query: e.Query, OperationID: e.OperationID,
		Status: e.Status, Outcome: e.Outcome, ClientID: e.ClientID, LocationID: e.LocationID,
		Fault: e.FaultID, Message: e.Message,
	}
	if e.Rated {
		v.RateLimit = &RateView{Remaining: e.Remaining, DailyRemaining: e.DailyRemaining}
	}
	return v
}

// bodyView shows a JSON body as JSON (compacted, as it is shown) and anything else as a string.
func bodyView(b []byte) any {
	if len(b) == 0 {
		return nil
	}
	var c bytes.Buffer
	if json.Compact(&c, b) == nil {
		return json.RawMessage(c.Bytes())
	}
	return string(b)
}
