package mockserver

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

func TestTagsAreLowercaseSets(t *testing.T) {
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		want   []string // Alice's tags afterwards (she starts with vip, lead)
		status int
	}{
		{"add lowercases and dedupes", "POST", "/contacts/" + ctAlice + "/tags", map[string]any{"tags": []string{"Hot", "VIP", " hot ", ""}}, []string{"vip", "lead", "hot"}, 201},
		{"remove is a set operation", "DELETE", "/contacts/" + ctAlice + "/tags", map[string]any{"tags": []string{"LEAD", "absent"}}, []string{"vip"}, 200},
		{"update replaces the list", "PUT", "/contacts/" + ctAlice, map[string]any{"tags": []string{"New", "new", "Other"}}, []string{"new", "other"}, 200},
		{"update without tags keeps them", "PUT", "/contacts/" + ctAlice, map[string]any{"city": "Austin"}, []string{"vip", "lead"}, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.do(tt.method, tt.path, h.full, tt.body).must(t, tt.status)
			got := strs(h.do("GET", "/contacts/"+ctAlice, h.ro, nil).must(t, 200).obj("contact")["tags"])
			if !slices.Equal(got, tt.want) {
				t.Errorf("tags %v, want %v", got, tt.want)
			}
		})
	}
}

func TestCreateNormalisesAndStamps(t *testing.T) {
	h := newHarness(t)
	r := h.do("POST", "/contacts/", h.full, map[string]any{
		"locationId": locA, "name": "Zoe Quinn", "email": "Zoe@Example.com", "phone": "(555) 010-2030",
		"tags": []string{"A", "a"}, "dateOfBirth": "1990/09/25",
	}).must(t, 201)
	c := r.obj("contact")
	id, _ := c["id"].(string)
	if !fixtures.ValidID(id) {
		t.Errorf("id %q is not a 20-character alphanumeric id", id)
	}
	checks := map[string]any{
		"firstName": "Zoe", "lastName": "Quinn", "fullNameLowerCase": "zoe quinn", "emailLowerCase": "zoe@example.com",
		"phone": "+15550102030", "dateOfBirth": "1990-09-25T00:00:00.000Z", "dateAdded": "2026-03-01T12:00:00.000Z",
		"locationId": locA, "type": "lead",
	}
	for k, want := range checks {
		if c[k] != want {
			t.Errorf("%s = %v, want %v", k, c[k], want)
		}
	}
	if got := strs(c["tags"]); !slices.Equal(got, []string{"a"}) {
		t.Errorf("tags %v", got)
	}
	// dateUpdated moves on every change, by at least a millisecond even if the clock stands still.
	first := h.do("PUT", "/contacts/"+id, h.full, map[string]any{"city": "Reno"}).must(t, 200).obj("contact")["dateUpdated"]
	second := h.do("PUT", "/contacts/"+id, h.full, map[string]any{"city": "Elko"}).must(t, 200).obj("contact")["dateUpdated"]
	if first == second || first == c["dateUpdated"] {
		t.Errorf("dateUpdated did not move: %v, %v, %v", c["dateUpdated"], first, second)
	}
}

func TestCreateRefusesBadFields(t *testing.T) {
	tests := []struct {
		name string
		body map[string]any
		want string
	}{
		{"bad email", map[string]any{"email": "nope"}, "email must be an email"},
		{"bad phone", map[string]any{"phone": "call me"}, "phone must be a valid phone number"},
		{"bad date of birth", map[string]any{"dateOfBirth": "someday"}, "dateOfBirth must be a valid date"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			tt.body["locationId"] = locA
			r := h.do("POST", "/contacts/", h.full, tt.body).must(t, 422)
			if !slices.Contains(strs(r.Body["message"]), tt.want) {
				t.Errorf("messages %v lack %q", r.Body["message"], tt.want)
			}
		})
	}
}

func TestDuplicates(t *testing.T) {
	tests := []struct {
		name      string
		allow     bool
		body      map[string]any
		status    int
		wantField string
	}{
		{"same email refused", false, map[string]any{"email": "ALICE@example.com"}, 400, "email"},
		{"same phone refused", false, map[string]any{"phone": "+1 555 000 0001"}, 400, "phone"},
		{"email wins over phone", false, map[string]any{"email": "bob@example.com", "phone": "+15550000001"}, 400, "email"},
		{"new identifiers accepted", false, map[string]any{"email": "new@example.com"}, 201, ""},
		{"allowed by the location", true, map[string]any{"email": "alice@example.com"}, 201, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Initial.Locations[0].AllowDuplicateContact = tt.allow })
			tt.body["locationId"] = locA
			r := h.do("POST", "/contacts/", h.full, tt.body).must(t, tt.status)
			if tt.wantField == "" {
				return
			}
			meta := r.obj("meta")
			if r.str("message") != "This location does not allow duplicated contacts." || meta["matchingField"] != tt.wantField || meta["contactId"] == "" {
				t.Errorf("body %s", r.Raw)
			}
		})
	}
}

