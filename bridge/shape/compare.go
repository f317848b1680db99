package shape

import (
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Kinds of Difference.
const (
	KindStatus  = "status"
	KindHeader  = "header"
	KindBody    = "body"
	KindField   = "field"   // a pointer one side has and the other lacks
	KindRenamed = "renamed" // a pointer one side lacks and a sibling only it has, of the same type
	KindType    = "type"
	KindFormat  = "format"
	KindOrder   = "order"
)

// Difference is one way two shapes differ. A and B are what each side had (in the words of a
// report: "absent", "string", "date-time (ms, Z)", ...).
type Difference struct {
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Where is the key the difference is about: "status", "header X-RateLimit-Remaining", or a
	// generalized JSON pointer ("/contacts/*/dateAdded"). For a rename it is the pointer the
	// first side has.
	Where string `json:"where"`
	// A and B describe the first and the second side.
	A string `json:"a"`
	B string `json:"b"`
}

// Key is where the difference is, as Problem.Key writes it, so the two can be matched.
func (d Difference) Key() string { return d.Where }

func (d Difference) String() string {
	return fmt.Sprintf("%s %s: %s / %s", d.Kind, d.Where, d.A, d.B)
}

// HeaderWhere is the Where of a header.
func HeaderWhere(name string) string { return "header " + name }

// Compare lists how b differs from a. Fields under a field one side lacks are not listed again;
// a field one side lacks next to one only the other has, of the same type, is one rename. Ids are
// compared by their relative order only, over the ids both sides listed, so two servers holding
// different data still compare.
func Compare(a, b Shape) []Difference {
	var out []Difference
	if a.Status != b.Status {
		out = append(out, Difference{Kind: KindStatus, Where: "status", A: strconv.Itoa(a.Status), B: strconv.Itoa(b.Status)})
	}
	for _, h := range symmetric(a.Headers, b.Headers) {
		d := Difference{Kind: KindHeader, Where: HeaderWhere(h), A: "present", B: "absent"}
		if !slices.Contains(a.Headers, h) {
			d.A, d.B = "absent", "present"
		}
		out = append(out, d)
	}
	if a.Body != b.Body {
		return append(out, Difference{Kind: KindBody, Where: "body", A: a.Body, B: b.Body})
	}
	out = append(out, compareFields(a.Fields, b.Fields)...)
	out = append(out, compareOrder(a.IDs, b.IDs)...)
	return out
}

func symmetric(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	sort.Strings(out)
	return out
}

func compareFields(a, b map[string]*Leaf) []Difference {
	var onlyA, onlyB, both []string
	for p := range a {
		if _, ok := b[p]; ok {
			both = append(both, p)
		} else {
			onlyA = append(onlyA, p)
		}
	}
	for p := range b {
		if _, ok := a[p]; !ok {
			onlyB = append(onlyB, p)
		}
	}
	onlyA, onlyB = topmost(onlyA), topmost(onlyB)
	var out []Difference
	// Pair renames: within one parent, exactly one pointer only a has and one only b has.
	renamed := map[string]bool{}
	byParent := func(ps []string) map[string][]string {
		m := map[string][]string{}
		for _, p := range ps {
			m[parent(p)] = append(m[parent(p)], p)
		}
		return m
	}
	pa, pb := byParent(onlyA), byParent(onlyB)
	for par, as := range pa {
		bs := pb[par]
		if len(as) == 1 && len(bs) == 1 && slices.Equal(a[as[0]].Types, b[bs[0]].Types) {
			out = append(out, Difference{Kind: KindRenamed, Where: as[0], A: as[0], B: bs[0]})
			renamed[as[0]], renamed[bs[0]] = true, true
		}
	}
	for _, p := range onlyA {
		if !renamed[p] {
			out = append(out, Difference{Kind: KindField, Where: p, A: describe(a[p]), B: "absent"})
		}
	}
	for _, p := range onlyB {
		if !renamed[p] {
			out = append(out, Difference{Kind: KindField, Where: p, A: "absent", B: describe(b[p])})
		}
	}
	for _, p := range both {
		la, lb := a[p], b[p]
		if !slices.Equal(la.Types, lb.Types) {
			out = append(out, Difference{Kind: KindType, Where: p, A: strings.Join(la.Types, "|"), B: strings.Join(lb.Types, "|")})
			continue
		}
		if !slices.Equal(la.Formats, lb.Formats) {
			out = append(out, Difference{Kind: KindFormat, Where: p, A: formats(la), B: formats(lb)})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Where != out[j].Where {
			return out[i].Where < out[j].Where
		}
		return out[i].Kind < out[j].Kind
	})
	return out
}

func describe(l *Leaf) string {
	s := strings.Join(l.Types, "|")
	if len(l.Formats) > 0 {
		s += " (" + strings.Join(l.Formats, ", ") + ")"
	}
	return s
}

func formats(l *Leaf) string {
	if len(l.Formats) == 0 {
		return "text"
	}
	return strings.Join(l.Formats, ", ")
}

// topmost drops the pointers below another pointer of the list.
func topmost(ps []string) []string {
	sort.Strings(ps)
	var out []string
	for _, p := range ps {
		if len(out) > 0 && strings.HasPrefix(p, out[len(out)-1]+"/") {
			continue
		}
		out = append(out, p)
	}
	return out
}

func parent(p string) string {
	if i := strings.LastIndexByte(p, '/'); i >= 0 {
		return p[:i]
	}
	return ""
}

// compareOrder reports a list whose common ids come in another order.
func compareOrder(a, b map[string][]string) []Difference {
	var out []Difference
	keys := make([]string, 0, len(a))
	for k := range a {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ib, ok := b[k]
		if !ok {
			continue
		}
		ca, cb := common(a[k], ib), common(ib, a[k])
		if !slices.Equal(ca, cb) {
			out = append(out, Difference{Kind: KindOrder, Where: k, A: orderSample(ca), B: orderSample(cb)})
		}
	}
	return out
}

// common keeps the ids of a that b has too, in a's order.
func common(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if in[x] {
			out = append(out, x)
		}
	}
	return out
}

// orderSample writes the start of an id order; ids are not personal data, and a report needs
// them to show where two orders part.
func orderSample(ids []string) string {
	const n = 5
	if len(ids) > n {
		return strings.Join(ids[:n], ", ") + ", …"
	}
	return strings.Join(ids, ", ")
}
