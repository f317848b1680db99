package mockserver

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/spec"
)

// DefaultJournalSize is the number of requests the journal keeps when Config.JournalSize is 0.
const DefaultJournalSize = 1000

// Outcomes of a request whose answer was not written whole.
const (
	outcomeDropped   = "dropped"   // a fault closed the connection without an answer
	outcomeTruncated = "truncated" // a fault cut the body short
	outcomeCanceled  = "canceled"  // the client left during an injected latency
)

// journal keeps the last requests of the API (not of the admin API) in a ring. Recording copies one
// entry under the lock and allocates nothing; listing copies the ring out under the lock and
// renders it afterwards.
type journal struct {
	bodies bool // keep request and response bodies

	mu   sync.Mutex // guards ring, seq and n
	ring []journalEntry
	seq  uint64 // entries ever recorded: the newest is ring[(seq-1)%len(ring)]
	n    int    // entries held (at most len(ring))
}

// journalEntry is one request as recorded. It holds no token: only the token's client and location.
type journalEntry struct {
	seq                    uint64
	time                   time.Time // mock time when the request arrived
	duration               time.Duration
	method, path, query    string
	operationID            string
	status                 int // 0 when no answer was written
	outcome                string
	clientID, locationID   string
	rated                  bool // remaining and dailyRemaining are known
	remaining, dailyRemain int
	faultID                string
	message                any // the error's message, for answers from 400 on
	requestBody, respBody  []byte
}

// newJournal returns a journal of size entries, or nil (journal off) when size is negative.
func newJournal(size int, bodies bool) *journal {
	if size < 0 {
		return nil
	}
	if size == 0 {
		size = DefaultJournalSize
	}
	return &journal{bodies: bodies, ring: make([]journalEntry, size)}
}

// keepsBodies reports whether bodies of the operation's requests are recorded. The OAuth endpoints
// never are: their bodies carry client secrets, codes and tokens (see carriesCredentials).
func (j *journal) keepsBodies(op *spec.Operation) bool {
	return j != nil && j.bodies && op != nil && !carriesCredentials(op)
}

// record journals one request. resp is the answer as written (status 0 when none was); body is its
// encoded body when the journal keeps bodies.
func (j *journal) record(c *call, resp response, body []byte, start arrival, outcome string) {
	if j == nil {
		return
	}
	e := journalEntry{
		time:     start.mock,
		duration: time.Since(start.real),
		method:   c.r.Method, path: c.r.URL.Path, query: redactQuery(c.r.URL.RawQuery),
		status:  resp.status,
		outcome: outcome,
	}
	if c.op != nil {
		e.operationID = c.op.ID
	}
	if c.token != nil {
		e.clientID, e.locationID = c.token.ClientID, firstNonEmpty(c.token.LocationID, c.token.CompanyID)
	}
	if c.rate != nil {
		e.rated, e.remaining, e.dailyRemain = true, c.rate.remaining, c.rate.dailyRemaining
	}
	if c.fault != nil {
		e.faultID = c.fault.ID
	}
	if resp.status >= 400 {
		switch b := resp.body.(type) {
		case errorBody:
			e.message = b.Message
		case map[string]any:
			e.message = b["message"]
		}
	}
	if j.keepsBodies(c.op) {
		e.requestBody, e.respBody = c.body, body
	}
	j.mu.Lock()
	j.seq++
	e.seq = j.seq
	j.ring[(j.seq-1)%uint64(len(j.ring))] = e
	j.n = min(j.n+1, len(j.ring))
	j.mu.Unlock()
}