func TestDuplicateLookup(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, query string
		status      int
		wantID      any
	}{
		{"by email", "email=alice%40example.com", 200, ctAlice},
		{"by number with %2B", "number=%2B15550000002", 200, ctBob},
		{"by number, + read as a space", "number=+15550000002", 200, ctBob},
		{"email case-insensitive", "email=ALICE@EXAMPLE.COM", 200, ctAlice},
		{"not found is null", "email=nobody@example.com", 200, nil},
		{"neither is 400", "", 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do("GET", "/contacts/search/duplicate?locationId="+locA+"&"+tt.query, h.ro, nil).must(t, tt.status)
			if tt.status != 200 {
				return
			}
			c, present := r.Body["contact"]
			if !present {
				t.Fatalf("no contact key: %s", r.Raw)
			}
			var got any
			if m, ok := c.(map[string]any); ok {
				got = m["id"]
			}
			if got != tt.wantID {
				t.Errorf("contact %v, want %v", got, tt.wantID)
			}
		})
	}
}

// TestSearchLagConfig: with Config.SearchLag a new contact reaches search and the duplicate lookup
// once that much wall time has passed (the clock's base, not its admin offset), and every other
// read at once.
func TestSearchLagConfig(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.SearchLag = 3 * time.Second })
	created := h.do("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "email": "lagging@example.com"}).must(t, http.StatusCreated)
	id := created.Body["contact"].(map[string]any)["id"].(string)
	visible := func() (search, duplicate bool) {
		t.Helper()
		r := h.do("POST", "/contacts/search", h.ro, map[string]any{"locationId": locA, "pageLimit": 10,
			"filters": []any{map[string]any{"field": "email", "operator": "eq", "value": "lagging@example.com"}}}).must(t, http.StatusOK)
		d := h.do("GET", "/contacts/search/duplicate?locationId="+locA+"&email=lagging%40example.com", h.ro, nil).must(t, http.StatusOK)
		return r.Body["total"] == float64(1), d.Body["contact"] != nil
	}
	h.do("GET", "/contacts/"+id, h.ro, nil).must(t, http.StatusOK)
	if s, d := visible(); s || d {
		t.Fatalf("visible at once: search %v, duplicate lookup %v", s, d)
	}
	h.do("POST", "/__admin/clock", "", map[string]any{"advance": "1h"}).must(t, http.StatusOK)
	if s, d := visible(); s || d {
		t.Fatalf("visible after the mock's clock moved, before the wall clock did: search %v, duplicate lookup %v", s, d)
	}
	h.clock.Add(3 * time.Second)
	if s, d := visible(); !s || !d {
		t.Fatalf("not visible once the lag passed: search %v, duplicate lookup %v", s, d)
	}
}

