package mockserver_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/mockserver/journal"
	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/state/memory"
)

// calls counts the calls of a wrapper by method.
type calls struct {
	mu sync.Mutex // guards n
	n  map[string]int
}

func (c *calls) add(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[name]++
}

func (c *calls) get(name string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[name]
}

// countingStore is a state.Store of its own: the memory store, counting the calls the mock makes.
type countingStore struct {
	state.Store
	calls
}

func (s *countingStore) GetContact(ctx context.Context, loc, id string) (*state.Contact, error) {
	s.add("GetContact")
	return s.Store.GetContact(ctx, loc, id)
}

func (s *countingStore) CreateContact(ctx context.Context, loc string, in state.ContactInput) (*state.Contact, error) {
	s.add("CreateContact")
	return s.Store.CreateContact(ctx, loc, in)
}

func (s *countingStore) Reset(ctx context.Context, doc fixtures.Document) error {
	s.add("Reset")
	return s.Store.Reset(ctx, doc)
}

func (s *countingStore) Subscribe(sink func(state.Event)) {
	s.add("Subscribe")
	s.Store.Subscribe(func(e state.Event) {
		s.add("event " + e.Type)
		sink(e)
	})
}

// countingTokens is an oauth.Store of its own, counting token lookups.
type countingTokens struct {
	oauth.Store
	calls
}

func (s *countingTokens) Token(ctx context.Context, access string) (*oauth.Token, error) {
	s.add("Token")
	return s.Store.Token(ctx, access)
}

// countingCounter is a ratelimit.Counter of its own.
type countingCounter struct {
	ratelimit.Counter
	calls
}

func (c *countingCounter) Take(ctx context.Context, key ratelimit.Key, now time.Time, window time.Duration, burst, daily int) (ratelimit.Counts, error) {
	c.add("Take")
	return c.Counter.Take(ctx, key, now, window, burst, daily)
}

// countingJournal is a journal.Journal of its own.
type countingJournal struct {
	journal.Journal
	calls
}

func (j *countingJournal) Record(ctx context.Context, e journal.Entry) error {
	j.add("Record " + e.OperationID)
	return j.Journal.Record(ctx, e)
}

// TestCustomStateThroughConfig builds a mock whose state lives in implementations of the test's
// own, given through Config.State alone, and checks that the API reads and writes them: the
// contact created is in the custom store, the token is looked up in the custom OAuth store, the
// request is counted by the custom limiter counter and journaled in the custom journal, and the
// store's events reach the webhooks through the custom store's subscription.
func TestCustomStateThroughConfig(t *testing.T) {
	doc := goldenDoc(t)
	loc := doc.Locations[0].ID
	inner := memory.New(memory.Options{})
	st := &countingStore{Store: inner}
	tokens := &countingTokens{Store: oauth.NewMemoryStore(nil)}
	counter := &countingCounter{Counter: ratelimit.NewMemoryCounter()}
	j := &countingJournal{Journal: journal.NewRing(10)}
	srv, err := mockserver.New(mockserver.Config{
		Initial: doc,
		State:   mockserver.State{Store: st, OAuth: tokens, RateCounts: counter, Journal: j},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close(context.Background()) })
	if st.get("Subscribe") != 1 || st.get("Reset") != 1 {
		t.Fatalf("New subscribed %d times and reset %d times, want once each", st.get("Subscribe"), st.get("Reset"))
	}
	if srv.Store() != state.Store(st) {
		t.Fatal("Server.Store is not the store given in Config.State")
	}
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	tok, err := srv.MintToken(loc, []string{mockserver.ScopeContactsReadonly, mockserver.ScopeContactsWrite}, 0)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, path, body string) (int, map[string]any) {
		t.Helper()
		req, _ := http.NewRequest(method, hs.URL+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok.AccessToken)
		req.Header.Set("Version", "2021-07-28")
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		resp, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		var out map[string]any
		_ = json.Unmarshal(raw, &out)
		return resp.StatusCode, out
	}
	status, out := call(http.MethodPost, "/contacts/", `{"locationId":"`+loc+`","firstName":"Custom","email":"custom@example.com"}`)
	if status != http.StatusCreated {
		t.Fatalf("create: %d %v", status, out)
	}
	id, _ := out["contact"].(map[string]any)["id"].(string)
	if got, err := inner.GetContact(context.Background(), loc, id); err != nil || got.FirstName != "Custom" {
		t.Fatalf("the created contact is not in the custom store: %v", err)
	}
	if status, out = call(http.MethodGet, "/contacts/"+id, ""); status != http.StatusOK {
		t.Fatalf("get: %d %v", status, out)
	}
	for name, n := range map[string]int{
		"CreateContact": st.get("CreateContact"), "GetContact": st.get("GetContact"),
		"event ContactCreate": st.get("event ContactCreate"), "Token": tokens.get("Token"),
		"Take": counter.get("Take"), "Record create-contact": j.get("Record create-contact"),
		"Record get-contact": j.get("Record get-contact"),
	} {
		if n == 0 {
			t.Errorf("the mock made no %s call to the custom state", name)
		}
	}
}
