package spec

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

func TestEmbeddedDocumentIndex(t *testing.T) {
	s := MustDefault()
	contacts := 0
	for _, op := range s.Operations {
		if strings.HasPrefix(op.Path, "/contacts") {
			contacts++
			if op.UserType != "Location" {
				t.Errorf("%s: user type %q, want Location", op.ID, op.UserType)
			}
			if !op.Versioned || !op.VersionRequired {
				t.Errorf("%s: the Version header is not required", op.ID)
			}
			for _, code := range []int{400, 401, 429} {
				if !op.Declares(code) {
					t.Errorf("%s does not declare %d", op.ID, code)
				}
			}
		}
		if s.Operation(op.ID) != op {
			t.Errorf("Operation(%q) does not return the operation", op.ID)
		}
	}
	if contacts != 32 {
		t.Errorf("%d contacts operations, want 32", contacts)
	}
	for _, op := range s.Operations {
		if !op.Versioned {
			continue
		}
		if len(op.Versions) == 0 || op.Versions[0] != "2021-07-28" {
			t.Errorf("%s: Versions %v, want 2021-07-28 first", op.ID, op.Versions)
		}
		if !op.AcceptsVersion("2023-02-21", false) || op.AcceptsVersion("2023-02-21", true) || !op.AcceptsVersion("2021-07-28", true) || op.AcceptsVersion("2020-01-01", false) {
			t.Errorf("%s: AcceptsVersion does not follow the enum and strict mode", op.ID)
		}
	}
	// An operation whose Version header names no values accepts any.
	if !(&Operation{}).AcceptsVersion("anything", true) {
		t.Errorf("an operation without Version values refused a value")
	}
}

// TestLiveFacts pins facts of the live API the document must state (reference §2, §7).
func TestLiveFacts(t *testing.T) {
	s := MustDefault()
	created := []string{"create-contact", "create-task", "create-note", "add-tags", "add-followers-contact", "add-contact-to-campaign", "create-association"}
	for _, op := range s.Operations {
		want := 200
		if slices.Contains(created, op.ID) {
			want = 201
		}
		if op.SuccessStatus != want {
			t.Errorf("%s: success %d, want %d", op.ID, op.SuccessStatus, want)
		}
	}
	scopes := map[string]string{
		"get-contact": "contacts.readonly", "search-contacts-advanced": "contacts.readonly",
		"update-contact": "contacts.write", "create-association": "contacts.write",
		"add-remove-contact-from-business": "contacts.write", "get-location-access-token": "oauth.write",
	}
	for id, scope := range scopes {
		if op := s.Operation(id); op == nil || !slices.Equal(op.Scopes, []string{scope}) {
			t.Errorf("%s: scopes %v, want [%s]", id, op.Scopes, scope)
		}
	}
	if op := s.Operation("get-access-token"); op == nil || !op.Public() {
		t.Errorf("get-access-token must be public")
	}
	for id, in := range map[string]string{"get-contacts": "query", "create-contact": "body", "search-contacts-advanced": "body", "get-contact": ""} {
		if got := s.Operation(id).LocationIn; got != in {
			t.Errorf("%s: LocationIn %q, want %q", id, got, in)
		}
	}
}

func TestFind(t *testing.T) {
	s := MustDefault()
	tests := []struct {
		name, method, path string
		wantID             string
		wantParams         map[string]string
		wantErr            error
	}{
		{"collection with slash", "GET", "/contacts/", "get-contacts", nil, nil},
		{"collection without slash", "GET", "/contacts", "get-contacts", nil, nil},
		{"literal beats parameter", "POST", "/contacts/search", "search-contacts-advanced", nil, nil},
		{"nested literal", "GET", "/contacts/search/duplicate", "get-duplicate-contact", nil, nil},
		{"parameter", "GET", "/contacts/abc123", "get-contact", map[string]string{"contactId": "abc123"}, nil},
		{"trailing slash on item", "GET", "/contacts/abc123/", "get-contact", map[string]string{"contactId": "abc123"}, nil},
		{"removeAll literal", "DELETE", "/contacts/c1/campaigns/removeAll", "remove-contact-from-every-campaign", map[string]string{"contactId": "c1"}, nil},
		{"campaign parameter", "DELETE", "/contacts/c1/campaigns/k9", "remove-contact-from-campaign", map[string]string{"contactId": "c1", "campaignId": "k9"}, nil},
		{"post to removeAll is a campaign id", "POST", "/contacts/c1/campaigns/removeAll", "add-contact-to-campaign", map[string]string{"contactId": "c1", "campaignId": "removeAll"}, nil},
		{"note id param", "GET", "/contacts/c1/notes/n1", "get-note", map[string]string{"contactId": "c1", "id": "n1"}, nil},
		{"escaped slash stays in the segment", "GET", "/contacts/a%2Fb", "get-contact", map[string]string{"contactId": "a/b"}, nil},
		{"bulk tags type", "POST", "/contacts/bulk/tags/update/add", "create-association", map[string]string{"type": "add"}, nil},
		{"unknown path", "GET", "/nope", "", nil, ErrNotFound},
		{"too deep", "GET", "/contacts/a/tasks/b/completed/x", "", nil, ErrNotFound},
		{"wrong method", "PATCH", "/contacts/abc", "", nil, ErrMethodNotAllowed},
		{"empty segment is no id", "GET", "/contacts//tasks", "", nil, ErrNotFound},
		{"longer than the stack's segments", "GET", "/contacts" + strings.Repeat("/x", 40), "", nil, ErrNotFound},
		{"literal tried before parameter, then parameter", "GET", "/contacts/search/tasks", "get-all-tasks", map[string]string{"contactId": "search"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op, params, err := s.Find(tt.method, tt.path)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				return
			}
			if op.ID != tt.wantID {
				t.Errorf("op = %s, want %s", op.ID, tt.wantID)
			}
			if len(params) != len(tt.wantParams) {
				t.Errorf("params %v, want %v", params, tt.wantParams)
			}
			for k, v := range tt.wantParams {
				if params[k] != v {
					t.Errorf("param %s = %q, want %q", k, params[k], v)
				}
			}
		})
	}
}

