package memory

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// MaxSearchWindow is how deep page/pageLimit paging may reach; deeper pages need searchAfter.
const MaxSearchWindow = 10000

// fieldKind is how a searchable field compares.
type fieldKind int

const (
	kindString fieldKind = iota
	kindList             // []string: eq means "contains the element"
	kindBool
	kindTime // epoch ms
)

type field struct {
	kind fieldKind
	// made: reading the value costs (a custom field decodes it), so selectPage makes each
	// match's key once rather than on every comparison.
	made bool
	str  func(*fixtures.Contact) string
	list func(*fixtures.Contact) []string
	bool func(*fixtures.Contact) bool
	time func(*fixtures.Contact) int64
}

func strField(f func(*fixtures.Contact) string) field { return field{kind: kindString, str: f} }
func timeField(f func(*fixtures.Contact) fixtures.Timestamp) field {
	return field{kind: kindTime, time: func(c *fixtures.Contact) int64 { return int64(f(c)) }}
}

// fields are the searchable and sortable contact fields, by their wire names.
var fields = map[string]field{
	"id":                 strField(func(c *fixtures.Contact) string { return c.ID }),
	"firstName":          strField(func(c *fixtures.Contact) string { return c.FirstName }),
	"lastName":           strField(func(c *fixtures.Contact) string { return c.LastName }),
	"firstNameLowerCase": strField(func(c *fixtures.Contact) string { return c.FirstNameLowerCase }),
	"lastNameLowerCase":  strField(func(c *fixtures.Contact) string { return c.LastNameLowerCase }),
	"fullNameLowerCase":  strField(func(c *fixtures.Contact) string { return c.FullNameLowerCase }),
	"name":               strField(func(c *fixtures.Contact) string { return c.Name }),
	"contactName":        strField(func(c *fixtures.Contact) string { return c.Name }),
	"email":              strField(func(c *fixtures.Contact) string { return c.Email }),
	"phone":              strField(func(c *fixtures.Contact) string { return c.Phone }),
	"companyName":        strField(func(c *fixtures.Contact) string { return c.CompanyName }),
	"type":               strField(func(c *fixtures.Contact) string { return c.Type }),
	"source":             strField(func(c *fixtures.Contact) string { return c.Source }),
	"assignedTo":         strField(func(c *fixtures.Contact) string { return c.AssignedTo }),
	"address1":           strField(func(c *fixtures.Contact) string { return c.Address1 }),
	"city":               strField(func(c *fixtures.Contact) string { return c.City }),
	"state":              strField(func(c *fixtures.Contact) string { return c.State }),
	"country":            strField(func(c *fixtures.Contact) string { return c.Country }),
	"postalCode":         strField(func(c *fixtures.Contact) string { return c.PostalCode }),
	"website":            strField(func(c *fixtures.Contact) string { return c.Website }),
	"timezone":           strField(func(c *fixtures.Contact) string { return c.Timezone }),
	"gender":             strField(func(c *fixtures.Contact) string { return c.Gender }),
	"businessId":         strField(func(c *fixtures.Contact) string { return c.BusinessID }),
	"dateOfBirth":        strField(func(c *fixtures.Contact) string { return c.DateOfBirth }),
	"tags":               {kind: kindList, list: func(c *fixtures.Contact) []string { return c.Tags }},
	"followers":          {kind: kindList, list: func(c *fixtures.Contact) []string { return c.Followers }},
	"additionalEmails":   {kind: kindList, list: func(c *fixtures.Contact) []string { return c.AdditionalEmails }},
	"dnd":                {kind: kindBool, bool: func(c *fixtures.Contact) bool { return c.DND }},
	"dateAdded":          timeField(func(c *fixtures.Contact) fixtures.Timestamp { return c.DateAdded }),
	"dateUpdated":        timeField(func(c *fixtures.Contact) fixtures.Timestamp { return c.DateUpdated }),
	"lastActivity":       timeField(func(c *fixtures.Contact) fixtures.Timestamp { return c.LastActivity }),
}

// lookupField resolves a field name, including "customFields.<id>".
func lookupField(name string) (field, bool) {
	if f, ok := fields[name]; ok {
		return f, true
	}
	if id, ok := strings.CutPrefix(name, "customFields."); ok && id != "" {
		return field{kind: kindString, made: true, str: func(c *fixtures.Contact) string {
			for _, cf := range c.CustomFields {
				if cf.ID == id {
					var s string
					if json.Unmarshal(cf.Value, &s) == nil {
						return s
					}
					return string(cf.Value)
				}
			}
			return ""
		}}, true
	}
	return field{}, false
}

