package ids_test

import (
	"context"
	"regexp"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/ids"
)

func draw(t *testing.T, s ids.Source, n int) []string {
	t.Helper()
	var out []string
	for range n {
		id, err := s.NewID(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		oid, err := s.NewObjectID(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if !fixtures.ValidID(id) || !fixtures.ValidObjectID(oid) {
			t.Fatalf("ids %q %q are not of their forms", id, oid)
		}
		out = append(out, id, oid)
	}
	return out
}

// TestSeededRepeats: one seed gives one sequence, Restart starts it again, another seed gives
// another; a random source repeats nothing and does not restart.
func TestSeededRepeats(t *testing.T) {
	a, b := ids.NewSeeded(7), ids.NewSeeded(7)
	first := draw(t, a, 5)
	if got := draw(t, b, 5); !equal(got, first) {
		t.Fatalf("two sources of seed 7: %v and %v", first, got)
	}
	if err := a.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := draw(t, a, 5); !equal(got, first) {
		t.Errorf("after Restart: %v, want %v", got, first)
	}
	if got := draw(t, ids.NewSeeded(8), 5); equal(got, first) {
		t.Error("seeds 7 and 8 give the same sequence")
	}
	if !a.Seeded() || ids.NewRandom().Seeded() {
		t.Error("Seeded reports wrongly")
	}
	r := ids.NewRandom()
	one := draw(t, r, 5)
	if err := r.Restart(context.Background()); err != nil {
		t.Fatal(err)
	}
	if equal(draw(t, r, 5), one) {
		t.Error("a random source repeated itself after Restart")
	}
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestNewUUID: version 4, variant 1, and different every time.
func TestNewUUID(t *testing.T) {
	re := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	seen := map[string]bool{}
	for range 100 {
		u := ids.NewUUID()
		if !re.MatchString(u) || seen[u] {
			t.Fatalf("uuid %q (seen before: %v)", u, seen[u])
		}
		seen[u] = true
	}
}
