package memory

import (
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// searchReference is SearchContacts as it was before the tag, sort and text indexes and the
// bounded selection: a scan of the whole location, then a full sort of the matches
// (referencePage). TestSearchMatchesReference holds the indexed
// search to it.
func (m *Memory) searchReference(loc string, q state.SearchQuery) (state.SearchPage, error) {
	p, err := planSearch(q) // the checks are SearchContacts' own; the reading below is not
	if err != nil {
		return state.SearchPage{}, err
	}
	pred, keys, limit, page, cursor, query := p.pred, p.keys, p.limit, p.page, p.cursor, p.query

	m.mu.RLock()
	defer m.mu.RUnlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return state.SearchPage{}, err
	}
	match := func(c *contact) bool { return l.matches(c, query) && pred(&c.c.Contact) }
	out := state.SearchPage{Contacts: []state.SearchHit{}}
	if len(keys) == 0 || (len(keys) == 1 && keys[0].desc && keys[0].name == "dateAdded") {
		// The stored order: dateAdded descending, ties newest insert first.
		start := len(l.byAdded)
		if cursor != nil {
			added, ok1 := sortValueOf(fields["dateAdded"], cursor[0])
			id, ok2 := cursor[1].(string)
			if !ok1 || !ok2 {
				return state.SearchPage{}, state.InvalidError("searchAfter must be [dateAdded (epoch ms), id]")
			}
			start = l.cursor(fixtures.Timestamp(added.(float64)), id)
		}
		skip := (page - 1) * limit
		filtered := len(q.Filters) > 0 || query != ""
		if !filtered {
			out.Total = len(l.byAdded)
		}
		for i := len(l.byAdded) - 1; i >= 0; i-- {
			rec := l.byAdded[i]
			c := &rec.c.Contact
			if filtered && !match(rec) {
				continue
			}
			out.Total++
			if i >= start {
				continue
			}
			if skip > 0 {
				skip--
				continue
			}
			if len(out.Contacts) < limit {
				out.Contacts = append(out.Contacts, state.SearchHit{Contact: rec.c, SearchAfter: []any{int64(c.DateAdded), c.ID}})
			} else if !filtered {
				break
			}
		}
		if !filtered {
			out.Total = len(l.byAdded)
		}
		return out, nil
	}

	matches := make([]*fixtures.Contact, 0, len(l.byAdded))
	owner := map[*fixtures.Contact]*state.Contact{} // the stored contact of each match
	for _, c := range l.byAdded {
		if match(c) {
			matches = append(matches, &c.c.Contact)
			owner[&c.c.Contact] = c.c
		}
	}
	out.Total = len(matches)
	if cursor != nil {
		for i, k := range keys {
			if _, ok := sortValueOf(k.f, cursor[i]); !ok {
				return state.SearchPage{}, state.InvalidError(fmt.Sprintf("searchAfter.%d does not fit the sort field", i))
			}
		}
	}
	sorted, _ := referencePage(matches, keys, cursor, (page-1)*limit, limit)
	for _, c := range sorted {
		out.Contacts = append(out.Contacts, hitOf(owner[c], keys))
	}
	return out, nil
}

// TestSearchMatchesReference: the indexed search (tag index, keys compared without lower-casing
// copies) answers exactly what the whole-location scan answered, over filters on tags and other
// fields, queries, sorts, pages and cursors, while creates, updates, retags and deletes move
// contacts in and out of the index.
func TestSearchMatchesReference(t *testing.T) {
	for _, split := range []int{parallelScanMin, 7} {
		t.Run(fmt.Sprintf("scans split from %d contacts", split), func(t *testing.T) {
			defer func(was int) { parallelScanMin = was }(parallelScanMin)
			parallelScanMin = split
			searchMatchesReference(t)
		})
	}
}