func TestUpsert(t *testing.T) {
	tests := []struct {
		name    string
		allow   bool
		body    map[string]any
		wantNew bool
		check   func(t *testing.T, h *harness, c map[string]any)
	}{
		{"existing by email is updated", false, map[string]any{"email": "alice@example.com", "lastName": "Arrow"}, false,
			func(t *testing.T, h *harness, c map[string]any) {
				if c["id"] != ctAlice || c["lastName"] != "Arrow" {
					t.Errorf("contact %v", c)
				}
			}},
		{"existing by phone is updated", false, map[string]any{"phone": "+15550000002", "city": "Oslo"}, false,
			func(t *testing.T, h *harness, c map[string]any) {
				if c["id"] != ctBob || c["city"] != "Oslo" {
					t.Errorf("contact %v", c)
				}
			}},
		{"unknown identifiers create", false, map[string]any{"email": "zed@example.com"}, true, nil},
		{"gender is ignored on an existing contact", false, map[string]any{"email": "alice@example.com", "gender": "female"}, false,
			func(t *testing.T, h *harness, c map[string]any) {
				if _, set := c["gender"]; set {
					t.Errorf("gender was stored: %v", c["gender"])
				}
			}},
		{"email match wins, colliding phone dropped", false, map[string]any{"email": "alice@example.com", "phone": "+15550000002"}, false,
			func(t *testing.T, h *harness, c map[string]any) {
				if c["id"] != ctAlice || c["phone"] != "+15550000001" {
					t.Errorf("contact %v", c)
				}
			}},
		{"createNewIfDuplicateAllowed on an allowing location", true, map[string]any{"email": "alice@example.com", "createNewIfDuplicateAllowed": true}, true,
			func(t *testing.T, h *harness, c map[string]any) {
				if c["id"] == ctAlice {
					t.Errorf("updated Alice instead of creating")
				}
			}},
		{"createNewIfDuplicateAllowed ignored when duplicates are not allowed", false, map[string]any{"email": "alice@example.com", "createNewIfDuplicateAllowed": true}, false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.Initial.Locations[0].AllowDuplicateContact = tt.allow })
			tt.body["locationId"] = locA
			r := h.do("POST", "/contacts/upsert", h.full, tt.body).must(t, 200)
			if r.Body["new"] != tt.wantNew {
				t.Errorf("new = %v, want %v", r.Body["new"], tt.wantNew)
			}
			if r.str("traceId") == "" {
				t.Errorf("no traceId")
			}
			if tt.check != nil {
				tt.check(t, h, r.obj("contact"))
			}
		})
	}
}