type predicate func(*fixtures.Contact) bool

// compileFilters turns the filters (top level ANDed) into one predicate, or returns the live-style
// messages of everything wrong with them.
func compileFilters(filters []state.Filter) (predicate, []string) {
	var msgs []string
	p := compileGroup("AND", filters, "filters", &msgs)
	return p, msgs
}

func compileGroup(op string, filters []state.Filter, at string, msgs *[]string) predicate {
	preds := make([]predicate, 0, len(filters))
	for i, f := range filters {
		fat := fmt.Sprintf("%s.%d", at, i)
		if f.Group != "" {
			g := strings.ToUpper(f.Group)
			if g != "AND" && g != "OR" {
				*msgs = append(*msgs, fat+".group must be one of the following values: AND, OR")
				continue
			}
			preds = append(preds, compileGroup(g, f.Filters, fat+".filters", msgs))
			continue
		}
		if p := compileFilter(f, fat, msgs); p != nil {
			preds = append(preds, p)
		}
	}
	if op == "OR" {
		return func(c *fixtures.Contact) bool {
			for _, p := range preds {
				if p(c) {
					return true
				}
			}
			return len(preds) == 0
		}
	}
	return func(c *fixtures.Contact) bool {
		for _, p := range preds {
			if !p(c) {
				return false
			}
		}
		return true
	}
}

func compileFilter(f state.Filter, at string, msgs *[]string) predicate {
	fd, ok := lookupField(f.Field)
	if !ok {
		*msgs = append(*msgs, fmt.Sprintf("%s.field %q is not a searchable field", at, f.Field))
		return nil
	}
	bad := func(why string) predicate {
		*msgs = append(*msgs, fmt.Sprintf("%s.value %s", at, why))
		return nil
	}
	if v, ok := f.Value.(string); ok && utf8.RuneCountInString(v) > state.MaxFilterValue {
		return bad(fmt.Sprintf("must be shorter than or equal to %d characters", state.MaxFilterValue))
	}
	switch f.Operator {
	case "exists", "not_exists":
		want := f.Operator == "exists"
		return func(c *fixtures.Contact) bool { return present(fd, c) == want }
	case "eq", "not_eq":
		m := equalMatcher(fd, f.Value)
		if m == nil {
			return bad("does not fit the field's type")
		}
		if f.Operator == "not_eq" {
			return func(c *fixtures.Contact) bool { return !m(c) }
		}
		return m
	case "contains", "not_contains":
		s, ok := f.Value.(string)
		if !ok || (fd.kind != kindString && fd.kind != kindList) {
			return bad("must be a string, on a text or list field")
		}
		s = strings.ToLower(s)
		m := func(c *fixtures.Contact) bool {
			if fd.kind == kindList {
				for _, v := range fd.list(c) {
					if strings.Contains(strings.ToLower(v), s) {
						return true
					}
				}
				return false
			}
			return strings.Contains(strings.ToLower(fd.str(c)), s)
		}
		if f.Operator == "not_contains" {
			return func(c *fixtures.Contact) bool { return !m(c) }
		}
		return m
	case "range":
		r, ok := f.Value.(map[string]any)
		if !ok || len(r) == 0 {
			return bad("must be an object with gt, gte, lt or lte")
		}
		var bounds []predicate
		for k, v := range r {
			var cmp func(a, b int) bool
			switch k {
			case "gt":
				cmp = func(a, b int) bool { return a > b }
			case "gte":
				cmp = func(a, b int) bool { return a >= b }
			case "lt":
				cmp = func(a, b int) bool { return a < b }
			case "lte":
				cmp = func(a, b int) bool { return a <= b }
			default:
				return bad(fmt.Sprintf("has an unknown bound %q (use gt, gte, lt, lte)", k))
			}
			key, ok := sortValueOf(fd, v)
			if !ok {
				return bad("bounds do not fit the field's type")
			}
			bounds = append(bounds, func(c *fixtures.Contact) bool {
				if !present(fd, c) {
					return false
				}
				return cmp(compareKeys(valueOf(fd, c), key), 0)
			})
		}
		return func(c *fixtures.Contact) bool {
			for _, p := range bounds {
				if !p(c) {
					return false
				}
			}
			return true
		}
	}
	*msgs = append(*msgs, fmt.Sprintf("%s.operator must be one of the following values: eq, not_eq, contains, not_contains, exists, not_exists, range", at))
	return nil
}

