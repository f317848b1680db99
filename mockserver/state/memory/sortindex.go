package memory

import (
	"slices"
	"sort"
	"strings"

	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Sort indexes: a search with no filter and no query, sorted by one plain field (a text, date or
// boolean field of the contact; not a list or a custom field), reads its page from the location's
// contacts kept in that order, instead of reading every contact of the location to pick the page
// out. An index is made by the first such search on its field (one sort of the location) and then
// kept in step by every write, so a location pays for the fields its clients sort by, and no more
// than maxSortIndexes of them; a sort on any other field, or a filtered one, still scans.

// maxSortIndexes bounds the indexes of a location: each costs a pointer per contact and a step on
// every write (a binary search and a move of the slice's tail).
const maxSortIndexes = 6

// sortIndex holds a location's contacts ascending by (the field's key, id): the order of a search
// sorted ascending by that field (selectPage's order).
type sortIndex struct {
	f    field
	list []*contact
}

// indexable reports whether a field's key can be read from the contact on every comparison
// without making anything (see rawKeyOf).
func indexable(f field) bool {
	return !f.made && (f.kind == kindString || f.kind == kindTime || f.kind == kindBool)
}

// compare is the index order between a contact and a key with its id.
func (x *sortIndex) compare(c *contact, k sortVal, id string) int {
	if r := compareVals(rawKeyOf(x.f, &c.c.Contact), k); r != 0 {
		return r
	}
	return strings.Compare(c.c.ID, id)
}

// search returns the position of the first contact at or after (k, id).
func (x *sortIndex) search(k sortVal, id string) int {
	return sort.Search(len(x.list), func(i int) bool { return x.compare(x.list[i], k, id) >= 0 })
}

// groupStart returns the position of the first contact whose key equals or follows k.
func (x *sortIndex) groupStart(k sortVal) int {
	return sort.Search(len(x.list), func(i int) bool {
		return compareVals(rawKeyOf(x.f, &x.list[i].c.Contact), k) >= 0
	})
}

// groupEnd returns the position just after the last contact whose key equals or precedes k.
func (x *sortIndex) groupEnd(k sortVal) int {
	return sort.Search(len(x.list), func(i int) bool {
		return compareVals(rawKeyOf(x.f, &x.list[i].c.Contact), k) > 0
	})
}

func (x *sortIndex) add(c *contact) {
	x.list = slices.Insert(x.list, x.search(rawKeyOf(x.f, &c.c.Contact), c.c.ID), c)
}

// drop removes c, found by its key as the index holds it (before a write replaces c.c).
func (x *sortIndex) drop(c *contact) {
	if i := x.search(rawKeyOf(x.f, &c.c.Contact), c.c.ID); i < len(x.list) && x.list[i] == c {
		x.list = slices.Delete(x.list, i, i+1)
	}
}

// sortIndex returns the location's index on a field, making it if there is none yet and the
// location has room for it; nil when the field cannot be indexed or there is no room. The caller
// holds the store's lock, read or write: sortMu serializes the making between readers.
func (l *location) sortIndex(name string, f field) *sortIndex {
	if !indexable(f) {
		return nil
	}
	l.sortMu.Lock()
	defer l.sortMu.Unlock()
	if x := l.sorted[name]; x != nil {
		return x
	}
	if len(l.sorted) >= maxSortIndexes {
		return nil
	}
	// Keys of text fields are compared lower-cased on the fly; for a sort of the whole location,
	// make them once.
	type keyed struct {
		k sortVal
		c *contact
	}
	all := make([]keyed, len(l.byAdded))
	for i, c := range l.byAdded {
		all[i] = keyed{keyOf(f, &c.c.Contact), c}
	}
	slices.SortFunc(all, func(a, b keyed) int {
		if r := compareVals(a.k, b.k); r != 0 {
			return r
		}
		return strings.Compare(a.c.c.ID, b.c.c.ID)
	})
	x := &sortIndex{f: f, list: make([]*contact, len(all))}
	for i, e := range all {
		x.list[i] = e.c
	}
	if l.sorted == nil {
		l.sorted = map[string]*sortIndex{}
	}
	l.sorted[name] = x
	return x
}

// replace stores next as c's value (a write; the caller holds the write lock), moving c in every
// sort index whose key changes.
func (l *location) replace(c *contact, next *state.Contact) {
	var moved []*sortIndex
	for _, x := range l.sorted {
		if compareVals(rawKeyOf(x.f, &c.c.Contact), rawKeyOf(x.f, &next.Contact)) != 0 {
			x.drop(c)
			moved = append(moved, x)
		}
	}
	c.c = next
	for _, x := range moved {
		x.add(c)
	}
	if l.lag != nil {
		l.lag.record(next.ID, next)
	}
}

// sortedPage returns one page of the location in an index's order, ascending or descending by
// the key (ties by ascending id either way, as selectPage orders them): the page after the cursor
// (ck, cursorID) when there is one, else the one that starts at skip.
func (x *sortIndex) sortedPage(desc bool, ck *sortVal, cursorID string, skip, limit int) []*contact {
	out := make([]*contact, 0, min(limit, len(x.list)))
	if !desc {
		start := skip
		if ck != nil {
			// The first contact after (ck, cursorID): at or after (ck, cursorID), past it if equal.
			start = x.search(*ck, cursorID)
			if start < len(x.list) && x.compare(x.list[start], *ck, cursorID) == 0 {
				start++
			}
		}
		for i := start; i < len(x.list) && len(out) < limit; i++ {
			out = append(out, x.list[i])
		}
		return out
	}
	// Descending: the groups of equal keys from the last, each in ascending id.
	end := len(x.list)
	if ck != nil {
		// The rest of the cursor's group (ids after cursorID), then the groups before it.
		lo, hi := x.groupStart(*ck), x.groupEnd(*ck)
		from := x.search(*ck, cursorID)
		if from < hi && x.compare(x.list[from], *ck, cursorID) == 0 {
			from++
		}
		for i := from; i < hi && len(out) < limit; i++ {
			out = append(out, x.list[i])
		}
		end = lo
	}
	for end > 0 && len(out) < limit {
		lo := x.groupStart(rawKeyOf(x.f, &x.list[end-1].c.Contact))
		for i := lo; i < end && len(out) < limit; i++ {
			if skip > 0 {
				skip--
				continue
			}
			out = append(out, x.list[i])
		}
		end = lo
	}
	return out
}
