package shape

import (
	"context"
	"errors"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/spec"
)

func TestFormat(t *testing.T) {
	cases := []struct{ in, want string }{
		{"2021-11-26T12:41:02.193Z", "date-time (ms, Z)"},
		{"2021-11-26T12:41:02Z", "date-time (Z)"},
		{"2021-11-26T12:41:02.1Z", "date-time (Z)"},
		{"2021-11-26T12:41:02+05:30", "date-time (offset)"},
		{"2021-11-26 12:41:02", "date-time (no zone)"},
		{"2021-11-26T12:41", "date-time (no zone)"},
		{"2021-11-26", "date"},
		{"Fri, 26 Nov 2021 12:41:02 GMT", "http-date"},
		{"ocQHyuzHvysMo5N5VsXc", "id (20 alphanumeric)"},
		{"641c094001436dbc2081e642", "object id (24 hex)"},
		{"123456789012345678901234", "digits"}, // 24 digits are digits, not an ObjectId
		{"0b1f3c6e-8a2d-4e5f-9a7b-1c2d3e4f5a6b", "uuid"},
		{"+18832327657", "E.164 phone"},
		{"(883) 232-7657", ""},
		{"maria.okafor@example.org", "e-mail"},
		{"", "empty"},
		{"rubika deo", ""},
		{"https://elsewhere.example/x", "url"},
		{"http://127.0.0.1:8080/contacts/?locationId=ve9EPM428h8vShlRW1KT&startAfterId=pQ7rT2mXk9LwZ4aB8cDe&limit=2", "url {host}/contacts/?limit&locationId&startAfterId"},
		{"http://127.0.0.1:8080/contacts/pQ7rT2mXk9LwZ4aB8cDe/tasks", "url {host}/contacts/{id}/tasks"},
	}
	for _, c := range cases {
		if got := Format(c.in, "127.0.0.1:8080"); got != c.want {
			t.Errorf("Format(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	// The same self-link from two hosts compares equal once each host is rewritten.
	a := Format("https://services.leadconnectorhq.com/contacts/?limit=2&locationId=x", "services.leadconnectorhq.com")
	b := Format("http://127.0.0.1:9/contacts/?locationId=y&limit=3", "127.0.0.1:9")
	if a != b {
		t.Errorf("self-links differ after host rewriting: %q and %q", a, b)
	}
}

func TestOf(t *testing.T) {
	h := http.Header{"Content-Type": {"application/json"}, "Date": {"x"}, "X-Ratelimit-Remaining": {"9"}}
	body := `{"contacts":[{"id":"ocQHyuzHvysMo5N5VsXc","n":1,"tags":["a"]},{"id":"pQ7rT2mXk9LwZ4aB8cDe","n":1.5,"tags":[]}],"meta":{"startAfter":1709648530123,"nextPage":null}}`
	s := Of(200, h, []byte(body), "")
	if s.Body != "json" || s.Status != 200 {
		t.Fatalf("body %q status %d", s.Body, s.Status)
	}
	if want := []string{"Content-Type", "X-Ratelimit-Remaining"}; !slices.Equal(s.Headers, want) {
		t.Errorf("headers %v, want %v (Date is the transport's)", s.Headers, want)
	}
	wantTypes := map[string][]string{
		"/contacts": {"array"}, "/contacts/*": {"object"}, "/contacts/*/id": {"string"},
		"/contacts/*/n": {"integer", "number"}, "/contacts/*/tags": {"array"}, "/contacts/*/tags/*": {"string"},
		"/meta": {"object"}, "/meta/startAfter": {"integer"}, "/meta/nextPage": {"null"},
	}
	got := map[string][]string{}
	for p, l := range s.Fields {
		got[p] = l.Types
	}
	if !reflect.DeepEqual(got, wantTypes) {
		t.Errorf("fields\n got %v\nwant %v", got, wantTypes)
	}
	if f := s.Fields["/meta/startAfter"].Formats; !slices.Equal(f, []string{"epoch-ms"}) {
		t.Errorf("startAfter formats %v", f)
	}
	if ids := s.IDs["/contacts"]; !slices.Equal(ids, []string{"ocQHyuzHvysMo5N5VsXc", "pQ7rT2mXk9LwZ4aB8cDe"}) {
		t.Errorf("ids %v", ids)
	}
	if s := Of(502, http.Header{"Content-Type": {"text/html"}}, []byte("<html>"), ""); s.Body != "text/html" || len(s.Fields) != 0 {
		t.Errorf("an HTML body: %+v", s)
	}
	if s := Of(204, nil, nil, ""); s.Body != "empty" {
		t.Errorf("no body: %q", s.Body)
	}
	// A hostile depth is summarised, not followed to the end.
	deep := strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000)
	if s := Of(200, nil, []byte(deep), ""); len(s.Fields) > maxDepth+1 {
		t.Errorf("a 10000-deep body gave %d fields", len(s.Fields))
	}
}

func TestCompare(t *testing.T) {
	h := http.Header{"X-Ratelimit-Remaining": {"1"}}
	base := `{"contact":{"id":"ocQHyuzHvysMo5N5VsXc","dateAdded":"2021-11-26T12:41:02.193Z","total":3,"dnd":{"a":{"b":1}}},"list":[{"id":"aaaaaaaaaaaaaaaaaaaa"},{"id":"bbbbbbbbbbbbbbbbbbbb"},{"id":"cccccccccccccccccccc"}]}`
	cases := []struct {
		name   string
		status int
		header http.Header
		body   string
		want   []Difference
	}{
		{"same", 200, h, base, nil},
		{"status", 201, h, base, []Difference{{Kind: KindStatus, Where: "status", A: "200", B: "201"}}},
		{"header", 200, http.Header{}, base, []Difference{{Kind: KindHeader, Where: "header X-Ratelimit-Remaining", A: "present", B: "absent"}}},
		{"renamed", 200, h, strings.Replace(base, `"dateAdded"`, `"createdAt"`, 1),
			[]Difference{{Kind: KindRenamed, Where: "/contact/dateAdded", A: "/contact/dateAdded", B: "/contact/createdAt"}}},
		{"type", 200, h, strings.Replace(base, `"total":3`, `"total":"3"`, 1),
			[]Difference{{Kind: KindType, Where: "/contact/total", A: "integer", B: "string"}}},
		{"format", 200, h, strings.Replace(base, `2021-11-26T12:41:02.193Z`, `2021-11-26 12:41:02`, 1),
			[]Difference{{Kind: KindFormat, Where: "/contact/dateAdded", A: "date-time (ms, Z)", B: "date-time (no zone)"}}},
		// A missing object is one difference, not one per field below it.
		{"missing object", 200, h, strings.Replace(base, `,"dnd":{"a":{"b":1}}`, ``, 1),
			[]Difference{{Kind: KindField, Where: "/contact/dnd", A: "object", B: "absent"}}},
		{"order", 200, h, strings.Replace(base, `{"id":"aaaaaaaaaaaaaaaaaaaa"},{"id":"bbbbbbbbbbbbbbbbbbbb"}`, `{"id":"bbbbbbbbbbbbbbbbbbbb"},{"id":"aaaaaaaaaaaaaaaaaaaa"}`, 1),
			[]Difference{{Kind: KindOrder, Where: "/list", A: "aaaaaaaaaaaaaaaaaaaa, bbbbbbbbbbbbbbbbbbbb, cccccccccccccccccccc", B: "bbbbbbbbbbbbbbbbbbbb, aaaaaaaaaaaaaaaaaaaa, cccccccccccccccccccc"}}},
		// Ids only one side has do not count: the relative order of the others is kept.
		{"subset in order", 200, h, strings.Replace(base, `{"id":"bbbbbbbbbbbbbbbbbbbb"},`, ``, 1), nil},
		{"not JSON", 200, h, "<html>", []Difference{{Kind: KindBody, Where: "body", A: "json", B: "not JSON"}}},
	}
	a := Of(200, h, []byte(base), "")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Compare(a, Of(c.status, c.header, []byte(c.body), ""))
			if !reflect.DeepEqual(got, c.want) {
				t.Errorf("\n got %v\nwant %v", got, c.want)
			}
		})
	}
}