func present(fd field, c *fixtures.Contact) bool {
	switch fd.kind {
	case kindList:
		return len(fd.list(c)) > 0
	case kindBool:
		return true
	case kindTime:
		return fd.time(c) != 0
	}
	return fd.str(c) != ""
}

// equalMatcher builds eq for a value, or nil when the value does not fit the field. An array value
// matches any of its elements.
func equalMatcher(fd field, v any) predicate {
	if arr, ok := v.([]any); ok {
		ms := make([]predicate, 0, len(arr))
		for _, e := range arr {
			m := equalMatcher(fd, e)
			if m == nil {
				return nil
			}
			ms = append(ms, m)
		}
		return func(c *fixtures.Contact) bool {
			for _, m := range ms {
				if m(c) {
					return true
				}
			}
			return false
		}
	}
	switch fd.kind {
	case kindBool:
		var want bool
		switch x := v.(type) {
		case bool:
			want = x
		case string:
			b, err := strconv.ParseBool(x)
			if err != nil {
				return nil
			}
			want = b
		default:
			return nil
		}
		return func(c *fixtures.Contact) bool { return fd.bool(c) == want }
	case kindTime:
		key, ok := sortValueOf(fd, v)
		if !ok {
			return nil
		}
		return func(c *fixtures.Contact) bool { return compareKeys(valueOf(fd, c), key) == 0 }
	case kindList:
		s, ok := v.(string)
		if !ok {
			return nil
		}
		return func(c *fixtures.Contact) bool {
			for _, e := range fd.list(c) {
				if strings.EqualFold(e, s) {
					return true
				}
			}
			return false
		}
	}
	var s string
	switch x := v.(type) {
	case string:
		s = x
	case float64:
		s = strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		s = strconv.FormatBool(x)
	default:
		return nil
	}
	return func(c *fixtures.Contact) bool { return strings.EqualFold(fd.str(c), s) }
}

// A sort key value is a string, a float64 or a bool-as-float64.
func valueOf(fd field, c *fixtures.Contact) any {
	switch fd.kind {
	case kindTime:
		return float64(fd.time(c))
	case kindBool:
		if fd.bool(c) {
			return float64(1)
		}
		return float64(0)
	case kindList:
		return strings.ToLower(strings.Join(fd.list(c), ","))
	}
	return strings.ToLower(fd.str(c))
}

