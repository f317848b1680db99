package drift_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/bridge/drift"
	"github.com/contactsmock/contactsmock/bridge/inprocess"
	"github.com/contactsmock/contactsmock/bridge/shape"
	"github.com/contactsmock/contactsmock/bridge/standin"
	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/spec"
)

// startMock is the StartMock the command uses: an in-process mock.
func startMock(doc fixtures.Document, location string, write bool) (drift.Target, func(), error) {
	m, err := inprocess.Start(doc, inprocess.Options{Location: location, Write: write})
	if err != nil {
		return drift.Target{}, nil, err
	}
	u, _ := url.Parse(m.URL)
	return drift.Target{URL: u, Token: m.Token}, func() { _ = m.Close() }, nil
}

func generated(t *testing.T) fixtures.Document {
	t.Helper()
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 42, Contacts: 25, Locations: 1})
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// server starts a generated mock (seed 42, 25 contacts), with the changes of the live stand-in
// when changes is not nil, and returns it as a target.
func server(t *testing.T, changes []standin.Change, write bool) (drift.Target, string) {
	t.Helper()
	var wrap func(http.Handler) http.Handler
	if changes != nil {
		wrap = func(h http.Handler) http.Handler {
			w, err := standin.Wrap(h, spec.MustDefault(), changes)
			if err != nil {
				t.Fatal(err)
			}
			return w
		}
	}
	m, err := inprocess.Start(generated(t), inprocess.Options{Write: write, Wrap: wrap})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Close() })
	u, _ := url.Parse(m.URL)
	return drift.Target{URL: u, Token: m.Token}, m.Location
}

type found struct{ op, class, kind, where string }

func findings(rep *drift.Report) []found {
	var out []found
	for _, op := range rep.Operations {
		for _, f := range op.Findings {
			out = append(out, found{op.Operation, f.Class, f.Kind, f.Where})
		}
	}
	return out
}

