package spec

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
)

// Stage benchmarks of the request pipeline's spec side: routing and request validation. Compare
// them with mockserver's BenchmarkPipeline to see what share of a request each stage takes.

const benchID = "pQ7rT2mXk9LwZ4aB8cDe"

func BenchmarkFind(b *testing.B) {
	s := MustDefault()
	for _, tc := range []struct{ name, method, path string }{
		{"get-contact", "GET", "/contacts/" + benchID},
		{"get-contacts", "GET", "/contacts/"},
		{"create-contact", "POST", "/contacts/"},
		{"get-task", "GET", "/contacts/" + benchID + "/tasks/" + benchID},
		{"not-found", "GET", "/nothing/here"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_, _, _ = s.Find(tc.method, tc.path)
			}
		})
	}
}

func BenchmarkValidateRequest(b *testing.B) {
	s := MustDefault()
	create := `{"locationId":"ve9EPM428h8vShlRW1KT","firstName":"Bench","lastName":"Load","email":"bench@example.com","source":"contactsbench","tags":["bench","load"]}`
	for _, tc := range []struct {
		name, op, method, target, body string
		params                         map[string]string
	}{
		{"get-contact", "get-contact", "GET", "/contacts/" + benchID, "", map[string]string{"contactId": benchID}},
		{"get-contacts", "get-contacts", "GET", "/contacts/?locationId=ve9EPM428h8vShlRW1KT&limit=20", "", nil},
		{"create-contact", "create-contact", "POST", "/contacts/", create, nil},
		{"create-contact-invalid", "create-contact", "POST", "/contacts/", `{"locationId":1,"gender":"x","bogus":true}`, nil},
	} {
		b.Run(tc.name, func(b *testing.B) {
			op := s.Operation(tc.op)
			r := httptest.NewRequest(tc.method, tc.target, strings.NewReader(tc.body))
			r.Header.Set("Version", "2021-07-28")
			r.Header.Set("Authorization", "Bearer x")
			if tc.body != "" {
				r.Header.Set("Content-Type", "application/json")
			}
			body := []byte(tc.body)
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				_ = op.ValidateRequest(ctx, r, tc.params, body)
			}
		})
	}
}