// sortValueOf converts a client-supplied cursor or bound to the field's key type.
func sortValueOf(fd field, v any) (any, bool) {
	switch fd.kind {
	case kindTime:
		switch x := v.(type) {
		case float64:
			return x, true
		case string:
			if n, err := strconv.ParseFloat(x, 64); err == nil {
				return n, true
			}
			t, err := fixtures.ParseTimestamp(x)
			if err != nil {
				return nil, false
			}
			return float64(t), true
		}
		return nil, false
	case kindBool:
		switch x := v.(type) {
		case float64:
			return x, true
		case bool:
			if x {
				return float64(1), true
			}
			return float64(0), true
		}
		return nil, false
	}
	switch x := v.(type) {
	case string:
		return strings.ToLower(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	}
	return nil, false
}

func compareKeys(a, b any) int {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		if !ok {
			return -1
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
		return 0
	case string:
		y, ok := b.(string)
		if !ok {
			return 1
		}
		return strings.Compare(x, y)
	}
	return 0
}

type sortKey struct {
	name string
	f    field
	desc bool
}

// searchPlan is a search query checked and compiled: what SearchContacts needs before it reads
// the store.
type searchPlan struct {
	pred        predicate
	keys        []sortKey
	limit, page int
	cursor      []any // the searchAfter values, nil without them
	query       string
}

// planSearch checks a query (every problem in one 422) and compiles its filters and sort.
func planSearch(q state.SearchQuery) (searchPlan, error) {
	var msgs []string
	pred, fmsgs := compileFilters(q.Filters)
	msgs = append(msgs, fmsgs...)
	keys := make([]sortKey, 0, len(q.Sort))
	for i, s := range q.Sort {
		fd, ok := lookupField(s.Field)
		if !ok {
			msgs = append(msgs, fmt.Sprintf("sort.%d.field %q is not a sortable field", i, s.Field))
			continue
		}
		keys = append(keys, sortKey{name: s.Field, f: fd, desc: strings.EqualFold(s.Direction, "desc")})
	}
	limit := q.PageLimit
	if limit <= 0 {
		limit = 20
	}
	page := max(q.Page, 1)
	if len(q.SearchAfter) > 0 && q.Page > 1 {
		msgs = append(msgs, "searchAfter cannot be combined with page")
	}
	// page > window/limit is page*limit > window without the product, which a huge page overflows
	// (into a negative offset).
	if len(q.SearchAfter) == 0 && page > MaxSearchWindow/limit {
		msgs = append(msgs, fmt.Sprintf("page * pageLimit must not exceed %d; use searchAfter to page deeper", MaxSearchWindow))
	}
	var cursor []any
	if len(q.SearchAfter) > 0 {
		cursor = q.SearchAfter
		want := len(keys) + 1
		if len(keys) == 0 {
			want = 2 // dateAdded, id
		}
		if len(cursor) != want {
			msgs = append(msgs, fmt.Sprintf("searchAfter must hold %d values: the searchAfter of the last contact of the previous page", want))
		}
	}
	if len(msgs) > 0 {
		return searchPlan{}, state.InvalidError(msgs...)
	}
	return searchPlan{pred: pred, keys: keys, limit: limit, page: page, cursor: cursor,
		query: strings.ToLower(strings.TrimSpace(q.Query))}, nil
}

// SearchContacts implements state.Store.
func (m *Memory) SearchContacts(ctx context.Context, loc string, q state.SearchQuery) (state.SearchPage, error) {
	p, err := planSearch(q)
	if err != nil {
		return state.SearchPage{}, err
	}
	m.mu.RLock()
	defer m.mu.RUnlock()
	l, err := m.locLocked(loc)
	if err != nil {
		return state.SearchPage{}, err
	}
	var out state.SearchPage
	l.searchView(func(l *location) { out, err = l.search(q, p) })
	return out, err
}

// search runs a planned search over the location. The caller holds the store's read lock.
func (l *location) search(q state.SearchQuery, p searchPlan) (state.SearchPage, error) {
	pred, keys, limit, page, cursor, query := p.pred, p.keys, p.limit, p.page, p.cursor, p.query
	out := state.SearchPage{Contacts: []state.SearchHit{}}
	filtered := len(q.Filters) > 0 || query != ""
	// The contacts that can match, in byAdded order, and the total when it is known without
	// matching them (see location.candidates).
	cands, known := l.byAdded, len(l.byAdded)
	if filtered {
		cands, known = l.candidates(q.Filters, query)
	}
	// match reports whether cands[i] matches. When every candidate has to be matched (the total
	// is not known), they are matched at once, over the CPUs (see scanMatches).
	// The scan waits for the first match asked for, so that a refused cursor costs no scan.
	matchOne := func(c *contact) bool { return l.matches(c, query) && pred(&c.c.Contact) }
	match := func(i int) bool { return matchOne(cands[i]) }
	if filtered && known < 0 {
		var hits []bool
		defer func() { releaseHits(hits) }()
		match = func(i int) bool {
			if hits == nil {
				hits = l.scanMatches(cands, query, matchOne)
			}
			return hits[i]
		}
	}
	if len(keys) == 0 || (len(keys) == 1 && keys[0].desc && keys[0].name == "dateAdded") {
		// The stored order: dateAdded descending, ties newest insert first.
		start := len(cands)
		if cursor != nil {
			added, ok1 := sortValueOf(fields["dateAdded"], cursor[0])
			id, ok2 := cursor[1].(string)
			if !ok1 || !ok2 {
				return state.SearchPage{}, state.InvalidError("searchAfter must be [dateAdded (epoch ms), id]")
			}
			start = l.candidatesBefore(cands, l.cursor(fixtures.Timestamp(added.(float64)), id))
		}
		skip := (page - 1) * limit
		if known >= 0 {
			// The total is known: walk from the cursor only as far as the page reaches.
			out.Total = known
			for i := start - 1; i >= 0 && len(out.Contacts) < limit; i-- {
				rec := cands[i]
				if filtered && !match(i) {
					continue
				}
				if skip > 0 {
					skip--
					continue
				}
				c := rec.c
				out.Contacts = append(out.Contacts, state.SearchHit{Contact: c, SearchAfter: []any{int64(c.DateAdded), c.ID}})
			}
			return out, nil
		}
		for i := len(cands) - 1; i >= 0; i-- {
			rec := cands[i]
			if !match(i) {
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
				c := rec.c
				out.Contacts = append(out.Contacts, state.SearchHit{Contact: c, SearchAfter: []any{int64(c.DateAdded), c.ID}})
			}
		}
		return out, nil
	}

	if !filtered && len(keys) == 1 {
		if x := l.sortIndex(keys[0].name, keys[0].f); x != nil {
			var ck *sortVal
			var cursorID string
			if cursor != nil {
				v, ok := sortValueOf(keys[0].f, cursor[0])
				if !ok {
					return state.SearchPage{}, state.InvalidError("searchAfter.0 does not fit the sort field")
				}
				k := toSortVal(v)
				ck = &k
				cursorID, _ = cursor[1].(string)
			}
			out.Total = len(l.byAdded)
			for _, c := range x.sortedPage(keys[0].desc, ck, cursorID, (page-1)*limit, limit) {
				out.Contacts = append(out.Contacts, hitOf(c.c, keys))
			}
			return out, nil
		}
	}
	matches := make([]*fixtures.Contact, 0, len(cands))
	stored := make([]*state.Contact, 0, len(cands)) // stored[i] holds matches[i]
	for i, c := range cands {
		if !filtered || match(i) {
			matches = append(matches, &c.c.Contact)
			stored = append(stored, c.c)
		}
	}
	out.Total = len(matches)
	var ck []sortVal
	var cursorID string
	if cursor != nil {
		ck = make([]sortVal, len(keys))
		for i, k := range keys {
			v, ok := sortValueOf(k.f, cursor[i])
			if !ok {
				return state.SearchPage{}, state.InvalidError(fmt.Sprintf("searchAfter.%d does not fit the sort field", i))
			}
			ck[i] = toSortVal(v)
		}
		cursorID, _ = cursor[len(keys)].(string)
	}
	for _, i := range selectPage(matches, keys, ck, cursorID, cursor != nil, (page-1)*limit, limit) {
		out.Contacts = append(out.Contacts, hitOf(stored[i], keys))
	}
	return out, nil
}

// hitOf makes a search hit of a stored contact, with the searchAfter values of the sort keys.
func hitOf(sc *state.Contact, keys []sortKey) state.SearchHit {
	c := &sc.Contact
	after := make([]any, 0, len(keys)+1)
	for _, k := range keys {
		v := valueOf(k.f, c)
		if f, ok := v.(float64); ok && f == math.Trunc(f) {
			v = int64(f)
		}
		after = append(after, v)
	}
	after = append(after, c.ID)
	return state.SearchHit{Contact: sc, SearchAfter: after}
}

// sortVal is a sort key's value: a number (dates, booleans) or a lower-cased string; raw marks a
// string not lower-cased yet (compareVals compares it as strings.ToLower would have made it).
type sortVal struct {
	num bool
	raw bool
	f   float64
	s   string
}

// toSortVal converts a key made by valueOf or sortValueOf.
func toSortVal(v any) sortVal {
	if f, ok := v.(float64); ok {
		return sortVal{num: true, f: f}
	}
	s, _ := v.(string)
	return sortVal{s: s}
}

// keyOf is toSortVal(valueOf(fd, c)) without boxing the value.
func keyOf(fd field, c *fixtures.Contact) sortVal {
	switch fd.kind {
	case kindTime:
		return sortVal{num: true, f: float64(fd.time(c))}
	case kindBool:
		if fd.bool(c) {
			return sortVal{num: true, f: 1}
		}
		return sortVal{num: true}
	case kindList:
		return sortVal{s: strings.ToLower(strings.Join(fd.list(c), ","))}
	}
	return sortVal{s: strings.ToLower(fd.str(c))}
}

// rawKeyOf is keyOf without lower-casing a text field: no string is made (see compareVals).
func rawKeyOf(fd field, c *fixtures.Contact) sortVal {
	if fd.kind == kindString {
		return sortVal{s: fd.str(c), raw: true}
	}
	return keyOf(fd, c)
}

// compareVals is compareKeys for two keys of the same field (always of the same kind).
func compareVals(a, b sortVal) int {
	if a.num {
		switch {
		case a.f < b.f:
			return -1
		case a.f > b.f:
			return 1
		}
		return 0
	}
	if !a.raw && !b.raw {
		return strings.Compare(a.s, b.s)
	}
	return compareLowered(a.s, a.raw, b.s, b.raw)
}

// compareLowered is strings.Compare of the two strings, each lower-cased first (as strings.ToLower
// does it) where its flag says so, without making the lower-cased strings: strings.ToLower maps
// every rune with unicode.ToLower and writes invalid UTF-8 as U+FFFD, and the byte order of UTF-8
// is the order of its runes.
func compareLowered(a string, lowerA bool, b string, lowerB bool) int {
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ca, cb := a[i], b[j]
		if ca < utf8.RuneSelf && cb < utf8.RuneSelf {
			if lowerA && 'A' <= ca && ca <= 'Z' {
				ca += 'a' - 'A'
			}
			if lowerB && 'A' <= cb && cb <= 'Z' {
				cb += 'a' - 'A'
			}
			if ca != cb {
				if ca < cb {
					return -1
				}
				return 1
			}
			i++
			j++
			continue
		}
		ra, wa := utf8.DecodeRuneInString(a[i:])
		rb, wb := utf8.DecodeRuneInString(b[j:])
		if lowerA {
			ra = unicode.ToLower(ra)
		}
		if lowerB {
			rb = unicode.ToLower(rb)
		}
		if ra != rb {
			if ra < rb {
				return -1
			}
			return 1
		}
		i += wa
		j += wb
	}
	switch {
	case i < len(a):
		return 1
	case j < len(b):
		return -1
	}
	return 0
}

