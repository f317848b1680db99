package spec

import (
	"net/http"
	"net/url"
	"reflect"
	"strings"
	"unicode/utf16"

	"github.com/getkin/kin-openapi/openapi3"
)

// Validation plans. kin-openapi validates a parameter by decoding it through its serialisation
// rules into a generic value and visiting its schema, and a body by visiting the schema tree with
// the decoded JSON: general, and most of the cost of a request to the mock. Load compiles, for
// each operation, what its parameters and body schema demand when they are simple (a string, an
// integer in a range, an enum; objects, arrays and primitives built of those), and the plan answers
// the one question it can answer exactly: "is this certainly valid?". A yes skips kin-openapi for
// that parameter or body; anything else (an invalid value, a value the plan does not recognise, a
// schema feature it does not model) goes to kin-openapi exactly as before, so every refusal keeps
// its status and wording. TestPlansAgreeWithKin checks the yes answers against kin-openapi over
// every operation of the document and many valid and invalid inputs.

// paramPlan validates one parameter of an operation.
type paramPlan struct {
	p *openapi3.Parameter
	// fast reports whether the parameter is certainly valid in the request; nil means the
	// parameter always goes to kin-openapi.
	fast func(q url.Values, r *http.Request, path map[string]string) bool
}

// compileParam returns the plan of a parameter.
func compileParam(p *openapi3.Parameter) paramPlan {
	plan := paramPlan{p: p}
	if p.Schema == nil || p.Schema.Value == nil || p.Content != nil || p.Style != "" || p.Explode != nil ||
		p.AllowEmptyValue || p.AllowReserved {
		return plan
	}
	check := compileScalar(p.Schema.Value)
	if check == nil {
		return plan
	}
	name, required := p.Name, p.Required
	switch p.In {
	case openapi3.ParameterInQuery:
		// Absent and optional: kin-openapi finds nothing and passes it. One non-empty value:
		// decoded as the schema's type and visited.
		plan.fast = func(q url.Values, _ *http.Request, _ map[string]string) bool {
			vs := q[name]
			switch {
			case len(vs) == 0:
				return !required
			case len(vs) == 1 && vs[0] != "":
				return check(vs[0])
			}
			return false
		}
	case openapi3.ParameterInPath:
		plan.fast = func(_ url.Values, _ *http.Request, path map[string]string) bool {
			v := path[name]
			return v != "" && check(v)
		}
	case openapi3.ParameterInHeader:
		key := http.CanonicalHeaderKey(name)
		plan.fast = func(_ url.Values, r *http.Request, _ map[string]string) bool {
			vs := r.Header[key]
			switch {
			case len(vs) == 0:
				return !required
			case vs[0] != "":
				return check(vs[0]) // kin-openapi reads the first value
			}
			return false
		}
	}
	return plan
}

// planKeys are the schema keywords plans model; a schema with any other keyword (format, pattern,
// oneOf, readOnly, default, an extension, ...) is left to kin-openapi.
var planKeys = map[string]bool{
	"type": true, "nullable": true, "description": true, "title": true, "example": true, "default": true,
	"properties": true, "additionalProperties": true, "required": true, "items": true, "enum": true,
	"minLength": true, "maxLength": true, "minimum": true, "maximum": true, "minItems": true, "maxItems": true,
}

// schemaField is a field of openapi3.Schema and the keyword it holds (its JSON name; "-" for the
// fields that are no keyword of their own: Extensions, Origin, Always).
type schemaField struct {
	index   int
	keyword string
	goName  string
}

var schemaFields = func() []schemaField {
	t := reflect.TypeFor[openapi3.Schema]()
	out := make([]schemaField, 0, t.NumField())
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		out = append(out, schemaField{index: i, keyword: name, goName: f.Name})
	}
	return out
}()

