package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactsmock/contactsmock/spec"
)

// The invalid-request generator: for every operation of the document it derives requests the
// document refuses, from the operation's parameters and its request-body schema (never from a
// hand-written list of fields), sends each to the mock and checks the answer: the status the live
// API gives for that kind of mistake, in the live error shape, with the state untouched.

// hugeLen is the length of the "huge" strings: far beyond any field, well under the body cap
// (with -invalid.all, hugeLen becomes 200 KiB).
var hugeLen = 16 << 10

// invalidMaxBody is the body cap of the mock under test (the oversized bodies go just beyond it;
// with -invalid.all it becomes 1 MiB).
var invalidMaxBody = 64 << 10

// Kinds of invalid requests, with the status the live API answers each with.
var invalidKinds = map[string]int{
	"wrong type":         http.StatusUnprocessableEntity,
	"null":               http.StatusUnprocessableEntity,
	"enum":               http.StatusUnprocessableEntity,
	"maxLength+1":        http.StatusUnprocessableEntity,
	"huge string":        http.StatusUnprocessableEntity,
	"minLength":          http.StatusUnprocessableEntity,
	"out of range":       http.StatusUnprocessableEntity,
	"format":             http.StatusUnprocessableEntity,
	"minItems":           http.StatusUnprocessableEntity,
	"maxItems":           http.StatusUnprocessableEntity,
	"missing required":   http.StatusUnprocessableEntity,
	"unknown property":   http.StatusUnprocessableEntity,
	"empty body":         http.StatusUnprocessableEntity,
	"broken JSON":        http.StatusBadRequest,
	"wrong content type": http.StatusBadRequest,
	"body over max-body": http.StatusRequestEntityTooLarge,
	"query":              http.StatusUnprocessableEntity,
	"path enum":          http.StatusUnprocessableEntity,
	"Version header":     http.StatusUnauthorized,
	"unknown id":         http.StatusBadRequest,
	// Values the document allows but that no client sends: any answer but a 5xx will do.
	"huge (allowed)": 0,
}

// invalidCase is one request the document refuses (or, for want 0, merely allows).
type invalidCase struct {
	kind, what  string
	method      string
	target      string
	contentType string
	body        []byte // nil: none
	header      map[string]string
	want        int    // the status; 0: anything but a 5xx
	message     string // the message the answer must hold, when known
}

// generator derives the invalid requests of one operation.
type generator struct {
	op       *spec.Operation
	schema   *openapi3.Schema // the request body's, nil when none
	form     bool             // the body is a form, not JSON
	base     map[string]any   // a valid body
	target   string           // the happy case's target
	params   map[string]string
	query    url.Values
	cases    []invalidCase
	rejected int // generated values the schema accepts after all (so not sent as invalid)
}

// baseRequest is a valid request of an operation: its happy case, or for the OAuth endpoints a
// form the document accepts.
func baseRequest(op *spec.Operation) (params map[string]string, query url.Values, body map[string]any) {
	switch op.ID {
	case "get-access-token":
		return nil, nil, map[string]any{"client_id": DefaultClientID, "client_secret": DefaultClientSecret,
			"grant_type": GrantRefreshToken, "refresh_token": "not-a-refresh-token"}
	case "get-location-access-token":
		return nil, nil, map[string]any{"companyId": companyX, "locationId": locA}
	}
	tc := happyCases[op.ID]
	q, err := url.ParseQuery(tc.query)
	if err != nil {
		panic(err)
	}
	if tc.body != nil {
		data, _ := json.Marshal(tc.body)
		if err := json.Unmarshal(data, &body); err != nil {
			panic(err)
		}
	}
	return tc.params, q, body
}

func newGenerator(op *spec.Operation) *generator {
	params, query, body := baseRequest(op)
	g := &generator{op: op, params: params, query: query, base: body, form: op.BodyContentType == "application/x-www-form-urlencoded"}
	g.target = expand(op.Path, params)
	if op.HasBody {
		g.schema = op.Route().Operation.RequestBody.Value.Content.Get(op.BodyContentType).Schema.Value
		if g.base == nil {
			g.base = map[string]any{}
		}
	}
	return g
}

