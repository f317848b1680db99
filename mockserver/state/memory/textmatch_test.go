package memory

import (
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// TestMatchesIsTextMatch: the haystack search answers what the four field searches answer, for
// generated contacts and odd ones, and queries that hit, miss, straddle fields or hold NUL.
func TestMatchesIsTextMatch(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 3, Contacts: 300})
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Now: time.Now})
	if err := m.Restore(ctx, doc); err != nil {
		t.Fatal(err)
	}
	odd := &state.Contact{Contact: fixtures.Contact{ID: "OddAAAAAAAAAAAAAAAAA", FullNameLowerCase: "a\x00b c", EmailLowerCase: "x@y.z", Phone: "+1555", CompanyName: "ÄCME Ltd"}}
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
	if _, err := m.UpdateContact(ctx, loc.ID, loc.Contacts[0].ID, state.ContactInput{FirstName: state.Of("Zebediah"), LastName: state.Of("Quux")}); err != nil {
		t.Fatal(err)
	}
	page, err := m.ListContacts(ctx, loc.ID, state.ListQuery{Limit: 5, Query: "zebediah quux"})
	if err != nil || len(page.Contacts) != 1 {
		t.Fatalf("the updated contact is not found by its new name: %v %d", err, len(page.Contacts))
	}
}

// TestListQuerySplitScan: a free-text list query answers the same pages whether the location's
// scan runs on one goroutine or is split over several.
func TestListQuerySplitScan(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 8, Contacts: 500})
	if err != nil {
		t.Fatal(err)
	}
	m := New(Options{Now: time.Now})
	if err := m.Restore(ctx, doc); err != nil {
		t.Fatal(err)
	}
	loc := doc.Locations[0]
	pages := func() []state.ListPage {
		var out []state.ListPage
		for _, q := range []string{"a", "son", loc.Contacts[3].LastName, "@", "zzz"} {
			for _, after := range []string{"", loc.Contacts[250].ID} {
				p, err := m.ListContacts(ctx, loc.ID, state.ListQuery{Limit: 30, Query: q, StartAfterID: after})
				if err != nil {
					t.Fatal(err)
				}
				out = append(out, p)
			}
		}
		return out
	}
	whole := pages()
	defer func(was int) { parallelScanMin = was }(parallelScanMin)
	parallelScanMin = 3
	split := pages()
	if !reflect.DeepEqual(whole, split) {
		t.Errorf("split scans answered other pages")
	}
	if whole[0].Total == 0 || whole[0].Total == len(loc.Contacts) {
		t.Errorf("query %q matched %d of %d: not a test of matching", "a", whole[0].Total, len(loc.Contacts))
	}
}

// TestSplitScanPanicReachesTheCaller: a panic in a scan's other goroutines does not end the process
// (no handler's recovery reaches another goroutine): the scan raises it in the caller's. The first
// match waits for the second, which therefore runs on another goroutine, and both panic.
func TestSplitScanPanicReachesTheCaller(t *testing.T) {
	defer func(was int) { parallelScanMin = was }(parallelScanMin)
	parallelScanMin = 2
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(2))
	l := newLocation(fixtures.Location{ID: "LocAAAAAAAAAAAAAAAAA"})
	cands := make([]*contact, 64)
	for i := range cands {
		cands[i] = &contact{c: &state.Contact{}}
	}
	var calls atomic.Int32
	second := make(chan struct{})
	defer func() {
		if p := recover(); p == nil || !strings.Contains(fmt.Sprint(p), "boom") {
			t.Errorf("recovered %v, want the scan's panic", p)
		}
	}()
	l.scanMatches(cands, "", func(c *contact) bool {
		if calls.Add(1) == 1 {
			<-second
			panic("boom (first)")
		}
		close(second)
		panic("boom (second, on another goroutine)")
	})
	t.Error("scanMatches returned")
}
