package memory_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
)

// Stage benchmarks of the store: the reads and writes of the hot handlers, with the default
// generated data (25 contacts) and with 100,000 contacts in one location.

var (
	bigOnce sync.Once
	bigDoc  fixtures.Document
	bigErr  error
)

func benchDoc(b *testing.B, contacts int) fixtures.Document {
	b.Helper()
	if contacts <= fixtures.DefaultContacts {
		doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 42})
		if err != nil {
			b.Fatal(err)
		}
		return doc
	}
	bigOnce.Do(func() { bigDoc, bigErr = fixtures.Generate(fixtures.GenerateOptions{Seed: 42, Contacts: contacts}) })
	if bigErr != nil {
		b.Fatal(bigErr)
	}
	return bigDoc
}

func benchStore(b *testing.B, contacts int) (*memory.Memory, fixtures.Location) {
	b.Helper()
	doc := benchDoc(b, contacts)
	m := memory.New(memory.Options{Now: time.Now})
	if err := m.Restore(ctx, doc); err != nil {
		b.Fatal(err)
	}
	return m, doc.Locations[0]
}

var sizes = []int{fixtures.DefaultContacts, 100000}

func BenchmarkGetContact(b *testing.B) {
	m, loc := benchStore(b, fixtures.DefaultContacts)
	id := loc.Contacts[0].ID
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.GetContact(ctx, loc.ID, id); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCreateContact: a create with the default data, and with 100,000 contacts whose location
// keeps no sort index or two (made by searches sorted by firstName and dateUpdated): each index
// costs a create a binary search and a move of the slice's tail.
func BenchmarkCreateContact(b *testing.B) {
	for _, tc := range []struct {
		name     string
		contacts int
		sorts    []string
	}{
		{"25", fixtures.DefaultContacts, nil},
		{"100000", 100000, nil},
		{"100000-sorted2", 100000, []string{"firstName", "dateUpdated"}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			m, loc := benchStore(b, tc.contacts)
			for _, f := range tc.sorts {
				if _, err := m.SearchContacts(ctx, loc.ID, state.SearchQuery{Sort: []state.Sort{{Field: f}}}); err != nil {
					b.Fatal(err)
				}
			}
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				n++
				in := state.ContactInput{
					FirstName: state.Of("Bench"), LastName: state.Of("Load" + strconv.Itoa(n)),
					Email: state.Of("bench.load" + strconv.Itoa(n) + "@example.com"), Source: state.Of("contactsbench"),
					Tags: state.Of([]string{"bench", "load"}),
				}
				if _, err := m.CreateContact(ctx, loc.ID, in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkListContacts(b *testing.B) {
	for _, size := range sizes {
		m, loc := benchStore(b, size)
		mid := loc.Contacts[len(loc.Contacts)/2]
		for _, tc := range []struct {
			name string
			q    state.ListQuery
		}{
			{"first-page", state.ListQuery{Limit: 20}},
			{"cursor", state.ListQuery{Limit: 20, StartAfter: int64(mid.DateAdded), StartAfterID: mid.ID}},
			{"query", state.ListQuery{Limit: 20, Query: mid.LastName}},
		} {
			b.Run(strconv.Itoa(size)+"/"+tc.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.ListContacts(ctx, loc.ID, tc.q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

func BenchmarkSearchContacts(b *testing.B) {
	for _, size := range sizes {
		m, loc := benchStore(b, size)
		probe := loc.Contacts[0]
		tag := "vip"
		if len(probe.Tags) > 0 {
			tag = probe.Tags[0]
		}
		for _, tc := range []struct {
			name string
			q    state.SearchQuery
		}{
			{"first-page", state.SearchQuery{PageLimit: 20}},
			{"page-50", state.SearchQuery{PageLimit: 20, Page: 50}},
			{"query", state.SearchQuery{PageLimit: 20, Query: probe.LastName}},
			{"filter-tag", state.SearchQuery{PageLimit: 20, Filters: []state.Filter{{Field: "tags", Operator: "eq", Value: tag}}}},
			{"sort-firstName", state.SearchQuery{PageLimit: 20, Sort: []state.Sort{{Field: "firstName", Direction: "asc"}}}},
			{"filter-not-tag", state.SearchQuery{PageLimit: 20, Filters: []state.Filter{{Field: "tags", Operator: "not_eq", Value: tag}}}},
			{"filter-tag-query", state.SearchQuery{PageLimit: 20, Query: "a", Filters: []state.Filter{{Field: "tags", Operator: "eq", Value: tag}}}},
			{"sort-firstNameLowerCase", state.SearchQuery{PageLimit: 20, Sort: []state.Sort{{Field: "firstNameLowerCase", Direction: "asc"}}}},
			{"sort-dateUpdated", state.SearchQuery{PageLimit: 20, Sort: []state.Sort{{Field: "dateUpdated", Direction: "desc"}}}},
			{"sort-email", state.SearchQuery{PageLimit: 20, Sort: []state.Sort{{Field: "email", Direction: "asc"}}}},
		} {
			if tc.q.Page*tc.q.PageLimit > len(loc.Contacts) {
				continue
			}
			b.Run(strconv.Itoa(size)+"/"+tc.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.SearchContacts(ctx, loc.ID, tc.q); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkRestore measures loading a document into the store (start-up with --contacts).
func BenchmarkRestore(b *testing.B) {
	for _, size := range sizes {
		doc := benchDoc(b, size)
		b.Run(strconv.Itoa(size), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := memory.New(memory.Options{Now: time.Now}).Restore(ctx, doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
