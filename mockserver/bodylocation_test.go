package mockserver

import (
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