func TestProblems(t *testing.T) {
	err := &spec.ResponseError{OperationID: "x", Status: 200, Problems: []string{
		`response header "X-RateLimit-Remaining" missing`,
		"status is not supported",
		`body /notes/0/dateAdded: string doesn't match the format "date-time" (string doesn't match pattern "^[0-9]{4}$")`,
		"body /contact/locationId: is required but missing",
		`response header Content-Type has unexpected value: "text/html"`,
		"failed to decode response body: invalid character",
	}}
	want := []Problem{
		{"header X-Ratelimit-Remaining", `response header "X-RateLimit-Remaining" missing`},
		{"status", "status is not supported"},
		{"/notes/*/dateAdded", `string doesn't match the format "date-time"`},
		{"/contact/locationId", "is required but missing"},
		{"header Content-Type", `response header Content-Type has unexpected value: "text/html"`},
		{"body", "failed to decode response body: invalid character"},
	}
	if got := Problems(err); !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %v\nwant %v", got, want)
	}
	if Problems(nil) != nil {
		t.Error("nil error, problems")
	}
	if got := Problems(errors.New("boom")); len(got) != 1 || got[0].Where != "body" {
		t.Errorf("a plain error: %v", got)
	}
	if got := Generalize("/a/0/b/12/c/3"); got != "/a/*/b/*/c/*" {
		t.Errorf("Generalize: %q", got)
	}
}