// TestRouterRefusesTooManyParameters: find keeps parameter values in an array of maxPathParams;
// a path with more is refused when the document loads, not cut short at run time.
func TestRouterRefusesTooManyParameters(t *testing.T) {
	path := ""
	for i := range maxPathParams + 1 {
		path += fmt.Sprintf("/{p%d}", i)
	}
	err := newRouter().add(&Operation{ID: "deep", Method: "GET", Path: path})
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("add: %v, want a refusal", err)
	}
	rt := newRouter()
	if err := rt.add(&Operation{ID: "ok", Method: "GET", Path: path[:strings.LastIndex(path, "/")]}); err != nil {
		t.Fatalf("add with %d parameters: %v", maxPathParams, err)
	}
	op, params, err := rt.find("GET", "/a/b/c/d/e/f/g/h")
	if err != nil || op.ID != "ok" || len(params) != maxPathParams || params["p7"] != "h" {
		t.Fatalf("find: %v %v %v", op, params, err)
	}
}

func TestValidateRequestMessages(t *testing.T) {
	s := MustDefault()
	tests := []struct {
		name      string
		op        string
		target    string
		ctype     string
		body      string
		malformed bool
		want      []string // messages that must be present
	}{
		{"unknown property on update", "update-contact", "/contacts/x", "application/json", `{"gender":"male","firstName":"A"}`, false, []string{"property gender should not exist"}},
		{"missing required on create", "create-contact", "/contacts/", "application/json", `{"firstName":"A"}`, false, []string{"locationId should not be empty"}},
		{"empty body is an empty object", "create-contact", "/contacts/", "application/json", ``, false, []string{"locationId should not be empty"}},
		{"wrong type", "create-task", "/contacts/x/tasks", "application/json", `{"title":5,"dueDate":"2026-01-01T00:00:00Z","completed":false}`, false, []string{"title must be a string"}},
		{"bad date-time", "create-task", "/contacts/x/tasks", "application/json", `{"title":"t","dueDate":"tomorrow","completed":false}`, false, []string{"dueDate must be a valid ISO 8601 date string"}},
		{"enum in nested", "search-contacts-advanced", "/contacts/search", "application/json", `{"locationId":"l","pageLimit":10,"sort":[{"field":"dateAdded","direction":"up"}]}`, false, []string{"sort.0.direction must be one of the following values: asc, desc"}},
		{"maximum", "search-contacts-advanced", "/contacts/search", "application/json", `{"locationId":"l","pageLimit":501}`, false, []string{"pageLimit must not be greater than 500"}},
		{"query maximum", "get-contacts", "/contacts/?locationId=l&limit=101", "", ``, false, []string{"limit must not be greater than 100"}},
		{"missing query", "get-contacts", "/contacts/", "", ``, false, []string{"locationId should not be empty"}},
		{"empty required query", "get-contacts", "/contacts/?locationId=&limit=5", "", ``, false, []string{"locationId should not be empty"}},
		{"empty required query on the duplicate lookup", "get-duplicate-contact", "/contacts/search/duplicate?locationId=&email=a@b.c", "", ``, false, []string{"locationId should not be empty"}},
		{"query not a number", "get-contacts", "/contacts/?locationId=l&limit=ten", "", ``, false, []string{"limit must be an integer number"}},
		{"broken JSON", "create-contact", "/contacts/", "application/json", `{"locationId":`, true, []string{"Unexpected end of JSON input"}},
		{"syntax error", "create-contact", "/contacts/", "application/json", `{"locationId" "x"}`, true, []string{"Unexpected token in JSON at position 14"}},
		{"wrong content type", "create-contact", "/contacts/", "text/plain", `{"locationId":"x"}`, true, []string{`Content-Type "text/plain" is not supported here: send application/json`}},
		{"form unknown field", "get-access-token", "/oauth/token", "application/x-www-form-urlencoded", `client_id=a&client_secret=b&grant_type=refresh_token&extra=1`, false, []string{"property extra should not exist"}},
		{"form bad enum", "get-access-token", "/oauth/token", "application/x-www-form-urlencoded", `client_id=a&client_secret=b&grant_type=password`, false, []string{"grant_type must be one of the following values: authorization_code, refresh_token, client_credentials"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := s.Operation(tt.op)
			r := httptest.NewRequest(op.Method, tt.target, strings.NewReader(tt.body))
			if tt.ctype != "" {
				r.Header.Set("Content-Type", tt.ctype)
			}
			r.Header.Set("Version", "2021-07-28")
			_, params, err := s.FindRequest(r)
			if err != nil {
				t.Fatal(err)
			}
			err = op.ValidateRequest(context.Background(), r, params, []byte(tt.body))
			var re *RequestError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RequestError", err)
			}
			if re.Malformed != tt.malformed {
				t.Errorf("Malformed = %v, want %v", re.Malformed, tt.malformed)
			}
			for _, w := range tt.want {
				if !slices.Contains(re.Messages, w) {
					t.Errorf("messages %q lack %q", re.Messages, w)
				}
			}
		})
	}
}