// TestListPagingStableUnderInserts pages through the list one contact at a time while new contacts
// arrive between pages: every original contact is seen exactly once, newest first.
func TestListPagingStableUnderInserts(t *testing.T) {
	// With the clock standing still every contact shares one millisecond: ties must still page
	// without gaps or repeats.
	for _, step := range []time.Duration{time.Second, 0} {
		t.Run(step.String(), func(t *testing.T) {
			h := newHarness(t)
			for i := range 5 {
				h.clock.Add(step)
				h.do("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "email": fmt.Sprintf("p%d@example.com", i)}).must(t, 201)
			}
			before := h.do("GET", "/contacts/?locationId="+locA+"&limit=100", h.ro, nil).must(t, 200)
			var want []string
			for _, c := range before.Body["contacts"].([]any) {
				want = append(want, c.(map[string]any)["id"].(string))
			}
			if len(want) != 7 {
				t.Fatalf("%d contacts, want 7", len(want))
			}
			var seen []string
			q := url.Values{"locationId": {locA}, "limit": {"2"}}
			for page := 0; page < 10; page++ {
				r := h.do("GET", "/contacts/?"+q.Encode(), h.ro, nil).must(t, 200)
				list := r.Body["contacts"].([]any)
				for _, c := range list {
					seen = append(seen, c.(map[string]any)["id"].(string))
				}
				meta := r.obj("meta")
				if meta["nextPageUrl"] == nil {
					break
				}
				h.clock.Add(step)
				h.do("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "email": fmt.Sprintf("late%d@example.com", page)}).must(t, 201)
				q.Set("startAfter", fmt.Sprint(int64(meta["startAfter"].(float64))))
				q.Set("startAfterId", meta["startAfterId"].(string))
			}
			if !slices.Equal(seen, want) {
				t.Errorf("paged %v, want %v", seen, want)
			}
		})
	}
}

func TestListMeta(t *testing.T) {
	h := newHarness(t)
	r := h.do("GET", "/contacts/?locationId="+locA+"&limit=1", h.ro, nil).must(t, 200)
	meta := r.obj("meta")
	if meta["total"] != float64(2) || meta["currentPage"] != float64(1) || meta["nextPage"] != float64(2) || meta["prevPage"] != nil {
		t.Errorf("meta %v", meta)
	}
	next, _ := meta["nextPageUrl"].(string)
	u, err := url.Parse(next)
	if err != nil || u.Query().Get("startAfterId") != ctBob || u.Query().Get("locationId") != locA {
		t.Errorf("nextPageUrl %q", next)
	}
	r = h.do("GET", strings.TrimPrefix(next, h.http.URL), h.ro, nil).must(t, 200)
	if meta := r.obj("meta"); meta["currentPage"] != float64(2) || meta["nextPageUrl"] != nil || meta["prevPage"] != float64(1) {
		t.Errorf("second page meta %v", meta)
	}
	// Free-text query.
	r = h.do("GET", "/contacts/?locationId="+locA+"&query=archer", h.ro, nil).must(t, 200)
	if list := r.Body["contacts"].([]any); len(list) != 1 || list[0].(map[string]any)["id"] != ctAlice {
		t.Errorf("query archer: %s", r.Raw)
	}
}

func TestSearchOperators(t *testing.T) {
	h := newHarness(t)
	f := func(field, op string, value any) map[string]any {
		m := map[string]any{"field": field, "operator": op}
		if value != nil {
			m["value"] = value
		}
		return m
	}
	tests := []struct {
		name    string
		filters []any
		sort    []any
		query   string
		want    []string // ids in order
	}{
		{"no filter, newest first", nil, nil, "", []string{ctBob, ctAlice}},
		{"eq on tags", []any{f("tags", "eq", "VIP")}, nil, "", []string{ctAlice}},
		{"not_eq", []any{f("firstNameLowerCase", "not_eq", "alice")}, nil, "", []string{ctBob}},
		{"contains", []any{f("email", "contains", "BOB@")}, nil, "", []string{ctBob}},
		{"not_contains", []any{f("email", "not_contains", "bob")}, nil, "", []string{ctAlice}},
		{"exists", []any{f("businessId", "exists", nil)}, nil, "", []string{ctAlice}},
		{"not_exists", []any{f("businessId", "not_exists", nil)}, nil, "", []string{ctBob}},
		{"range on dates", []any{f("dateAdded", "range", map[string]any{"gte": "2026-01-02T00:00:00Z"})}, nil, "", []string{ctBob}},
		{"range both bounds", []any{f("dateAdded", "range", map[string]any{"gt": "2025-12-01T00:00:00Z", "lt": "2026-01-02T00:00:00Z"})}, nil, "", []string{ctAlice}},
		{"eq on a boolean", []any{f("dnd", "eq", false)}, nil, "", []string{ctBob, ctAlice}},
		{"OR group", []any{map[string]any{"group": "OR", "filters": []any{f("email", "eq", "alice@example.com"), f("email", "eq", "bob@example.com")}}}, nil, "", []string{ctBob, ctAlice}},
		{"AND of top level", []any{f("tags", "eq", "vip"), f("email", "contains", "bob")}, nil, "", []string{}},
		{"sort asc by name", nil, []any{map[string]any{"field": "firstNameLowerCase", "direction": "asc"}}, "", []string{ctAlice, ctBob}},
		{"query text", nil, nil, "baker", []string{ctBob}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := map[string]any{"locationId": locA, "pageLimit": 10}
			if tt.filters != nil {
				body["filters"] = tt.filters
			}
			if tt.sort != nil {
				body["sort"] = tt.sort
			}
			if tt.query != "" {
				body["query"] = tt.query
			}
			r := h.do("POST", "/contacts/search", h.ro, body).must(t, 200)
			got := []string{}
			for _, c := range r.Body["contacts"].([]any) {
				got = append(got, c.(map[string]any)["id"].(string))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
			if r.Body["total"] != float64(len(tt.want)) {
				t.Errorf("total %v, want %d", r.Body["total"], len(tt.want))
			}
		})
	}
}

func TestSearchPaging(t *testing.T) {
	h := newHarness(t)
	for i := range 7 {
		h.clock.Add(time.Second)
		h.do("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "email": fmt.Sprintf("s%d@example.com", i), "tags": []string{"batch"}}).must(t, 201)
	}
	for _, sortBy := range []any{nil, []any{map[string]any{"field": "email", "direction": "desc"}}} {
		var seen []string
		var after any
		for range 10 {
			body := map[string]any{"locationId": locA, "pageLimit": 3, "filters": []any{map[string]any{"field": "tags", "operator": "eq", "value": "batch"}}}
			if sortBy != nil {
				body["sort"] = sortBy
			}
			if after != nil {
				body["searchAfter"] = after
			}
			r := h.do("POST", "/contacts/search", h.ro, body).must(t, 200)
			list := r.Body["contacts"].([]any)
			for _, c := range list {
				seen = append(seen, c.(map[string]any)["email"].(string))
				after = c.(map[string]any)["searchAfter"]
			}
			if len(list) < 3 {
				break
			}
		}
		if len(seen) != 7 || len(slices.Compact(slices.Sorted(slices.Values(seen)))) != 7 {
			t.Errorf("sort %v: searchAfter paging saw %v", sortBy, seen)
		}
	}
	// page/pageLimit paging and the 10,000 window.
	r := h.do("POST", "/contacts/search", h.ro, map[string]any{"locationId": locA, "pageLimit": 4, "page": 2}).must(t, 200)
	if n := len(r.Body["contacts"].([]any)); n != 4 || r.Body["total"] != float64(9) {
		t.Errorf("page 2: %d contacts, total %v", n, r.Body["total"])
	}
	h.do("POST", "/contacts/search", h.ro, map[string]any{"locationId": locA, "pageLimit": 500, "page": 21}).must(t, 422)
	h.do("POST", "/contacts/search", h.ro, map[string]any{"locationId": locA, "pageLimit": 5, "filters": []any{map[string]any{"field": "nope", "operator": "eq", "value": "x"}}}).must(t, 422)
}

func TestDeleteCascades(t *testing.T) {
	h := newHarness(t)
	h.do("DELETE", "/contacts/"+ctAlice, h.full, nil).must(t, 200)
	r := h.do("GET", "/contacts/"+ctAlice+"/tasks/"+taskA1, h.ro, nil).must(t, 400)
	if r.str("message") != "Contact with id "+ctAlice+" not found" {
		t.Errorf("body %s", r.Raw)
	}
	doc := snapshot(t, h.srv)
	for _, l := range doc.Locations {
		for _, c := range l.Contacts {
			if c.ID == ctAlice {
				t.Errorf("deleted contact still in the snapshot")
			}
		}
		for _, a := range l.Appointments {
			if a.ContactID == ctAlice {
				t.Errorf("the deleted contact's appointment is left behind")
			}
		}
	}
	if st := stats(t, h.srv); st.Tasks != 0 || st.Notes != 0 {
		t.Errorf("tasks or notes left behind: %+v", st)
	}
	// Bulk tagging reports the deleted id.
	r = h.do("POST", "/contacts/bulk/tags/update/add", h.full, map[string]any{"locationId": locA, "contacts": []string{ctAlice, ctBob, "short", ctCarol}, "tags": []string{"x"}}).must(t, 201)
	var msgs []string
	for _, x := range r.Body["responses"].([]any) {
		msgs = append(msgs, x.(map[string]any)["message"].(string))
	}
	want := []string{"contact is deleted", "Tags added successfully", "contact id is not a valid firebase id", "contact does not belong to location"}
	if !slices.Equal(msgs, want) || r.Body["errorCount"] != float64(3) || r.Body["succeded"] != false {
		t.Errorf("bulk results %v (errorCount %v)", msgs, r.Body["errorCount"])
	}
}

func TestLocationIsolation(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, method, path string
		token              func(h *harness) string
		body               any
		status             int
		message            string
	}{
		{"another location's contact is invisible", "GET", "/contacts/" + ctCarol, func(h *harness) string { return h.full }, nil, 400, "Contact with id " + ctCarol + " not found"},
		{"and cannot be changed", "PUT", "/contacts/" + ctCarol, func(h *harness) string { return h.full }, map[string]any{"city": "X"}, 400, "Contact with id " + ctCarol + " not found"},
		{"list of another location", "GET", "/contacts/?locationId=" + locB, func(h *harness) string { return h.full }, nil, 403, msgLocation},
		{"create in another location", "POST", "/contacts/", func(h *harness) string { return h.full }, map[string]any{"locationId": locB}, 403, msgLocation},
		{"search in another location", "POST", "/contacts/search", func(h *harness) string { return h.full }, map[string]any{"locationId": locB, "pageLimit": 1}, 403, msgLocation},
		{"bulk in another location", "POST", "/contacts/bulk/tags/update/add", func(h *harness) string { return h.fullB }, map[string]any{"locationId": locA, "contacts": []string{ctAlice}, "tags": []string{"x"}}, 403, msgLocation},
		{"own location works", "GET", "/contacts/" + ctCarol, func(h *harness) string { return h.fullB }, nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.do(tt.method, tt.path, tt.token(h), tt.body).must(t, tt.status)
			if tt.message != "" && r.str("message") != tt.message {
				t.Errorf("message %q, want %q", r.str("message"), tt.message)
			}
		})
	}
}

func TestAuthAndVersionErrors(t *testing.T) {
	tests := []struct {
		name    string
		strict  bool
		method  string
		path    string
		token   func(h *harness) string
		headers map[string]string
		body    any
		status  int
		message string
	}{
		{"read-only token on a write", false, "POST", "/contacts/", func(h *harness) string { return h.ro }, nil, map[string]any{"locationId": locA}, 401, msgScope},
		{"read-only token on a read", false, "GET", "/contacts/" + ctAlice, func(h *harness) string { return h.ro }, nil, nil, 200, ""},
		{"write-only token on a read", false, "GET", "/contacts/" + ctAlice, func(h *harness) string { return h.mint(locA, ScopeContactsWrite) }, nil, nil, 401, msgScope},
		{"missing Version", false, "GET", "/contacts/" + ctAlice, func(h *harness) string { return h.full }, map[string]string{"Version": ""}, nil, 401, msgVersionMissing},
		{"unknown Version", false, "GET", "/contacts/" + ctAlice, func(h *harness) string { return h.full }, map[string]string{"Version": "2020-01-01"}, nil, 401, msgVersionInvalid},
		{"SDK default Version accepted", false, "GET", "/contacts/" + ctAlice, func(h *harness) string { return h.full }, map[string]string{"Version": "2023-02-21"}, nil, 200, ""},
		{"v3 accepted, as the live probe found", false, "GET", "/contacts/" + ctAlice, func(h *harness) string { return h.full }, map[string]string{"Version": "v3"}, nil, 200, ""},
		{"strict mode refuses it", true, "GET", "/contacts/" + ctAlice, func(h *harness) string { return h.full }, map[string]string{"Version": "2023-02-21"}, nil, 401, msgVersionInvalid},
		{"Version checked before the token", false, "GET", "/contacts/" + ctAlice, func(h *harness) string { return "" }, map[string]string{"Version": ""}, nil, 401, msgVersionMissing},
		{"auth before validation", false, "POST", "/contacts/", func(h *harness) string { return "bad" }, nil, `{"broken`, 401, msgInvalidJWT},
		{"lower-case bearer", false, "GET", "/contacts/" + ctAlice, func(h *harness) string { return "" }, map[string]string{"Authorization": "bearer " + "%FULL%"}, nil, 200, ""},
		{"expired token", false, "GET", "/contacts/" + ctAlice, func(h *harness) string {
			tok, _ := h.srv.MintToken(locA, []string{ScopeContactsReadonly}, 1)
			h.clock.Add(2e9)
			return tok.AccessToken
		}, nil, nil, 401, msgInvalidJWT},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(c *Config) { c.StrictVersion = tt.strict })
			hdr := map[string]string{}
			for k, v := range tt.headers {
				hdr[k] = strings.ReplaceAll(v, "%FULL%", h.full)
			}
			r := h.doHeaders(tt.method, tt.path, tt.token(h), tt.body, hdr).must(t, tt.status)
			if tt.message != "" && r.str("message") != tt.message {
				t.Errorf("message %q, want %q", r.str("message"), tt.message)
			}
			if tt.status == 401 && r.str("error") != "Unauthorized" {
				t.Errorf("401 body lacks error: %s", r.Raw)
			}
		})
	}
}

