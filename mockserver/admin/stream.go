package admin

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/journal"
)

// News is the journal's signal that entries were recorded (journal.News).
type News interface {
	Wait() <-chan struct{}
}

// Timing of the live stream.
const (
	// streamPoll is how often a stream looks at the journal without being woken: it then sees
	// what other replicas of a shared journal recorded.
	streamPoll = time.Second
	// streamMinGap spaces two reads of the journal by one stream, so that a burst of requests
	// costs a few reads rather than one per request.
	streamMinGap = 25 * time.Millisecond
	// streamHeartbeat keeps idle connections (and the proxies between) from timing out.
	streamHeartbeat = 15 * time.Second
	// streamBatch bounds the entries one read sends: the journal's default size.
	streamBatch = journal.DefaultSize
)

// stream is GET /__admin/requests/stream: the journal as server-sent events, oldest first, one
// event "request" per entry (its id the entry's seq, its data the entry as GET /__admin/requests
// shows it). It starts after ?after=SEQ or the Last-Event-ID a reconnecting EventSource sends;
// without either, after the newest entry now. It ends when the client leaves or the mock shuts
// down (EndStreams).
func (a *API) stream(w http.ResponseWriter, r *http.Request) {
	if a.d.Journal == nil {
		a.d.Fail(w, r, newError(http.StatusNotFound, "the request journal is off (a negative journal size)"))
		return
	}
	ctx := r.Context()
	cursor := r.URL.Query().Get("after")
	if cursor == "" {
		cursor = r.Header.Get("Last-Event-ID")
	}
	var after uint64
	if cursor != "" {
		n, err := strconv.ParseUint(cursor, 10, 64)
		if err != nil {
			a.d.Fail(w, r, invalid("after must be a request's seq (a number not less than 0)"))
			return
		}
		after = n
	} else {
		newest, err := a.d.Journal.List(ctx, journal.Filter{Limit: 1})
		if err != nil {
			a.d.Fail(w, r, err)
			return
		}
		if len(newest) > 0 {
			after = newest[0].Seq
		}
	}
	rc := http.NewResponseController(w)
	// The server's write timeout is for answers, not for a stream that lasts as long as the page.
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := w.Write([]byte("retry: 2000\n: contactsmock journal\n\n")); err != nil {
		return
	}
	_ = rc.Flush()
	poll := time.NewTicker(streamPoll)
	defer poll.Stop()
	lastWrite := time.Now()
	var buf []byte
	for {
		// Taken before reading, so that an entry recorded during the read wakes the next one.
		var woken <-chan struct{}
		if a.d.News != nil {
			woken = a.d.News.Wait()
		}
		entries, err := a.d.Journal.List(ctx, journal.Filter{AfterSeq: after, Limit: streamBatch})
		if err != nil {
			a.d.Logger.Warn("journal stream: reading the journal", "err", err)
		}
		buf = buf[:0]
		for i := len(entries) - 1; i >= 0; i-- {
			data, err := json.Marshal(entries[i].View())
			if err != nil {
				continue
			}
			buf = append(buf, "id: "...)
			buf = strconv.AppendUint(buf, entries[i].Seq, 10)
			buf = append(buf, "\nevent: request\ndata: "...)
			buf = append(buf, data...)
			buf = append(buf, "\n\n"...)
			after = entries[i].Seq
		}
		if len(buf) == 0 && time.Since(lastWrite) >= streamHeartbeat {
			buf = append(buf, ": heartbeat\n\n"...)
		}
		if len(buf) > 0 {
			if _, err := w.Write(buf); err != nil {
				return
			}
			if rc.Flush() != nil {
				return
			}
			lastWrite = time.Now()
		}
		select {
		case <-ctx.Done():
			return
		case <-a.stop:
			return
		case <-woken:
		case <-poll.C:
		}
		// Coalesce a burst of recordings into one read.
		select {
		case <-ctx.Done():
			return
		case <-a.stop:
			return
		case <-time.After(streamMinGap):
		}
	}
}

// EndStreams ends every live stream and refuses new ones: the mock is shutting down, and an open
// stream would hold http.Server.Shutdown until its deadline.
func (a *API) EndStreams() { a.stopOnce.Do(func() { close(a.stop) }) }
