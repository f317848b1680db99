package store_test

import (
	"errors"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/store"
)

// TestSearchPageBeyondTheWindow: a page beyond the 10,000-record window is refused whatever its
// size; a page so large that page*pageLimit overflows once panicked on a negative offset.
func TestSearchPageBeyondTheWindow(t *testing.T) {
	m := store.NewMemory(func() time.Time { return fixtures.DefaultNow.Time() }, nil)
	if err := m.Restore(generate(t, fixtures.GenerateOptions{Seed: 3, Contacts: 5})); err != nil {
		t.Fatal(err)
	}
	loc := m.Locations()[0].ID
	tests := []struct {
		name   string
		q      store.SearchQuery
		refuse bool
	}{
		{"last page of the window", store.SearchQuery{PageLimit: 100, Page: 100}, false},
		{"one page beyond", store.SearchQuery{PageLimit: 100, Page: 101}, true},
		{"overflowing page, stored order", store.SearchQuery{PageLimit: 4, Page: 1 << 62}, true},
		{"overflowing page, sorted", store.SearchQuery{PageLimit: 4, Page: 1 << 62, Sort: []store.Sort{{Field: "firstName"}}}, true},
		{"largest page", store.SearchQuery{PageLimit: 500, Page: int(^uint(0) >> 1), Sort: []store.Sort{{Field: "firstName"}}}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := m.SearchContacts(loc, tt.q)
			var inv *store.InvalidError
			if tt.refuse != errors.As(err, &inv) {
				t.Fatalf("err = %v, want refused = %v", err, tt.refuse)
			}
		})
	}
}
