package mocktest_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/mocktest"
)

// get sends a GET with the mock's full token and decodes the answer.
func get(t *testing.T, m *mocktest.Mock, path string) (int, map[string]any) {
	t.Helper()
	req, err := m.NewRequest(context.Background(), "GET", path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := m.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func total(t *testing.T, m *mocktest.Mock) float64 {
	t.Helper()
	status, page := get(t, m, "/contacts/?locationId="+m.LocationID)
	if status != 200 {
		t.Fatalf("list: %d %v", status, page)
	}
	return page["meta"].(map[string]any)["total"].(float64)
}

func TestDataOptions(t *testing.T) {
	if n := total(t, mocktest.New(t)); n != float64(fixtures.DefaultContacts) {
		t.Errorf("default: %v contacts, want %d", n, fixtures.DefaultContacts)
	}
	if n := total(t, mocktest.New(t, mocktest.WithContacts(0))); n != 0 {
		t.Errorf("WithContacts(0): %v contacts", n)
	}
	a, b := mocktest.New(t, mocktest.WithSeed(9), mocktest.WithContacts(2)), mocktest.New(t, mocktest.WithSeed(9), mocktest.WithContacts(2))
	_, pa := get(t, a, "/contacts/?locationId="+a.LocationID)
	_, pb := get(t, b, "/contacts/?locationId="+b.LocationID)
	if a.LocationID != b.LocationID || !jsonEqual(pa["contacts"], pb["contacts"]) {
		t.Error("the same seed gave other data")
	}
	if c := mocktest.New(t, mocktest.WithSeed(10), mocktest.WithContacts(2)); c.LocationID == a.LocationID {
		t.Error("another seed gave the same location")
	}
	if locs, err := mocktest.New(t, mocktest.WithLocations(3), mocktest.WithContacts(1)).Admin.Locations(context.Background()); err != nil || len(locs) != 3 {
		t.Errorf("WithLocations(3): %d %v", len(locs), err)
	}

	doc := fixtures.Document{Version: 1, Locations: []fixtures.Location{{ID: "LocFixtureAAAAAAAAAA", Name: "Fixture",
		Contacts: []fixtures.ContactRecord{{Contact: fixtures.Contact{FirstName: "Only", Email: "only@example.com"}}}}}}
	m := mocktest.New(t, mocktest.WithFixtures(doc))
	if m.LocationID != "LocFixtureAAAAAAAAAA" || total(t, m) != 1 {
		t.Errorf("WithFixtures: location %s", m.LocationID)
	}
	path := filepath.Join(t.TempDir(), "f.json")
	gen, _ := fixtures.Generate(fixtures.GenerateOptions{Seed: 3, Contacts: 4})
	f, _ := os.Create(path)
	if err := fixtures.Write(f, gen); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if m := mocktest.New(t, mocktest.WithFixturesFile(path)); m.LocationID != gen.Locations[0].ID || total(t, m) != 4 {
		t.Errorf("WithFixturesFile: location %s", m.LocationID)
	}
	if _, err := mocktest.Start(mocktest.WithFixturesFile(filepath.Join(t.TempDir(), "missing.json"))); err == nil {
		t.Error("a missing fixtures file starts a mock")
	}
	if _, err := mocktest.Start(mocktest.WithFixtures(fixtures.Document{Version: 1})); err == nil {
		t.Error("data without a location starts a mock")
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestTokens(t *testing.T) {
	m := mocktest.New(t)
	for _, tc := range []struct {
		token string
		want  int
	}{{m.Token, 201}, {m.ReadOnlyToken, 401}} {
		req, _ := m.NewRequest(context.Background(), "POST", "/contacts/", []byte(`{"locationId":"`+m.LocationID+`","firstName":"T"}`))
		req.Header.Set("Authorization", "Bearer "+tc.token)
		resp, err := m.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tc.want {
			t.Errorf("create: %d, want %d", resp.StatusCode, tc.want)
		}
	}
	if status, _ := get(t, m, "/contacts/?locationId="+m.LocationID); status != 200 {
		t.Errorf("the full token cannot read: %d", status)
	}
}

func TestTrafficOptions(t *testing.T) {
	m := mocktest.New(t, mocktest.WithRateLimits(mockserver.RateLimits{Burst: 2, Window: time.Hour}))
	var statuses []int
	for range 3 {
		s, _ := get(t, m, "/contacts/?locationId="+m.LocationID)
		statuses = append(statuses, s)
	}
	if statuses[0] != 200 || statuses[1] != 200 || statuses[2] != 429 {
		t.Errorf("WithRateLimits burst 2: %v", statuses)
	}
	if _, err := m.Admin.AdvanceClock(context.Background(), time.Hour); err != nil {
		t.Fatal(err)
	}
	if s, _ := get(t, m, "/contacts/?locationId="+m.LocationID); s != 200 {
		t.Errorf("after the window, through the admin client's clock: %d", s)
	}

	f := mocktest.New(t, mocktest.WithFaults(mockserver.Fault{ID: "down", OperationID: "get-contacts", Status: 503, Count: 1}), mocktest.WithFaultSeed(5))
	first, _ := get(t, f, "/contacts/?locationId="+f.LocationID)
	second, _ := get(t, f, "/contacts/?locationId="+f.LocationID)
	if first != 503 || second != 200 || f.Server.FaultSeed() != 5 {
		t.Errorf("WithFaults: %d then %d, seed %d", first, second, f.Server.FaultSeed())
	}
	if _, err := mocktest.Start(mocktest.WithRateLimits(mockserver.RateLimits{Window: -time.Second})); err == nil {
		t.Error("bad rate limits start a mock")
	}
	c := mocktest.New(t, mocktest.WithConfig(func(c *mockserver.Config) { c.StrictVersion = true }))
	req, _ := c.NewRequest(context.Background(), "GET", "/contacts/?locationId="+c.LocationID, nil)
	req.Header.Set("Version", "2021-04-15")
	resp, err := c.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 {
		t.Errorf("WithConfig StrictVersion: %d", resp.StatusCode)
	}
}

// TestCleanup: the mock of a finished test no longer answers.
func TestCleanup(t *testing.T) {
	var url string
	t.Run("inner", func(t *testing.T) { url = mocktest.New(t).URL + "/__admin/health" })
	if resp, err := http.Get(url); err == nil {
		resp.Body.Close()
		t.Errorf("the mock still answers after its test: %d", resp.StatusCode)
	}
}