func TestValidateRequestAcceptsValid(t *testing.T) {
	s := MustDefault()
	op := s.Operation("create-contact")
	body := `{"locationId":"l","firstName":"Ann","email":null,"tags":["a"],"customFields":[{"key":"k","field_value":3}]}`
	r := httptest.NewRequest(http.MethodPost, "/contacts/", strings.NewReader(body))
	r.Header.Set("Content-Type", "application/json; charset=utf-8")
	r.Header.Set("Version", "2021-07-28")
	if err := op.ValidateRequest(context.Background(), r, nil, []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func TestValidateResponse(t *testing.T) {
	s := MustDefault()
	op := s.Operation("get-contact")
	hdr := http.Header{"Content-Type": {"application/json"}}
	for _, h := range []string{"X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining", "X-RateLimit-Daily-Reset",
		"X-RateLimit-Interval-Milliseconds", "X-RateLimit-Max", "X-RateLimit-Remaining"} {
		hdr.Set(h, "1")
	}
	good := `{"contact":{"id":"abc","locationId":"l","dateAdded":"2026-01-01T00:00:00.000Z","tags":[],"customFields":[],"followers":[],"dnd":false,"type":"lead","dateUpdated":"2026-01-01T00:00:00.000Z"}}`
	if err := op.ValidateResponse(context.Background(), nil, 200, hdr, []byte(good)); err != nil {
		t.Fatalf("valid response refused: %v", err)
	}
	tests := []struct {
		name   string
		status int
		body   string
		drop   string
		want   string
	}{
		{"renamed field", 200, strings.Replace(good, `"id"`, `"_id"`, 1), "", "body /contact/id: is required but missing"},
		{"undeclared status", 204, good, "", "status is not supported"},
		{"missing header", 200, good, "X-RateLimit-Remaining", "X-RateLimit-Remaining"},
		{"wrong type", 200, strings.Replace(good, `"tags":[]`, `"tags":"x"`, 1), "", "/contact/tags"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := hdr.Clone()
			if tt.drop != "" {
				h.Del(tt.drop)
			}
			err := op.ValidateResponse(context.Background(), nil, tt.status, h, []byte(tt.body))
			var re *ResponseError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want *ResponseError", err)
			}
			if re.OperationID != "get-contact" || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q does not name get-contact and %q", err, tt.want)
			}
		})
	}
}

func TestLoadRefusesBadDocuments(t *testing.T) {
	tests := []struct{ name, doc, want string }{
		{"not yaml", "{{{", "spec: parse"},
		{"no paths", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n", "no paths"},
		{"no operationId", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      responses:\n        '200': {description: ok}\n", "no operationId"},
		{"no success", "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths:\n  /x:\n    get:\n      operationId: x\n      responses:\n        '400': {description: bad}\n", "no 2xx"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("err = %v, want it to mention %q", err, tt.want)
			}
		})
	}
}

// TestDeclaresTheVendorsStatuses: every status the vendor's document declares on an operation is
// declared on ours, so a live answer with it is documented (issue 15, item 5: the seven
// operations below lacked 422).
func TestDeclaresTheVendorsStatuses(t *testing.T) {
	s := MustDefault()
	for _, id := range []string{"get-contact", "delete-contact", "get-appointments-for-contact", "get-note", "delete-note",
		"remove-contact-from-campaign", "remove-contact-from-every-campaign"} {
		op := s.Operation(id)
		if op == nil {
			t.Fatalf("no operation %s", id)
		}
		for _, status := range []int{400, 401, 422} {
			if !op.Declares(status) {
				t.Errorf("%s does not declare %d (the vendor's document does)", id, status)
			}
		}
	}
}
