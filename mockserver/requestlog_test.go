package mockserver

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/requestlog"
)

// TestRequestLog: one line per API request, with its operation, status and fault; never a token,
// a query string or a body; admin requests are not API requests. The journal being off does not
// turn the log off.
func TestRequestLog(t *testing.T) {
	out := &bytes.Buffer{} // read once Close has returned: the log's goroutine is done with it
	rl, err := requestlog.New(requestlog.Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, func(c *Config) { c.RequestLog = rl; c.JournalSize = -1 })
	h.do("GET", "/contacts/?locationId="+locA+"&access_token=secret-in-query", h.full, nil).must(t, 200)
	h.do("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "firstName": "Ada", "email": "ada-body@example.com"}).must(t, 201)
	h.do("GET", "/contacts/"+ctAlice, "not-a-token", nil).must(t, 401)
	h.do("POST", "/contacts/", h.full, map[string]any{"locationId": locA, "bogus": "x"}).must(t, 422)
	h.do("GET", "/nowhere", h.full, nil).must(t, 404)
	h.do("POST", "/__admin/faults", "", map[string]any{"id": "slow-get", "operationId": "get-contact", "status": 503, "count": 1}).must(t, 201)
	h.do("GET", "/contacts/"+ctAlice, h.full, nil).must(t, 503)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := rl.Close(ctx); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	lines := strings.Split(strings.TrimSpace(got), "\n")
	want := [][]string{
		{"level=INFO msg=request method=GET path=/contacts/ operationId=get-contacts status=200 durationMs="},
		{"method=POST path=/contacts/ operationId=create-contact status=201"},
		{"method=GET path=/contacts/" + ctAlice + " operationId=get-contact status=401", `error="Invalid JWT"`},
		{"method=POST path=/contacts/ operationId=create-contact status=422", `error="property bogus should not exist"`},
		{"method=GET path=/nowhere status=404", `error="Cannot GET /nowhere"`},
		{"method=GET path=/contacts/" + ctAlice + " operationId=get-contact status=503", "fault=slow-get"},
	}
	if len(lines) != len(want) {
		t.Fatalf("%d lines, want %d (admin requests are not logged):\n%s", len(lines), len(want), got)
	}
	for i, w := range want {
		for _, part := range w {
			if !strings.Contains(lines[i], part) {
				t.Errorf("line %d lacks %q:\n%s", i+1, part, lines[i])
			}
		}
	}
	for _, secret := range []string{h.full, "not-a-token", "secret-in-query", "access_token", "ada-body@example.com", "?"} {
		if strings.Contains(got, secret) {
			t.Errorf("the request log shows %q:\n%s", secret, got)
		}
	}
}
