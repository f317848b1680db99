package mockserver

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"
)

// Polling triggers (a Zap's "new contact" and "new or updated contact" triggers) read the newest
// items first and dedupe on a key. These tests pin the requests docs/webhooks.md ("Polling triggers") recommends.

func idList(list []any) []string {
	out := make([]string, 0, len(list))
	for _, c := range list {
		id, _ := c.(map[string]any)["id"].(string)
		out = append(out, id)
	}
	return out
}

// TestPollingNewContacts: GET /contacts/ lists newest first by dateAdded (ties: the later created
// first), and its cursor pages through everything once.
func TestPollingNewContacts(t *testing.T) {
	h := newHarness(t)
	create := func(first string) string {
		r := h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "firstName": first}).must(t, 201)
		return r.obj("contact")["id"].(string)
	}
	c1 := create("One")
	h.clock.Add(time.Second)
	c2 := create("Two")
	h.clock.Add(time.Second)
	c3 := create("Three")
	c4 := create("Four") // same millisecond as c3: creation order breaks the tie

	r := h.do(http.MethodGet, "/contacts/?locationId="+locA+"&limit=3", h.full, nil).must(t, 200)
	first := idList(r.Body["contacts"].([]any))
	newest := []string{c4, c3, c2}
	if !slices.Equal(first, newest) {
		t.Fatalf("first page %v, want %v", first, newest)
	}
	// Page on with the meta cursor, as a client does, and check the whole order.
	all := first
	meta := r.obj("meta")
	for meta["nextPageUrl"] != nil {
		q := url.Values{"locationId": {locA}, "limit": {"3"},
			"startAfter":   {strconv.FormatInt(int64(meta["startAfter"].(float64)), 10)},
			"startAfterId": {meta["startAfterId"].(string)}}
		r = h.do(http.MethodGet, "/contacts/?"+q.Encode(), h.full, nil).must(t, 200)
		all = append(all, idList(r.Body["contacts"].([]any))...)
		meta = r.obj("meta")
	}
	want := append(newest, c1, ctBob, ctAlice)
	if !slices.Equal(all, want) {
		t.Errorf("paged through %v, want %v", all, want)
	}
}

// TestPollingUpdatedContacts: search sorted by dateUpdated descending puts the last changed contact
// first, and id + dateUpdated tells a new change from one already seen.
func TestPollingUpdatedContacts(t *testing.T) {
	h := newHarness(t)
	poll := func() []map[string]any {
		r := h.do(http.MethodPost, "/contacts/search", h.full, map[string]any{
			"locationId": locA, "pageLimit": 10,
			"sort": []any{map[string]any{"field": "dateUpdated", "direction": "desc"}},
		}).must(t, 200)
		var out []map[string]any
		for _, c := range r.Body["contacts"].([]any) {
			out = append(out, c.(map[string]any))
		}
		return out
	}
	key := func(c map[string]any) string { return c["id"].(string) + "@" + c["dateUpdated"].(string) }
	seen := map[string]bool{}
	h.clock.Add(time.Second)
	for _, c := range poll() {
		seen[key(c)] = true
	}
	h.do(http.MethodPut, "/contacts/"+ctAlice, h.full, map[string]any{"city": "Oslo"}).must(t, 200)
	got := poll()
	if got[0]["id"] != ctAlice || seen[key(got[0])] {
		t.Fatalf("after updating Alice the poll starts with %v (seen before: %v)", got[0]["id"], seen[key(got[0])])
	}
	for _, c := range got[1:] {
		if !seen[key(c)] {
			t.Errorf("%s looks new but did not change", c["id"])
		}
	}
	seen[key(got[0])] = true
	h.clock.Add(time.Second)
	h.do(http.MethodPost, "/contacts/"+ctBob+"/tags", h.full, map[string]any{"tags": []string{"x"}}).must(t, 201)
	if got = poll(); got[0]["id"] != ctBob || seen[key(got[0])] {
		t.Errorf("after tagging Bob the poll starts with %v", got[0]["id"])
	}
	seen[key(got[0])] = true

	// Two contacts changed in the same millisecond tie on dateUpdated; their order is then
	// arbitrary, but the dedupe key still reports each change exactly once.
	h.clock.Add(time.Second)
	h.do(http.MethodPut, "/contacts/"+ctAlice, h.full, map[string]any{"city": "Bergen"}).must(t, 200)
	h.do(http.MethodPut, "/contacts/"+ctBob, h.full, map[string]any{"city": "Bergen"}).must(t, 200)
	var fresh []string
	for _, c := range poll() {
		if !seen[key(c)] {
			fresh = append(fresh, c["id"].(string))
		}
	}
	slices.Sort(fresh)
	if a, b := h.do(http.MethodGet, "/contacts/"+ctAlice, h.full, nil), h.do(http.MethodGet, "/contacts/"+ctBob, h.full, nil); a.obj("contact")["dateUpdated"] != b.obj("contact")["dateUpdated"] {
		t.Fatalf("the two changes do not tie: %v, %v", a.obj("contact")["dateUpdated"], b.obj("contact")["dateUpdated"])
	}
	if !slices.Equal(fresh, []string{ctAlice, ctBob}) {
		t.Errorf("changes in the same millisecond: new keys for %v, want Alice and Bob", fresh)
	}
}

// TestDateUpdatedMovesOnEveryChange: with the clock standing still, two quick changes still get
// two distinct, increasing dateUpdated values (the store moves it on by at least 1 ms).
func TestDateUpdatedMovesOnEveryChange(t *testing.T) {
	h := newHarness(t)
	stamp := func() time.Time {
		r := h.do(http.MethodGet, "/contacts/"+ctAlice, h.full, nil).must(t, 200)
		ts, err := time.Parse(time.RFC3339Nano, r.obj("contact")["dateUpdated"].(string))
		if err != nil {
			t.Fatal(err)
		}
		return ts
	}
	var stamps []time.Time
	h.do(http.MethodPut, "/contacts/"+ctAlice, h.full, map[string]any{"city": "Oslo"}).must(t, 200)
	stamps = append(stamps, stamp())
	h.do(http.MethodPut, "/contacts/"+ctAlice, h.full, map[string]any{"city": "Bergen"}).must(t, 200)
	stamps = append(stamps, stamp())
	h.do(http.MethodPost, "/contacts/"+ctAlice+"/tags", h.full, map[string]any{"tags": []string{"quick"}}).must(t, 201)
	stamps = append(stamps, stamp())
	for i := 1; i < len(stamps); i++ {
		if d := stamps[i].Sub(stamps[i-1]); d < time.Millisecond {
			t.Errorf("change %d moved dateUpdated by %v: %v", i, d, stamps)
		}
	}
	if !stamps[0].Equal(mustTime(testTime)) {
		t.Errorf("first change at %v, want the clock's %s", stamps[0], testTime)
	}
}