func (g *generator) url(q url.Values) string {
	if len(q) == 0 {
		return g.target
	}
	return g.target + "?" + q.Encode()
}

// add records a case with the base request's target and the given body.
func (g *generator) add(kind, what string, body []byte, contentType string) {
	g.cases = append(g.cases, invalidCase{kind: kind, what: what, method: g.op.Method, target: g.url(g.query),
		contentType: contentType, body: body, want: invalidKinds[kind]})
}

// encode writes a body value in the operation's media type; ok is false for a value the media type
// cannot carry (a form holds only strings).
func (g *generator) encode(v any) ([]byte, bool) {
	if !g.form {
		data, err := json.Marshal(v)
		if err != nil {
			panic(err)
		}
		return data, true
	}
	m, isMap := v.(map[string]any)
	if !isMap {
		return nil, false
	}
	form := url.Values{}
	for k, x := range m {
		s, isString := x.(string)
		if !isString {
			return nil, false
		}
		form.Set(k, s)
	}
	return []byte(form.Encode()), true
}

// refused reports whether the document refuses a body value, by the same schema check the mock
// runs: a generated "invalid" value the document accepts after all is not an invalid request.
func (g *generator) refused(v any) bool {
	return g.schema.VisitJSON(v, openapi3.MultiErrors(), openapi3.VisitAsRequest()) != nil
}

// addBody records a body mutation, if the document refuses it and the media type can carry it.
func (g *generator) addBody(m mutation) {
	if !g.refused(m.value) {
		g.rejected++
		return
	}
	data, ok := g.encode(m.value)
	if !ok {
		return
	}
	g.add(m.kind, "body"+m.at+": "+m.what, data, g.op.BodyContentType)
}

// mutation is an invalid value for one place of a body.
type mutation struct {
	kind, what, at string
	value          any
}

// generate derives every invalid request of the operation.
func (g *generator) generate() []invalidCase {
	g.parameters()
	if g.schema != nil {
		g.bodies()
	}
	return g.cases
}

// parameters derives the invalid requests of the declared parameters.
func (g *generator) parameters() {
	route := g.op.Route()
	params := append(openapi3.Parameters{}, route.PathItem.Parameters...)
	params = append(params, route.Operation.Parameters...)
	for _, ref := range params {
		p := ref.Value
		var s *openapi3.Schema
		if p.Schema != nil {
			s = p.Schema.Value
		}
		switch p.In {
		case openapi3.ParameterInQuery:
			g.queryParam(p, s)
		case openapi3.ParameterInHeader:
			if p.Name == spec.VersionHeader {
				g.versionHeader(p)
			}
		case openapi3.ParameterInPath:
			g.pathParam(p, s)
		}
	}
}

func (g *generator) queryParam(p *openapi3.Parameter, s *openapi3.Schema) {
	with := func(kind, what, v string, drop bool) {
		q := url.Values{}
		for k, vs := range g.query {
			q[k] = vs
		}
		if drop {
			q.Del(p.Name)
		} else {
			q.Set(p.Name, v)
		}
		g.cases = append(g.cases, invalidCase{kind: kind, what: "query " + p.Name + ": " + what, method: g.op.Method,
			target: g.url(q), contentType: g.contentType(), body: g.baseBody(), want: invalidKinds[kind]})
	}
	if p.Required {
		with("query", "missing", "", true)
		with("query", "empty", "", false)
	}
	if s == nil {
		return
	}
	switch {
	case s.Type.Is("integer"):
		with("query", "not a number", "abc", false)
		with("query", "not an integer", "1.5", false)
	case s.Type.Is("number"):
		with("query", "not a number", "abc", false)
	case s.Type.Is("boolean"):
		with("query", "not a boolean", "maybe", false)
	}
	if s.Min != nil {
		with("query", "below minimum", strconv.FormatFloat(*s.Min-1, 'f', -1, 64), false)
	}
	if s.Max != nil {
		with("query", "above maximum", strconv.FormatFloat(*s.Max+1, 'f', -1, 64), false)
	}
	if len(s.Enum) > 0 {
		with("query", "not in the enum", "not-an-enum-value", false)
	}
	if s.MaxLength != nil {
		with("query", "maxLength+1", strings.Repeat("q", int(*s.MaxLength)+1), false)
	} else if s.Type.Is("string") {
		with("huge (allowed)", "huge", strings.Repeat("q", hugeLen), false)
	}
}

