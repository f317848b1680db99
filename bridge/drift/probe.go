package drift

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/bridge/shape"
	"github.com/contactsmock/contactsmock/spec"
)

// Target is a server the probes are sent to.
type Target struct {
	// URL is the base URL (scheme, host and an optional path prefix).
	URL *url.URL
	// Token is the access token sent as Authorization: Bearer.
	Token string
	// Client sends the requests; nil means one with a 30 s timeout.
	Client *http.Client
}

// Answer is what a target answered to one probe.
type Answer struct {
	// Status is the HTTP status (0 when the request failed).
	Status int `json:"status"`
	// Error says why the request failed, or why the probe was not sent ("skipped: ...").
	Error string `json:"error,omitempty"`

	header http.Header
	body   []byte
	shape  shape.Shape
	// problems are the answer's deviations from the document.
	problems []shape.Problem
}

// Sent reports whether the probe reached the target and came back.
func (a *Answer) Sent() bool { return a != nil && a.Status != 0 }

// VersionValue is the Version header the probes send.
const VersionValue = "2021-07-28"

// session sends one target its probes, in order; later probes take their inputs (ids, cursors,
// e-mails) from earlier answers of the same target.
type session struct {
	t        Target
	spec     *spec.Spec
	location string
	answers  map[string]*Answer
	order    []string
	// observe, when set, is shown every answer (the seeding recorder, on the live side).
	observe func(op string, params map[string]string, status int, body []byte)
	// sleep waits before the one retry of a 429; the tests replace it.
	sleep func(ctx context.Context, d time.Duration) error
}

// request is one probe.
type request struct {
	name   string
	op     string
	params map[string]string
	query  url.Values
	body   any
	token  *string // nil: the target's token
}

func (s *session) client() *http.Client {
	if s.t.Client != nil {
		return s.t.Client
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// do sends a probe and records its answer under its name; it returns the answer's decoded JSON
// body (nil when it has none).
func (s *session) do(ctx context.Context, rq request) (*Answer, map[string]any) {
	op := s.spec.Operation(rq.op)
	a := &Answer{}
	s.answers[rq.name] = a
	s.order = append(s.order, rq.name)
	if op == nil {
		a.Error = "the document has no operation " + rq.op
		return a, nil
	}
	path := op.Path
	for k, v := range rq.params {
		path = strings.ReplaceAll(path, "{"+k+"}", url.PathEscape(v))
	}
	u := *s.t.URL
	u.Path = strings.TrimSuffix(u.Path, "/") + path
	u.RawQuery = rq.query.Encode()
	var payload []byte
	if rq.body != nil {
		var err error
		if payload, err = json.Marshal(rq.body); err != nil {
			a.Error = err.Error()
			return a, nil
		}
	}
	token := s.t.Token
	if rq.token != nil {
		token = *rq.token
	}
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, op.Method, u.String(), bytes.NewReader(payload))
		if err != nil {
			a.Error = err.Error()
			return a, nil
		}
		req.Header.Set("Accept", "application/json")
		req.Header.Set(spec.VersionHeader, VersionValue)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		if payload != nil {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := s.client().Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // the URL may hold an e-mail (duplicate lookup)
			}
			a.Error = err.Error()
			return a, nil
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 32<<20))
		resp.Body.Close()
		if err != nil {
			a.Error = err.Error()
			return a, nil
		}
		// One wait and one retry on a 429: a probe run is short, and a burst another client spent
		// should not end it. The wait is what the target asks, at most 10 s.
		if resp.StatusCode == http.StatusTooManyRequests && attempt == 0 {
			if err := s.sleep(ctx, retryWait(resp.Header)); err == nil {
				continue
			}
		}
		a.Status, a.header, a.body = resp.StatusCode, resp.Header, body
		break
	}
	a.shape = shape.Of(a.Status, a.header, a.body, s.t.URL.Host)
	vr := &http.Request{Method: op.Method, URL: &url.URL{Path: path}, Header: http.Header{}}
	a.problems = shape.Validate(ctx, op, vr, a.Status, a.header, a.body)
	if s.observe != nil {
		s.observe(rq.op, rq.params, a.Status, a.body)
	}
	var m map[string]any
	if json.Unmarshal(a.body, &m) != nil {
		return a, nil
	}
	return a, m
}