func TestValidationAnswers(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, method, path string
		body               any
		headers            map[string]string
		status             int
		message            any
	}{
		{"unknown property", "PUT", "/contacts/" + ctAlice, map[string]any{"gender": "x"}, nil, 422, []any{"property gender should not exist"}},
		{"locationId on PUT", "PUT", "/contacts/" + ctAlice, map[string]any{"locationId": locA}, nil, 422, []any{"property locationId should not exist"}},
		{"broken JSON", "POST", "/contacts/" + ctAlice + "/tags", `{"tags": [`, nil, 400, "Unexpected end of JSON input"},
		{"missing required", "POST", "/contacts/" + ctAlice + "/tasks", map[string]any{"title": "x"}, nil, 422, []any{"dueDate should not be empty", "completed should not be empty"}},
		{"unknown contact", "GET", "/contacts/nosuchcontact", nil, nil, 400, "Contact with id nosuchcontact not found"},
		{"unknown task", "GET", "/contacts/" + ctAlice + "/tasks/nosuchtask", nil, nil, 400, "Task with id nosuchtask not found"},
		{"unknown route", "GET", "/contactz", nil, nil, 404, "Cannot GET /contactz"},
		{"unknown method", "PATCH", "/contacts/" + ctAlice, nil, nil, 404, "Cannot PATCH /contacts/" + ctAlice},
		{"removeAllTags only with remove", "POST", "/contacts/bulk/tags/update/add", map[string]any{"locationId": locA, "contacts": []string{ctAlice}, "tags": []string{"x"}, "removeAllTags": true}, nil, 422, []any{"removeAllTags is allowed only with the remove type"}},
		{"JSON content type on a GET is fine", "GET", "/contacts/" + ctAlice, nil, map[string]string{"Content-Type": "application/json"}, 200, nil},
		{"slash-less collection", "GET", "/contacts?locationId=" + locA, nil, nil, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := h.doHeaders(tt.method, tt.path, h.full, tt.body, tt.headers).must(t, tt.status)
			if tt.message == nil {
				return
			}
			if fmt.Sprint(r.Body["message"]) != fmt.Sprint(tt.message) {
				t.Errorf("message %v, want %v", r.Body["message"], tt.message)
			}
			if r.Body["statusCode"] != float64(tt.status) {
				t.Errorf("statusCode %v", r.Body["statusCode"])
			}
		})
	}
}