// modelled reports whether the plans model every keyword of s, and its type is one of the six. It
// looks at every field of the schema, so a keyword kin-openapi adds later is refused until it is
// modelled: any field that is set and is not one of planKeys (or is an extension, or the boolean
// schema's Always) sends the schema to kin-openapi.
func modelled(s *openapi3.Schema) bool {
	if !keywordsModelled(s) {
		return false
	}
	if s.Type == nil || len(*s.Type) != 1 {
		return false
	}
	switch (*s.Type)[0] {
	case "string", "integer", "number", "boolean", "array", "object":
	default:
		return false
	}
	if len(s.Enum) > 0 && (*s.Type)[0] != "string" {
		return false
	}
	for _, v := range s.Enum {
		if _, ok := v.(string); !ok {
			return false
		}
	}
	return true
}

// keywordsModelled reports whether every keyword set in s is one of planKeys.
func keywordsModelled(s *openapi3.Schema) bool {
	v := reflect.ValueOf(s).Elem()
	for _, f := range schemaFields {
		if f.goName == "Origin" || emptyValue(v.Field(f.index)) {
			continue
		}
		if f.keyword == "-" || f.keyword == "" || !planKeys[f.keyword] {
			return false
		}
	}
	return true
}

// emptyValue reports whether a field is unset, as omitempty judges it (structs: all zero).
func emptyValue(v reflect.Value) bool {
	switch v.Kind() {
	case reflect.Map, reflect.Slice, reflect.String:
		return v.Len() == 0
	case reflect.Pointer, reflect.Interface:
		return v.IsNil()
	}
	return v.IsZero()
}

// compileScalar returns a check of a raw parameter value against a string, integer or number
// schema, or nil. Integers and numbers are recognised only in plain decimal form (digits, no sign,
// at most 15 of them), which kin-openapi parses to the same value; anything else goes to it.
func compileScalar(s *openapi3.Schema) func(string) bool {
	if !modelled(s) || s.Nullable {
		return nil
	}
	switch (*s.Type)[0] {
	case "string":
		if s.Properties != nil || s.Items != nil || len(s.Required) > 0 {
			return nil
		}
		return stringCheck(s)
	case "integer", "number":
		lo, hi := s.Min, s.Max
		return func(raw string) bool {
			if len(raw) == 0 || len(raw) > 15 || (raw[0] == '0' && len(raw) > 1) {
				return false
			}
			var n int64
			for i := 0; i < len(raw); i++ {
				if raw[i] < '0' || raw[i] > '9' {
					return false
				}
				n = n*10 + int64(raw[i]-'0')
			}
			f := float64(n) // exact below 2^53
			return (lo == nil || *lo <= f) && (hi == nil || *hi >= f)
		}
	}
	return nil
}

// stringCheck checks a string against enum, minLength and maxLength as kin-openapi does (lengths
// in UTF-16 code units).
func stringCheck(s *openapi3.Schema) func(string) bool {
	var enum map[string]bool
	if len(s.Enum) > 0 {
		enum = make(map[string]bool, len(s.Enum))
		for _, v := range s.Enum {
			enum[v.(string)] = true
		}
	}
	minLen, maxLen := int64(s.MinLength), s.MaxLength
	return func(v string) bool {
		if enum != nil && !enum[v] {
			return false
		}
		if minLen != 0 || maxLen != nil {
			n := int64(0)
			for _, r := range v {
				if utf16.IsSurrogate(r) {
					n += 2
				} else {
					n++
				}
			}
			if n < minLen || (maxLen != nil && n > int64(*maxLen)) {
				return false
			}
		}
		return true
	}
}

// bodyNode checks a decoded JSON value against a schema: certainly valid, or not known to be.
type bodyNode func(v any) bool

// compileBody returns the plan of a body schema. Nodes whose schema the plans do not model check
// their value with kin-openapi (valid or not is decided node by node, as kin-openapi's own visit
// of an object's property or an array's item does); only the decision is used, never the message.
func compileBody(s *openapi3.Schema) bodyNode {
	return compileNode(s, map[*openapi3.Schema]bool{})
}