func retryWait(h http.Header) time.Duration {
	d := time.Second
	if n, err := strconv.Atoi(h.Get("Retry-After")); err == nil && n >= 0 {
		d = time.Duration(n) * time.Second
	} else if n, err := strconv.Atoi(h.Get("X-RateLimit-Interval-Milliseconds")); err == nil && n > 0 {
		d = time.Duration(n) * time.Millisecond
	}
	return min(d, 10*time.Second)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// skip records a probe that was not sent, and why.
func (s *session) skip(name, why string) {
	s.answers[name] = &Answer{Error: "skipped: " + why}
	s.order = append(s.order, name)
}

// Probe describes one probe of the list, for the report and the documentation.
type Probe struct {
	// Name is the probe's name in the report.
	Name string `json:"name"`
	// Operation is the operationId it calls.
	Operation string `json:"operation"`
	// What says what it asks.
	What string `json:"what"`
	// Writes is true for the probes only --allow-writes sends.
	Writes bool `json:"writes,omitempty"`
}

// Probes lists every probe, in the order they are sent.
var Probes = []Probe{
	{"list", "get-contacts", "GET /contacts/ first page (limit = page size)", false},
	{"list-page-2", "get-contacts", "the second page, through meta.startAfter and meta.startAfterId", false},
	{"tasks", "get-all-tasks", "tasks of the probed contact (the first of the first page with tasks and notes, of up to five)", false},
	{"notes", "get-all-notes", "notes of the probed contact", false},
	{"contact", "get-contact", "the probed contact", false},
	{"task", "get-task", "its first task", false},
	{"note", "get-note", "its first note", false},
	{"appointments", "get-appointments-for-contact", "its appointments", false},
	{"search", "search-contacts-advanced", "search, first page (pageLimit = page size)", false},
	{"search-page-2", "search-contacts-advanced", "search, page 2", false},
	{"search-sorted", "search-contacts-advanced", "search sorted by dateAdded ascending", false},
	{"search-after", "search-contacts-advanced", "the next page of the sorted search, through the last item's searchAfter", false},
	{"search-tag", "search-contacts-advanced", "search filtered on one of the probed contact's tags, sorted by firstNameLowerCase", false},
	{"search-query", "search-contacts-advanced", "free-text search for the probed contact's e-mail (or name)", false},
	{"search-filters", "search-contacts-advanced", "search with an OR group (email exists, dnd eq false), sorted by dateUpdated descending", false},
	{"duplicate", "get-duplicate-contact", "duplicate lookup by the probed contact's e-mail", false},
	{"duplicate-none", "get-duplicate-contact", "duplicate lookup by an e-mail nobody has", false},
	{"business", "get-contacts-by-businessId", "contacts of the first business a contact of the first page names", false},
	{"unknown-contact", "get-contact", "a contact id that does not exist (an error body)", false},
	{"unauthorized", "get-contacts", "the list with a token that is not one (401 on purpose)", false},
	{"unprocessable", "search-contacts-advanced", "a search with a property the API does not know (422 on purpose)", false},
	{"create", "create-contact", "create a uniquely named contact", true},
	{"update", "update-contact", "update it", true},
	{"add-tags", "add-tags", "tag it", true},
	{"create-task", "create-task", "give it a task", true},
	{"create-note", "create-note", "give it a note", true},
	{"delete-note", "delete-note", "delete the note", true},
	{"delete-task", "delete-task", "delete the task", true},
	{"delete", "delete-contact", "delete the contact", true},
	{"deleted", "get-contact", "read the deleted contact", true},
}

// run sends every probe. It returns an error only when the first probe (the list) does not come
// back 200: nothing else can then be probed.
func (s *session) run(ctx context.Context, pageSize int, writes bool, nonce string) error {
	q := func(kv ...string) url.Values {
		v := url.Values{"locationId": {s.location}}
		for i := 0; i+1 < len(kv); i += 2 {
			v.Set(kv[i], kv[i+1])
		}
		return v
	}
	limit := strconv.Itoa(pageSize)
	list, page1 := s.do(ctx, request{name: "list", op: "get-contacts", query: q("limit", limit)})
	if list.Status != http.StatusOK {
		if list.Error != "" {
			return fmt.Errorf("drift: the first probe (GET /contacts/) failed: %s", list.Error)
		}
		return fmt.Errorf("drift: the first probe (GET /contacts/) was answered %d: %s", list.Status, errorMessage(list.body))
	}
	contacts := objects(page1["contacts"])
	meta, _ := page1["meta"].(map[string]any)
	if after, afterID := cursor(meta); afterID != "" && len(contacts) == pageSize {
		s.do(ctx, request{name: "list-page-2", op: "get-contacts", query: q("limit", limit, "startAfter", after, "startAfterId", afterID)})
	} else {
		s.skip("list-page-2", "the first page is the only one")
	}

	// The probed contact: the first of up to five with tasks and notes, else with either, else the
	// first. Both targets choose by the same rule, so a mock seeded from live chooses the same one.
	var chosen map[string]any
	var tasks, notes []map[string]any
	var tasksAns, notesAns *Answer
	bestScore := -1
	for i, c := range contacts {
		if i == 5 {
			break
		}
		id, _ := c["id"].(string)
		if id == "" {
			continue
		}
		ta, tb := s.do(ctx, request{name: "tasks#" + id, op: "get-all-tasks", params: map[string]string{"contactId": id}})
		na, nb := s.do(ctx, request{name: "notes#" + id, op: "get-all-notes", params: map[string]string{"contactId": id}})
		ts, ns := objects(tb["tasks"]), objects(nb["notes"])
		score := 0
		if len(ts) > 0 {
			score++
		}
		if len(ns) > 0 {
			score++
		}
		if score > bestScore {
			bestScore, chosen, tasks, notes, tasksAns, notesAns = score, c, ts, ns, ta, na
		}
		if score == 2 {
			break
		}
	}
	if chosen == nil {
		for _, name := range []string{"tasks", "notes", "contact", "task", "note", "appointments"} {
			s.skip(name, "the location has no contact")
		}
	} else {
		id, _ := chosen["id"].(string)
		s.answers["tasks"], s.answers["notes"] = tasksAns, notesAns
		s.order = append(s.order, "tasks", "notes")
		_, cb := s.do(ctx, request{name: "contact", op: "get-contact", params: map[string]string{"contactId": id}})
		if full, ok := cb["contact"].(map[string]any); ok {
			for k, v := range full {
				if _, have := chosen[k]; !have {
					chosen[k] = v
				}
			}
		}
		if len(tasks) > 0 {
			tid, _ := tasks[0]["id"].(string)
			s.do(ctx, request{name: "task", op: "get-task", params: map[string]string{"contactId": id, "taskId": tid}})
		} else {
			s.skip("task", "the probed contact has no task")
		}
		if len(notes) > 0 {
			nid, _ := notes[0]["id"].(string)
			s.do(ctx, request{name: "note", op: "get-note", params: map[string]string{"contactId": id, "id": nid}})
		} else {
			s.skip("note", "the probed contact has no note")
		}
		s.do(ctx, request{name: "appointments", op: "get-appointments-for-contact", params: map[string]string{"contactId": id}})
	}

	search := func(name string, extra map[string]any) map[string]any {
		body := map[string]any{"locationId": s.location, "pageLimit": pageSize}
		for k, v := range extra {
			body[k] = v
		}
		_, m := s.do(ctx, request{name: name, op: "search-contacts-advanced", body: body})
		return m
	}
	search("search", nil)
	search("search-page-2", map[string]any{"page": 2})
	sortAsc := []map[string]any{{"field": "dateAdded", "direction": "asc"}}
	sorted := search("search-sorted", map[string]any{"sort": sortAsc})
	if found := objects(sorted["contacts"]); len(found) == pageSize {
		if sa, ok := found[len(found)-1]["searchAfter"].([]any); ok {
			search("search-after", map[string]any{"sort": sortAsc, "searchAfter": sa})
		} else {
			s.skip("search-after", "the sorted search's items carry no searchAfter")
		}
	} else {
		s.skip("search-after", "the sorted search has one page")
	}
	tag, email, name := "", "", ""
	if chosen != nil {
		if tags, ok := chosen["tags"].([]any); ok && len(tags) > 0 {
			tag, _ = tags[0].(string)
		}
		email, _ = chosen["email"].(string)
		name, _ = chosen["firstName"].(string)
	}
	if tag != "" {
		search("search-tag", map[string]any{
			"filters": []map[string]any{{"field": "tags", "operator": "eq", "value": tag}},
			"sort":    []map[string]any{{"field": "firstNameLowerCase", "direction": "asc"}},
		})
	} else {
		s.skip("search-tag", "the probed contact has no tag")
	}
	if text := firstNonEmpty(email, name); text != "" && len(text) <= 75 {
		search("search-query", map[string]any{"query": text})
	} else {
		s.skip("search-query", "the probed contact has no e-mail or name")
	}
	search("search-filters", map[string]any{
		"filters": []map[string]any{{"group": "OR", "filters": []map[string]any{
			{"field": "email", "operator": "exists"}, {"field": "dnd", "operator": "eq", "value": false},
		}}},
		"sort": []map[string]any{{"field": "dateUpdated", "direction": "desc"}},
	})
	if email != "" {
		s.do(ctx, request{name: "duplicate", op: "get-duplicate-contact", query: q("email", email)})
	} else {
		s.skip("duplicate", "the probed contact has no e-mail")
	}
	s.do(ctx, request{name: "duplicate-none", op: "get-duplicate-contact", query: q("email", "contactsmock-drift-"+nonce+"@example.com")})
	business := ""
	for _, c := range contacts {
		if b, _ := c["businessId"].(string); b != "" {
			business = b
			break
		}
	}
	if business != "" {
		s.do(ctx, request{name: "business", op: "get-contacts-by-businessId", params: map[string]string{"businessId": business}, query: q()})
	} else {
		s.skip("business", "no contact of the first page names a business")
	}
	s.do(ctx, request{name: "unknown-contact", op: "get-contact", params: map[string]string{"contactId": "ContactsMockDrift000"}})
	bad := "contactsmock-drift-not-a-token"
	s.do(ctx, request{name: "unauthorized", op: "get-contacts", query: q("limit", "1"), token: &bad})
	search("unprocessable", map[string]any{"pageLimit": 1, "contactsmockDriftUnknown": true})
	if writes {
		s.runWrites(ctx, nonce)
	}
	return nil
}

// runWrites creates a uniquely named contact with a task and a note, changes and deletes them,
// and deletes the contact even when a step fails (deleting a contact deletes its tasks and notes).
func (s *session) runWrites(ctx context.Context, nonce string) {
	email := "contactsmock-drift-" + nonce + "@example.com"
	a, m := s.do(ctx, request{name: "create", op: "create-contact", body: map[string]any{
		"locationId": s.location, "firstName": "Drift", "lastName": "Probe " + nonce, "email": email,
		"tags": []string{"contactsmock-drift"}, "source": "contactsmock drift",
	}})
	c, _ := m["contact"].(map[string]any)
	id, _ := c["id"].(string)
	rest := []string{"update", "add-tags", "create-task", "create-note", "delete-note", "delete-task", "delete", "deleted"}
	if !a.Sent() || id == "" {
		for _, n := range rest {
			s.skip(n, "the contact could not be created")
		}
		return
	}
	deleted := false
	defer func() {
		if !deleted {
			// Best effort, even when the run is being cancelled: leave nothing behind.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
			defer cancel()
			s.do(cctx, request{name: "cleanup", op: "delete-contact", params: map[string]string{"contactId": id}})
		}
	}()
	p := map[string]string{"contactId": id}
	s.do(ctx, request{name: "update", op: "update-contact", params: p, body: map[string]any{"lastName": "Probe " + nonce + " updated"}})
	s.do(ctx, request{name: "add-tags", op: "add-tags", params: p, body: map[string]any{"tags": []string{"contactsmock-drift-tagged"}}})
	_, tm := s.do(ctx, request{name: "create-task", op: "create-task", params: p, body: map[string]any{
		"title": "contactsmock drift " + nonce, "dueDate": time.Now().UTC().Add(24 * time.Hour).Format(time.RFC3339), "completed": false,
	}})
	_, nm := s.do(ctx, request{name: "create-note", op: "create-note", params: p, body: map[string]any{"body": "contactsmock drift " + nonce}})
	if n, _ := nm["note"].(map[string]any); n != nil {
		nid, _ := n["id"].(string)
		s.do(ctx, request{name: "delete-note", op: "delete-note", params: map[string]string{"contactId": id, "id": nid}})
	} else {
		s.skip("delete-note", "the note could not be created")
	}
	if t, _ := tm["task"].(map[string]any); t != nil {
		tid, _ := t["id"].(string)
		s.do(ctx, request{name: "delete-task", op: "delete-task", params: map[string]string{"contactId": id, "taskId": tid}})
	} else {
		s.skip("delete-task", "the task could not be created")
	}
	if d, _ := s.do(ctx, request{name: "delete", op: "delete-contact", params: p}); d.Status == http.StatusOK {
		deleted = true
	}
	s.do(ctx, request{name: "deleted", op: "get-contact", params: p})
}

// Nonce returns a fresh random word for unique names.
func Nonce() string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

func objects(v any) []map[string]any {
	arr, _ := v.([]any)
	out := make([]map[string]any, 0, len(arr))
	for _, it := range arr {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// cursor reads the next-page cursor of a list's meta.
func cursor(meta map[string]any) (after, afterID string) {
	if meta == nil {
		return "", ""
	}
	afterID, _ = meta["startAfterId"].(string)
	switch v := meta["startAfter"].(type) {
	case float64:
		after = strconv.FormatFloat(v, 'f', -1, 64)
	case string:
		after = v
	}
	return after, afterID
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// errorMessage is the message of an error body, for a run that cannot go on.
func errorMessage(body []byte) string {
	var m map[string]any
	if json.Unmarshal(body, &m) == nil {
		if msg, ok := m["message"]; ok {
			return fmt.Sprint(msg)
		}
	}
	if len(body) > 200 {
		body = body[:200]
	}
	return strings.TrimSpace(string(body))
}
