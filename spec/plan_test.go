package spec

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// paramValues are the raw values tried for every parameter: valid and invalid for each type.
var paramValues = []string{"", "x", "abc def", "0", "1", "20", "99", "100", "101", "500", "501", "-1", "+1", "1.5", "007",
	"1e3", "0x10", "NaN", "9007199254740993", "123456789012345678901", "2021-07-28", "2021-04-15", "2023-02-21", "2021-07-29",
	"add", "remove", "ADD", "é日本", "\xff", strings.Repeat("a", 300), "true", "null"}

// TestPlansAgreeWithKin: whenever a parameter plan says "certainly valid", kin-openapi accepts the
// parameter too; so does kin-openapi a body its plan accepts. Every operation of the document,
// every parameter, with absent, empty, repeated and many typed values.
func TestPlansAgreeWithKin(t *testing.T) {
	s := MustDefault()
	ctx := context.Background()
	fastParams, fastYes := 0, 0
	for _, op := range s.Operations {
		for _, pp := range op.params {
			if pp.fast == nil {
				continue
			}
			fastParams++
			p := pp.p
			var cases [][]string // the parameter's values in one request; nil: absent
			cases = append(cases, nil)
			for _, v := range paramValues {
				cases = append(cases, []string{v})
			}
			cases = append(cases, []string{"1", "2"}, []string{"", "5"}, []string{"x", ""})
			for _, vals := range cases {
				r := httptest.NewRequest(op.Method, "/", nil)
				q := url.Values{}
				path := map[string]string{"other": "x"}
				switch p.In {
				case openapi3.ParameterInQuery:
					if vals != nil {
						q[p.Name] = vals
					}
					q.Set("unrelated", "1")
					r.URL.RawQuery = q.Encode()
				case openapi3.ParameterInHeader:
					if vals != nil {
						r.Header[http.CanonicalHeaderKey(p.Name)] = vals
					}
				case openapi3.ParameterInPath:
					if vals != nil {
						path[p.Name] = vals[0]
					}
				}
				if !pp.fast(r.URL.Query(), r, path) {
					continue
				}
				fastYes++
				input := &openapi3filter.RequestValidationInput{Request: r, PathParams: path, Route: op.route, Options: reqOptions}
				if err := openapi3filter.ValidateParameter(ctx, input, p); err != nil {
					t.Errorf("%s: parameter %s in %s = %q: the plan says valid, kin-openapi: %v", op.ID, p.Name, p.In, vals, err)
				}
			}
		}
	}
	if fastParams < 40 || fastYes < 100 {
		t.Errorf("only %d parameters have plans and %d values were found valid: the plans are not in use", fastParams, fastYes)
	}
	bodies, planned, jsonBodies := 0, 0, 0
	for _, op := range s.Operations {
		if op.HasBody && op.BodyContentType == "application/json" {
			jsonBodies++
		}
		if op.body == nil {
			continue
		}
		planned++
		schema := op.route.Operation.RequestBody.Value.Content.Get(op.BodyContentType).Schema.Value
		for _, v := range bodyValues(schema) {
			bodies++
			data, _ := json.Marshal(v)
			var decoded any
			if err := json.Unmarshal(data, &decoded); err != nil {
				t.Fatal(err)
			}
			if !op.body(decoded) {
				continue
			}
			if err := schema.VisitJSON(decoded, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
				t.Errorf("%s: body %s: the plan says valid, kin-openapi: %v", op.ID, data, err)
			}
		}
	}
	if planned != jsonBodies {
		t.Errorf("%d of %d JSON bodies have a plan", planned, jsonBodies)
	}
	t.Logf("%d parameter plans (%d values accepted), %d body plans, %d bodies", fastParams, fastYes, planned, bodies)
}

// TestPlansTakeTheCommonRequests: the requests the mock serves most pass their plans, so they
// really skip kin-openapi.
func TestPlansTakeTheCommonRequests(t *testing.T) {
	s := MustDefault()
	get := s.Operation("get-contacts")
	r := httptest.NewRequest("GET", "/contacts/?locationId=ve9EPM428h8vShlRW1KT&limit=20&query=ok&startAfter=1709648530123&startAfterId=pQ7rT2mXk9LwZ4aB8cDe", nil)
	r.Header.Set("Version", "2021-07-28")
	for _, pp := range get.params {
		if pp.fast == nil || !pp.fast(r.URL.Query(), r, nil) {
			t.Errorf("get-contacts: %s is not taken by its plan", pp.p.Name)
		}
	}
	create := s.Operation("create-contact")
	var body any
	_ = json.Unmarshal([]byte(`{"locationId":"L","firstName":"A","lastName":null,"email":"a@b.c","tags":["x"],"dnd":false,
		"customFields":[{"id":"f","field_value":"v"}],"source":"s","dateOfBirth":"1990-01-01"}`), &body)
	if create.body == nil || !create.body(body) {
		t.Error("create-contact: a common body is not taken by its plan")
	}
}

