package mockserver

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Handlers decode a validated body into their input struct with encoding/json, a second pass over
// bytes that were decoded once already (into the generic value validation checks). For inputs made
// of strings, booleans and string lists, plain or state.Opt (contact and note inputs with their
// usual fields, tags, followers, workflow enrolments), fillFromDecoded builds the struct from that value instead, when it can be sure
// encoding/json would build the same: every key names a field exactly (or no field at all, even
// case-insensitively), no field is of another type, the body has no repeated key (encoding/json
// would decode every occurrence, and fail on a bad early one the generic value no longer shows).
// Anything else returns false and the caller decodes the bytes as before.
// TestFillFromDecodedMatchesUnmarshal and FuzzFillFromDecoded check it against json.Unmarshal.

type optKind int

const (
	optOther optKind = iota // a field fillFromDecoded does not fill
	optString
	optBool
	optStrings
	plainString  // string: null leaves it as it was, as encoding/json does
	plainBool    // bool: likewise
	plainStrings // []string: null makes it nil
)

type inputField struct {
	index int
	kind  optKind
}

// inputPlan is how fillFromDecoded fills one struct type.
type inputPlan struct {
	fields map[string]inputField // by exact JSON name
	names  []string              // every JSON name
	ok     bool                  // the type is a plain struct of fields with JSON names
}

var inputPlans sync.Map // reflect.Type -> *inputPlan

var (
	optStringType  = reflect.TypeFor[state.Opt[string]]()
	optBoolType    = reflect.TypeFor[state.Opt[bool]]()
	optStringsType = reflect.TypeFor[state.Opt[[]string]]()
	stringType     = reflect.TypeFor[string]()
	boolType       = reflect.TypeFor[bool]()
	stringsType    = reflect.TypeFor[[]string]()
)

func planFor(t reflect.Type) *inputPlan {
	if p, ok := inputPlans.Load(t); ok {
		return p.(*inputPlan)
	}
	p := &inputPlan{fields: map[string]inputField{}, ok: t.Kind() == reflect.Struct}
	for i := 0; p.ok && i < t.NumField(); i++ {
		f := t.Field(i)
		name, opts, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous || !f.IsExported() || name == "" || name == "-" {
			p.ok = false // embedded or untagged fields: matched by rules not copied here
			break
		}
		kind := optOther
		switch f.Type {
		case optStringType:
			kind = optString
		case optBoolType:
			kind = optBool
		case optStringsType:
			kind = optStrings
		case stringType:
			kind = plainString
		case boolType:
			kind = plainBool
		case stringsType:
			kind = plainStrings
		}
		if slices.Contains(strings.Split(opts, ","), "string") {
			kind = optOther // the ",string" option: a quoted value, encoding/json's to read
		}
		p.fields[name] = inputField{index: i, kind: kind}
		p.names = append(p.names, name)
	}
	inputPlans.Store(t, p)
	return p
}

// fillFromDecoded fills *dst (a pointer to an input struct) from the decoded body m, or returns
// false having changed nothing.
func fillFromDecoded(m map[string]any, body []byte, unique bool, dst any) bool {
	rv := reflect.ValueOf(dst)
	if rv.Kind() != reflect.Pointer || rv.IsNil() {
		return false
	}
	p := planFor(rv.Elem().Type())
	if !p.ok {
		return false
	}
	// Every key and value is checked before anything is written, so that a value of the wrong
	// type leaves *dst as it was; fields the body does not name keep their values, as with
	// encoding/json.
	for k, v := range m {
		f, exact := p.fields[k]
		switch {
		case exact && !f.kind.fits(v):
			return false
		case exact:
		case !isASCII(k) || p.foldsToField(k):
			return false // encoding/json would match it to a field case-insensitively
		}
	}
	// A body that repeats a key is encoding/json's to decode (a case-insensitive repeat, say);
	// unique says the decoder has checked already.
	if !unique {
		if n, ok := topLevelKeys(body); !ok || n != len(m) {
			return false
		}
	}
	out := rv.Elem()
	for k, v := range m {
		f, exact := p.fields[k]
		if !exact {
			continue // no field: encoding/json ignores it
		}
		fv := out.Field(f.index).Addr().Interface()
		switch f.kind {
		case optString:
			o := fv.(*state.Opt[string])
			*o = state.Opt[string]{Set: true, Null: v == nil}
			if v != nil {
				o.V = v.(string)
			}
		case optBool:
			o := fv.(*state.Opt[bool])
			*o = state.Opt[bool]{Set: true, Null: v == nil}
			if v != nil {
				o.V = v.(bool)
			}
		case optStrings:
			o := fv.(*state.Opt[[]string])
			*o = state.Opt[[]string]{Set: true, Null: v == nil}
			if v != nil {
				o.V = stringsOf(v.([]any))
			}
		case plainString:
			if v != nil {
				*fv.(*string) = v.(string)
			}
		case plainBool:
			if v != nil {
				*fv.(*bool) = v.(bool)
			}
		case plainStrings:
			p := fv.(*[]string)
			*p = nil
			if v != nil {
				*p = stringsOf(v.([]any))
			}
		}
	}
	return true
}

// stringsOf makes the []string of a decoded list of strings (fits has checked them).
func stringsOf(list []any) []string {
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.(string)
	}
	return out
}

// fits reports whether a decoded value can fill a field of the kind (null always can).
func (k optKind) fits(v any) bool {
	if v == nil {
		return k != optOther
	}
	switch k {
	case optString, plainString:
		_, ok := v.(string)
		return ok
	case optBool, plainBool:
		_, ok := v.(bool)
		return ok
	case optStrings, plainStrings:
		list, ok := v.([]any)
		for _, e := range list {
			if _, isStr := e.(string); !isStr {
				return false
			}
		}
		return ok
	}
	return false
}

// foldsToField reports whether an ASCII key equals a field's JSON name up to case (ASCII case
// folding keeps the length, so only names of the key's length can match).
func (p *inputPlan) foldsToField(k string) bool {
	for _, name := range p.names {
		if len(name) == len(k) && strings.EqualFold(name, k) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// topLevelKeys counts the members of the JSON object body (valid JSON: it was decoded), and
// reports false when it is not an object.
func topLevelKeys(body []byte) (int, bool) {
	depth, n := 0, 0
	inString, escaped, sawObject := false, false, false
	for _, b := range body {
		if inString {
			switch {
			case escaped:
				escaped = false
			case b == '\\':
				escaped = true
			case b == '"':
				inString = false
			}
			continue
		}
		switch b {
		case '"':
			inString = true
		case '{', '[':
			if depth == 0 {
				if b != '{' {
					return 0, false
				}
				sawObject = true
			}
			depth++
		case '}', ']':
			depth--
		case ':':
			if depth == 1 {
				n++
			}
		}
	}
	return n, sawObject
}
