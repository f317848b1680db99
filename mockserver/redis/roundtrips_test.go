package redis_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/mockserver/clock"
	"github.com/contactsmock/contactsmock/mockserver/redis"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
)

// mockOn builds a mock whose whole state is the backend's, seeded with doc.
func mockOn(t *testing.T, b *redis.Backend, doc fixtures.Document) *mockserver.Server {
	return mockOnB(t, b, doc)
}

// mockOnB is mockOn for tests and benchmarks; a replica that finds the prefix seeded joins it.
func mockOnB(t testing.TB, b *redis.Backend, doc fixtures.Document) *mockserver.Server {
	t.Helper()
	ctx := context.Background()
	keys, err := b.SharedKeys(ctx, redis.Keys{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b.Join(ctx, redis.Seed{Initial: doc, Limits: mockserver.DefaultRateLimits, FaultSeed: 7}, time.Minute); err != nil {
		t.Fatal(err)
	}
	clk := clock.WithOffset(nil, b.Offset())
	hooks, err := b.Hooks(webhooks.Options{Key: keys.Webhook, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mockserver.New(mockserver.Config{
		Clock: clk, AccessKey: keys.Access, RefreshKey: keys.Refresh, WebhookKey: keys.Webhook,
		State: mockserver.State{Store: b.Store(), OAuth: b.OAuth(), RateLimits: b.Limits(mockserver.DefaultRateLimits),
			RateCounts: b.Counter(), Faults: b.Faults(nil), Journal: b.Journal(0), Webhooks: hooks, Coverage: b.Coverage(), ClockOffset: b.Offset(),
			IDs: b.IDs(), Initial: b.Initial, Prefetch: b},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	return srv
}

// TestRoundTrips: a request's Redis round trips, counted as batches sent (the journal's write
// aside): at most 2 for a get and a list, 3 for a create.
func TestRoundTrips(t *testing.T) {
	b := open(t, redis.Options{})
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 1, Contacts: 30, Locations: 1})
	if err != nil {
		t.Fatal(err)
	}
	srv := mockOn(t, b, doc)
	loc := doc.Locations[0].ID
	tok, err := srv.MintToken(loc, []string{"contacts.readonly", "contacts.write"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	var last func() int
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, n := redis.CountRoundTrips(r.Context())
		last = n
		srv.ServeHTTP(w, r.WithContext(ctx))
	})
	do := func(method, path string, body any) (int, map[string]any) {
		var rd bytes.Buffer
		if body != nil {
			_ = json.NewEncoder(&rd).Encode(body)
		}
		req := httptest.NewRequest(method, path, &rd)
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Version", "2021-07-28")
		req.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		var out map[string]any
		_ = json.Unmarshal(w.Body.Bytes(), &out)
		return w.Code, out
	}
	// One request first, so the replica's view of the location exists (as it does in any
	// replica that served before).
	do("GET", "/contacts/?locationId="+loc+"&limit=1", nil)
	st, created := do("POST", "/contacts/", map[string]any{"locationId": loc, "firstName": "Round", "email": "round@example.com"})
	if st != 201 {
		t.Fatalf("create: %d %v", st, created)
	}
	if n := last(); n > 3 {
		t.Errorf("a create took %d round trips, want at most 3", n)
	} else {
		t.Logf("create: %d round trips", n)
	}
	id := created["contact"].(map[string]any)["id"].(string)
	for _, c := range []struct{ name, path string }{
		{"get", "/contacts/" + id},
		{"list 20", "/contacts/?locationId=" + loc + "&limit=20"},
	} {
		st, body := do("GET", c.path, nil)
		if st != 200 {
			t.Fatalf("%s: %d %v", c.name, st, body)
		}
		if n := last(); n > 2 {
			t.Errorf("a %s took %d round trips, want at most 2", c.name, n)
		} else {
			t.Logf("%s: %d round trips", c.name, n)
		}
	}
}
