package coverage_test

import (
	"context"
	"sync"
	"testing"

	"github.com/contactsmock/contactsmock/mockserver/coverage"
)

// TestMemory: concurrent answers are all counted, listed by operation then status; Reset forgets.
func TestMemory(t *testing.T) {
	ctx := context.Background()
	m := coverage.NewMemory()
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				_ = m.Add(ctx, "get-contact", 200)
				_ = m.Add(ctx, "create-contact", 422)
			}
		})
	}
	wg.Wait()
	_ = m.Add(ctx, "create-contact", 201)
	got, err := m.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := []coverage.Count{{"create-contact", 201, 1}, {"create-contact", 422, 800}, {"get-contact", 200, 800}}
	if len(got) != len(want) {
		t.Fatalf("got %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("count %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	if err := m.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if got, _ := m.List(ctx); len(got) != 0 {
		t.Fatalf("after reset: %+v", got)
	}
}
