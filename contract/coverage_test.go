package contract

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/spec"
)

func TestCoverageAggregation(t *testing.T) {
	sp := spec.MustDefault()
	a, b := NewCoverage(), NewCoverage()
	a.Record("get-contact", 200)
	a.Record("get-contact", 200)
	a.Record("get-contact", 400)
	b.Record("get-contact", 401)
	b.Record("get-contact", 500) // undeclared
	b.Record("create-contact", 201)

	ra, rb := a.Report(sp), b.Report(sp)
	if len(ra.Operations) != len(sp.Operations) {
		t.Fatalf("report has %d operations, the document %d", len(ra.Operations), len(sp.Operations))
	}
	m := Merge(sp, ra, rb)
	byID := map[string]OperationCoverage{}
	for _, oc := range m.Operations {
		byID[oc.OperationID] = oc
	}
	tests := []struct {
		op                           string
		exercised, missing, undeclar []int
		responses                    map[int]int
	}{
		{"get-contact", []int{200, 400, 401}, []int{422, 429}, []int{500}, map[int]int{200: 2, 400: 1, 401: 1, 500: 1}},
		{"create-contact", []int{201}, []int{400, 401, 403, 413, 422, 429}, nil, map[int]int{201: 1}},
		{"delete-contact", []int{}, []int{200, 400, 401, 422, 429}, nil, nil},
	}
	for _, tc := range tests {
		t.Run(tc.op, func(t *testing.T) {
			oc := byID[tc.op]
			if !slices.Equal(oc.Exercised, tc.exercised) || !slices.Equal(oc.Missing, tc.missing) || !slices.Equal(oc.Undeclared, tc.undeclar) {
				t.Errorf("exercised %v missing %v undeclared %v; want %v %v %v", oc.Exercised, oc.Missing, oc.Undeclared, tc.exercised, tc.missing, tc.undeclar)
			}
			for s, n := range tc.responses {
				if oc.Responses[s] != n {
					t.Errorf("responses[%d] = %d, want %d", s, oc.Responses[s], n)
				}
			}
		})
	}
	if !slices.Contains(m.NeverCalled, "delete-contact") || slices.Contains(m.NeverCalled, "get-contact") {
		t.Errorf("never called: %v", m.NeverCalled)
	}
	if !slices.Contains(m.Gaps, "get-contact 429") || slices.Contains(m.Gaps, "get-contact 200") {
		t.Errorf("gaps: %v", m.Gaps)
	}
	if m.Exercised != 4 || m.Declared-m.Exercised != m.Missing {
		t.Errorf("totals: declared %d exercised %d missing %d", m.Declared, m.Exercised, m.Missing)
	}
	table := m.Table()
	for _, want := range []string{"OPERATION", "get-contact", "200, 400, 401", "429", "statuses exercised: 4 of", "operations never called:"} {
		if !strings.Contains(table, want) {
			t.Errorf("table lacks %q:\n%s", want, table)
		}
	}
}

func TestCoveragePartials(t *testing.T) {
	sp := spec.MustDefault()
	path := filepath.Join(t.TempDir(), "reports", "cov.json")
	for proc, status := range map[int]int{1: 200, 2: 400} {
		c := NewCoverage()
		c.Record("get-note", status)
		if err := c.Report(sp).WriteFile(PartialPath(path, proc)); err != nil {
			t.Fatal(err)
		}
	}
	m, err := MergePartials(sp, path, 2)
	if err != nil {
		t.Fatal(err)
	}
	if err := m.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	back, err := ReadCoverageReport(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, oc := range back.Operations {
		if oc.OperationID == "get-note" && !slices.Equal(oc.Exercised, []int{200, 400}) {
			t.Errorf("get-note exercised %v after the merge", oc.Exercised)
		}
	}
	if _, err := MergePartials(sp, path, 2); err == nil {
		t.Errorf("merging removed parts again did not report them missing")
	}
}