func TestTasksNotesFollowersMemberships(t *testing.T) {
	h := newHarness(t)
	base := "/contacts/" + ctAlice
	task := h.do("POST", base+"/tasks", h.full, map[string]any{"title": "Quote", "dueDate": "2026-04-01T10:00:00Z", "completed": false}).must(t, 201).obj("task")
	tid := task["id"].(string)
	if task["dueDate"] != "2026-04-01T10:00:00.000Z" || task["contactId"] != ctAlice {
		t.Errorf("task %v", task)
	}
	done := h.do("PUT", base+"/tasks/"+tid+"/completed", h.full, map[string]any{"completed": true}).must(t, 200).obj("task")
	if done["completed"] != true {
		t.Errorf("not completed: %v", done)
	}
	if n := len(h.do("GET", base+"/tasks", h.ro, nil).must(t, 200).Body["tasks"].([]any)); n != 2 {
		t.Errorf("%d tasks", n)
	}
	h.do("DELETE", base+"/tasks/"+tid, h.full, nil).must(t, 200)
	h.do("GET", base+"/tasks/"+tid, h.ro, nil).must(t, 400)

	note := h.do("POST", base+"/notes", h.full, map[string]any{"body": "Hello", "pinned": true}).must(t, 201).obj("note")
	nid := note["id"].(string)
	upd := h.do("PUT", base+"/notes/"+nid, h.full, map[string]any{"body": "Hello again"}).must(t, 200).obj("note")
	if upd["body"] != "Hello again" || upd["pinned"] != true {
		t.Errorf("note %v", upd)
	}
	h.do("DELETE", base+"/notes/"+nid, h.full, nil).must(t, 200)
	h.do("GET", base+"/notes/"+nid, h.ro, nil).must(t, 400)

	add := h.do("POST", base+"/followers", h.full, map[string]any{"followers": []string{"u1", "u2", "u1"}}).must(t, 201)
	if !slices.Equal(strs(add.Body["followersAdded"]), []string{"u1", "u2"}) {
		t.Errorf("followers added %s", add.Raw)
	}
	add = h.do("POST", base+"/followers", h.full, map[string]any{"followers": []string{"u2", "u3"}}).must(t, 201)
	if !slices.Equal(strs(add.Body["followersAdded"]), []string{"u3"}) || len(strs(add.Body["followers"])) != 3 {
		t.Errorf("second add %s", add.Raw)
	}
	rm := h.do("DELETE", base+"/followers", h.full, map[string]any{"followers": []string{"u1", "u9"}}).must(t, 200)
	if !slices.Equal(strs(rm.Body["followersRemoved"]), []string{"u1"}) || !slices.Equal(strs(rm.Body["followers"]), []string{"u2", "u3"}) {
		t.Errorf("remove %s", rm.Raw)
	}

	h.do("POST", base+"/campaigns/CampAAAAAAAAAAAAAAAA", h.full, nil).must(t, 201)
	h.do("POST", base+"/campaigns/CampBBBBBBBBBBBBBBBB", h.full, map[string]any{}).must(t, 201)
	h.do("DELETE", base+"/campaigns/CampAAAAAAAAAAAAAAAA", h.full, nil).must(t, 200)
	h.do("POST", base+"/workflow/FlowAAAAAAAAAAAAAAAA", h.full, nil).must(t, 200)
	rec := contactRecord(t, h, ctAlice)
	if !slices.Equal(rec.Campaigns, []string{"CampBBBBBBBBBBBBBBBB"}) || len(rec.Workflows) != 1 {
		t.Errorf("memberships %v %v", rec.Campaigns, rec.Workflows)
	}
	h.do("DELETE", base+"/campaigns/removeAll", h.full, nil).must(t, 200)
	h.do("DELETE", base+"/workflow/FlowAAAAAAAAAAAAAAAA", h.full, nil).must(t, 200)
	rec = contactRecord(t, h, ctAlice)
	if len(rec.Campaigns) != 0 || len(rec.Workflows) != 0 {
		t.Errorf("memberships left %v %v", rec.Campaigns, rec.Workflows)
	}

	ev := h.do("GET", base+"/appointments", h.ro, nil).must(t, 200).Body["events"].([]any)
	if len(ev) != 1 || ev[0].(map[string]any)["id"] != apptA1 {
		t.Errorf("appointments %v", ev)
	}
}

