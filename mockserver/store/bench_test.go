package store_test

import (
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/store"
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

func benchStore(b *testing.B, contacts int) (*store.Memory, fixtures.Location) {
	b.Helper()
	doc := benchDoc(b, contacts)
	m := store.NewMemory(time.Now, nil)
	if err := m.Restore(doc); err != nil {
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
		if _, err := m.GetContact(loc.ID, id); err != nil {
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
				if _, err := m.SearchContacts(loc.ID, store.SearchQuery{Sort: []store.Sort{{Field: f}}}); err != nil {
					b.Fatal(err)
				}
			}
			n := 0
			b.ReportAllocs()
			for b.Loop() {
				n++
				in := store.ContactInput{
					FirstName: store.Of("Bench"), LastName: store.Of("Load" + strconv.Itoa(n)),
					Email: store.Of("bench.load" + strconv.Itoa(n) + "@example.com"), Source: store.Of("contactsbench"),
					Tags: store.Of([]string{"bench", "load"}),
				}
				if _, err := m.CreateContact(loc.ID, in); err != nil {
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
			q    store.ListQuery
		}{
			{"first-page", store.ListQuery{Limit: 20}},
			{"cursor", store.ListQuery{Limit: 20, StartAfter: int64(mid.DateAdded), StartAfterID: mid.ID}},
			{"query", store.ListQuery{Limit: 20, Query: mid.LastName}},
		} {
			b.Run(strconv.Itoa(size)+"/"+tc.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.ListContacts(loc.ID, tc.q); err != nil {
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
			q    store.SearchQuery
		}{
			{"first-page", store.SearchQuery{PageLimit: 20}},
			{"page-50", store.SearchQuery{PageLimit: 20, Page: 50}},
			{"query", store.SearchQuery{PageLimit: 20, Query: probe.LastName}},
			{"filter-tag", store.SearchQuery{PageLimit: 20, Filters: []store.Filter{{Field: "tags", Operator: "eq", Value: tag}}}},
			{"sort-firstName", store.SearchQuery{PageLimit: 20, Sort: []store.Sort{{Field: "firstName", Direction: "asc"}}}},
			{"filter-not-tag", store.SearchQuery{PageLimit: 20, Filters: []store.Filter{{Field: "tags", Operator: "not_eq", Value: tag}}}},
			{"filter-tag-query", store.SearchQuery{PageLimit: 20, Query: "a", Filters: []store.Filter{{Field: "tags", Operator: "eq", Value: tag}}}},
			{"sort-firstNameLowerCase", store.SearchQuery{PageLimit: 20, Sort: []store.Sort{{Field: "firstNameLowerCase", Direction: "asc"}}}},
			{"sort-dateUpdated", store.SearchQuery{PageLimit: 20, Sort: []store.Sort{{Field: "dateUpdated", Direction: "desc"}}}},
			{"sort-email", store.SearchQuery{PageLimit: 20, Sort: []store.Sort{{Field: "email", Direction: "asc"}}}},
		} {
			if tc.q.Page*tc.q.PageLimit > len(loc.Contacts) {
				continue
			}
			b.Run(strconv.Itoa(size)+"/"+tc.name, func(b *testing.B) {
				b.ReportAllocs()
				for b.Loop() {
					if _, err := m.SearchContacts(loc.ID, tc.q); err != nil {
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
				if err := store.NewMemory(time.Now, nil).Restore(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
