package standin

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/spec"
)

// fake answers like the mock would: every contacts answer with the rate-limit header.
func fake() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-RateLimit-Remaining", "99")
		switch {
		case r.URL.Path == "/contacts/search":
			_, _ = w.Write([]byte(`{"contacts":[],"total":0}`))
		case r.URL.Path == "/contacts/":
			_, _ = w.Write([]byte(`{"contacts":[{"id":"a","dateUpdated":"2024-03-05T14:22:10.123Z"},{"id":"b","dateUpdated":"2024-03-06T00:00:00.000Z"}],"meta":{"total":2}}`))
		default:
			_, _ = w.Write([]byte(`{"contact":{"id":"a","dateAdded":"2024-03-05T14:22:10.123Z","total":7}}`))
		}
	})
}

func do(t *testing.T, h http.Handler, method, path string) (int, http.Header, map[string]any) {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, nil))
	var m map[string]any
	if rec.Body.Len() > 0 {
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("%s %s: %v: %s", method, path, err, rec.Body)
		}
	}
	return rec.Code, rec.Header(), m
}

func TestEachChange(t *testing.T) {
	sp := spec.MustDefault()
	cases := []struct {
		name   string
		change Change
		method string
		path   string
		check  func(t *testing.T, status int, h http.Header, body map[string]any)
	}{
		{"rename", Change{Kind: Rename, Operation: "get-contact", Pointer: "/contact/dateAdded", NewName: "createdAt"}, "GET", "/contacts/ocQHyuzHvysMo5N5VsXc",
			func(t *testing.T, _ int, _ http.Header, b map[string]any) {
				c := b["contact"].(map[string]any)
				if _, old := c["dateAdded"]; old || c["createdAt"] != "2024-03-05T14:22:10.123Z" {
					t.Errorf("not renamed: %v", c)
				}
			}},
		{"number as string", Change{Kind: NumberAsString, Operation: "get-contact", Pointer: "/contact/total"}, "GET", "/contacts/ocQHyuzHvysMo5N5VsXc",
			func(t *testing.T, _ int, _ http.Header, b map[string]any) {
				if v := b["contact"].(map[string]any)["total"]; v != "7" {
					t.Errorf("total = %#v", v)
				}
			}},
		{"drop header", Change{Kind: DropHeader, Operation: "get-contact", Header: "X-RateLimit-Remaining"}, "GET", "/contacts/ocQHyuzHvysMo5N5VsXc",
			func(t *testing.T, _ int, h http.Header, _ map[string]any) {
				if _, ok := h["X-Ratelimit-Remaining"]; ok {
					t.Error("the header is still there")
				}
			}},
		{"status", Change{Kind: Status, Operation: "search-contacts-advanced", Status: 201}, "POST", "/contacts/search",
			func(t *testing.T, s int, _ http.Header, _ map[string]any) {
				if s != 201 {
					t.Errorf("status %d", s)
				}
			}},
		{"date format on every item", Change{Kind: DateFormat, Operation: "get-contacts", Pointer: "/contacts/*/dateUpdated", Layout: "2006-01-02 15:04:05"}, "GET", "/contacts/",
			func(t *testing.T, _ int, _ http.Header, b map[string]any) {
				var got []any
				for _, c := range b["contacts"].([]any) {
					got = append(got, c.(map[string]any)["dateUpdated"])
				}
				if want := []any{"2024-03-05 14:22:10", "2024-03-06 00:00:00"}; !reflect.DeepEqual(got, want) {
					t.Errorf("dates %v", got)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h, err := Wrap(fake(), sp, []Change{c.change})
			if err != nil {
				t.Fatal(err)
			}
			status, hdr, body := do(t, h, c.method, c.path)
			c.check(t, status, hdr, body)
			// Another operation passes untouched.
			if _, hdr, body := do(t, h, "GET", "/contacts/ocQHyuzHvysMo5N5VsXc/tasks"); hdr.Get("X-RateLimit-Remaining") != "99" || body["contact"] == nil {
				t.Errorf("another operation was changed: %v %v", hdr, body)
			}
		})
	}
}

func TestAdminPassesAndErrorsKeepTheirStatus(t *testing.T) {
	h, err := Wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(422)
		_, _ = w.Write([]byte(`{"statusCode":422}`))
	}), spec.MustDefault(), []Change{{Kind: Status, Operation: "search-contacts-advanced", Status: 201}})
	if err != nil {
		t.Fatal(err)
	}
	if s, _, _ := do(t, h, "POST", "/contacts/search"); s != 422 {
		t.Errorf("an error answer's status changed to %d; only the success status is", s)
	}
	if s, _, _ := do(t, h, "POST", "/__admin/reset"); s != 422 {
		t.Errorf("admin: %d", s)
	}
}

func TestCheckRefuses(t *testing.T) {
	sp := spec.MustDefault()
	for _, c := range []Change{
		{Kind: Rename, Operation: "nope", Pointer: "/a", NewName: "b"},
		{Kind: Rename, Operation: "get-contact", Pointer: "/a"},
		{Kind: DateFormat, Operation: "get-contact", Pointer: "/a"},
		{Kind: DropHeader, Operation: "get-contact"},
		{Kind: Status, Operation: "get-contact", Status: 42},
		{Kind: "melt", Operation: "get-contact"},
	} {
		if _, err := Wrap(fake(), sp, []Change{c}); err == nil || !strings.HasPrefix(err.Error(), "standin: ") {
			t.Errorf("%+v: %v", c, err)
		}
	}
	for _, c := range Defaults() {
		if err := c.Check(sp); err != nil {
			t.Errorf("default %v: %v", c, err)
		}
	}
}

func TestParseChanges(t *testing.T) {
	got, err := ParseChanges([]string{
		"rename:get-contact:/contact/dateAdded:createdAt", "number-as-string:get-contacts:/meta/total",
		"drop-header:get-all-tasks:X-RateLimit-Remaining", "status:search-contacts-advanced:201",
		"date-format:get-contact:/contact/dateUpdated:2006-01-02 15:04:05",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []Change{
		{Kind: Rename, Operation: "get-contact", Pointer: "/contact/dateAdded", NewName: "createdAt"},
		{Kind: NumberAsString, Operation: "get-contacts", Pointer: "/meta/total"},
		{Kind: DropHeader, Operation: "get-all-tasks", Header: "X-RateLimit-Remaining"},
		{Kind: Status, Operation: "search-contacts-advanced", Status: 201},
		{Kind: DateFormat, Operation: "get-contact", Pointer: "/contact/dateUpdated", Layout: "2006-01-02 15:04:05"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("\n got %+v\nwant %+v", got, want)
	}
	for _, bad := range []string{"rename:get-contact", "status:x:abc", "melt:x:y", "rename:get-contact:/a"} {
		if _, err := ParseChanges([]string{bad}); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
