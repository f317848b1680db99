package store

import (
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

// TestMatchesIsTextMatch: the haystack search answers what the four field searches answer, for
// generated contacts and odd ones, and queries that hit, miss, straddle fields or hold NUL.
func TestMatchesIsTextMatch(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 3, Contacts: 300})
	if err != nil {
		t.Fatal(err)
	}
	m := NewMemory(time.Now, nil)
	if err := m.Restore(doc); err != nil {
		t.Fatal(err)
	}
	odd := &Stored{Contact: fixtures.Contact{ID: "OddAAAAAAAAAAAAAAAAA", FullNameLowerCase: "a\x00b c", EmailLowerCase: "x@y.z", Phone: "+1555", CompanyName: "ÄCME Ltd"}}
	var l *location
	for _, x := range m.locs {
		l = x
	}
	l.insert(&contact{c: odd})
	contacts := l.byAdded
	queries := []string{"", "a", "b c", "a\x00b", "\x00", "x@", "@y", "z+1", ".z\x00+1", "555", "äcme", "acme ltd", "ltd", "zzz", "gmail", "+44", "e"}
	for _, c := range contacts[1:4] {
		queries = append(queries, c.c.FullNameLowerCase, c.c.EmailLowerCase[:3], c.c.Phone[2:6], strings.ToLower(c.c.CompanyName),
			c.c.FullNameLowerCase[len(c.c.FullNameLowerCase)-2:]+"\x00"+c.c.EmailLowerCase[:2])
	}
	for round := range 2 { // the haystack made, then kept
		for _, c := range contacts {
			for _, q := range queries {
				if got, want := l.matches(c, q), textMatch(&c.c.Contact, q); got != want {
					t.Errorf("round %d, %s %q: matches %v, textMatch %v", round, c.c.ID, q, got, want)
				}
			}
		}
	}
	// An update drops the haystack: the next query sees the new name.
	loc := doc.Locations[0]
	if _, err := m.UpdateContact(loc.ID, loc.Contacts[0].ID, ContactInput{FirstName: Of("Zebediah"), LastName: Of("Quux")}); err != nil {
		t.Fatal(err)
	}
	page, err := m.ListContacts(loc.ID, ListQuery{Limit: 5, Query: "zebediah quux"})
	if err != nil || len(page.Contacts) != 1 {
		t.Fatalf("the updated contact is not found by its new name: %v %d", err, len(page.Contacts))
	}
}