func kinNode(s *openapi3.Schema) bodyNode {
	return func(v any) bool {
		return s.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsRequest()) == nil
	}
}

func compileNode(s *openapi3.Schema, seen map[*openapi3.Schema]bool) bodyNode {
	if seen[s] || !modelled(s) {
		return kinNode(s)
	}
	seen[s] = true
	defer delete(seen, s)
	nullable := s.Nullable
	var check bodyNode
	switch (*s.Type)[0] {
	case "string":
		str := stringCheck(s)
		check = func(v any) bool {
			x, ok := v.(string)
			return ok && str(x)
		}
	case "integer", "number":
		integer := (*s.Type)[0] == "integer"
		lo, hi := s.Min, s.Max
		check = func(v any) bool {
			x, ok := v.(float64)
			if !ok || x > 1<<53 || x < -(1<<53) || (integer && x != float64(int64(x))) {
				return false
			}
			return (lo == nil || *lo <= x) && (hi == nil || *hi >= x)
		}
	case "boolean":
		check = func(v any) bool { _, ok := v.(bool); return ok }
	case "array":
		var item bodyNode
		if s.Items != nil {
			if s.Items.Value == nil {
				return kinNode(s)
			}
			item = compileNode(s.Items.Value, seen)
		}
		minItems, maxItems := s.MinItems, s.MaxItems
		check = func(v any) bool {
			list, ok := v.([]any)
			if !ok || uint64(len(list)) < minItems || (maxItems != nil && uint64(len(list)) > *maxItems) {
				return false
			}
			if item != nil {
				for _, e := range list {
					if !item(e) {
						return false
					}
				}
			}
			return true
		}
	case "object":
		if s.AdditionalProperties.Schema != nil {
			return kinNode(s)
		}
		closed := s.AdditionalProperties.Has != nil && !*s.AdditionalProperties.Has
		props := make(map[string]bodyNode, len(s.Properties))
		for name, ref := range s.Properties {
			// readOnly and writeOnly are checked by the object, not by the property's own visit.
			if ref.Value == nil || ref.Value.ReadOnly || ref.Value.WriteOnly {
				return kinNode(s)
			}
			props[name] = compileNode(ref.Value, seen)
		}
		required := s.Required
		check = func(v any) bool {
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			for k, x := range m {
				p, declared := props[k]
				if !declared {
					if closed {
						return false
					}
					continue
				}
				if !p(x) {
					return false
				}
			}
			for _, k := range required {
				if _, ok := m[k]; !ok {
					return false
				}
			}
			return true
		}
	default:
		return kinNode(s)
	}
	return func(v any) bool {
		if v == nil {
			return nullable
		}
		return check(v)
	}
}

// compilePlans builds the operation's plans: its parameters in ValidateRequest's order (the path
// item's, unless the operation redeclares them, then the operation's own) and its body. A document
// of OpenAPI 3.1 or later, which kin-openapi validates with other rules, gets no fast paths.
func (o *Operation) compilePlans(doc *openapi3.T) {
	fast := !doc.IsOpenAPI31OrLater()
	op := o.route.Operation
	add := func(p *openapi3.Parameter) {
		if fast {
			o.params = append(o.params, compileParam(p))
		} else {
			o.params = append(o.params, paramPlan{p: p})
		}
	}
	for _, p := range o.route.PathItem.Parameters {
		if op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			add(p.Value)
		}
	}
	for _, p := range op.Parameters {
		add(p.Value)
	}
	if fast && o.HasBody && o.BodyContentType == "application/json" {
		if media := op.RequestBody.Value.Content.Get(o.BodyContentType); media != nil && media.Schema != nil && media.Schema.Value != nil {
			o.body = compileBody(media.Schema.Value)
		}
	}
}
