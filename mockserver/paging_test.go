package mockserver

import (
	"fmt"
	"slices"
	"strconv"
	"testing"
)

// TestCursorOfADeletedContact: a page's last contact is deleted before the next page is asked for.
// The next page starts right after it, even when other contacts were added in the same millisecond
// (the clock stands still here): none of them is skipped. Before, the cursor fell back to "older
// than that millisecond" and skipped every contact of the millisecond that was not listed yet.
func TestCursorOfADeletedContact(t *testing.T) {
	tests := []struct {
		name string
		next func(h *harness, meta map[string]any, last []any) []string
	}{
		{"list, startAfter and startAfterId", func(h *harness, meta map[string]any, _ []any) []string {
			q := fmt.Sprintf("/contacts/?locationId=%s&limit=100&startAfter=%.0f&startAfterId=%s", locA, meta["startAfter"], meta["startAfterId"])
			return contactIDs(h.do("GET", q, h.ro, nil).must(h.t, 200).Body["contacts"])
		}},
		{"list, startAfterId alone", func(h *harness, meta map[string]any, _ []any) []string {
			q := fmt.Sprintf("/contacts/?locationId=%s&limit=100&startAfterId=%s", locA, meta["startAfterId"])
			return contactIDs(h.do("GET", q, h.ro, nil).must(h.t, 200).Body["contacts"])
		}},
		{"search, searchAfter", func(h *harness, _ map[string]any, last []any) []string {
			r := h.do("POST", "/contacts/search", h.ro, map[string]any{"locationId": locA, "pageLimit": 100, "searchAfter": last}).must(h.t, 200)
			return contactIDs(r.Body["contacts"])
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			var created []string // oldest first, all in the same millisecond
			for i := range 5 {
				r := h.do("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "email": "same" + strconv.Itoa(i) + "@example.com"}).must(t, 201)
				created = append(created, r.obj("contact")["id"].(string))
			}
			first := h.do("GET", "/contacts/?locationId="+locA+"&limit=2", h.ro, nil).must(t, 200)
			search := h.do("POST", "/contacts/search", h.ro, map[string]any{"locationId": locA, "pageLimit": 2}).must(t, 200)
			if got, want := contactIDs(first.Body["contacts"]), []string{created[4], created[3]}; !slices.Equal(got, want) {
				t.Fatalf("first page %v, want %v", got, want)
			}
			hits := search.Body["contacts"].([]any)
			last := hits[len(hits)-1].(map[string]any)["searchAfter"].([]any)
			h.do("DELETE", "/contacts/"+created[3], h.full, nil).must(t, 200)
			got := tt.next(h, first.obj("meta"), last)
			want := []string{created[2], created[1], created[0], ctBob, ctAlice}
			if !slices.Equal(got, want) {
				t.Errorf("next page %v, want %v", got, want)
			}
		})
	}
}

func contactIDs(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, x.(map[string]any)["id"].(string))
	}
	return out
}
