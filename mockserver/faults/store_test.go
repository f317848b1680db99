package faults_test

import (
	"context"
	"errors"
	"testing"

	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/spec"
)

func ptr[T any](v T) *T { return &v }

// TestStoreThroughItsInterface: adding names faults in order, refuses invalid ones with their
// problems, Pick applies the first matching fault within its count, and Remove and Clear take
// faults out of force.
func TestStoreThroughItsInterface(t *testing.T) {
	ctx := context.Background()
	var s faults.Store = faults.NewMemory(11, spec.MustDefault())
	get := faults.Request{OperationID: "get-contact", Method: "GET", Path: "/contacts/abc", LocationID: "LocAAAAAAAAAAAAAAAAA"}
	if f, _, err := s.Pick(ctx, get); err != nil || f != nil {
		t.Fatalf("Pick with no fault: %v %v", f, err)
	}
	v, err := s.Add(ctx, faults.Fault{OperationID: "get-contact", Status: 503, Count: 2})
	if err != nil || v.ID != "f1" {
		t.Fatalf("Add: %+v %v", v, err)
	}
	if _, err := s.Add(ctx, faults.Fault{Path: "/contacts/**", Headers: map[string]string{"X-A": "1"}}); err != nil {
		t.Fatal(err)
	}
	_, err = s.Add(ctx, faults.Fault{OperationID: "nope", Status: 99})
	var ve *faults.ValidationError
	if !errors.As(err, &ve) || len(ve.Messages) != 2 {
		t.Fatalf("invalid fault: %v", err)
	}
	for i, want := range []string{"f1", "f1", "f2"} {
		f, _, err := s.Pick(ctx, get)
		if err != nil || f == nil || f.ID != want {
			t.Fatalf("pick %d: %v %v, want %s", i, f, err, want)
		}
	}
	list, err := s.List(ctx)
	if err != nil || len(list) != 2 || list[0].Hits != 2 || list[0].Remaining == nil || *list[0].Remaining != 0 || !list[0].Expired {
		t.Fatalf("List: %+v %v", list, err)
	}
	if other, _, _ := s.Pick(ctx, faults.Request{OperationID: "get-note", Method: "GET", Path: "/oauth/token"}); other != nil {
		t.Errorf("a request no fault matches got %s", other.ID)
	}
	if found, err := s.Remove(ctx, "f2"); err != nil || !found {
		t.Errorf("Remove: %v %v", found, err)
	}
	if n, err := s.Clear(ctx); err != nil || n != 1 {
		t.Errorf("Clear: %d %v", n, err)
	}
	if s.Seed() != 11 {
		t.Errorf("seed %d", s.Seed())
	}
}

// TestProbabilityReplays: the draws of a fault with a probability are a function of the seed and
// the fault's id: two stores of one seed apply it to the same requests.
func TestProbabilityReplays(t *testing.T) {
	ctx := context.Background()
	run := func(seed int64) []bool {
		s := faults.NewMemory(seed, nil)
		if _, err := s.Add(ctx, faults.Fault{ID: "coin", Status: 500, Probability: ptr(0.5), JitterMs: 5}); err != nil {
			t.Fatal(err)
		}
		var out []bool
		for range 64 {
			f, _, err := s.Pick(ctx, faults.Request{Method: "GET", Path: "/contacts/x"})
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, f != nil)
		}
		return out
	}
	a, b, c := run(3), run(3), run(4)
	same, hits := true, 0
	for i := range a {
		same = same && a[i] == b[i]
		if a[i] {
			hits++
		}
	}
	if !same {
		t.Error("one seed gave two sequences of draws")
	}
	if hits == 0 || hits == len(a) {
		t.Errorf("probability 0.5 applied %d times of %d", hits, len(a))
	}
	differs := false
	for i := range a {
		differs = differs || a[i] != c[i]
	}
	if !differs {
		t.Error("seeds 3 and 4 drew the same")
	}
}