// bodyValues returns bodies around a schema: its example, each property set to values of every
// type, unknown properties, missing required ones, nulls.
func bodyValues(s *openapi3.Schema) []any {
	samples := []any{nil, "", "x", "2021-07-28T00:00:00Z", strings.Repeat("é", 80), 0.0, 1.0, -1.0, 1.5, 1e300, 500.0, 501.0,
		true, false, []any{}, []any{"a"}, []any{"a", 1.0}, []any{map[string]any{}}, map[string]any{}, map[string]any{"a": "b"}}
	base := map[string]any{}
	if ex, ok := s.Example.(map[string]any); ok {
		for k, v := range ex {
			base[k] = v
		}
	}
	for _, k := range s.Required {
		if _, ok := base[k]; !ok {
			base[k] = "x"
		}
	}
	out := []any{base, map[string]any{}, nil, "x", []any{base}}
	with := func(k string, v any) map[string]any {
		m := map[string]any{}
		for kk, vv := range base {
			m[kk] = vv
		}
		m[k] = v
		return m
	}
	for name, ref := range s.Properties {
		for _, v := range samples {
			out = append(out, with(name, v))
		}
		if ref.Value != nil {
			for _, sub := range bodyValues(ref.Value) {
				out = append(out, with(name, sub), with(name, []any{sub}))
			}
			if ref.Value.Items != nil && ref.Value.Items.Value != nil {
				for _, sub := range bodyValues(ref.Value.Items.Value) {
					out = append(out, with(name, []any{sub}))
				}
			}
		}
		without := with(name, nil)
		delete(without, name)
		out = append(out, without)
	}
	out = append(out, with("bogus", "x"), with("LocationId", "x"))
	return out
}

// FuzzBodyPlans: for any JSON body, a plan that accepts it is never contradicted by kin-openapi.
func FuzzBodyPlans(f *testing.F) {
	f.Add([]byte(`{"locationId":"L","firstName":"A","tags":["x"]}`))
	f.Add([]byte(`{"pageLimit":20,"page":1,"filters":[{"field":"tags","operator":"eq","value":"vip"}]}`))
	f.Add([]byte(`{"title":"t","dueDate":"2026-01-01T00:00:00Z","completed":false}`))
	s := MustDefault()
	f.Fuzz(func(t *testing.T, data []byte) {
		var v any
		if json.Unmarshal(data, &v) != nil {
			return
		}
		for _, op := range s.Operations {
			if op.body == nil || !op.body(v) {
				continue
			}
			schema := op.route.Operation.RequestBody.Value.Content.Get(op.BodyContentType).Schema.Value
			if err := schema.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
				t.Errorf("%s: body %s: the plan says valid, kin-openapi: %v", op.ID, data, err)
			}
		}
	})
}

// modelledByJSON is the reference for modelled: the schema's keywords as kin-openapi writes them.
func modelledByJSON(s *openapi3.Schema) bool {
	data, err := s.MarshalJSON()
	if err != nil {
		return false
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(data, &keys) != nil {
		return false
	}
	for k := range keys {
		if !planKeys[k] {
			return false
		}
	}
	return true
}

// TestModelledMatchesKeywords: reading the schema's fields finds exactly the keywords kin-openapi
// writes for it, over every schema of the document and schemas with one keyword of each kind set.
func TestModelledMatchesKeywords(t *testing.T) {
	s := MustDefault()
	var all []*openapi3.Schema
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.Schema)
	walk = func(x *openapi3.Schema) {
		if x == nil || seen[x] {
			return
		}
		seen[x] = true
		all = append(all, x)
		for _, r := range x.Properties {
			walk(r.Value)
		}
		if x.Items != nil {
			walk(x.Items.Value)
		}
		for _, list := range []openapi3.SchemaRefs{x.OneOf, x.AnyOf, x.AllOf} {
			for _, r := range list {
				walk(r.Value)
			}
		}
		if x.AdditionalProperties.Schema != nil {
			walk(x.AdditionalProperties.Schema.Value)
		}
	}
	for _, r := range s.Doc.Components.Schemas {
		walk(r.Value)
	}
	for _, op := range s.Operations {
		for _, pp := range op.params {
			if pp.p.Schema != nil {
				walk(pp.p.Schema.Value)
			}
		}
	}
	one := func(f func(*openapi3.Schema)) *openapi3.Schema {
		x := openapi3.NewStringSchema()
		f(x)
		return x
	}
	max := uint64(3)
	all = append(all,
		one(func(x *openapi3.Schema) { x.Format = "email" }),
		one(func(x *openapi3.Schema) { x.Pattern = "^a" }),
		one(func(x *openapi3.Schema) { x.ReadOnly = true }),
		one(func(x *openapi3.Schema) { x.Deprecated = true }),
		one(func(x *openapi3.Schema) { x.UniqueItems = true }),
		one(func(x *openapi3.Schema) { x.Extensions = map[string]any{"x-a": 1} }),
		one(func(x *openapi3.Schema) { x.MaxProps = &max }),
		one(func(x *openapi3.Schema) { x.Const = "a" }),
		one(func(x *openapi3.Schema) { x.Not = openapi3.NewSchemaRef("", openapi3.NewStringSchema()) }),
		one(func(x *openapi3.Schema) { x.MaxLength = &max; x.Description = "d"; x.Example = "e"; x.Nullable = true }),
		one(func(x *openapi3.Schema) { x.Extensions = map[string]any{} }),
	)
	for i, x := range all {
		if got, want := keywordsModelled(x), modelledByJSON(x); got != want {
			t.Errorf("schema %d (%q): keywordsModelled %v, by its written keywords %v", i, x.Title+x.Description, got, want)
		}
	}
	if len(all) < 50 {
		t.Fatalf("only %d schemas walked", len(all))
	}
}
