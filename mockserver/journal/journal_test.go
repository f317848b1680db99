package journal_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"testing"
	"time"

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

// TestAfterSeq: the filter's cursor keeps only the entries recorded after it, from the query's
// "after" too; a bad one is refused.
func TestAfterSeq(t *testing.T) {
	ctx := context.Background()
	j := journal.NewRing(4)
	for range 6 {
		if err := j.Record(ctx, journal.Entry{Method: http.MethodGet, Path: "/contacts/"}); err != nil {
			t.Fatal(err)
		}
	}
	f, err := journal.ParseFilter(map[string][]string{"after": {"4"}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	got := list(t, j, f)
	if len(got) != 2 || got[0].Seq != 6 || got[1].Seq != 5 {
		t.Fatalf("after 4: %+v", got)
	}
	if got := list(t, j, journal.Filter{AfterSeq: 6}); len(got) != 0 {
		t.Fatalf("after the newest: %d entries", len(got))
	}
	if got := list(t, j, journal.Filter{AfterSeq: 1}); len(got) != 4 {
		t.Fatalf("after one the ring no longer holds: %d entries, want the 4 held", len(got))
	}
	if _, err := journal.ParseFilter(map[string][]string{"after": {"-1"}}, time.Now()); err == nil {
		t.Fatal("after=-1 accepted")
	}
}

// TestNews: Wait's channel closes at the next Notify, for every waiter, and not before.
func TestNews(t *testing.T) {
	var n journal.News
	n.Notify() // nobody waits: nothing to do
	a, b := n.Wait(), n.Wait()
	select {
	case <-a:
		t.Fatal("closed before Notify")
	default:
	}
	n.Notify()
	for _, ch := range []<-chan struct{}{a, b} {
		select {
		case <-ch:
		case <-time.After(10 * time.Second):
			t.Fatal("a waiter was not woken")
		}
	}
	if c := n.Wait(); c == a {
		t.Fatal("a woken channel is handed out again")
	}
}
