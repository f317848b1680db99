package memory

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// TestSortIndexMatchesReference: searches sorted by one field, with no filter, read their pages
// from the location's sort indexes; every page (first, deep, and the pages after it by cursor, both
// directions, ties on the key, keys that differ only in case) is what the whole-location scan
// answers, while every kind of write moves contacts in the indexes: creates, updates of the
// sorted fields, tags, followers, businesses and deletes.
func TestSortIndexMatchesReference(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 9, Contacts: 300})
	if err != nil {
		t.Fatal(err)
	}
	now := fixtures.DefaultNow.Time()
	m := New(Options{Now: func() time.Time { now = now.Add(time.Millisecond / 3); return now }})
	if err := m.Restore(ctx, doc); err != nil {
		t.Fatal(err)
	}
	loc := doc.Locations[0].ID
	biz := doc.Locations[0].Businesses[0].ID
	rng := rand.New(rand.NewPCG(3, 4))
	names := []string{"Ann", "ann", "ANN", "Bob", "\u212aelvin", "kelvin", "Zoë", "zoë", "", "a", "b"}
	name := func() string { return names[rng.IntN(len(names))] }
	randomID := func() string {
		all := m.locs[loc].byAdded
		return all[rng.IntN(len(all))].c.ID
	}
	write := func() {
		id := randomID()
		switch rng.IntN(8) {
		case 0, 1:
			_, _ = m.CreateContact(ctx, loc, state.ContactInput{FirstName: state.Of(name()), LastName: state.Of(name()), CompanyName: state.Of(name())})
		case 2:
			_, _ = m.UpdateContact(ctx, loc, id, state.ContactInput{FirstName: state.Of(name()), Email: state.Of(fmt.Sprintf("%s%d@example.com", name(), rng.IntN(3)))})
		case 3:
			_, _ = m.UpdateContact(ctx, loc, id, state.ContactInput{CompanyName: state.Of(name()), DND: state.Of(rng.IntN(2) == 0)})
		case 4:
			_, _ = m.AddTags(ctx, loc, id, []string{name()})
		case 5:
			_, _, _ = m.AddFollowers(ctx, loc, id, []string{name()})
		case 6:
			target := &biz
			if rng.IntN(2) == 0 {
				target = nil
			}
			_, _ = m.BulkBusiness(ctx, loc, []string{id, randomID()}, target)
		case 7:
			_ = m.DeleteContact(ctx, loc, id)
		}
	}
	fieldNames := []string{"firstName", "lastName", "email", "companyName", "dateUpdated", "dateAdded", "dnd", "businessId", "type", "firstNameLowerCase"}
	compared, indexed := 0, 0
	for round := range 1200 {
		if round%2 == 0 {
			write()
		}
		dir := "asc"
		if rng.IntN(2) == 0 {
			dir = "desc"
		}
		q := state.SearchQuery{Sort: []state.Sort{{Field: fieldNames[rng.IntN(len(fieldNames))], Direction: dir}},
			PageLimit: []int{1, 3, 20, 100}[rng.IntN(4)], Page: []int{1, 1, 2, 5}[rng.IntN(4)]}
		for range 4 { // a page, then the pages after it by cursor
			got, gerr := m.SearchContacts(ctx, loc, q)
			want, werr := m.searchReference(loc, q)
			if fmt.Sprint(gerr) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d %+v:\ngot  %v %v\nwant %v %v", round, q, pageIDs(got), gerr, pageIDs(want), werr)
			}
			compared++
			if gerr != nil || len(got.Contacts) == 0 {
				break
			}
			q.Page, q.SearchAfter = 0, got.Contacts[len(got.Contacts)-1].SearchAfter
		}
		if m.locs[loc].sorted[q.Sort[0].Field] != nil {
			indexed++
		}
	}
	l := m.locs[loc]
	if len(l.sorted) != maxSortIndexes {
		t.Errorf("%d sort indexes made over %d fields, want the bound %d", len(l.sorted), len(fieldNames), maxSortIndexes)
	}
	if indexed < 500 {
		t.Errorf("only %d of 1200 searches went through an index", indexed)
	}
	// Every index holds every contact of the location once.
	for name, x := range l.sorted {
		if len(x.list) != len(l.contacts) {
			t.Errorf("index %s holds %d contacts, the location %d", name, len(x.list), len(l.contacts))
		}
		seen := map[*contact]bool{}
		for _, c := range x.list {
			if seen[c] || l.contacts[c.c.ID] != c {
				t.Fatalf("index %s holds %s twice or a contact the location does not", name, c.c.ID)
			}
			seen[c] = true
		}
	}
	t.Logf("%d pages compared, %d searches through %d indexes", compared, indexed, len(l.sorted))
}

// TestSortIndexCursorErrors: a cursor whose key does not fit the field is refused as the scan
// refuses it, and a cursor naming a deleted contact resumes after its place.
func TestSortIndexCursorErrors(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 2, Contacts: 50})
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Now: time.Now})
	if err := m.Restore(ctx, doc); err != nil {
		t.Fatal(err)
	}
	loc := doc.Locations[0].ID
	for _, q := range []state.SearchQuery{
		{Sort: []state.Sort{{Field: "dateUpdated"}}, SearchAfter: []any{"not a date", "x"}},
		{Sort: []state.Sort{{Field: "dnd"}}, SearchAfter: []any{"yes", "x"}},
		{Sort: []state.Sort{{Field: "firstName"}}, SearchAfter: []any{true, "x"}},
	} {
		_, gerr := m.SearchContacts(ctx, loc, q)
		_, werr := m.searchReference(loc, q)
		if gerr == nil || gerr.Error() != werr.Error() {
			t.Errorf("%+v: got %v, want %v", q, gerr, werr)
		}
	}
	q := state.SearchQuery{Sort: []state.Sort{{Field: "firstName", Direction: "desc"}}, PageLimit: 10}
	first, err := m.SearchContacts(ctx, loc, q)
	if err != nil || len(first.Contacts) != 10 {
		t.Fatalf("first page: %v, %d contacts", err, len(first.Contacts))
	}
	last := first.Contacts[9]
	if err := m.DeleteContact(ctx, loc, last.Contact.ID); err != nil {
		t.Fatal(err)
	}
	q.SearchAfter = last.SearchAfter
	got, gerr := m.SearchContacts(ctx, loc, q)
	want, werr := m.searchReference(loc, q)
	if gerr != nil || werr != nil || !reflect.DeepEqual(got, want) || len(got.Contacts) != 10 {
		t.Fatalf("after a deleted cursor:\ngot  %v %v\nwant %v %v", pageIDs(got), gerr, pageIDs(want), werr)
	}
}