func run(t *testing.T, opts drift.Options) *drift.Report {
	t.Helper()
	rep, err := drift.Run(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// expected is the finding a change of the stand-in must give: classed both, since the seeded mock
// follows the document and the stand-in leaves it.
func expected(c standin.Change) found {
	f := found{op: c.Operation, class: drift.Both, where: c.Where()}
	switch c.Kind {
	case standin.Rename:
		f.kind = shape.KindRenamed
		f.where = c.Pointer + " → " + c.Pointer[:strings.LastIndexByte(c.Pointer, '/')+1] + c.NewName
	case standin.NumberAsString:
		f.kind = shape.KindType
	case standin.DropHeader:
		f.kind = shape.KindHeader
	case standin.Status:
		f.kind = shape.KindStatus
	case standin.DateFormat:
		f.kind = shape.KindFormat
	}
	return f
}

func TestEachChangeOfTheStandInIsFoundNamedAndClassed(t *testing.T) {
	for _, c := range standin.Defaults() {
		t.Run(c.Kind, func(t *testing.T) {
			live, loc := server(t, []standin.Change{c}, false)
			rep := run(t, drift.Options{Live: live, Location: loc, StartMock: startMock})
			got := findings(rep)
			if len(got) != 1 || got[0] != expected(c) {
				t.Fatalf("findings %v, want exactly %v", got, expected(c))
			}
			if !rep.Differs() || rep.Counts[drift.Both] != 1 {
				t.Errorf("counts %v", rep.Counts)
			}
		})
	}
}

func TestTheStandInWithEveryChange(t *testing.T) {
	live, loc := server(t, standin.Defaults(), false)
	rep := run(t, drift.Options{Live: live, Location: loc, StartMock: startMock})
	got := map[found]bool{}
	for _, f := range findings(rep) {
		got[f] = true
	}
	for _, c := range standin.Defaults() {
		if !got[expected(c)] {
			t.Errorf("%s: not found", c)
		}
		delete(got, expected(c))
	}
	if len(got) != 0 {
		t.Errorf("found more than the changes: %v", got)
	}
	var text strings.Builder
	if err := rep.WriteText(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"[both] renamed /contact/dateAdded → /contact/createdAt", "[both] type /meta/total: live string, mock integer",
		"[both] header X-Ratelimit-Remaining: live absent, mock present", "[both] status: live 201, mock 200",
		"[both] format /contact/dateUpdated: live date-time (no zone), mock date-time (ms, Z)", "5 differences: 5 both"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("the text report lacks %q:\n%s", want, text.String())
		}
	}
}

func TestThePlainMockHasNoDifference(t *testing.T) {
	live, loc := server(t, nil, false)
	rep := run(t, drift.Options{Live: live, Location: loc, StartMock: startMock})
	if got := findings(rep); len(got) != 0 || rep.Differs() {
		t.Fatalf("findings on the plain mock: %v", got)
	}
	sent := 0
	for _, p := range rep.Probes {
		if p.Live.Sent() != p.Mock.Sent() {
			t.Errorf("probe %s: live %v, mock %v", p.Name, p.Live, p.Mock)
		}
		if p.Live.Sent() {
			sent++
		}
	}
	// Every read-only probe reaches the generated data (the probed contact has no appointment
	// only if none of the five has; the probe is still sent).
	if sent < 20 {
		t.Errorf("only %d probes were sent", sent)
	}
	for _, name := range []string{"unauthorized", "unprocessable", "unknown-contact"} {
		for _, p := range rep.Probes {
			if p.Name == name && (p.Live.Status < 400 || p.Live.Status != p.Mock.Status) {
				t.Errorf("%s: live %d mock %d", name, p.Live.Status, p.Mock.Status)
			}
		}
	}
	if rep.Seeded == nil || rep.Seeded.Contacts != 25 {
		t.Errorf("seeded %+v: three pages of ten reach all 25", rep.Seeded)
	}
}

func TestTheClasses(t *testing.T) {
	change := []standin.Change{{Kind: standin.NumberAsString, Operation: "get-contacts", Pointer: "/meta/total"}}
	t.Run("the mock differs from the document", func(t *testing.T) {
		live, loc := server(t, nil, false)
		mock, _ := server(t, change, false)
		rep := run(t, drift.Options{Live: live, Mock: &mock, Location: loc})
		got := findings(rep)
		want := []found{
			{"get-contacts", drift.MockVsLive, shape.KindType, "/meta/total"},
			{"get-contacts", drift.MockVsDocument, "document", "/meta/total"},
		}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("findings %v, want %v", got, want)
		}
		if rep.MockKind != "given" || rep.Seeded != nil {
			t.Errorf("a given mock: %q %v", rep.MockKind, rep.Seeded)
		}
	})
	t.Run("both sides leave the document alike", func(t *testing.T) {
		live, loc := server(t, change, false)
		mock, _ := server(t, change, false)
		rep := run(t, drift.Options{Live: live, Mock: &mock, Location: loc})
		got := findings(rep)
		want := []found{
			{"get-contacts", drift.LiveVsDocument, "document", "/meta/total"},
			{"get-contacts", drift.MockVsDocument, "document", "/meta/total"},
		}
		if len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
			t.Errorf("findings %v, want %v", got, want)
		}
	})
}

