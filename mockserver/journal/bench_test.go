package journal_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/journal"
)

// BenchmarkJournalRecord measures recording one request, in parallel.
func BenchmarkJournalRecord(b *testing.B) {
	for _, bodies := range []bool{false, true} {
		b.Run("bodies-"+strconv.FormatBool(bodies), func(b *testing.B) {
			j := journal.NewRing(journal.DefaultSize)
			ctx := context.Background()
			e := journal.Entry{Time: time.Now(), Method: "GET", Path: "/contacts/CtAliceAAAAAAAAAAAAA", Query: "x=1",
				OperationID: "get-contact", Status: 200, ClientID: "client", LocationID: "LocAAAAAAAAAAAAAAAAA",
				Rated: true, Remaining: 5, DailyRemaining: 9}
			if bodies {
				e.ResponseBody = []byte(`{"contact":{}}`)
			}
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					_ = j.Record(ctx, e)
				}
			})
		})
	}
}
