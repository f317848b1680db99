package admin

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/state"
)

// The endpoints the inspector page reads besides the ones every admin client uses: each
// (client, location) pair's rate-limit standing, the coverage of the document, a location's
// contacts and one contact with what hangs off it.

func inspectRoutes(route func(method, path string, h handler)) {
	route(http.MethodGet, "/ratelimit/buckets", listBuckets)
	route(http.MethodGet, "/coverage", getCoverage)
	route(http.MethodDelete, "/coverage", clearCoverage)
	route(http.MethodGet, "/locations/{id}/contacts", listContacts)
	route(http.MethodGet, "/locations/{id}/contacts/{contactId}", getContact)
}

func listBuckets(a *API, r *http.Request) (int, any, error) {
	now := a.d.Clock.Now()
	l, err := a.d.Limits.Limits(r.Context())
	if err != nil {
		return 0, nil, err
	}
	list, err := a.d.Limits.Buckets(r.Context(), now)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"limits": l.Wire(), "now": now.UTC().Format(time.RFC3339Nano), "buckets": list}, nil
}

// statusCount is how often an operation answered one status.
type statusCount struct {
	Status   int   `json:"status"`
	Count    int64 `json:"count"`
	Declared bool  `json:"declared"`
}

// operationCoverage is one operation of the document with what it answered.
type operationCoverage struct {
	OperationID string        `json:"operationId"`
	Method      string        `json:"method"`
	Path        string        `json:"path"`
	Answered    int64         `json:"answered"`
	Statuses    []statusCount `json:"statuses"`
}

// getCoverage answers, for every operation of the document, how often it answered each declared
// status (0 for those never answered) and each undeclared one, since the mock started (or
// DELETE /__admin/coverage), with totals.
func getCoverage(a *API, r *http.Request) (int, any, error) {
	counts, err := a.d.Coverage.List(r.Context())
	if err != nil {
		return 0, nil, err
	}
	byOp := map[string]map[int]int64{}
	for _, c := range counts {
		if byOp[c.OperationID] == nil {
			byOp[c.OperationID] = map[int]int64{}
		}
		byOp[c.OperationID][c.Status] += c.N
	}
	ops := make([]operationCoverage, 0, len(a.d.Spec.Operations))
	var opsAnswered, declared, declaredAnswered int
	for _, op := range a.d.Spec.Operations {
		got := byOp[op.ID]
		oc := operationCoverage{OperationID: op.ID, Method: op.Method, Path: op.Path, Statuses: []statusCount{}}
		seen := map[int]bool{}
		for _, st := range op.Statuses {
			seen[st] = true
			n := got[st]
			oc.Statuses = append(oc.Statuses, statusCount{Status: st, Count: n, Declared: true})
			declared++
			if n > 0 {
				declaredAnswered++
			}
		}
		for st, n := range got {
			if !seen[st] {
				oc.Statuses = append(oc.Statuses, statusCount{Status: st, Count: n})
			}
		}
		sortStatuses(oc.Statuses)
		for _, n := range got {
			oc.Answered += n
		}
		if oc.Answered > 0 {
			opsAnswered++
		}
		ops = append(ops, oc)
	}
	return http.StatusOK, map[string]any{
		"operations": ops,
		"summary": map[string]int{
			"operations": len(ops), "operationsAnswered": opsAnswered,
			"declaredStatuses": declared, "declaredStatusesAnswered": declaredAnswered,
		},
	}, nil
}

func sortStatuses(s []statusCount) {
	for i := 1; i < len(s); i++ {
		for j := i; j > 0 && s[j].Status < s[j-1].Status; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
}

func clearCoverage(a *API, r *http.Request) (int, any, error) {
	if err := a.d.Coverage.Reset(r.Context()); err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{"cleared": true}, nil
}

// listContacts is a location's contacts, newest first, as GET /contacts/ pages them: ?query=
// (free text), ?limit= (1 to 100, default 20), and the cursor of the page before
// (?startAfterId=&startAfter=), answered as next. It reads the state directly: the inspector's
// reads are neither journaled nor counted against a rate limit.
func listContacts(a *API, r *http.Request) (int, any, error) {
	ctx, loc, q := r.Context(), pathVar(r, "id"), r.URL.Query()
	if _, err := a.d.State.Location(ctx, loc); err != nil {
		return 0, nil, notFoundAs404(err, "location "+loc+" not found")
	}
	lq := state.ListQuery{Limit: 20, Query: q.Get("query"), StartAfterID: q.Get("startAfterId")}
	var msgs []string
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			msgs = append(msgs, "limit must be a number from 1 to 100")
		}
		lq.Limit = n
	}
	if v := q.Get("startAfter"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			msgs = append(msgs, "startAfter must be a number (epoch milliseconds)")
		}
		lq.StartAfter = n
	}
	if len(msgs) > 0 {
		return 0, nil, invalid(msgs...)
	}
	page, err := a.d.State.ListContacts(ctx, loc, lq)
	if err != nil {
		return 0, nil, err
	}
	list := make([]json.RawMessage, len(page.Contacts))
	for i, c := range page.Contacts {
		if list[i], err = c.JSON(); err != nil {
			return 0, nil, err
		}
	}
	out := map[string]any{"contacts": list, "total": page.Total, "offset": page.Offset, "more": page.More}
	if n := len(page.Contacts); n > 0 && page.More {
		last := page.Contacts[n-1]
		out["next"] = map[string]any{"startAfterId": last.ID, "startAfter": int64(last.DateAdded)}
	}
	return http.StatusOK, out, nil
}

// getContact is one contact with its tasks, notes and appointments (tags and followers are the
// contact's own fields).
func getContact(a *API, r *http.Request) (int, any, error) {
	ctx, loc, id := r.Context(), pathVar(r, "id"), pathVar(r, "contactId")
	c, err := a.d.State.GetContact(ctx, loc, id)
	if err != nil {
		return 0, nil, notFoundAs404(err, "contact "+id+" not found in location "+loc)
	}
	body, err := c.JSON()
	if err != nil {
		return 0, nil, err
	}
	tasks, err := a.d.State.ListTasks(ctx, loc, id)
	if err != nil {
		return 0, nil, err
	}
	notes, err := a.d.State.ListNotes(ctx, loc, id)
	if err != nil {
		return 0, nil, err
	}
	appts, err := a.d.State.ListAppointments(ctx, loc, id)
	if err != nil {
		return 0, nil, err
	}
	return http.StatusOK, map[string]any{
		"contact": json.RawMessage(body), "tasks": nonNil(tasks), "notes": nonNil(notes), "appointments": nonNil(appts),
	}, nil
}

// nonNil makes an empty list [] rather than null on the wire.
func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// notFoundAs404 answers the state's not found as a 404 of the admin API with msg.
func notFoundAs404(err error, msg string) error {
	if errors.Is(err, state.ErrNotFound) {
		return newError(http.StatusNotFound, msg)
	}
	return err
}