func (g *generator) versionHeader(p *openapi3.Parameter) {
	for _, v := range []struct{ what, value, msg string }{
		{"missing", "", msgVersionMissing},
		{"not in the enum", "1999-01-01", msgVersionInvalid},
	} {
		if v.value == "" && !p.Required {
			continue
		}
		g.cases = append(g.cases, invalidCase{kind: "Version header", what: "Version " + v.what, method: g.op.Method,
			target: g.url(g.query), contentType: g.contentType(), body: g.baseBody(),
			header: map[string]string{spec.VersionHeader: v.value}, want: http.StatusUnauthorized, message: v.msg})
	}
}

// resourceParams are the path parameters naming a stored resource: an unknown id is 400 "<Kind>
// with id <id> not found". (Campaigns, workflows and businesses are not stored resources.)
var resourceParams = map[string]string{"contactId": "Contact", "taskId": "Task", "id": "Note"}

func (g *generator) pathParam(p *openapi3.Parameter, s *openapi3.Schema) {
	with := func(kind, what, v string, want int, msg string) {
		params := map[string]string{}
		for k, x := range g.params {
			params[k] = x
		}
		params[p.Name] = v
		target := expand(g.op.Path, params)
		if len(g.query) > 0 {
			target += "?" + g.query.Encode()
		}
		g.cases = append(g.cases, invalidCase{kind: kind, what: "path " + p.Name + ": " + what, method: g.op.Method,
			target: target, contentType: g.contentType(), body: g.baseBody(), want: want, message: msg})
	}
	if s != nil && len(s.Enum) > 0 {
		with("path enum", "not in the enum", "sideways", http.StatusUnprocessableEntity, "")
	}
	if kind, ok := resourceParams[p.Name]; ok {
		with("unknown id", "unknown", "NoSuchIdXXXXXXXXXXXX", http.StatusBadRequest, kind+" with id NoSuchIdXXXXXXXXXXXX not found")
		huge := strings.Repeat("Z", hugeLen)
		with("unknown id", "huge", huge, http.StatusBadRequest, kind+" with id "+huge+" not found")
	}
}

func (g *generator) contentType() string {
	if g.op.HasBody {
		return g.op.BodyContentType
	}
	return ""
}

func (g *generator) baseBody() []byte {
	if !g.op.HasBody {
		return nil
	}
	data, _ := g.encode(g.base)
	return data
}

// bodies derives the invalid bodies: malformed ones, wrong media types, empty and oversized
// bodies, then every mutation of the schema.
func (g *generator) bodies() {
	if !g.form {
		for _, b := range []string{`{`, `{"a":`, `{"a" 1}`, `{"a":1,}`, `nul`, `{}}`, `{} {}`, `[1,2`, `"unterminated`, "{\x00}", `{'a':1}`, "\xef\xbb\xbf{}"} {
			g.add("broken JSON", fmt.Sprintf("%q", b), []byte(b), g.op.BodyContentType)
		}
	}
	wrongTypes := []string{"text/plain", "application/xml", "multipart/form-data; boundary=zz", ";;;", "application/json"}
	for _, ct := range wrongTypes {
		if strings.EqualFold(ct, g.op.BodyContentType) {
			ct = "application/x-www-form-urlencoded"
		}
		g.add("wrong content type", ct, g.baseBody(), ct)
	}
	if len(g.schema.Required) > 0 {
		g.add("empty body", "no bytes", []byte{}, g.op.BodyContentType)
	}
	for _, n := range []int{invalidMaxBody + 1, 4 * invalidMaxBody} {
		pad := strings.Repeat("p", n)
		body := []byte(pad)
		if !g.form {
			body = []byte(`{"pad":"` + pad[:n-10] + `"}`)
		}
		g.add("body over max-body", fmt.Sprintf("%d bytes", len(body)), body, g.op.BodyContentType)
	}
	for _, m := range mutateObject(g.schema, g.base, "", 0) {
		g.addBody(m)
	}
	// Huge strings where the document sets no limit: allowed, so any answer but a 5xx will do.
	for _, name := range sortedProps(g.schema) {
		ps := g.schema.Properties[name].Value
		if ps.Type.Is("string") && ps.MaxLength == nil && len(ps.Enum) == 0 {
			v := cloneMap(g.base)
			v[name] = strings.Repeat("h", hugeLen)
			if data, ok := g.encode(v); ok {
				g.add("huge (allowed)", "body."+name, data, g.op.BodyContentType)
			}
		}
	}
}