func searchMatchesReference(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 5, Contacts: 400})
	if err != nil {
		t.Fatal(err)
	}
	now := fixtures.DefaultNow.Time()
	m := New(Options{Now: func() time.Time { now = now.Add(time.Millisecond / 2); return now }})
	if err := m.Restore(ctx, doc); err != nil {
		t.Fatal(err)
	}
	loc := doc.Locations[0].ID
	rng := rand.New(rand.NewPCG(1, 2))
	tagSet := map[string]bool{}
	for _, c := range doc.Locations[0].Contacts {
		for _, tg := range c.Tags {
			tagSet[tg] = true
		}
	}
	tags := []string{"vip", "VIP", "Vip", "\u212aelvin", "kelvin", "KELVIN", "stra\u00dfe", "STRASSE", "none-such", ""}
	for tg := range tagSet {
		tags = append(tags, tg)
	}
	slices.Sort(tags)
	pick := func() string { return tags[rng.IntN(len(tags))] }
	ids := func() []string {
		var out []string
		for _, c := range m.locs[loc].byAdded {
			out = append(out, c.c.ID)
		}
		return out
	}
	write := func() {
		all := ids()
		id := all[rng.IntN(len(all))]
		switch rng.IntN(5) {
		case 0:
			_, _ = m.CreateContact(ctx, loc, state.ContactInput{FirstName: state.Of(fmt.Sprint("N", rng.IntN(50))), Tags: state.Of([]string{pick(), pick()})})
		case 1:
			_, _ = m.AddTags(ctx, loc, id, []string{pick()})
		case 2:
			_, _ = m.RemoveTags(ctx, loc, id, []string{pick()})
		case 3:
			_, _ = m.UpdateContact(ctx, loc, id, state.ContactInput{Tags: state.Of([]string{pick()}), LastName: state.Of(fmt.Sprint("L", rng.IntN(9)))})
		case 4:
			_ = m.DeleteContact(ctx, loc, id)
		}
	}
	filterSets := func() []state.Filter {
		tg := pick()
		switch rng.IntN(9) {
		case 0:
			return nil
		case 1, 2:
			return []state.Filter{{Field: "tags", Operator: "eq", Value: tg}}
		case 3:
			return []state.Filter{{Field: "tags", Operator: "not_eq", Value: tg}}
		case 4:
			return []state.Filter{{Field: "tags", Operator: "eq", Value: tg}, {Field: "dnd", Operator: "eq", Value: rng.IntN(2) == 0}}
		case 5:
			return []state.Filter{{Field: "tags", Operator: "eq", Value: []any{tg, pick()}}}
		case 6:
			return []state.Filter{{Group: "OR", Filters: []state.Filter{{Field: "tags", Operator: "eq", Value: tg}, {Field: "tags", Operator: "contains", Value: "e"}}}}
		case 7:
			return []state.Filter{{Field: "tags", Operator: "contains", Value: tg}}
		}
		return []state.Filter{{Field: "firstName", Operator: "exists"}, {Field: "tags", Operator: "eq", Value: tg}}
	}
	sorts := [][]state.Sort{nil, {{Field: "dateAdded", Direction: "desc"}}, {{Field: "firstName"}}, {{Field: "firstName", Direction: "desc"}},
		{{Field: "dateUpdated", Direction: "desc"}}, {{Field: "email"}}, {{Field: "lastNameLowerCase"}, {Field: "firstName", Direction: "desc"}},
		{{Field: "tags"}}, {{Field: "dnd"}, {Field: "companyName"}}, {{Field: "fullNameLowerCase", Direction: "desc"}}}
	queries := []string{"", "", "", "a", "son"}
	compared, tagHits := 0, 0
	for round := range 1500 {
		if round%3 == 0 {
			write()
		}
		q := state.SearchQuery{Filters: filterSets(), Sort: sorts[rng.IntN(len(sorts))], Query: queries[rng.IntN(len(queries))],
			PageLimit: []int{1, 7, 20}[rng.IntN(3)], Page: rng.IntN(3) + 1}
		for range 3 { // a page, then the pages after it by cursor
			got, gerr := m.SearchContacts(ctx, loc, q)
			want, werr := m.searchReference(loc, q)
			if fmt.Sprint(gerr) != fmt.Sprint(werr) || !reflect.DeepEqual(got, want) {
				t.Fatalf("%+v:\ngot  %v %v\nwant %v %v", q, pageIDs(got), gerr, pageIDs(want), werr)
			}
			compared++
			if len(q.Filters) > 0 && q.Filters[0].Field == "tags" && got.Total > 0 {
				tagHits++
			}
			if gerr != nil || len(got.Contacts) == 0 {
				break
			}
			q.Page, q.SearchAfter = 0, got.Contacts[len(got.Contacts)-1].SearchAfter
		}
	}
	t.Logf("%d searches compared, %d with a tag filter and matches", compared, tagHits)
	if tagHits < 100 {
		t.Errorf("only %d searches on tags found contacts", tagHits)
	}
}

func pageIDs(p state.SearchPage) string {
	var b strings.Builder
	fmt.Fprintf(&b, "total %d:", p.Total)
	for _, h := range p.Contacts {
		fmt.Fprintf(&b, " %s", h.Contact.ID)
	}
	return b.String()
}

func TestCompareLowered(t *testing.T) {
	words := []string{"", "a", "A", "ab", "aB", "Ab", "b", "\u212a", "k", "K", "\u00c9", "\u00e9", "e\u0301", "\xff", "\ufffd",
		"\xffa", "stra\u00dfe", "STRASSE", "\u0130", "i", "I", "z", "Z{", "z[", "\U0001F600", "\u03a3", "\u03c3", "\u03c2"}
	for _, a := range words {
		for _, b := range words {
			for _, lb := range []bool{true, false} {
				bb := b
				if !lb {
					bb = strings.ToLower(b)
				}
				want := strings.Compare(strings.ToLower(a), strings.ToLower(b))
				if got := compareLowered(a, true, bb, lb); got != want {
					t.Errorf("compareLowered(%q, %q lowered=%v) = %d, want %d", a, bb, lb, got, want)
				}
			}
		}
	}
}

func FuzzCompareLowered(f *testing.F) {
	f.Add("Alice", "alice")
	f.Add("\u212aelvin", "kelvin")
	f.Add("\xffZ", "\ufffdz")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := compareLowered(a, true, b, true), strings.Compare(strings.ToLower(a), strings.ToLower(b)); got != want {
			t.Fatalf("compareLowered(%q, %q) = %d, want %d", a, b, got, want)
		}
		if got, want := compareLowered(a, true, strings.ToLower(b), false), strings.Compare(strings.ToLower(a), strings.ToLower(b)); got != want {
			t.Fatalf("compareLowered(%q, lowered %q) = %d, want %d", a, b, got, want)
		}
	})
}

func FuzzTagKey(f *testing.F) {
	f.Add("vip", "VIP")
	f.Add("\u212a", "k")
	f.Add("\xff", "\ufffd")
	f.Fuzz(func(t *testing.T, a, b string) {
		if got, want := tagKey(a) == tagKey(b), strings.EqualFold(a, b); got != want {
			t.Fatalf("tagKey(%q) == tagKey(%q) is %v, EqualFold %v", a, b, got, want)
		}
	})
}