// rateHeaders are the six headers every contacts answer must carry.
func rateHeaders() http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	for _, k := range []string{"X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining", "X-RateLimit-Daily-Reset", "X-RateLimit-Interval-Milliseconds", "X-RateLimit-Max", "X-RateLimit-Remaining"} {
		h.Set(k, "1")
	}
	return h
}

func TestValidateLooksPastMissingHeaders(t *testing.T) {
	op := spec.MustDefault().Operation("get-contacts")
	h := rateHeaders()
	h.Del("X-RateLimit-Remaining")
	h.Del("X-RateLimit-Max")
	body := []byte(`{"contacts":[],"meta":{"total":"25"}}`)
	got := Validate(context.Background(), op, nil, 200, h, body)
	var where []string
	for _, p := range got {
		where = append(where, p.Where)
	}
	slices.Sort(where)
	want := []string{"/meta/total", "header X-Ratelimit-Max", "header X-Ratelimit-Remaining"}
	if !slices.Equal(where, want) {
		t.Errorf("problems at %v, want %v (%v)", where, want, got)
	}
	if got := Validate(context.Background(), op, nil, 200, rateHeaders(), []byte(`{"contacts":[],"meta":{"total":25}}`)); got != nil {
		t.Errorf("a conforming answer: %v", got)
	}
}

func TestUntyped(t *testing.T) {
	sp := spec.MustDefault()
	op := sp.Operation("get-contact")
	cases := []struct {
		ptr  string
		want bool
	}{
		{"/contact/customFields/*/value", true},
		{"/contact/customFields/*/id", false},
		{"/contact/dateAdded", false},
		{"/contact/notInTheDocument", false},
	}
	for _, c := range cases {
		if got := Untyped(op, 200, c.ptr); got != c.want {
			t.Errorf("Untyped(%s) = %v", c.ptr, got)
		}
	}
	if Untyped(op, 599, "/contact") || Untyped(nil, 200, "/x") {
		t.Error("an undeclared status or no operation is not untyped")
	}
	// Through allOf: the duplicate lookup's contact.
	if !Untyped(sp.Operation("get-duplicate-contact"), 200, "/contact/customFields/*/value") {
		t.Error("allOf not followed")
	}
}