// maxDepth bounds the walk into nested schemas (search filters nest without end).
const maxDepth = 4

// mutateObject returns the mutations of an object schema applied to base (a valid value): each
// required property missing, an unknown property, and every mutation of every property.
func mutateObject(s *openapi3.Schema, base map[string]any, at string, depth int) []mutation {
	var out []mutation
	for _, req := range s.Required {
		if _, ok := base[req]; !ok {
			continue
		}
		v := cloneMap(base)
		delete(v, req)
		out = append(out, mutation{kind: "missing required", what: req + " missing", at: at, value: v})
	}
	if ap := s.AdditionalProperties.Has; ap != nil && !*ap {
		v := cloneMap(base)
		v["zzUnknownProperty"] = 1
		out = append(out, mutation{kind: "unknown property", what: "zzUnknownProperty", at: at, value: v})
	}
	for _, name := range sortedProps(s) {
		ps := s.Properties[name].Value
		for _, m := range mutateValue(ps, at+"."+name, depth+1) {
			v := cloneMap(base)
			v[name] = m.value
			m.value = v
			out = append(out, m)
		}
	}
	return out
}

// wrongTypes are values of every JSON type; those a schema accepts are dropped (see refused).
var wrongTypes = []struct {
	what  string
	value any
}{
	{"a string", "x"}, {"an integer", 12345}, {"a fraction", 1.5}, {"a boolean", true},
	{"an object", map[string]any{}}, {"an array", []any{}},
}

// invalidAll sends every wrong type to every place; by default each place gets two of them, in
// turn, so that the run stays bounded while every type still reaches every kind of place.
var invalidAll = flag.Bool("invalid.all", false, "TestInvalidRequestsFromDocument: send every wrong JSON type to every place of every body")

// mutateValue returns invalid replacements for a value of schema s.
func mutateValue(s *openapi3.Schema, at string, depth int) []mutation {
	var out []mutation
	add := func(kind, what string, v any) { out = append(out, mutation{kind: kind, what: what, at: at, value: v}) }
	turn := len(at) // a cheap, stable spread over the places
	for i, wt := range wrongTypes {
		if *invalidAll || (i+turn)%3 == 0 {
			add("wrong type", wt.what, wt.value)
		}
	}
	if !s.Nullable {
		add("null", "null", nil)
	}
	if depth > maxDepth {
		return out
	}
	if len(s.Enum) > 0 {
		add("enum", "not in the enum", "not-an-enum-value")
	}
	if s.MaxLength != nil {
		add("maxLength+1", fmt.Sprintf("%d characters", *s.MaxLength+1), strings.Repeat("m", int(*s.MaxLength)+1))
		add("huge string", fmt.Sprintf("%d characters", hugeLen), strings.Repeat("m", hugeLen))
	}
	if s.MinLength > 0 {
		add("minLength", "too short", strings.Repeat("m", int(s.MinLength)-1))
	}
	if s.Min != nil {
		add("out of range", "below minimum", *s.Min-1)
	}
	if s.Max != nil {
		add("out of range", "above maximum", *s.Max+1)
	}
	if s.Format == "date-time" {
		add("format", "not a date-time", "next tuesday")
	}
	if s.Type.Is("array") {
		if s.MinItems > 0 {
			add("minItems", "too few items", []any{})
		}
		if s.MaxItems != nil {
			items := make([]any, *s.MaxItems+1)
			for i := range items {
				items[i] = minimal(s.Items.Value, depth)
			}
			add("maxItems", "too many items", items)
		}
		if s.Items != nil {
			for _, m := range mutateValue(s.Items.Value, at+"[0]", depth+1) {
				m.value = []any{m.value}
				out = append(out, m)
			}
		}
	}
	if s.Type.Is("object") || len(s.Properties) > 0 {
		if base, ok := minimal(s, depth).(map[string]any); ok {
			out = append(out, mutateObject(s, base, at, depth)...)
		}
	}
	for _, alt := range append(append(openapi3.SchemaRefs{}, s.OneOf...), s.AnyOf...) {
		if base, ok := minimal(alt.Value, depth).(map[string]any); ok {
			out = append(out, mutateObject(alt.Value, base, at, depth)...)
		}
	}
	return out
}

