package memory

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// referencePage is the page as the store cut it before selectPage: a full sort of the matches,
// then the page at skip or after the cursor (found by binary search). With a cursor skip is not
// used, as in SearchContacts.
func referencePage(matches []*fixtures.Contact, keys []sortKey, cursor []any, skip, limit int) ([]*fixtures.Contact, error) {
	// Each match's key values made once (valueOf, compared by compareKeys: not the store's own
	// sortVal path).
	type keyed struct {
		c    *fixtures.Contact
		vals []any
	}
	all := make([]keyed, len(matches))
	for i, c := range matches {
		all[i] = keyed{c, make([]any, len(keys))}
		for j, k := range keys {
			all[i].vals[j] = valueOf(k.f, c)
		}
	}
	slices.SortFunc(all, func(a, b keyed) int {
		for j, k := range keys {
			r := compareKeys(a.vals[j], b.vals[j])
			if k.desc {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		return strings.Compare(a.c.ID, b.c.ID)
	})
	sorted := make([]*fixtures.Contact, len(all))
	for i, e := range all {
		sorted[i] = e.c
	}
	start := skip
	if cursor != nil {
		ck := make([]any, len(keys))
		for i, k := range keys {
			v, ok := sortValueOf(k.f, cursor[i])
			if !ok {
				return nil, fmt.Errorf("bad cursor")
			}
			ck[i] = v
		}
		id, _ := cursor[len(keys)].(string)
		start, _ = slices.BinarySearchFunc(sorted, 0, func(c *fixtures.Contact, _ int) int {
			for i, k := range keys {
				r := compareKeys(valueOf(k.f, c), ck[i])
				if k.desc {
					r = -r
				}
				if r != 0 {
					return r
				}
			}
			if c.ID <= id {
				return -1
			}
			return 1
		})
	}
	if start >= len(sorted) {
		return nil, nil
	}
	return sorted[start:min(start+limit, len(sorted))], nil
}

// TestSelectPageIsAFullSort: the bounded selection returns the page a full sort returns, for sorts
// on every kind of field (many ties: type, dnd, tags), several keys, both directions, pages and
// cursors taken from real pages and made up.
func TestSelectPageIsAFullSort(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 9, Contacts: 700})
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Now: time.Now})
	if err := m.Restore(ctx, doc); err != nil {
		t.Fatal(err)
	}
	var matches []*fixtures.Contact
	for _, l := range m.locs {
		for _, c := range l.byAdded {
			matches = append(matches, &c.c.Contact)
		}
	}
	sorts := [][]state.Sort{
		{{Field: "firstName"}}, {{Field: "firstName", Direction: "desc"}}, {{Field: "type"}}, {{Field: "dnd", Direction: "desc"}},
		{{Field: "tags"}}, {{Field: "dateUpdated", Direction: "desc"}}, {{Field: "type"}, {Field: "lastName", Direction: "desc"}},
		{{Field: "country"}, {Field: "dnd"}, {Field: "dateAdded"}}, {{Field: "companyName"}},
	}
	r := rand.New(rand.NewPCG(4, 5))
	for _, sort := range sorts {
		var keys []sortKey
		for _, s := range sort {
			fd, _ := lookupField(s.Field)
			keys = append(keys, sortKey{name: s.Field, f: fd, desc: strings.EqualFold(s.Direction, "desc")})
		}
		for _, limit := range []int{1, 7, 20, 100, 1000} {
			for _, skip := range []int{0, limit, 3 * limit, 650, 699, 700, 900} {
				page, _ := referencePage(matches, keys, nil, skip, limit)
				want := contactIDs(page)
				got := idsOf(matches, selectPage(matches, keys, nil, "", false, skip, limit))
				if !slices.Equal(got, want) {
					t.Fatalf("sort %v, skip %d, limit %d: %v, want %v", sort, skip, limit, got, want)
				}
			}
			// Cursors: the last contact of some real pages, and some made up.
			var cursors [][]any
			for _, i := range []int{0, 5, 50, 350, 698, 699} {
				c := matches[r.IntN(len(matches))]
				if i < len(matches) {
					c = matches[i]
				}
				cur := []any{}
				for _, k := range keys {
					cur = append(cur, valueOf(k.f, c))
				}
				cursors = append(cursors, append(cur, c.ID), append(slices.Clone(cur), "zzzzzzzzzzzzzzzzzzzz"), append(slices.Clone(cur), ""))
			}
			for _, cur := range cursors {
				page, err := referencePage(matches, keys, cur, 0, limit)
				if err != nil {
					continue
				}
				want := contactIDs(page)
				ck := make([]sortVal, len(keys))
				for i, k := range keys {
					v, _ := sortValueOf(k.f, cur[i])
					ck[i] = toSortVal(v)
				}
				got := idsOf(matches, selectPage(matches, keys, ck, cur[len(keys)].(string), true, 0, limit))
				if !slices.Equal(got, want) {
					t.Fatalf("sort %v, cursor %v, limit %d: %v, want %v", sort, cur, limit, got, want)
				}
			}
		}
	}
}

func contactIDs(list []*fixtures.Contact) []string {
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	return ids
}

func idsOf(matches []*fixtures.Contact, idx []int) []string {
	var ids []string
	for _, i := range idx {
		ids = append(ids, matches[i].ID)
	}
	return ids
}
