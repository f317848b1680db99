package memory

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

func haystack(c *fixtures.Contact) string {
	company := strings.ToLower(c.CompanyName)
	var b strings.Builder
	b.Grow(len(c.FullNameLowerCase) + len(c.EmailLowerCase) + len(c.Phone) + len(company) + 3)
	b.WriteString(c.FullNameLowerCase)
	b.WriteByte(0)
	b.WriteString(c.EmailLowerCase)
	b.WriteByte(0)
	b.WriteString(c.Phone)
	b.WriteByte(0)
	b.WriteString(company)
	return b.String()
}

// ensureHay makes the haystacks of every contact of the location, once (see hayMu). The caller
// holds the store's lock, read or write.
func (l *location) ensureHay() {
	if l.hayReady.Load() {
		return
	}
	l.hayMu.Lock()
	defer l.hayMu.Unlock()
	if l.hayReady.Load() {
		return
	}
	hays := make([]string, len(l.byAdded))
	total := 0
	for i, c := range l.byAdded {
		hays[i] = haystack(&c.c.Contact)
		total += len(hays[i])
	}
	buf := make([]byte, 0, total)
	for _, h := range hays {
		buf = append(buf, h...)
	}
	all := string(buf)
	off := 0
	for i, c := range l.byAdded {
		c.hay = all[off : off+len(hays[i])]
		off += len(hays[i])
	}
	l.hayReady.Store(true)
}

// matches is textMatch(c, q) with one search of the contact's haystack instead of four (and no
// lower-casing of the company per contact): a query without NUL matches the joined fields exactly
// where it matches one of them, since a match cannot cross a separator. c is a contact of l.
// scanMatches reports for each contact of cands (contacts of l) whether it matches: f must only
// read (the store's filters and text match do). A query or a filter that the location keeps no
// index for reads every candidate: a long list is split over the CPUs, so that one request does
// not wait for one core to read 100,000 contacts. query is the request's free-text query, whose
// haystacks are made first. The caller holds the store's lock, read or write, until it returns.
//
// The slice comes from a pool: give it back with releaseHits once read.
func (l *location) scanMatches(cands []*contact, query string, f func(*contact) bool) []bool {
	var hits []bool
	if p, ok := hitsPool.Get().(*[]bool); ok && cap(*p) >= len(cands) {
		hits = (*p)[:len(cands)] // every element is written below
	} else {
		hits = make([]bool, len(cands))
	}
	scan := func(lo, hi int) {
		for i := lo; i < hi; i++ {
			hits[i] = f(cands[i])
		}
	}
	if query != "" {
		l.ensureHay() // once, before the goroutines read the haystacks
	}
	n := runtime.GOMAXPROCS(0)
	if n < 2 || len(cands) < parallelScanMin {
		scan(0, len(cands))
		return hits
	}
	// The list is cut into chunks that the caller and n-1 goroutines take in turn, so that a CPU
	// that is busy elsewhere (the collector, another request) leaves its share to the others
	// instead of holding up the answer with one long half.
	chunk := max(parallelScanMin/4, 1)
	chunks := (len(cands) + chunk - 1) / chunk
	var next atomic.Int64
	work := func() {
		for {
			k := int(next.Add(1) - 1)
			if k >= chunks {
				return
			}
			scan(k*chunk, min((k+1)*chunk, len(cands)))
		}
	}
	var wg sync.WaitGroup
	var panicked atomic.Value
	for range min(n, chunks) - 1 {
		wg.Go(func() {
			// A panic here would end the process (no handler's recovery reaches another
			// goroutine): it is raised again in the request's goroutine.
			defer func() {
				if p := recover(); p != nil {
					panicked.Store(fmt.Sprint(p))
				}
			}()
			work()
		})
	}
	work()
	wg.Wait()
	if p := panicked.Load(); p != nil {
		panic(p)
	}
	return hits
}

// hitsPool keeps the result slices of scanMatches: one is a byte per contact of a location (100 KB
// at 100,000 contacts), and a free-text query per request would otherwise make the collector run
// over a large heap far more often.
var hitsPool sync.Pool