// minimal returns the smallest value schema s accepts.
func minimal(s *openapi3.Schema, depth int) any {
	if len(s.OneOf) > 0 {
		return minimal(s.OneOf[0].Value, depth)
	}
	if len(s.AnyOf) > 0 {
		return minimal(s.AnyOf[0].Value, depth)
	}
	if len(s.Enum) > 0 {
		return s.Enum[0]
	}
	switch {
	case s.Type.Is("object") || len(s.Properties) > 0:
		m := map[string]any{}
		for _, req := range s.Required {
			if p := s.Properties[req]; p != nil {
				m[req] = minimal(p.Value, depth+1)
			}
		}
		return m
	case s.Type.Is("array"):
		items := []any{}
		for range s.MinItems {
			items = append(items, minimal(s.Items.Value, depth+1))
		}
		return items
	case s.Type.Is("string"):
		if s.Format == "date-time" {
			return "2026-03-01T12:00:00Z"
		}
		return strings.Repeat("v", max(int(s.MinLength), 1))
	case s.Type.Is("integer"), s.Type.Is("number"):
		if s.Min != nil {
			return *s.Min
		}
		return 1
	case s.Type.Is("boolean"):
		return true
	}
	return "v"
}

func sortedProps(s *openapi3.Schema) []string {
	names := make([]string, 0, len(s.Properties))
	for n := range s.Properties {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func cloneMap(m map[string]any) map[string]any {
	out := make(map[string]any, len(m)+1)
	for k, v := range m {
		out[k] = v
	}
	return out
}

// invalidHarness is the mock the generated requests go to: strict, unlimited, with its locations in
// companies (for the agency endpoint) and a body cap of invalidMaxBody.
func invalidHarness(t *testing.T) (*harness, map[string]string) {
	h := newHarness(t, withCompanies, func(c *Config) {
		c.RateLimits = RateLimits{Off: true}
		c.MaxBody = int64(invalidMaxBody)
	})
	company, err := h.srv.MintCompanyToken(companyX, h.srv.auth.AdminTokenScopes(UserTypeCompany), 0)
	if err != nil {
		t.Fatal(err)
	}
	return h, map[string]string{UserTypeLocation: h.full, UserTypeCompany: company.AccessToken, "": ""}
}

// send sends one generated request.
func (h *harness) send(c invalidCase, token string) (result, error) {
	var body io.Reader
	if c.body != nil {
		body = bytes.NewReader(c.body)
	}
	req, err := http.NewRequestWithContext(context.Background(), c.method, h.http.URL+c.target, body)
	if err != nil {
		return result{}, err
	}
	req.Header.Set("Version", apiVer)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if c.contentType != "" {
		req.Header.Set("Content-Type", c.contentType)
	}
	for k, v := range c.header {
		if v == "" {
			req.Header.Del(k)
		} else {
			req.Header.Set(k, v)
		}
	}
	resp, err := h.http.Client().Do(req)
	if err != nil {
		return result{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return result{}, err
	}
	out := result{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	_ = json.Unmarshal(raw, &out.Body)
	return out, nil
}

// TestInvalidRequestsFromDocument sends every invalid request the generator derives, for every
// operation, and logs how many it tried. Operations are shared out among a few workers, each with
// its own mock, that run in parallel.
func TestInvalidRequestsFromDocument(t *testing.T) {
	if *invalidAll {
		hugeLen, invalidMaxBody = 200<<10, 1<<20
	}
	sp := spec.MustDefault()
	for _, op := range sp.Operations {
		if _, ok := happyCases[op.ID]; !ok && !op.Public() && op.UserType == UserTypeLocation {
			t.Fatalf("no happy case for %s", op.ID)
		}
	}
	var mu sync.Mutex // guards counts, total and rejected
	counts := map[string]map[string]int{}
	total, rejected := 0, 0
	workers := min(runtime.GOMAXPROCS(0), 4)
	t.Run("workers", func(t *testing.T) {
		for w := range workers {
			t.Run(strconv.Itoa(w), func(t *testing.T) {
				t.Parallel()
				h, tokens := invalidHarness(t)
				for i, op := range sp.Operations {
					if i%workers != w {
						continue
					}
					g := newGenerator(op)
					cases := g.generate()
					if len(cases) == 0 {
						t.Errorf("%s: the generator derived no invalid request", op.ID)
					}
					n := sendInvalid(t, h, tokens[op.UserType], op, cases)
					mu.Lock()
					counts[op.ID] = n
					total += len(cases)
					rejected += g.rejected
					mu.Unlock()
				}
			})
		}
	})
	logInvalidCounts(t, sp, counts, total, rejected)
}

// sendInvalid sends an operation's invalid requests, checks each answer and returns how many it
// sent of each kind. The mock is in its initial state before and after.
func sendInvalid(t *testing.T, h *harness, token string, op *spec.Operation, cases []invalidCase) map[string]int {
	counts := map[string]int{}
	before := stateBytes(h.srv) // the state every case starts from
	for _, c := range cases {
		counts[c.kind]++
		r, err := h.send(c, token)
		if err != nil {
			t.Errorf("%s %s: %v", op.ID, c.what, err)
			continue
		}
		got := served{Status: r.Status, Header: r.Header, Raw: r.Raw}
		check := before
		if c.want == 0 {
			check = nil
		}
		for _, p := range checkAnswer(h.srv, got, check) {
			t.Errorf("%s [%s] %s: %s", op.ID, c.kind, c.what, p)
		}
		switch {
		case c.want == 0:
			if r.Status < 300 {
				if err := h.srv.store.Restore(context.Background(), h.srv.cfg.Initial); err != nil {
					t.Fatal(err)
				}
			}
		case r.Status != c.want:
			t.Errorf("%s [%s] %s: status %d, want %d; body %.300s", op.ID, c.kind, c.what, r.Status, c.want, r.Raw)
		case c.message != "" && r.str("message") != c.message:
			t.Errorf("%s [%s] %s: message %.200q, want %.200q", op.ID, c.kind, c.what, r.str("message"), c.message)
		}
	}
	return counts
}

// logInvalidCounts logs the table of invalid requests tried: one line per operation, a column per
// kind.
func logInvalidCounts(t *testing.T, sp *spec.Spec, counts map[string]map[string]int, total, rejected int) {
	kinds := make([]string, 0, len(invalidKinds))
	for k := range invalidKinds {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var b strings.Builder
	fmt.Fprintf(&b, "invalid requests tried: %d over %d operations (%d generated values the document accepts were not sent)\n", total, len(sp.Operations), rejected)
	fmt.Fprintf(&b, "%-36s %6s", "operation", "total")
	for _, k := range kinds {
		fmt.Fprintf(&b, " | %s", k)
	}
	b.WriteString("\n")
	for _, op := range sp.Operations {
		c := counts[op.ID]
		n := 0
		for _, v := range c {
			n += v
		}
		fmt.Fprintf(&b, "%-36s %6d", op.ID, n)
		for _, k := range kinds {
			fmt.Fprintf(&b, " | %d", c[k])
		}
		b.WriteString("\n")
	}
	t.Log(b.String())
}
