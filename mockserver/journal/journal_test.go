package journal_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"

	"github.com/contactsmock/contactsmock/mockserver/journal"
)

// list is Journal.List, failing the test on an error.
func list(t *testing.T, j journal.Journal, f journal.Filter) []journal.Entry {
	t.Helper()
	out, err := j.List(context.Background(), f)
	if err != nil {
		t.Error(err)
	}
	return out
}

// TestJournalConcurrent records from many goroutines into a small ring: it keeps exactly its size,
// newest first, with no sequence number twice (run with -race).
func TestJournalConcurrent(t *testing.T) {
	ctx := context.Background()
	const size, goroutines, each = 300, 32, 100
	j := journal.NewRing(size)
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			for range each {
				if err := j.Record(ctx, journal.Entry{Method: http.MethodGet, Path: "/contacts/g" + strconv.Itoa(g), OperationID: "get-contact", Status: 200}); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	// Read while writing too.
	wg.Go(func() {
		for range 50 {
			if n := len(list(t, j, journal.Filter{})); n > size {
				t.Errorf("%d entries, more than %d", n, size)
			}
		}
	})
	wg.Wait()
	got := list(t, j, journal.Filter{})
	if len(got) != size {
		t.Fatalf("%d entries, want %d", len(got), size)
	}
	for i, e := range got {
		if want := uint64(goroutines*each - i); e.Seq != want {
			t.Fatalf("entry %d: seq %d, want %d", i, e.Seq, want)
		}
	}
}
