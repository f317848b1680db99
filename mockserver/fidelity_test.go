package mockserver

import (
	"net/http"
	"slices"
	"testing"
)

// Tests of issue 15: where the mock differed from the live API (reference section in each name).

// TestAttributionSourceIsNotAWritableField (§3.2, §7): attributionSource is not in the vendor's
// create, update or upsert DTOs, so live's whitelist refuses it with 422 and nothing is stored.
func TestAttributionSourceIsNotAWritableField(t *testing.T) {
	h := newHarness(t)
	attr := map[string]any{"url": "https://example.com/landing", "campaign": "spring"}
	cases := []struct {
		name, method, path string
		body               map[string]any
	}{
		{"create", http.MethodPost, "/contacts/", map[string]any{"locationId": locA, "firstName": "Attr", "attributionSource": attr}},
		{"update", http.MethodPut, "/contacts/" + ctBob, map[string]any{"firstName": "Attr", "attributionSource": attr}},
		{"upsert", http.MethodPost, "/contacts/upsert", map[string]any{"locationId": locA, "email": "bob@example.com", "attributionSource": attr}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(tc.method, tc.path, h.full, tc.body).must(t, http.StatusUnprocessableEntity)
			if msgs := strs(r.Body["message"]); !slices.Contains(msgs, "property attributionSource should not exist") {
				t.Errorf("message %v", r.Body["message"])
			}
		})
	}
	got := h.do(http.MethodGet, "/contacts/"+ctBob, h.full, nil).must(t, http.StatusOK).obj("contact")
	if got["firstName"] != "Bob" || got["attributionSource"] != nil {
		t.Errorf("a refused write changed the contact: %v", got)
	}
}
