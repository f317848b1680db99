package memory_test

import (
	"errors"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
)

// TestSearchPageBeyondTheWindow: a page beyond the 10,000-record window is refused whatever its
// size; a page so large that page*pageLimit overflows once panicked on a negative offset.
func TestSearchPageBeyondTheWindow(t *testing.T) {
	m := memory.New(memory.Options{Now: func() time.Time { return fixtures.DefaultNow.Time() }})
	if err := m.Restore(ctx, generate(t, fixtures.GenerateOptions{Seed: 3, Contacts: 5})); err != nil {
		t.Fatal(err)
	}
	loc := locationsOf(t, m)[0].ID
	tests := []struct {
		name   string
		q      state.SearchQuery
		refuse bool
	}{
		{"last page of the window", state.SearchQuery{PageLimit: 100, Page: 100}, false},
		{"one page beyond", state.SearchQuery{PageLimit: 100, Page: 101}, true},
		{"overflowing page, stored order", state.SearchQuery{PageLimit: 4, Page: 1 << 62}, true},
		{"overflowing page, sorted", state.SearchQuery{PageLimit: 4, Page: 1 << 62, Sort: []state.Sort{{Field: "firstName"}}}, true},
		{"largest page", state.SearchQuery{PageLimit: 500, Page: int(^uint(0) >> 1), Sort: []state.Sort{{Field: "firstName"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.SearchContacts(ctx, loc, tt.q)
			if tt.refuse != errors.Is(err, state.ErrInvalid) {
				t.Fatalf("err = %v, want refused = %v", err, tt.refuse)
			}
		})
	}
}