// releaseHits gives back a slice from scanMatches.
func releaseHits(hits []bool) {
	if cap(hits) > 0 {
		hitsPool.Put(&hits)
	}
}

// parallelScanMin is the shortest list scanMatches splits over the CPUs (a variable for the tests,
// which split short lists).
var parallelScanMin = 8192

func (l *location) matches(c *contact, q string) bool {
	if q == "" {
		return true
	}
	if strings.IndexByte(q, 0) >= 0 {
		return textMatch(&c.c.Contact, q)
	}
	l.ensureHay()
	return strings.Contains(c.hay, q)
}

// textMatch reports whether a free-text query matches a contact (name, email, phone, company).
func textMatch(c *fixtures.Contact, q string) bool {
	if q == "" {
		return true
	}
	return strings.Contains(c.FullNameLowerCase, q) || strings.Contains(c.EmailLowerCase, q) ||
		strings.Contains(c.Phone, q) || strings.Contains(strings.ToLower(c.CompanyName), q)
}

// ListContacts implements state.Store: newest first by dateAdded, ties by id, with a cursor. The
// page holds the stored contacts themselves, read-only.
func (m *Memory) ListContacts(ctx context.Context, loc string, q state.ListQuery) (state.ListPage, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return state.ListPage{}, err
	}
	start := len(l.byAdded) // scan from start-1 down to 0
	switch {
	case q.StartAfterID != "":
		if l.contacts[q.StartAfterID] == nil && !hasDeleted(l.deleted, q.StartAfterID) && q.StartAfter == 0 {
			return state.ListPage{}, state.NotFoundError("Contact", q.StartAfterID)
		}
		start = l.cursor(fixtures.Timestamp(q.StartAfter), q.StartAfterID)
	case q.StartAfter != 0:
		start = l.position(fixtures.Timestamp(q.StartAfter), 0)
	}
	query := strings.ToLower(strings.TrimSpace(q.Query))
	page := state.ListPage{Contacts: make([]*state.Contact, 0, min(q.Limit, start))}
	if query == "" {
		page.Total = len(l.byAdded)
		page.Offset = len(l.byAdded) - start
		for i := start - 1; i >= 0 && len(page.Contacts) < q.Limit; i-- {
			page.Contacts = append(page.Contacts, l.byAdded[i].c)
		}
		page.More = start-len(page.Contacts) > 0
		return page, nil
	}
	hits := l.scanMatches(l.byAdded, query, func(c *contact) bool { return l.matches(c, query) })
	defer releaseHits(hits)
	for i := len(l.byAdded) - 1; i >= 0; i-- {
		c := l.byAdded[i]
		if !hits[i] {
			continue
		}
		page.Total++
		switch {
		case i >= start:
			page.Offset++
		case len(page.Contacts) < q.Limit:
			page.Contacts = append(page.Contacts, c.c)
		default:
			page.More = true
		}
	}
	return page, nil
}

// FindDuplicate implements state.Store: the contact the location's duplicate rules would match.
func (m *Memory) FindDuplicate(ctx context.Context, loc, email, phone string) (*state.Contact, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, err
	}
	if phone != "" {
		if p, err := fixtures.NormalizePhone(phone); err == nil {
			phone = p
		}
	}
	var found *state.Contact
	l.searchView(func(l *location) {
		if c, _ := l.matchAny(strings.TrimSpace(email), phone, nil); c != nil {
			found = c.c
		}
	})
	return found, nil
}

// ContactsByBusiness implements state.Store.
func (m *Memory) ContactsByBusiness(ctx context.Context, loc, businessID, query string, skip, limit int) ([]*state.Contact, int, error) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return nil, 0, err
	}
	query = strings.ToLower(strings.TrimSpace(query))
	out := []*state.Contact{}
	count := 0
	for i := len(l.byAdded) - 1; i >= 0; i-- {
		c := l.byAdded[i]
		if c.c.BusinessID != businessID || !l.matches(c, query) {
			continue
		}
		if count >= skip && len(out) < limit {
			out = append(out, c.c)
		}
		count++
	}
	return out, count, nil
}