func contactRecord(t *testing.T, h *harness, id string) fixtures.ContactRecord {
	t.Helper()
	for _, l := range snapshot(t, h.srv).Locations {
		for _, c := range l.Contacts {
			if c.ID == id {
				return c
			}
		}
	}
	t.Fatalf("contact %s not in the snapshot", id)
	return fixtures.ContactRecord{}
}

func TestBusinesses(t *testing.T) {
	h := newHarness(t)
	r := h.do("POST", "/contacts/bulk/business", h.full, map[string]any{"locationId": locA, "ids": []string{ctBob, "unknown"}, "businessId": bizA}).must(t, 200)
	if r.Body["success"] != true || !slices.Equal(strs(r.Body["ids"]), []string{ctBob}) {
		t.Errorf("bulk business %s", r.Raw)
	}
	list := h.do("GET", "/contacts/business/"+bizA+"?locationId="+locA+"&limit=1&skip=1", h.ro, nil).must(t, 200)
	if list.Body["count"] != float64(2) || len(list.Body["contacts"].([]any)) != 1 || list.Body["contacts"].([]any)[0].(map[string]any)["id"] != ctAlice {
		t.Errorf("by business %s", list.Raw)
	}
	h.do("POST", "/contacts/bulk/business", h.full, map[string]any{"locationId": locA, "ids": []string{ctBob}, "businessId": nil}).must(t, 200)
	if c := h.do("GET", "/contacts/"+ctBob, h.ro, nil).must(t, 200).obj("contact"); c["businessId"] != nil {
		t.Errorf("business not cleared: %v", c["businessId"])
	}
	h.do("POST", "/contacts/bulk/business", h.full, map[string]any{"locationId": locA, "ids": []string{ctBob}, "businessId": "000000000000000000000000"}).must(t, 400)
	for _, q := range []string{"limit=x", "limit=0", "skip=-1"} {
		r := h.do("GET", "/contacts/business/"+bizA+"?locationId="+locA+"&"+q, h.ro, nil).must(t, 422)
		if msgs := strs(r.Body["message"]); len(msgs) != 1 || !strings.Contains(msgs[0], "must match /^") {
			t.Errorf("%s: messages %v", q, msgs)
		}
	}
}

