package memory_test

import (
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
)

// wallClock is a wall clock a test moves by hand.
type wallClock struct {
	mu sync.Mutex
	t  time.Time
}

func (w *wallClock) now() time.Time { w.mu.Lock(); defer w.mu.Unlock(); return w.t }

func (w *wallClock) add(d time.Duration) { w.mu.Lock(); defer w.mu.Unlock(); w.t = w.t.Add(d) }

// lagged is what a search lag lets each kind of read see of one contact, by e-mail.
type lagged struct{ search, duplicate, get, list bool }

func seen(t *testing.T, m *memory.Memory, loc, id, email string) lagged {
	t.Helper()
	var out lagged
	page, err := m.SearchContacts(ctx, loc, state.SearchQuery{PageLimit: 100, Page: 1, Filters: []state.Filter{{Field: "email", Operator: "eq", Value: email}}})
	if err != nil {
		t.Fatal(err)
	}
	out.search = len(page.Contacts) == 1 && page.Contacts[0].Contact.ID == id
	dup, err := m.FindDuplicate(ctx, loc, email, "")
	if err != nil {
		t.Fatal(err)
	}
	out.duplicate = dup != nil && dup.ID == id
	if c, err := m.GetContact(ctx, loc, id); err == nil && c.Email == email {
		out.get = true
	}
	list, err := m.ListContacts(ctx, loc, state.ListQuery{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list.Contacts {
		out.list = out.list || (c.ID == id && c.Email == email)
	}
	return out
}

// TestSearchLag: with a lag, a create, an update and a delete reach search and the duplicate lookup
// only once the lag has passed on the wall clock, while a read by id and the list see them at once;
// what a location starts with is searchable at once.
func TestSearchLag(t *testing.T) {
	wall := &wallClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	m := memory.New(memory.Options{Now: time.Now})
	m.SetSearchLag(2*time.Second, wall.now)
	doc := fixtures.Document{Version: fixtures.FormatVersion, Locations: []fixtures.Location{{ID: "LagLocAAAAAAAAAAAAAA", Name: "Lag",
		Contacts: []fixtures.ContactRecord{{Contact: fixtures.Contact{ID: "LagSeedAAAAAAAAAAAAA", Email: "seed@example.com", DateAdded: 1, DateUpdated: 1}}}}}}
	if err := m.Restore(ctx, doc); err != nil {
		t.Fatal(err)
	}
	loc := doc.Locations[0].ID
	if got := seen(t, m, loc, "LagSeedAAAAAAAAAAAAA", "seed@example.com"); got != (lagged{true, true, true, true}) {
		t.Errorf("restored contact: %+v, want every read to see it at once", got)
	}

	c, err := m.CreateContact(ctx, loc, state.ContactInput{Email: state.Of("new@example.com")})
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name  string
		write func()
		email string
		// before is what the reads see of email right after the write, after once the lag passed.
		before, after lagged
	}{
		{"create", func() {}, "new@example.com", lagged{false, false, true, true}, lagged{true, true, true, true}},
		{"update", func() {
			if _, err := m.UpdateContact(ctx, loc, c.ID, state.ContactInput{Email: state.Of("changed@example.com")}); err != nil {
				t.Fatal(err)
			}
		}, "changed@example.com", lagged{false, false, true, true}, lagged{true, true, true, true}},
		{"delete", func() {
			if err := m.DeleteContact(ctx, loc, c.ID); err != nil {
				t.Fatal(err)
			}
		}, "changed@example.com", lagged{true, true, false, false}, lagged{false, false, false, false}},
	}
	for _, st := range steps {
		st.write()
		if got := seen(t, m, loc, c.ID, st.email); got != st.before {
			t.Errorf("%s: right after: %+v, want %+v", st.name, got, st.before)
		}
		wall.add(1999 * time.Millisecond)
		if got := seen(t, m, loc, c.ID, st.email); got != st.before {
			t.Errorf("%s: 1.999 s after: %+v, want %+v", st.name, got, st.before)
		}
		wall.add(time.Millisecond)
		if got := seen(t, m, loc, c.ID, st.email); got != st.after {
			t.Errorf("%s: 2 s after: %+v, want %+v", st.name, got, st.after)
		}
	}
	if got := seen(t, m, loc, c.ID, "new@example.com"); got.search || got.duplicate {
		t.Errorf("the old e-mail still finds the contact: %+v", got)
	}
}

// TestSearchLagConcurrent: lagged searches run alongside writes (for -race).
func TestSearchLagConcurrent(t *testing.T) {
	wall := &wallClock{t: time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)}
	m := memory.New(memory.Options{Now: time.Now})
	m.SetSearchLag(time.Second, wall.now)
	loc, err := m.CreateLocation(ctx, fixtures.Location{Name: "Lag"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				if w%2 == 0 {
					if _, err := m.CreateContact(ctx, loc.ID, state.ContactInput{Tags: state.Of([]string{"t"})}); err != nil {
						t.Error(err)
						return
					}
					wall.add(10 * time.Millisecond) // some become visible while the others search
					continue
				}
				if _, err := m.SearchContacts(ctx, loc.ID, state.SearchQuery{PageLimit: 10, Page: 1, Sort: []state.Sort{{Field: "firstName", Direction: "asc"}}, Query: string(rune('a' + i%26))}); err != nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	wall.add(time.Second)
	page, err := m.SearchContacts(ctx, loc.ID, state.SearchQuery{PageLimit: 1, Page: 1})
	if err != nil {
		t.Fatal(err)
	}
	if page.Total != 400 {
		t.Errorf("search total %d once the lag passed, want the 400 created", page.Total)
	}
}
