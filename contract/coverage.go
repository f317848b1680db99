package contract

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"

	"github.com/contactsmock/contactsmock/spec"
)

// Coverage records which (operation, status) pairs a run exercised. It is safe for concurrent use.
// Each parallel process keeps its own; Merge combines their reports.
type Coverage struct {
	mu   sync.Mutex // guards seen
	seen map[string]map[int]int
}

// NewCoverage returns an empty recorder.
func NewCoverage() *Coverage { return &Coverage{seen: map[string]map[int]int{}} }

// Record counts one response of an operation.
func (c *Coverage) Record(operationID string, status int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.seen[operationID]
	if m == nil {
		m = map[int]int{}
		c.seen[operationID] = m
	}
	m[status]++
}

// Counts returns a copy of what was recorded: operationId → status → responses.
func (c *Coverage) Counts() map[string]map[int]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make(map[string]map[int]int, len(c.seen))
	for op, m := range c.seen {
		cp := make(map[int]int, len(m))
		for s, n := range m {
			cp[s] = n
		}
		out[op] = cp
	}
	return out
}

// CoverageReport is the coverage of one run against a document, as written to JSON.
type CoverageReport struct {
	// Operations has one entry per operation of the document, in the document's order.
	Operations []OperationCoverage `json:"operations"`
	// Declared, Exercised and Missing count (operation, status) pairs over all operations.
	Declared  int `json:"declared"`
	Exercised int `json:"exercised"`
	Missing   int `json:"missing"`
	// NeverCalled lists the operations no response was received for.
	NeverCalled []string `json:"neverCalled"`
	// Gaps lists every declared (operation, status) pair never exercised, as "operationId status".
	Gaps []string `json:"gaps"`
	// NotInDocument lists the operations the suite knows (our document's) that the document
	// under test lacks: they got no spec.
	NotInDocument []string `json:"notInDocument,omitempty"`
}

// OperationCoverage is one operation's line of the report.
type OperationCoverage struct {
	OperationID string `json:"operationId"`
	Method      string `json:"method"`
	Path        string `json:"path"`
	Declared    []int  `json:"declared"`
	Exercised   []int  `json:"exercised"`
	Missing     []int  `json:"missing"`
	// Undeclared lists statuses received that the operation does not declare (each was also a
	// conformance failure).
	Undeclared []int `json:"undeclared,omitempty"`
	// Responses counts every response received, by status.
	Responses map[int]int `json:"responses,omitempty"`
	// NotInDocument is set on the line of an operation the suite knows that the document under
	// test lacks (see CoverageReport.NotInDocument).
	NotInDocument bool `json:"notInDocument,omitempty"`
}

// NoteKnown adds a line for every operation of known (the document the suite is written for) that
// the report's document lacks, marked as not in the document, and lists them in NotInDocument.
func (r *CoverageReport) NoteKnown(known *spec.Spec) {
	have := map[string]bool{}
	for _, oc := range r.Operations {
		have[oc.OperationID] = true
	}
	for _, op := range known.Operations {
		if have[op.ID] {
			continue
		}
		r.Operations = append(r.Operations, OperationCoverage{OperationID: op.ID, Method: op.Method, Path: op.Path,
			Declared: []int{}, Exercised: []int{}, Missing: []int{}, NotInDocument: true})
		r.NotInDocument = append(r.NotInDocument, op.ID)
	}
}

// Report builds the report of the recorded counts against the document's operations.
func (c *Coverage) Report(sp *spec.Spec) CoverageReport {
	return BuildReport(sp, c.Counts())
}

