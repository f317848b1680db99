package memory_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/ids"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
)

// TestRestoreRefusesDuplicateChildren: a task or note id used twice under one contact is refused,
// with few children (scanned) and with many (a map).
func TestRestoreRefusesDuplicateChildren(t *testing.T) {
	rec := func(tasks, notes []string) fixtures.Document {
		c := fixtures.ContactRecord{Contact: fixtures.Contact{ID: "CtAAAAAAAAAAAAAAAAAA", Type: "lead", Tags: []string{}, CustomFields: []fixtures.CustomField{}, Followers: []string{}}}
		for _, id := range tasks {
			c.Tasks = append(c.Tasks, fixtures.Task{ID: id, Title: "t"})
		}
		for _, id := range notes {
			c.Notes = append(c.Notes, fixtures.Note{ID: id, Body: "n"})
		}
		return fixtures.Document{Locations: []fixtures.Location{{ID: "LocAAAAAAAAAAAAAAAAA", Name: "L", Contacts: []fixtures.ContactRecord{c}}}}
	}
	many := func(n int, prefix string) []string {
		var ids []string
		for i := range n {
			ids = append(ids, prefix+strconv.Itoa(i))
		}
		return ids
	}
	tests := []struct {
		name         string
		tasks, notes []string
		ok           bool
	}{
		{"distinct, few", []string{"a", "b"}, []string{"c"}, true},
		{"task twice, few", []string{"a", "a"}, nil, false},
		{"task and note share, few", []string{"a"}, []string{"a"}, false},
		{"empty id", []string{""}, nil, false},
		{"distinct, many", many(20, "t"), many(20, "n"), true},
		{"task twice, many", append(many(20, "t"), "t3"), nil, false},
		{"task and note share, many", many(20, "x"), []string{"x19"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := memory.New(memory.Options{Now: time.Now}).Restore(ctx, rec(tt.tasks, tt.notes))
			if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), "used twice")) {
				t.Errorf("Restore: %v, want ok=%v", err, tt.ok)
			}
		})
	}
}

// TestRestoreRefusesContactIDsUsedTwice: contact ids are unique across the whole document, within
// a location and between locations, and the store that refused keeps its state.
func TestRestoreRefusesContactIDsUsedTwice(t *testing.T) {
	contact := func(id string) fixtures.ContactRecord {
		return fixtures.ContactRecord{Contact: fixtures.Contact{ID: id, Type: "lead", Tags: []string{}, CustomFields: []fixtures.CustomField{}, Followers: []string{}}}
	}
	loc := func(id string, contacts ...string) fixtures.Location {
		l := fixtures.Location{ID: id, Name: "L"}
		for _, c := range contacts {
			l.Contacts = append(l.Contacts, contact(c))
		}
		return l
	}
	const a, b = "CtAAAAAAAAAAAAAAAAAA", "CtBBBBBBBBBBBBBBBBBB"
	tests := []struct {
		name string
		locs []fixtures.Location
		ok   bool
	}{
		{"distinct", []fixtures.Location{loc("LocAAAAAAAAAAAAAAAAA", a), loc("LocBBBBBBBBBBBBBBBBB", b)}, true},
		{"twice in a location", []fixtures.Location{loc("LocAAAAAAAAAAAAAAAAA", a, b, a)}, false},
		{"in two locations", []fixtures.Location{loc("LocAAAAAAAAAAAAAAAAA", a), loc("LocBBBBBBBBBBBBBBBBB", b, a)}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := memory.New(memory.Options{Now: time.Now})
			if err := m.Restore(ctx, fixtures.Document{Locations: []fixtures.Location{loc("LocKeepAAAAAAAAAAAAA", "CtKeepAAAAAAAAAAAAAA")}}); err != nil {
				t.Fatal(err)
			}
			err := m.Restore(ctx, fixtures.Document{Locations: tt.locs})
			if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), "contact id "+a+" is used twice")) {
				t.Fatalf("Restore: %v, want ok=%v", err, tt.ok)
			}
			if _, gerr := m.GetContact(ctx, "LocKeepAAAAAAAAAAAAA", "CtKeepAAAAAAAAAAAAAA"); (gerr == nil) == tt.ok {
				t.Errorf("after Restore (%v) the earlier state is there: %v", err, gerr == nil)
			}
		})
	}
}

// TestSeededIDsSkipTheState: with seeded ids, a store started from the state an earlier store with
// the same seed wrote (its first draw already taken) draws past the id the state holds, for each
// kind the store names: locations, appointments and businesses (contacts, tasks and notes: see
// mockserver's TestIDSeedSkipsIDsInTheState).
func TestSeededIDsSkipTheState(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 4, Contacts: 3})
	if err != nil {
		t.Fatal(err)
	}
	loc, contact := doc.Locations[0].ID, doc.Locations[0].Contacts[0].ID
	kinds := []struct {
		name string
		make func(m *memory.Memory) (string, error)
	}{
		{"location", func(m *memory.Memory) (string, error) {
			l, err := m.CreateLocation(ctx, fixtures.Location{Name: "Seeded"})
			return l.ID, err
		}},
		{"appointment", func(m *memory.Memory) (string, error) {
			a, err := m.AddAppointment(ctx, fixtures.Appointment{LocationID: loc, ContactID: contact, Title: "A", CalendarID: "CalAAAAAAAAAAAAAAAAA",
				StartTime: fixtures.DefaultNow, EndTime: fixtures.DefaultNow + 1800000})
			return a.ID, err
		}},
		{"business", func(m *memory.Memory) (string, error) {
			b, err := m.AddBusiness(ctx, fixtures.Business{LocationID: loc, Name: "B"})
			return b.ID, err
		}},
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			start := func(d fixtures.Document) *memory.Memory {
				m := memory.New(memory.Options{Now: time.Now, IDs: ids.NewSeeded(99)})
				if err := m.Restore(ctx, d); err != nil {
					t.Fatal(err)
				}
				return m
			}
			first := start(doc)
			id1, err := k.make(first)
			if err != nil {
				t.Fatal(err)
			}
			if again, err := k.make(start(doc)); err != nil || again != id1 {
				t.Fatalf("the same seed from the same state gave %s then %s (%v)", id1, again, err)
			}
			id2, err := k.make(start(snapshot(t, first)))
			if err != nil || id2 == id1 {
				t.Errorf("from a state holding %s the seeded draw gave %s (%v), want another id", id1, id2, err)
			}
		})
	}
}
