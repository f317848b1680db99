package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Fixed ids of the test state.
const (
	locA     = "LocAAAAAAAAAAAAAAAAA"
	locB     = "LocBBBBBBBBBBBBBBBBB"
	ctAlice  = "CtAliceAAAAAAAAAAAAA"
	ctBob    = "CtBobBBBBBBBBBBBBBBB"
	ctCarol  = "CtCarolBBBBBBBBBBBBB" // in location B
	taskA1   = "TaskA1AAAAAAAAAAAAAA"
	noteA1   = "NoteA1AAAAAAAAAAAAAA"
	apptA1   = "ApptA1AAAAAAAAAAAAAA"
	bizA     = "64a1b2c3d4e5f6a7b8c9d0e1"
	userA    = "UserAAAAAAAAAAAAAAAA"
	apiVer   = "2021-07-28"
	testTime = "2026-03-01T12:00:00Z"
)

func ts(s string) fixtures.Timestamp {
	t, err := fixtures.ParseTimestamp(s)
	if err != nil {
		panic(err)
	}
	return t
}

// testDoc is a small hand-made state: two locations, a few contacts with children.
func testDoc() fixtures.Document {
	contact := func(id, loc, first, last, email, phone, added string, tags ...string) fixtures.ContactRecord {
		c := fixtures.Contact{
			ID: id, LocationID: loc, FirstName: first, LastName: last, Email: email, Phone: phone,
			Type: "lead", Tags: tags, CustomFields: []fixtures.CustomField{}, Followers: []string{},
			DateAdded: ts(added), DateUpdated: ts(added),
		}
		if c.Tags == nil {
			c.Tags = []string{}
		}
		fixtures.DeriveNames(&c)
		return fixtures.ContactRecord{Contact: c}
	}
	alice := contact(ctAlice, locA, "Alice", "Archer", "alice@example.com", "+15550000001", "2026-01-01T10:00:00.000Z", "vip", "lead")
	alice.BusinessID = bizA
	alice.Tasks = []fixtures.Task{{ID: taskA1, ContactID: ctAlice, Title: "Call back", DueDate: ts("2026-03-05T09:00:00Z"), DateAdded: ts("2026-01-02T10:00:00Z"), DateUpdated: ts("2026-01-02T10:00:00Z")}}
	alice.Notes = []fixtures.Note{{ID: noteA1, ContactID: ctAlice, Body: "Met at the fair", UserID: userA, DateAdded: ts("2026-01-02T11:00:00Z"), DateUpdated: ts("2026-01-02T11:00:00Z")}}
	bob := contact(ctBob, locA, "Bob", "Baker", "bob@example.com", "+15550000002", "2026-01-03T10:00:00.000Z")
	carol := contact(ctCarol, locB, "Carol", "Cole", "carol@example.com", "+15550000003", "2026-01-04T10:00:00.000Z")
	return fixtures.Document{Version: 1, Locations: []fixtures.Location{
		{
			ID: locA, Name: "Acme Dental", Users: []fixtures.User{{ID: userA, Name: "Dana Admin"}},
			Contacts: []fixtures.ContactRecord{alice, bob},
			Appointments: []fixtures.Appointment{{
				ID: apptA1, LocationID: locA, ContactID: ctAlice, CalendarID: "CalAAAAAAAAAAAAAAAAA", Title: "Check-up",
				Status: "booked", AppointmentStatus: "booked", Users: []string{userA}, AssignedResources: []string{},
				StartTime: ts("2026-03-10T09:00:00Z"), EndTime: ts("2026-03-10T09:30:00Z"),
				DateAdded: ts("2026-01-05T09:00:00Z"), DateUpdated: ts("2026-01-05T09:00:00Z"),
			}},
			Businesses: []fixtures.Business{{ID: bizA, LocationID: locA, Name: "Acme Holdings", DateAdded: ts("2026-01-01T00:00:00Z")}},
		},
		{ID: locB, Name: "Bravo Gym", Contacts: []fixtures.ContactRecord{carol}},
	}}
}

// harness is a mock under test, served over loopback, with tokens for both locations.
type harness struct {
	t       *testing.T
	srv     *Server
	http    *httptest.Server
	clock   *ManualClock
	full    string // location A, both scopes
	ro      string // location A, read-only
	fullB   string // location B, both scopes
	version string
}

func newHarness(t *testing.T, mutate ...func(*Config)) *harness {
	t.Helper()
	clock := NewManualClock(mustTime(testTime))
	cfg := Config{Initial: testDoc(), Clock: NewClock(clock.Now), StrictResponses: true}
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, srv: srv, clock: clock, version: apiVer}
	h.http = httptest.NewServer(srv)
	t.Cleanup(h.http.Close)
	t.Cleanup(func() {
		for _, v := range srv.Violations() {
			t.Errorf("response did not conform to the document: %v", v)
		}
		if n, kept := srv.ViolationCount(), len(srv.Violations()); n > kept {
			t.Errorf("and %d more non-conforming responses", n-kept)
		}
	})
	h.full = h.mint(locA, ScopeContactsReadonly, ScopeContactsWrite)
	h.ro = h.mint(locA, ScopeContactsReadonly)
	h.fullB = h.mint(locB, ScopeContactsReadonly, ScopeContactsWrite)
	return h
}

func mustTime(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func (h *harness) mint(loc string, scopes ...string) string {
	h.t.Helper()
	tok, err := h.srv.MintToken(loc, scopes, 0)
	if err != nil {
		h.t.Fatal(err)
	}
	return tok.AccessToken
}

// result is a response, decoded.
type result struct {
	Status int
	Header http.Header
	Raw    []byte
	Body   map[string]any
}

func (r result) str(key string) string {
	s, _ := r.Body[key].(string)
	return s
}

// do sends a request with the given token ("" for none) and JSON body (nil for none; a string is
// sent as is).
func (h *harness) do(method, path, token string, body any) result {
	h.t.Helper()
	return h.doHeaders(method, path, token, body, nil)
}

func (h *harness) doHeaders(method, path, token string, body any, hdr map[string]string) result {
	h.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			h.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequest(method, h.http.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if h.version != "" {
		req.Header.Set("Version", h.version)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range hdr {
		if k == "Host" {
			req.Host = v // net/http sends req.Host, not a Host header
			continue
		}
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := h.http.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	out := result{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out.Body)
	}
	return out
}

// must fails the test unless the status is want.
func (r result) must(t *testing.T, want int) result {
	t.Helper()
	if r.Status != want {
		t.Fatalf("status %d, want %d; body %s", r.Status, want, r.Raw)
	}
	return r
}

// obj returns a nested object of the body.
func (r result) obj(key string) map[string]any {
	m, _ := r.Body[key].(map[string]any)
	return m
}

func strs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// snapshot is the mock's whole state, failing the test on an error.
func snapshot(t *testing.T, s *Server) fixtures.Document {
	t.Helper()
	doc, err := s.Store().Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// stats counts the mock's state, failing the test on an error.
func stats(t *testing.T, s *Server) state.Stats {
	t.Helper()
	st, err := s.Store().Stats(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// locations lists the mock's locations, failing the test on an error.
func locations(t *testing.T, s *Server) []fixtures.Location {
	t.Helper()
	locs, err := s.Store().Locations(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return locs
}