// BuildReport builds a report from counts (operationId → status → responses).
func BuildReport(sp *spec.Spec, counts map[string]map[int]int) CoverageReport {
	r := CoverageReport{Operations: []OperationCoverage{}, NeverCalled: []string{}, Gaps: []string{}}
	for _, op := range sp.Operations {
		oc := OperationCoverage{
			OperationID: op.ID, Method: op.Method, Path: op.Path,
			Declared: slices.Clone(op.Statuses), Exercised: []int{}, Missing: []int{},
		}
		got := counts[op.ID]
		if len(got) > 0 {
			oc.Responses = make(map[int]int, len(got))
		}
		for s, n := range got {
			oc.Responses[s] = n
			if !op.Declares(s) {
				oc.Undeclared = append(oc.Undeclared, s)
			}
		}
		slices.Sort(oc.Undeclared)
		for _, s := range op.Statuses {
			if got[s] > 0 {
				oc.Exercised = append(oc.Exercised, s)
			} else {
				oc.Missing = append(oc.Missing, s)
				r.Gaps = append(r.Gaps, fmt.Sprintf("%s %d", op.ID, s))
			}
		}
		if len(got) == 0 {
			r.NeverCalled = append(r.NeverCalled, op.ID)
		}
		r.Declared += len(oc.Declared)
		r.Exercised += len(oc.Exercised)
		r.Missing += len(oc.Missing)
		r.Operations = append(r.Operations, oc)
	}
	return r
}

// Merge adds the counts of several reports (e.g. one per parallel process) and rebuilds the report
// against the document.
func Merge(sp *spec.Spec, reports ...CoverageReport) CoverageReport {
	counts := map[string]map[int]int{}
	for _, r := range reports {
		for _, oc := range r.Operations {
			for s, n := range oc.Responses {
				m := counts[oc.OperationID]
				if m == nil {
					m = map[int]int{}
					counts[oc.OperationID] = m
				}
				m[s] += n
			}
		}
	}
	return BuildReport(sp, counts)
}

// Table renders the report as a plain-text table (operation, declared, exercised, missing), then a
// summary line and the operations never called.
func (r CoverageReport) Table() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tDECLARED\tEXERCISED\tMISSING\tUNDECLARED")
	for _, oc := range r.Operations {
		if oc.NotInDocument {
			fmt.Fprintf(tw, "%s\tnot in the document\t-\t-\t-\n", oc.OperationID)
			continue
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", oc.OperationID, codes(oc.Declared), codes(oc.Exercised), codes(oc.Missing), codes(oc.Undeclared))
	}
	_ = tw.Flush()
	pct := 0.0
	if r.Declared > 0 {
		pct = 100 * float64(r.Exercised) / float64(r.Declared)
	}
	fmt.Fprintf(&b, "statuses exercised: %d of %d declared (%.1f%%), %d missing\n", r.Exercised, r.Declared, pct, r.Missing)
	if len(r.NeverCalled) > 0 {
		fmt.Fprintf(&b, "operations never called: %s\n", strings.Join(r.NeverCalled, ", "))
	}
	if len(r.NotInDocument) > 0 {
		fmt.Fprintf(&b, "operations not in the document (no spec ran): %s\n", strings.Join(r.NotInDocument, ", "))
	}
	return b.String()
}

func codes(list []int) string {
	if len(list) == 0 {
		return "-"
	}
	return spec.StatusList(list)
}

// WriteFile writes the report as indented JSON, creating the directory.
func (r CoverageReport) WriteFile(path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("contract: coverage report: %w", err)
	}
	data, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("contract: coverage report: %w", err)
	}
	if err := os.WriteFile(path, append(data, '\n'), 0o644); err != nil {
		return fmt.Errorf("contract: coverage report: %w", err)
	}
	return nil
}

// ReadCoverageReport reads a report written by WriteFile.
func ReadCoverageReport(path string) (CoverageReport, error) {
	var r CoverageReport
	data, err := os.ReadFile(path)
	if err != nil {
		return r, fmt.Errorf("contract: coverage report: %w", err)
	}
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("contract: coverage report %s: %w", path, err)
	}
	return r, nil
}

// PartialPath is where parallel process proc writes its part of the report at path.
func PartialPath(path string, proc int) string {
	return fmt.Sprintf("%s.part-%d", path, proc)
}

// MergePartials reads the parts of the report at path written by processes 1..procs, merges them,
// removes them and returns the merged report. A missing part is an error (a process that wrote
// nothing has crashed).
func MergePartials(sp *spec.Spec, path string, procs int) (CoverageReport, error) {
	var parts []CoverageReport
	var errs []error
	for p := 1; p <= procs; p++ {
		r, err := ReadCoverageReport(PartialPath(path, p))
		if err != nil {
			errs = append(errs, err)
			continue
		}
		parts = append(parts, r)
		_ = os.Remove(PartialPath(path, p))
	}
	return Merge(sp, parts...), errors.Join(errs...)
}
