package mockserver

import (
	"bytes"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
)

// TestWhatTheAPIStoresLoadsBack: whatever the API and the admin API accept, a snapshot of it passes
// the rules a fixture file obeys, so a state file written on shutdown always loads at the next start.
func TestWhatTheAPIStoresLoadsBack(t *testing.T) {
	h := newHarness(t, func(c *Config) {
		c.Initial.Locations[0].CustomFields = []fixtures.CustomFieldDef{
			{ID: "CfDateAAAAAAAAAAAAAA", Key: "contact.renewal", Name: "Renewal", DataType: "DATE"},
			{ID: "CfNumAAAAAAAAAAAAAAA", Key: "contact.seats", Name: "Seats", DataType: "NUMERICAL"},
		}
	})
	// Every operation's valid request, in the document's order, on one mock.
	for _, op := range h.srv.Spec().Operations {
		tc, ok := happyCases[op.ID]
		if !ok {
			continue
		}
		path := expand(op.Path, tc.params)
		if tc.query != "" {
			path += "?" + tc.query
		}
		h.do(op.Method, path, h.full, tc.body)
	}
	writes := []struct {
		name, method, path string
		body               any
		status             int
	}{
		{"free-text country", "PUT", "/contacts/" + ctAlice, map[string]any{"country": "United States"}, 200},
		{"lower-case country code", "PUT", "/contacts/" + ctAlice, map[string]any{"country": "us"}, 200},
		{"campaign id of any shape", "POST", "/contacts/" + ctAlice + "/campaigns/abc", map[string]any{}, 201},
		{"workflow id of any shape", "POST", "/contacts/" + ctAlice + "/workflow/xyz", map[string]any{"eventStartTime": "2026-03-02T10:00:00+01:00"}, 200},
		{"eventStartTime that is no date", "POST", "/contacts/" + ctAlice + "/workflow/xyz", map[string]any{"eventStartTime": "tomorrow"}, 422},
		{"a DATE field's date", "PUT", "/contacts/" + ctAlice, map[string]any{"customFields": []any{map[string]any{"key": "renewal", "field_value": "2027-01-31"}}}, 200},
		{"a DATE field's non-date", "PUT", "/contacts/" + ctAlice, map[string]any{"customFields": []any{map[string]any{"id": "CfDateAAAAAAAAAAAAAA", "field_value": "not a date"}}}, 422},
		{"a NUMERICAL field's text", "PUT", "/contacts/" + ctAlice, map[string]any{"customFields": []any{map[string]any{"id": "CfNumAAAAAAAAAAAAAAA", "field_value": "many"}}}, 422},
		{"an undefined field takes anything", "PUT", "/contacts/" + ctAlice, map[string]any{"customFields": []any{map[string]any{"id": "CfFreeAAAAAAAAAAAAAA", "field_value": map[string]any{"a": 1}}}}, 200},
	}
	for _, w := range writes {
		if r := h.do(w.method, w.path, h.full, w.body); r.Status != w.status {
			t.Errorf("%s: %d %s, want %d", w.name, r.Status, r.Raw, w.status)
		}
	}
	admin := []struct {
		name, path, body string
		status           int
	}{
		{"location with a repeated priority", "/__admin/locations", `{"name":"Dup","duplicatePriority":["email","email"]}`, 422},
		{"location with a malformed company id", "/__admin/locations", `{"name":"Co","companyId":"acme"}`, 422},
		{"location", "/__admin/locations", `{"name":"Fine","companyId":"CoAAAAAAAAAAAAAAAAAA"}`, 201},
		{"appointment with an unknown status", "/__admin/appointments", `{"locationId":"` + locA + `","contactId":"` + ctAlice + `","status":"weird","startTime":"2026-03-10T09:00:00Z","endTime":"2026-03-10T10:00:00Z"}`, 422},
		{"appointment with a malformed calendar", "/__admin/appointments", `{"locationId":"` + locA + `","contactId":"` + ctAlice + `","calendarId":"x","startTime":"2026-03-10T09:00:00Z","endTime":"2026-03-10T10:00:00Z"}`, 422},
		{"appointment", "/__admin/appointments", `{"locationId":"` + locA + `","contactId":"` + ctAlice + `","startTime":"2026-03-10T09:00:00Z","endTime":"2026-03-10T10:00:00Z"}`, 201},
		{"business with a bad e-mail", "/__admin/businesses", `{"locationId":"` + locA + `","name":"B","email":"notanemail"}`, 422},
		{"business", "/__admin/businesses", `{"locationId":"` + locA + `","name":"B","phone":"555 010 2222"}`, 201},
		{"seed repeating a user", "/__admin/seed", `{"locations":[{"id":"` + locA + `","name":"A","users":[{"id":"` + userA + `","name":"Twin"}]}]}`, 400},
	}
	for _, a := range admin {
		if r := h.admin("POST", a.path, "application/json", []byte(a.body)); r.Status != a.status {
			t.Errorf("%s: %d %s, want %d", a.name, r.Status, r.Raw, a.status)
		}
	}
	var b bytes.Buffer
	if err := fixtures.Write(&b, snapshot(t, h.srv)); err != nil {
		t.Fatal(err)
	}
	if _, err := fixtures.Parse(b.Bytes(), "json"); err != nil {
		t.Fatalf("the state the API built does not load back: %v", err)
	}
}
