package mockserver

import (
	"net/http"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/spec"
)

// happyCase is a valid request for one operation of the document.
type happyCase struct {
	params map[string]string
	query  string
	body   any
}

// happyCases holds one valid request per operationId. TestEveryOperation fails if the document has an
// operation without a case here, so the sweep always covers the whole document.
var happyCases = map[string]happyCase{
	"get-contact":                        {params: map[string]string{"contactId": ctAlice}},
	"update-contact":                     {params: map[string]string{"contactId": ctAlice}, body: map[string]any{"firstName": "Alicia", "tags": []string{"A", "b"}}},
	"delete-contact":                     {params: map[string]string{"contactId": ctBob}},
	"create-contact":                     {body: map[string]any{"locationId": locA, "firstName": "Eve", "email": "eve@example.com", "phone": "+1 555-000-0099", "tags": []string{"New"}}},
	"get-contacts":                       {query: "locationId=" + locA + "&limit=1"},
	"upsert-contact":                     {body: map[string]any{"locationId": locA, "email": "alice@example.com", "lastName": "Arrow"}},
	"search-contacts-advanced":           {body: map[string]any{"locationId": locA, "pageLimit": 10, "filters": []any{map[string]any{"field": "tags", "operator": "eq", "value": "vip"}}}},
	"get-duplicate-contact":              {query: "locationId=" + locA + "&email=alice@example.com"},
	"get-contacts-by-businessId":         {params: map[string]string{"businessId": bizA}, query: "locationId=" + locA},
	"get-all-tasks":                      {params: map[string]string{"contactId": ctAlice}},
	"create-task":                        {params: map[string]string{"contactId": ctAlice}, body: map[string]any{"title": "Send quote", "dueDate": "2026-03-08T10:00:00Z", "completed": false}},
	"get-task":                           {params: map[string]string{"contactId": ctAlice, "taskId": taskA1}},
	"update-task":                        {params: map[string]string{"contactId": ctAlice, "taskId": taskA1}, body: map[string]any{"title": "Call back soon"}},
	"delete-task":                        {params: map[string]string{"contactId": ctAlice, "taskId": taskA1}},
	"update-task-completed":              {params: map[string]string{"contactId": ctAlice, "taskId": taskA1}, body: map[string]any{"completed": true}},
	"get-all-notes":                      {params: map[string]string{"contactId": ctAlice}},
	"create-note":                        {params: map[string]string{"contactId": ctAlice}, body: map[string]any{"body": "Asked for a quote"}},
	"get-note":                           {params: map[string]string{"contactId": ctAlice, "id": noteA1}},
	"update-note":                        {params: map[string]string{"contactId": ctAlice, "id": noteA1}, body: map[string]any{"body": "Met at the spring fair"}},
	"delete-note":                        {params: map[string]string{"contactId": ctAlice, "id": noteA1}},
	"get-appointments-for-contact":       {params: map[string]string{"contactId": ctAlice}},
	"add-tags":                           {params: map[string]string{"contactId": ctAlice}, body: map[string]any{"tags": []string{"Hot"}}},
	"remove-tags":                        {params: map[string]string{"contactId": ctAlice}, body: map[string]any{"tags": []string{"vip"}}},
	"add-followers-contact":              {params: map[string]string{"contactId": ctAlice}, body: map[string]any{"followers": []string{userA}}},
	"remove-followers-contact":           {params: map[string]string{"contactId": ctAlice}, body: map[string]any{"followers": []string{userA}}},
	"add-contact-to-campaign":            {params: map[string]string{"contactId": ctAlice, "campaignId": "CampAAAAAAAAAAAAAAAA"}, body: map[string]any{}},
	"remove-contact-from-campaign":       {params: map[string]string{"contactId": ctAlice, "campaignId": "CampAAAAAAAAAAAAAAAA"}},
	"remove-contact-from-every-campaign": {params: map[string]string{"contactId": ctAlice}},
	"add-contact-to-workflow":            {params: map[string]string{"contactId": ctAlice, "workflowId": "FlowAAAAAAAAAAAAAAAA"}, body: map[string]any{"eventStartTime": "2026-03-02T10:00:00+01:00"}},
	"delete-contact-from-workflow":       {params: map[string]string{"contactId": ctAlice, "workflowId": "FlowAAAAAAAAAAAAAAAA"}, body: map[string]any{}},
	"create-association":                 {params: map[string]string{"type": "add"}, body: map[string]any{"locationId": locA, "contacts": []string{ctAlice, ctBob}, "tags": []string{"Batch"}}},
	"add-remove-contact-from-business":   {body: map[string]any{"locationId": locA, "ids": []string{ctBob}, "businessId": bizA}},
}

// expand fills a path template.
func expand(path string, params map[string]string) string {
	for k, v := range params {
		path = strings.ReplaceAll(path, "{"+k+"}", v)
	}
	return path
}

// TestEveryOperation calls every operation of the document with a valid request on a fresh mock
// in strict mode: each is routed, answers its declared success status, and its response conforms
// to the document (strict mode turns any mismatch into a failure).
func TestEveryOperation(t *testing.T) {
	sp := spec.MustDefault()
	served := 0
	for _, op := range sp.Operations {
		if op.Public() || op.UserType != UserTypeLocation {
			continue // the OAuth endpoints have their own tests
		}
		t.Run(op.ID, func(t *testing.T) {
			tc, found := happyCases[op.ID]
			if !found {
				t.Fatalf("no happy case for operation %s: add one to happyCases", op.ID)
			}
			h := newHarness(t)
			path := expand(op.Path, tc.params)
			if tc.query != "" {
				path += "?" + tc.query
			}
			r := h.do(op.Method, path, h.full, tc.body)
			if r.Status != op.SuccessStatus {
				t.Fatalf("%s %s: status %d, want %d; body %s", op.Method, path, r.Status, op.SuccessStatus, r.Raw)
			}
			if !op.Declares(r.Status) {
				t.Fatalf("status %d is not declared by %s", r.Status, op.ID)
			}
			if got := r.Header.Get("X-RateLimit-Remaining"); got == "" {
				t.Errorf("no X-RateLimit-Remaining header")
			}
		})
		served++
	}
	if served != 32 {
		t.Errorf("swept %d contacts operations, want 32", served)
	}
}

// TestEveryOperationRefusesWithoutToken checks the auth stage on every secured operation.
func TestEveryOperationRefusesWithoutToken(t *testing.T) {
	h := newHarness(t)
	for _, op := range h.srv.Spec().Operations {
		if op.Public() {
			continue
		}
		tc := happyCases[op.ID]
		path := expand(op.Path, tc.params)
		for _, tok := range []string{"", "garbage"} {
			r := h.do(op.Method, path, tok, tc.body)
			if r.Status != http.StatusUnauthorized || r.str("message") != msgInvalidJWT {
				t.Errorf("%s with token %q: %d %s, want 401 %q", op.ID, tok, r.Status, r.Raw, msgInvalidJWT)
			}
			if !op.Declares(http.StatusUnauthorized) {
				t.Errorf("%s does not declare 401", op.ID)
			}
		}
	}
}