func TestWritesCleanUp(t *testing.T) {
	live, loc := server(t, nil, true)
	rep := run(t, drift.Options{Live: live, Location: loc, StartMock: startMock, AllowWrites: true, Nonce: "n0nce"})
	if got := findings(rep); len(got) != 0 {
		t.Errorf("findings %v", got)
	}
	statuses := map[string]int{}
	for _, p := range rep.Probes {
		if p.Writes {
			statuses[p.Name] = p.Live.Status
		}
	}
	want := map[string]int{"create": 201, "update": 200, "add-tags": 201, "create-task": 201, "create-note": 201,
		"delete-note": 200, "delete-task": 200, "delete": 200, "deleted": 400}
	for k, v := range want {
		if statuses[k] != v {
			t.Errorf("%s answered %d, want %d", k, statuses[k], v)
		}
	}
	// Nothing is left behind: the drift contact is not found by its e-mail.
	req, _ := http.NewRequest("GET", live.URL.String()+"/contacts/search/duplicate?locationId="+loc+"&email=contactsmock-drift-n0nce%40example.com", nil)
	req.Header.Set("Version", "2021-07-28")
	req.Header.Set("Authorization", "Bearer "+live.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var body struct {
		Contact any `json:"contact"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&body)
	resp.Body.Close()
	if body.Contact != nil {
		t.Errorf("the drift contact is still there: %v", body.Contact)
	}
	// Without --allow-writes nothing is written.
	rep = run(t, drift.Options{Live: live, Location: loc, StartMock: startMock})
	for _, p := range rep.Probes {
		if p.Writes {
			t.Errorf("a write probe ran without writes allowed: %s", p.Name)
		}
	}
}

func TestWhenTheProbeCannotRun(t *testing.T) {
	live, loc := server(t, nil, false)
	bad := live
	bad.Token = "not-a-token"
	if _, err := drift.Run(context.Background(), drift.Options{Live: bad, Location: loc, StartMock: startMock}); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("a refused token: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	dead, _ := url.Parse("http://" + ln.Addr().String())
	ln.Close()
	if _, err := drift.Run(context.Background(), drift.Options{Live: drift.Target{URL: dead}, Location: loc, StartMock: startMock}); err == nil {
		t.Error("an unreachable live API")
	}
	if _, err := drift.Run(context.Background(), drift.Options{Live: live, Location: loc}); !errors.Is(err, drift.ErrNoMock) {
		t.Errorf("no mock: %v", err)
	}
	if _, err := drift.Run(context.Background(), drift.Options{Live: live, Location: "nope", StartMock: startMock}); err == nil {
		t.Error("a location the token does not cover")
	}
}

func TestA429IsWaitedOutOnce(t *testing.T) {
	var first atomic.Bool
	m, err := inprocess.Start(generated(t), inprocess.Options{Wrap: func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if first.CompareAndSwap(false, true) {
				w.Header().Set("Retry-After", "3")
				w.WriteHeader(http.StatusTooManyRequests)
				return
			}
			h.ServeHTTP(w, r)
		})
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	u, _ := url.Parse(m.URL)
	var waited []time.Duration
	rep := run(t, drift.Options{Live: drift.Target{URL: u, Token: m.Token}, Location: m.Location, StartMock: startMock,
		Sleep: func(_ context.Context, d time.Duration) error { waited = append(waited, d); return nil }})
	if len(waited) != 1 || waited[0] != 3*time.Second {
		t.Errorf("waited %v, want once 3s", waited)
	}
	if rep.Probes[0].Live.Status != 200 {
		t.Errorf("the list after the retry: %d", rep.Probes[0].Live.Status)
	}
}

func TestTheJSONReportHoldsShapesNotValues(t *testing.T) {
	live, loc := server(t, standin.Defaults(), false)
	rep := run(t, drift.Options{Live: live, Location: loc, StartMock: startMock})
	var b bytes.Buffer
	if err := rep.WriteJSON(&b); err != nil {
		t.Fatal(err)
	}
	var back drift.Report
	if err := json.Unmarshal(b.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Operations) != len(rep.Operations) || back.Counts[drift.Both] != 5 {
		t.Errorf("round trip: %d operations, counts %v", len(back.Operations), back.Counts)
	}
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(b.String(), func(r rune) bool {
		return !strings.ContainsRune("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@.+", r)
	}) {
		words[strings.Trim(w, ".")] = true
	}
	for _, c := range generated(t).Locations[0].Contacts {
		for _, v := range []string{c.Email, c.Phone, c.LastName, c.FirstName} {
			if len(v) > 2 && words[v] {
				t.Fatalf("the report holds the value %q", v)
			}
		}
	}
	if strings.Contains(b.String(), live.Token) {
		t.Fatal("the report holds the token")
	}
}

func TestAGivenMockWithOtherDataAndLocation(t *testing.T) {
	live, loc := server(t, nil, false)
	other, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 43, Contacts: 25, Locations: 1})
	if err != nil {
		t.Fatal(err)
	}
	m, err := inprocess.Start(other, inprocess.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	u, _ := url.Parse(m.URL)
	rep := run(t, drift.Options{Live: live, Location: loc, Mock: &drift.Target{URL: u, Token: m.Token}, MockLocation: m.Location})
	if rep.MockLocation != m.Location || rep.Probes[0].Mock.Status != 200 {
		t.Fatalf("the mock's own location was not probed: %q %+v", rep.MockLocation, rep.Probes[0].Mock)
	}
	// Other data, the same code: no status, header or type can differ (a custom field's value is
	// any JSON, so its type is a value); a probe the other data gives no input may.
	for _, f := range findings(rep) {
		if f.kind == shape.KindStatus || f.kind == shape.KindHeader || f.kind == shape.KindType || f.class != drift.MockVsLive {
			t.Errorf("a finding two mocks of the same code cannot have: %v", f)
		}
	}
}