// selectPage returns the indexes into matches of one page of the matches sorted by keys (then
// id): the page after the cursor (ck, cursorID) when there is one, else the one that starts at
// skip. Sorting all the matches to cut out one page cost a location of 100,000 contacts seconds
// (every comparison lower-cased and boxed both keys); here each key is made once, and only the
// matches that can reach the page are kept, in a bounded heap. The order is total (ids are unique
// in a location), so the page holds exactly what a full sort would put there.
func selectPage(matches []*fixtures.Contact, keys []sortKey, ck []sortVal, cursorID string, haveCursor bool, skip, limit int) []int {
	// Each match's keys are made once, into one array that the comparisons read in order; a text
	// key is the stored string itself, lower-cased on the fly by compareVals (rawKeyOf), so no
	// string is made per match. A list field's key (joined, lower-cased) and a costly field's are
	// made outright.
	nk := len(keys)
	vals := make([]sortVal, len(matches)*nk)
	for i, c := range matches {
		for j, k := range keys {
			if k.f.kind == kindList || k.f.made {
				vals[i*nk+j] = keyOf(k.f, c)
			} else {
				vals[i*nk+j] = rawKeyOf(k.f, c)
			}
		}
	}
	key := func(i, j int) sortVal { return vals[i*nk+j] }
	cmp := func(a, b int) int {
		for j, k := range keys {
			r := compareVals(key(a, j), key(b, j))
			if k.desc {
				r = -r
			}
			if r != 0 {
				return r
			}
		}
		return strings.Compare(matches[a].ID, matches[b].ID)
	}
	// after reports whether match i sorts after the cursor.
	after := func(i int) bool {
		for j, k := range keys {
			r := compareVals(key(i, j), ck[j])
			if k.desc {
				r = -r
			}
			if r != 0 {
				return r > 0
			}
		}
		return matches[i].ID > cursorID
	}
	if haveCursor {
		skip = 0
	}
	want := skip + limit
	// heap is a max-heap (by cmp) of the want smallest candidates seen so far.
	heap := make([]int, 0, min(want, len(matches)))
	down := func(i int) {
		for {
			l, big := 2*i+1, i
			if l < len(heap) && cmp(heap[l], heap[big]) > 0 {
				big = l
			}
			if r := l + 1; r < len(heap) && cmp(heap[r], heap[big]) > 0 {
				big = r
			}
			if big == i {
				return
			}
			heap[i], heap[big] = heap[big], heap[i]
			i = big
		}
	}
	for i := range matches {
		if haveCursor && !after(i) {
			continue
		}
		switch {
		case len(heap) < want:
			heap = append(heap, i)
			for c := len(heap) - 1; c > 0; { // up
				p := (c - 1) / 2
				if cmp(heap[c], heap[p]) <= 0 {
					break
				}
				heap[c], heap[p] = heap[p], heap[c]
				c = p
			}
		case want > 0 && cmp(i, heap[0]) < 0:
			heap[0] = i
			down(0)
		}
	}
	slices.SortFunc(heap, cmp)
	if skip >= len(heap) {
		return nil
	}
	return heap[skip:]
}