// TestConcurrentMixedTraffic runs writers and readers at once (under -race in make test) and then
// checks the state adds up.
func TestConcurrentMixedTraffic(t *testing.T) {
	h := newHarness(t, func(c *Config) { c.RateLimits = RateLimits{Burst: 1 << 30, Window: 1e9, Daily: 1 << 30} })
	const workers, each = 8, 25
	var wg sync.WaitGroup
	errs := make(chan string, workers*each*4)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				r := h.do("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "email": fmt.Sprintf("w%d-%d@example.com", w, i), "tags": []string{"load"}})
				if r.Status != 201 {
					errs <- fmt.Sprintf("create: %d %s", r.Status, r.Raw)
					continue
				}
				id := r.obj("contact")["id"].(string)
				if r := h.do("POST", "/contacts/"+id+"/tags", h.full, map[string]any{"tags": []string{fmt.Sprintf("w%d", w)}}); r.Status != 201 {
					errs <- fmt.Sprintf("tag: %d", r.Status)
				}
				if r := h.do("POST", "/contacts/"+ctAlice+"/tags", h.full, map[string]any{"tags": []string{fmt.Sprintf("t%d-%d", w, i)}}); r.Status != 201 {
					errs <- fmt.Sprintf("tag alice: %d", r.Status)
				}
				if r := h.do("POST", "/contacts/search", h.ro, map[string]any{"locationId": locA, "pageLimit": 5}); r.Status != 200 {
					errs <- fmt.Sprintf("search: %d", r.Status)
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
	if st := stats(t, h.srv); st.Contacts != 3+workers*each {
		t.Errorf("%d contacts, want %d", st.Contacts, 3+workers*each)
	}
	alice := h.do("GET", "/contacts/"+ctAlice, h.ro, nil).must(t, 200).obj("contact")
	if n := len(strs(alice["tags"])); n != 2+workers*each {
		t.Errorf("alice has %d tags, want %d: a concurrent tag add was lost", n, 2+workers*each)
	}
}
