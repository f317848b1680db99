package memory

import (
	"slices"
	"sort"
	"unicode"
	"unicode/utf8"

	"github.com/contactsmock/contactsmock/mockserver/state"
)

// The tag index: for each tag (up to case, as a search's eq on tags compares, strings.EqualFold),
// the location's contacts that carry it, in byAdded order. A search filtering on one tag then
// walks those contacts instead of the location, and a search with that filter alone knows its
// total without a walk.

// tagKey returns the same string for two tags exactly when strings.EqualFold holds between them:
// each rune (invalid UTF-8 decodes as U+FFFD, as EqualFold reads it) becomes one representative of
// its simple case-folding orbit, the orbit's ASCII lower-case letter if it has one (so that a
// lower-case ASCII tag, the usual one, is its own key), else its smallest rune.
func tagKey(s string) string {
	lower := true
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= utf8.RuneSelf || ('A' <= c && c <= 'Z') {
			lower = false
			break
		}
	}
	if lower {
		return s
	}
	b := make([]byte, 0, len(s))
	for _, r := range s {
		m := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			m = min(m, f)
		}
		if 'A' <= m && m <= 'Z' {
			m += 'a' - 'A' // the orbit of an ASCII letter: its smallest is the capital
		}
		b = utf8.AppendRune(b, m)
	}
	return string(b)
}

// before reports whether a sorts before b in byAdded.
func before(a, b *contact) bool {
	if a.c.DateAdded != b.c.DateAdded {
		return a.c.DateAdded < b.c.DateAdded
	}
	return a.seq < b.seq
}

// tagKeys returns the distinct keys of a contact's tags.
func tagKeys(tags []string) []string {
	keys := make([]string, 0, len(tags))
	for _, t := range tags {
		if k := tagKey(t); !slices.Contains(keys, k) {
			keys = append(keys, k)
		}
	}
	return keys
}

func (l *location) tagIndexAdd(c *contact, keys []string) {
	for _, k := range keys {
		list := l.byTag[k]
		if n := len(list); n == 0 || before(list[n-1], c) {
			l.byTag[k] = append(list, c)
			continue
		}
		i := sort.Search(len(list), func(i int) bool { return !before(list[i], c) })
		l.byTag[k] = slices.Insert(list, i, c)
	}
}

func (l *location) tagIndexDrop(c *contact, keys []string) {
	for _, k := range keys {
		list := l.byTag[k]
		i := sort.Search(len(list), func(i int) bool { return !before(list[i], c) })
		if i < len(list) && list[i] == c {
			list = slices.Delete(list, i, i+1)
		}
		if len(list) == 0 {
			delete(l.byTag, k)
		} else {
			l.byTag[k] = list
		}
	}
}

// retagIndex moves c in the tag index from the tags it had to the ones it has.
func (l *location) retagIndex(c *contact, old, tags []string) {
	if slices.Equal(old, tags) {
		return
	}
	was, is := tagKeys(old), tagKeys(tags)
	var gone, added []string
	for _, k := range was {
		if !slices.Contains(is, k) {
			gone = append(gone, k)
		}
	}
	for _, k := range is {
		if !slices.Contains(was, k) {
			added = append(added, k)
		}
	}
	l.tagIndexDrop(c, gone)
	l.tagIndexAdd(c, added)
}

// candidates returns the contacts a search with these top-level filters (ANDed) and free-text
// query has to look at, in byAdded order, and its total when that is known without looking
// (-1 otherwise). A filter eq on tags with one string value narrows the candidates to that tag's
// contacts; alone, it also gives the total, as does not_eq alone. Every candidate is still matched
// against every filter: the index only leaves out contacts that cannot match.
func (l *location) candidates(filters []state.Filter, query string) ([]*contact, int) {
	for _, f := range filters {
		if f.Group != "" || f.Field != "tags" || f.Operator != "eq" {
			continue
		}
		v, ok := f.Value.(string)
		if !ok {
			continue
		}
		list := l.byTag[tagKey(v)]
		if len(filters) == 1 && query == "" {
			return list, len(list)
		}
		return list, -1
	}
	if len(filters) == 1 && query == "" {
		f := filters[0]
		if v, ok := f.Value.(string); ok && f.Group == "" && f.Field == "tags" && f.Operator == "not_eq" {
			return l.byAdded, len(l.byAdded) - len(l.byTag[tagKey(v)])
		}
	}
	return l.byAdded, -1
}

// candidatesBefore returns how many of the candidates sit before position start of byAdded.
func (l *location) candidatesBefore(cands []*contact, start int) int {
	if len(cands) == len(l.byAdded) || start >= len(l.byAdded) {
		if len(cands) == len(l.byAdded) {
			return start
		}
		return len(cands)
	}
	at := l.byAdded[start]
	return sort.Search(len(cands), func(i int) bool { return !before(cands[i], at) })
}
