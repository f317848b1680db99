package drift

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/bridge/record"
	"github.com/contactsmock/contactsmock/bridge/shape"
	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/spec"
)

// Classes of Finding.
const (
	// LiveVsDocument: the live API's answer does not conform to our document.
	LiveVsDocument = "live differs from our document"
	// MockVsLive: the mock's answer has another shape than the live API's.
	MockVsLive = "mock differs from live"
	// Both: the live API differs from our document there, and the mock (which follows the
	// document) from the live API.
	Both = "both"
	// MockVsDocument: the mock's own answer does not conform to our document (a bug of the mock
	// or of the document).
	MockVsDocument = "mock differs from our document"
)

// KindProbe is the Kind of a finding where one side answered a probe and the other was not
// asked it (its data gave the probe no input: no business, no task) or could not be reached.
const KindProbe = "probe"

// StartMock starts a mock holding doc and returns it as a target, with a function that stops it.
// write asks for a token that may write.
type StartMock func(doc fixtures.Document, location string, write bool) (Target, func(), error)

// Options configure Run.
type Options struct {
	// Live is the live API (or what stands in for it).
	Live Target
	// Mock is the mock to compare with; nil starts one with StartMock, seeded from what the
	// probes read from Live.
	Mock *Target
	// StartMock starts the seeded mock when Mock is nil.
	StartMock StartMock
	// Location is the location probed on the live side, and on the mock's unless MockLocation
	// is set.
	Location string
	// MockLocation is the location probed on a given mock (empty: Location). A seeded mock
	// always holds Location.
	MockLocation string
	// PageSize is the list and search page size (default 10).
	PageSize int
	// AllowWrites adds the create/update/delete probes (on uniquely named data they delete).
	AllowWrites bool
	// Spec is the document answers are checked against; nil means the embedded one.
	Spec *spec.Spec
	// Nonce makes the written data's names unique; empty draws one.
	Nonce string
	// Sleep waits before a retry after a 429; nil waits on a timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Report is the result of a run.
type Report struct {
	// Live and Mock are the targets' URLs; MockKind says which mock it was.
	Live     string `json:"live"`
	Mock     string `json:"mock"`
	MockKind string `json:"mockKind"`
	// Location is the location probed (live's; the mock's is MockLocation when it differs).
	Location     string `json:"location"`
	MockLocation string `json:"mockLocation,omitempty"`
	// Seeded counts what the seeded mock was given (nil for a mock named by URL).
	Seeded *record.Report `json:"seeded,omitempty"`
	// Probes are the probes in the order sent, with both answers' statuses.
	Probes []ProbeResult `json:"probes"`
	// Operations group the findings by operation, in the order first probed.
	Operations []OperationReport `json:"operations"`
	// Counts counts the findings by class.
	Counts map[string]int `json:"counts"`
}

// ProbeResult is one probe's two answers.
type ProbeResult struct {
	Probe
	Live *Answer `json:"live"`
	Mock *Answer `json:"mock"`
}

// OperationReport is what the probes of one operation found.
type OperationReport struct {
	// Operation is the operationId; Method and Path its method and path template.
	Operation string `json:"operation"`
	Method    string `json:"method"`
	Path      string `json:"path"`
	// Probes names the probes of this operation.
	Probes []string `json:"probes"`
	// Findings are the differences, by class and place.
	Findings []Finding `json:"findings"`
}

// Finding is one difference, found by one or more probes of an operation.
type Finding struct {
	// Class is Both, LiveVsDocument, MockVsLive or MockVsDocument.
	Class string `json:"class"`
	// Kind is a shape.Kind* constant, KindProbe, or "document" for a deviation only the document
	// shows.
	Kind string `json:"kind"`
	// Where is "status", "header NAME", "body" or a JSON pointer ("*" for array items).
	Where string `json:"where"`
	// Live and Mock describe what each side had there (a shape, never a value).
	Live string `json:"live,omitempty"`
	Mock string `json:"mock,omitempty"`
	// Document is the validator's reason, when the document is part of the finding.
	Document string `json:"document,omitempty"`
	// Probes names the probes that showed it.
	Probes []string `json:"probes"`
}

// Differs reports whether the run found any difference.
func (r *Report) Differs() bool {
	for _, n := range r.Counts {
		if n > 0 {
			return true
		}
	}
	return false
}

// ErrNoMock is returned when neither a mock nor a way to start one was given.
var ErrNoMock = errors.New("drift: no mock to compare with (give Options.Mock or Options.StartMock)")

// Run probes both targets and compares them. An error means the comparison could not be made
// (the live API unreachable, the token refused, no mock); differences are in the report.
func Run(ctx context.Context, opts Options) (*Report, error) {
	if opts.Live.URL == nil || opts.Location == "" {
		return nil, errors.New("drift: the live URL and the location are required")
	}
	if opts.Mock == nil && opts.StartMock == nil {
		return nil, ErrNoMock
	}
	if opts.PageSize <= 0 {
		opts.PageSize = 10
	}
	if opts.Spec == nil {
		sp, err := spec.Default()
		if err != nil {
			return nil, fmt.Errorf("drift: %w", err)
		}
		opts.Spec = sp
	}
	if opts.Nonce == "" {
		opts.Nonce = Nonce()
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	rep := &Report{Live: opts.Live.URL.Redacted(), Location: opts.Location}
	live := &session{t: opts.Live, spec: opts.Spec, location: opts.Location, answers: map[string]*Answer{}, sleep: opts.Sleep}
	var seed *record.Recorder
	if opts.Mock == nil {
		seed = record.New()
		live.observe = seed.Observe
	}
	if err := live.run(ctx, opts.PageSize, opts.AllowWrites, opts.Nonce); err != nil {
		return nil, fmt.Errorf("%w (live %s)", err, rep.Live)
	}
	mockTarget := opts.Mock
	if mockTarget == nil {
		// One more page than the probes compare, so the seeded mock's second page has a next
		// page exactly when live's does.
		if ans := live.answers["list-page-2"]; ans.Sent() {
			if after, afterID := cursorOf(ans); afterID != "" {
				live.do(ctx, request{name: "seed#list-page-3", op: "get-contacts", query: url.Values{
					"locationId": {opts.Location}, "limit": {fmt.Sprint(opts.PageSize)}, "startAfter": {after}, "startAfterId": {afterID},
				}})
			}
		}
		doc, seeded, err := seed.Document(record.Options{Raw: true})
		switch {
		case errors.Is(err, record.ErrNothing):
			doc = fixtures.Document{Version: fixtures.FormatVersion, Locations: []fixtures.Location{{ID: opts.Location, Name: "Seeded from " + rep.Live}}}
		case err != nil:
			return nil, fmt.Errorf("drift: seeding the mock from what was read: %w", err)
		}
		if !slices.ContainsFunc(doc.Locations, func(l fixtures.Location) bool { return l.ID == opts.Location }) {
			doc.Locations = append(doc.Locations, fixtures.Location{ID: opts.Location, Name: "Seeded from " + rep.Live})
		}
		t, stop, err := opts.StartMock(doc, opts.Location, opts.AllowWrites)
		if err != nil {
			return nil, fmt.Errorf("drift: starting the seeded mock: %w", err)
		}
		defer stop()
		mockTarget = &t
		rep.Seeded = &seeded
		rep.MockKind = "in-process, seeded from what the probes read"
	} else {
		rep.MockKind = "given"
		if opts.MockLocation != "" && opts.MockLocation != opts.Location {
			rep.MockLocation = opts.MockLocation
		}
	}
	rep.Mock = mockTarget.URL.Redacted()
	mockLocation := opts.Location
	if opts.Mock != nil && opts.MockLocation != "" {
		mockLocation = opts.MockLocation
	}
	mock := &session{t: *mockTarget, spec: opts.Spec, location: mockLocation, answers: map[string]*Answer{}, sleep: opts.Sleep}
	if err := mock.run(ctx, opts.PageSize, opts.AllowWrites, opts.Nonce); err != nil {
		return nil, fmt.Errorf("%w (mock %s)", err, rep.Mock)
	}
	compare(rep, opts.Spec, live, mock)
	return rep, nil
}

func cursorOf(a *Answer) (string, string) {
	m := map[string]any{}
	if err := json.Unmarshal(a.body, &m); err != nil {
		return "", ""
	}
	meta, _ := m["meta"].(map[string]any)
	return cursor(meta)
}

// compare fills the report's probes, operations and counts.
func compare(rep *Report, sp *spec.Spec, live, mock *session) {
	type key struct{ op, where, class string }
	byOp := map[string]*OperationReport{}
	var opOrder []string
	findings := map[key]*Finding{}
	var findingOrder []key
	add := func(op string, k key, f Finding) {
		if existing := findings[k]; existing != nil {
			if !slices.Contains(existing.Probes, f.Probes[0]) {
				existing.Probes = append(existing.Probes, f.Probes[0])
			}
			return
		}
		findings[k] = &f
		findingOrder = append(findingOrder, k)
	}
	for _, p := range Probes {
		la, ma := live.answers[p.Name], mock.answers[p.Name]
		if la == nil && ma == nil {
			continue
		}
		rep.Probes = append(rep.Probes, ProbeResult{Probe: p, Live: la, Mock: ma})
		op := sp.Operation(p.Operation)
		if byOp[p.Operation] == nil {
			or := &OperationReport{Operation: p.Operation}
			if op != nil {
				or.Method, or.Path = op.Method, op.Path
			}
			byOp[p.Operation] = or
			opOrder = append(opOrder, p.Operation)
		}
		byOp[p.Operation].Probes = append(byOp[p.Operation].Probes, p.Name)
		if !la.Sent() || !ma.Sent() {
			if la.Sent() != ma.Sent() {
				// One side answered and the other did not (or was not asked): a difference of
				// behaviour, reported as the status.
				add(p.Operation, key{p.Operation, "probe", "probe"}, Finding{
					Class: MockVsLive, Kind: KindProbe, Where: "probe",
					Live: answerWord(la), Mock: answerWord(ma), Probes: []string{p.Name},
				})
			}
			continue
		}
		diffs := shape.Compare(la.shape, ma.shape)
		liveDoc := map[string]shape.Problem{}
		for _, pr := range la.problems {
			if _, dup := liveDoc[pr.Where]; !dup {
				liveDoc[pr.Where] = pr
			}
		}
		for _, d := range diffs {
			if (d.Kind == shape.KindType || d.Kind == shape.KindFormat) && shape.Untyped(op, la.Status, d.Where) {
				continue // the document says any JSON: a type here is a value
			}
			f := Finding{Class: MockVsLive, Kind: d.Kind, Where: d.Where, Live: d.A, Mock: d.B, Probes: []string{p.Name}}
			if d.Kind == shape.KindRenamed {
				// The mock follows the document, so its name is the one the document has.
				f.Live, f.Mock = "has "+d.A, "has "+d.B
				f.Where = d.B + " → " + d.A
			}
			if pr, ok := liveDoc[d.Where]; ok {
				f.Class, f.Document = Both, pr.Reason
				delete(liveDoc, d.Where)
			} else if d.Kind == shape.KindRenamed {
				if pr, ok := liveDoc[d.B]; ok {
					f.Class, f.Document = Both, pr.Reason
					delete(liveDoc, d.B)
				}
			}
			add(p.Operation, key{p.Operation, f.Where, "diff"}, f)
		}
		for _, pr := range la.problems {
			if _, left := liveDoc[pr.Where]; !left {
				continue
			}
			add(p.Operation, key{p.Operation, pr.Where, "live-doc"}, Finding{
				Class: LiveVsDocument, Kind: "document", Where: pr.Where, Document: pr.Reason, Probes: []string{p.Name},
			})
		}
		for _, pr := range ma.problems {
			add(p.Operation, key{p.Operation, pr.Where, "mock-doc"}, Finding{
				Class: MockVsDocument, Kind: "document", Where: pr.Where, Document: pr.Reason, Probes: []string{p.Name},
			})
		}
	}
	rep.Counts = map[string]int{Both: 0, LiveVsDocument: 0, MockVsLive: 0, MockVsDocument: 0}
	for _, k := range findingOrder {
		f := findings[k]
		byOp[k.op].Findings = append(byOp[k.op].Findings, *f)
		rep.Counts[f.Class]++
	}
	for _, op := range opOrder {
		or := byOp[op]
		sort.SliceStable(or.Findings, func(i, j int) bool { return or.Findings[i].Where < or.Findings[j].Where })
		rep.Operations = append(rep.Operations, *or)
	}
}

func answerWord(a *Answer) string {
	switch {
	case a == nil:
		return "not probed"
	case a.Sent():
		return fmt.Sprint(a.Status)
	case strings.HasPrefix(a.Error, "skipped: "):
		return a.Error
	}
	return "failed: " + a.Error
}
