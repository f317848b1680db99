package store_test

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/store"
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
			err := store.NewMemory(time.Now, nil).Restore(rec(tt.tasks, tt.notes))
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
			m := store.NewMemory(time.Now, nil)
			if err := m.Restore(fixtures.Document{Locations: []fixtures.Location{loc("LocKeepAAAAAAAAAAAAA", "CtKeepAAAAAAAAAAAAAA")}}); err != nil {
				t.Fatal(err)
			}
			err := m.Restore(fixtures.Document{Locations: tt.locs})
			if (err == nil) != tt.ok || (err != nil && !strings.Contains(err.Error(), "contact id "+a+" is used twice")) {
				t.Fatalf("Restore: %v, want ok=%v", err, tt.ok)
			}
			if _, gerr := m.GetContact("LocKeepAAAAAAAAAAAAA", "CtKeepAAAAAAAAAAAAAA"); (gerr == nil) == tt.ok {
				t.Errorf("after Restore (%v) the earlier state is there: %v", err, gerr == nil)
			}
		})
	}
}
