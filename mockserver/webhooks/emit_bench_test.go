package webhooks

import (
	"encoding/json"
	"testing"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// BenchmarkWebhookEmit measures what the state's subscriber costs per event (log and enqueue it
// for one registration).
func BenchmarkWebhookEmit(b *testing.B) {
	w, err := New(Options{QueueSize: 1 << 20, LogSize: 1000})
	if err != nil {
		b.Fatal(err)
	}
	// A registration without a worker: this measures the enqueue alone.
	r := &registration{id: "bench", url: "http://127.0.0.1:1/", wake: make(chan struct{}, 1)}
	w.regs = []*registration{r}
	c := fixtures.Contact{ID: "CtBenchAAAAAAAAAAAAA", LocationID: "LocAAAAAAAAAAAAAAAAA", FirstName: "Bench", LastName: "Mark",
		Name: "Bench Mark", Email: "bench@example.com", Phone: "+15550000001", Tags: []string{"a", "b"},
		CustomFields: []fixtures.CustomField{{ID: "CfAAAAAAAAAAAAAAAAAA", Value: json.RawMessage(`"x"`)}}, DateAdded: 1}
	e := state.Event{Type: state.ContactUpdate, LocationID: "LocAAAAAAAAAAAAAAAAA", Contact: &c}
	b.ReportAllocs()
	for b.Loop() {
		w.Emit(e)
		if len(r.queue) > 10000 {
			r.queue = r.queue[:0]
		}
	}
}
