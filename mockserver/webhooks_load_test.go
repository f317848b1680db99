package mockserver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/state"
)

// TestWebhookLatencyUnderLoad creates 1,000 contacts from 8 concurrent clients and measures, per
// contact, the time from the API response reaching the client to the ContactCreate webhook
// reaching the receiver. It only logs the numbers (run with -v); timing is never asserted.
func TestWebhookLatencyUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("load measurement")
	}
	const total, clients = 1000, 8
	h := newHookHarness(t, func(c *Config) { c.StrictResponses = false })

	var mu sync.Mutex // guards arrived and responded
	arrived := map[string]time.Time{}
	responded := map[string]time.Time{}
	started := map[string]time.Time{}
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		now := time.Now()
		var p struct{ ID string }
		_ = json.Unmarshal(body, &p)
		mu.Lock()
		arrived[p.ID] = now
		mu.Unlock()
	}))
	defer recv.Close()
	h.register(recv.URL, map[string]any{"events": []string{state.ContactCreate}})

	var wg sync.WaitGroup
	begin := time.Now()
	for c := range clients {
		wg.Go(func() {
			for i := range total / clients {
				start := time.Now()
				r := h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "firstName": fmt.Sprintf("Load%d-%d", c, i)})
				end := time.Now()
				if r.Status != http.StatusCreated {
					t.Errorf("create: %d %s", r.Status, r.Raw)
					return
				}
				id := r.obj("contact")["id"].(string)
				mu.Lock()
				started[id], responded[id] = start, end
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	apiDone := time.Since(begin)
	h.drain()
	recv.Close()

	if len(arrived) != total {
		t.Fatalf("%d webhooks arrived for %d creates", len(arrived), total)
	}
	var afterResponse, fromRequest []time.Duration
	early := 0
	for id, at := range arrived {
		d := at.Sub(responded[id])
		if d < 0 {
			early++
		}
		afterResponse = append(afterResponse, d)
		fromRequest = append(fromRequest, at.Sub(started[id]))
	}
	t.Logf("%d creates from %d clients in %v (API); all webhooks delivered %v after the first request", total, clients, apiDone, time.Since(begin))
	t.Logf("API response → webhook received: %s (%d of %d webhooks arrived before the client had read its response)", percentiles(afterResponse), early, total)
	t.Logf("API request sent → webhook received: %s", percentiles(fromRequest))
	if st := h.srv.WebhookRegistrations()[0].Stats; st.Delivered != total || st.Dropped != 0 {
		t.Errorf("stats %+v", st)
	}
}

// TestWebhookLatencyPaced: one client waits for each create's webhook before the next create, so
// the queue never builds up; every webhook must arrive (within 10 s), and the latency of the delivery
// path itself is logged (never asserted: timing belongs in benchmarks).
func TestWebhookLatencyPaced(t *testing.T) {
	const total = 100
	h := newHookHarness(t, func(c *Config) { c.StrictResponses = false })
	got := make(chan time.Time, 1)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		got <- time.Now()
	}))
	defer recv.Close()
	h.register(recv.URL, map[string]any{"events": []string{state.ContactCreate}})
	var lat []time.Duration
	for i := range total {
		h.do(http.MethodPost, "/contacts/", h.full, map[string]any{"locationId": locA, "firstName": fmt.Sprint("Paced", i)}).must(t, http.StatusCreated)
		end := time.Now()
		select {
		case at := <-got:
			lat = append(lat, at.Sub(end))
		case <-time.After(10 * time.Second):
			t.Fatal("no webhook within 10 s")
		}
	}
	t.Logf("%d creates, one at a time: API response → webhook received: %s", total, percentiles(lat))
}

func percentiles(ds []time.Duration) string {
	slices.Sort(ds)
	at := func(p float64) time.Duration { return ds[min(len(ds)-1, int(p*float64(len(ds))))] }
	return fmt.Sprintf("p50 %v, p90 %v, p99 %v, max %v", at(0.50), at(0.90), at(0.99), ds[len(ds)-1])
}
