package mockserver

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/spec"
)

// TestBodyLocation: the location check reads the body's locationId as the live server does: the
// exact key of the top-level object, a string. Other spellings are unknown properties (422 later),
// not another location (403).
func TestBodyLocation(t *testing.T) {
	op := spec.MustDefault().Operation("create-contact")
	tests := []struct{ body, want string }{
		{``, ""}, {`null`, ""}, {`[]`, ""}, {`"x"`, ""}, {`{}`, ""}, {`{"locationId":"L1"}`, "L1"},
		{`{"locationId":5}`, ""}, {`{"locationId":null}`, ""}, {`{"LOCATIONID":"L2"}`, ""},
		{`{"locationId":"own","LOCATIONID":"other"}`, "own"}, {`{"locat\u0069onId":"esc"}`, "esc"},
		{`{"a":{"locationId":"nested"}}`, ""}, {`[{"locationId":"in array"}]`, ""}, {`{"locationId":"L1"`, ""},
	}
	for _, tt := range tests {
		c := &call{op: op, body: []byte(tt.body)}
		if got := c.bodyLocation(); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.body, got, tt.want)
		}
	}
}

// TestOtherSpellingOfLocationIsUnprocessable: {"locationId": own, "LOCATIONID": other} is an unknown
// property (422), not a foreign location (403).
func TestOtherSpellingOfLocationIsUnprocessable(t *testing.T) {
	h := newHarness(t)
	r := h.do("POST", "/contacts/", h.full, `{"locationId":"`+locA+`","LOCATIONID":"`+locB+`"}`)
	if r.Status != 422 || r.str("error") != "Unprocessable Entity" {
		t.Fatalf("%d %s, want 422", r.Status, r.Raw)
	}
}

// TestBodyReadWhateverItsDeclaredLength: a body is read whole whether its length is declared
// small, declared large (past the pre-sized read), or not declared at all (an in-process caller
// with a plain io.Reader), and a body longer than the limit is 413 either way.
func TestBodyReadWhateverItsDeclaredLength(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.MaxBody = 200 << 10 })
	small := `{"locationId":"` + locA + `","firstName":"Declared"}`
	large := `{"locationId":"` + locA + `","firstName":"Large","source":"` + strings.Repeat("s", sizedBodyMax) + `"}`
	tooLarge := `{"locationId":"` + locA + `","source":"` + strings.Repeat("s", 200<<10) + `"}`
	for _, tt := range []struct {
		name     string
		body     string
		declared bool
		want     int
	}{
		{"small, declared", small, true, http.StatusCreated},
		{"small, undeclared", small, false, http.StatusCreated},
		{"large, declared", large, true, http.StatusCreated},
		{"large, undeclared", large, false, http.StatusCreated},
		{"too large, declared", tooLarge, true, http.StatusRequestEntityTooLarge},
		{"too large, undeclared", tooLarge, false, http.StatusRequestEntityTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var rd io.Reader = strings.NewReader(tt.body)
			if !tt.declared {
				rd = io.MultiReader(rd) // not a type http.NewRequest measures: ContentLength 0
			}
			r, err := http.NewRequest(http.MethodPost, "/contacts/", rd)
			if err != nil {
				t.Fatal(err)
			}
			if tt.declared != (r.ContentLength > 0) {
				t.Fatalf("ContentLength %d", r.ContentLength)
			}
			r.Header.Set("Authorization", "Bearer "+h.full)
			r.Header.Set("Version", apiVer)
			r.Header.Set("Content-Type", "application/json")
			w := httptest.NewRecorder()
			h.srv.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("%d %.300s, want %d", w.Code, w.Body.String(), tt.want)
			}
		})
	}
}