// clear forgets every entry (sequence numbers go on).
func (j *journal) clear() {
	if j == nil {
		return
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	clear(j.ring)
	j.n = 0
}

// journalFilter selects entries; zero fields select everything.
type journalFilter struct {
	operationID string
	status      int // exact status, or 1 to 5 for a class ("4xx" is 4)
	since       time.Time
	limit       int
}

func (f *journalFilter) keep(e *journalEntry) bool {
	switch {
	case f.operationID != "" && e.operationID != f.operationID:
		return false
	case f.status >= 100 && e.status != f.status:
		return false
	case f.status > 0 && f.status < 10 && e.status/100 != f.status:
		return false
	case !f.since.IsZero() && e.time.Before(f.since):
		return false
	}
	return true
}

// list returns the entries the filter keeps, newest first.
func (j *journal) list(f journalFilter) []journalEntry {
	if j == nil {
		return nil
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []journalEntry
	for i := 0; i < j.n && (f.limit == 0 || len(out) < f.limit); i++ {
		e := &j.ring[(j.seq-1-uint64(i))%uint64(len(j.ring))]
		if f.keep(e) {
			out = append(out, *e)
		}
	}
	return out
}

// arrival is when a request arrived: in real time, for its duration, and in the mock's time, for
// the journal's time and its since filter.
type arrival struct{ real, mock time.Time }

// arrived stamps a request's arrival (nothing when the journal is off).
func (s *Server) arrived() arrival {
	if s.journal == nil {
		return arrival{}
	}
	return arrival{real: time.Now(), mock: s.clock.Now()}
}

// record journals a request of the API; see journal.record.
func (s *Server) record(c *call, resp response, body []byte, start arrival) {
	outcome := ""
	if resp.truncate {
		outcome = outcomeTruncated
	}
	s.journal.record(c, resp, body, start, outcome)
}

// journalView is an entry as GET /__admin/requests shows it.
type journalView struct {
	Seq         uint64           `json:"seq"`
	Time        string           `json:"time"`
	DurationMs  float64          `json:"durationMs"`
	Method      string           `json:"method"`
	Path        string           `json:"path"`
	Query       string           `json:"query,omitempty"`
	OperationID string           `json:"operationId,omitempty"`
	Status      int              `json:"status"`
	Outcome     string           `json:"outcome,omitempty"`
	ClientID    string           `json:"clientId,omitempty"`
	LocationID  string           `json:"locationId,omitempty"`
	RateLimit   *journalRateView `json:"rateLimit,omitempty"`
	Fault       string           `json:"fault,omitempty"`
	Message     any              `json:"message,omitempty"`
	Request     any              `json:"requestBody,omitempty"`
	Response    any              `json:"responseBody,omitempty"`
}

type journalRateView struct {
	Remaining      int `json:"remaining"`
	DailyRemaining int `json:"dailyRemaining"`
}

func (e *journalEntry) view() journalView {
	v := journalView{
		Seq: e.seq, Time: e.time.UTC().Format(time.RFC3339Nano),
		DurationMs: float64(e.duration.Microseconds()) / 1000,
		Method:     e.method, Path: e.path, Query: e.query, OperationID: e.operationID,
		Status: e.status, Outcome: e.outcome, ClientID: e.clientID, LocationID: e.locationID,
		Fault: e.faultID, Message: e.message,
		Request: bodyView(e.requestBody), Response: bodyView(e.respBody),
	}
	if e.rated {
		v.RateLimit = &journalRateView{Remaining: e.remaining, DailyRemaining: e.dailyRemain}
	}
	return v
}

// bodyView shows a JSON body as JSON and anything else as a string.
func bodyView(b []byte) any {
	switch {
	case len(b) == 0:
		return nil
	case json.Valid(b):
		return json.RawMessage(b)
	}
	return string(b)
}

// parseJournalFilter reads the query of GET /__admin/requests: operationId, status (429 or 4xx),
// since (RFC 3339, or a duration back from the mock's now such as 5m) and limit.
func parseJournalFilter(q map[string][]string, now time.Time) (journalFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	var f journalFilter
	var msgs []string
	f.operationID = get("operationId")
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
		f.status = n
	}
	if v := get("since"); v != "" {
		if t, err := time.Parse(time.RFC3339Nano, v); err == nil {
			f.since = t
		} else if d, err := time.ParseDuration(v); err == nil && d >= 0 {
			f.since = now.Add(-d)
		} else {
			msgs = append(msgs, "since must be an RFC 3339 time or a duration such as 5m")
		}
	}
	if v := get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			msgs = append(msgs, "limit must not be less than 1")
		}
		f.limit = n
	}
	if len(msgs) > 0 {
		return f, newError(http.StatusUnprocessableEntity, msgs)
	}
	return f, nil
}

// --- admin API --------------------------------------------------------------------------------

func adminListRequests(s *Server, r *http.Request) (int, any, error) {
	f, err := parseJournalFilter(r.URL.Query(), s.clock.Now())
	if err != nil {
		return 0, nil, err
	}
	entries := s.journal.list(f)
	out := make([]journalView, len(entries))
	for i := range entries {
		out[i] = entries[i].view()
	}
	return http.StatusOK, map[string]any{"requests": out, "faultSeed": s.faults.seed}, nil
}

func adminClearRequests(s *Server, r *http.Request) (int, any, error) {
	s.journal.clear()
	return http.StatusOK, map[string]any{"cleared": true}, nil
}
