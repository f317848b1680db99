package requestlog

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"sync"
	"testing"
	"time"
)

// buffer is a writer the log writes to while the test reads it; block holds every write until it
// is closed.
type buffer struct {
	mu     sync.Mutex // guards b and writes
	b      bytes.Buffer
	writes int
	block  chan struct{}
}

func (w *buffer) Write(p []byte) (int, error) {
	if w.block != nil {
		<-w.block
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.writes++
	return w.b.Write(p)
}

func (w *buffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

var at = time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC)

func closeLog(t *testing.T, l *Log) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
}

func TestTextLines(t *testing.T) {
	out := &buffer{}
	l, err := New(Options{Out: out})
	if err != nil {
		t.Fatal(err)
	}
	l.Add(Line{Time: at, Method: "POST", Path: "/contacts/", OperationID: "create-contact", Status: 201, Duration: 1234567 * time.Nanosecond})
	l.Add(Line{Time: at, Method: "GET", Path: "/contacts/abc", OperationID: "get-contact", Status: 0, Duration: time.Millisecond, Fault: "lost", Outcome: "dropped"})
	l.Add(Line{Time: at, Method: "GET", Path: "/nope", Status: 404, Message: "Cannot GET /nope"})
	closeLog(t, l)
	want := `time=2026-03-01T12:00:05.000Z level=INFO msg=request method=POST path=/contacts/ operationId=create-contact status=201 durationMs=1.235
time=2026-03-01T12:00:05.000Z level=INFO msg=request method=GET path=/contacts/abc operationId=get-contact status=0 durationMs=1 fault=lost outcome=dropped
time=2026-03-01T12:00:05.000Z level=INFO msg=request method=GET path=/nope status=404 durationMs=0 error="Cannot GET /nope"
`
	if got := out.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	l.Add(Line{Method: "GET", Path: "/after-close"})
	if strings.Contains(out.String(), "after-close") {
		t.Error("a line added after Close was written")
	}
}

func TestJSONLines(t *testing.T) {
	out := &buffer{}
	l, err := New(Options{Out: out, Format: "json"})
	if err != nil {
		t.Fatal(err)
	}
	l.Add(Line{Time: at, Method: "GET", Path: "/contacts/", OperationID: "get-contacts", Status: 429, Duration: 250 * time.Microsecond, Message: "Too Many Requests"})
	closeLog(t, l)
	var got map[string]any
	if err := json.Unmarshal([]byte(out.String()), &got); err != nil {
		t.Fatalf("%v: %q", err, out.String())
	}
	want := map[string]any{"time": "2026-03-01T12:00:05Z", "level": "INFO", "msg": "request", "method": "GET", "path": "/contacts/",
		"operationId": "get-contacts", "status": 429.0, "durationMs": 0.25, "error": "Too Many Requests"}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %v, want %v", k, got[k], v)
		}
	}
	if _, err := New(Options{Out: out, Format: "yaml"}); err == nil {
		t.Error("an unknown format is accepted")
	}
}

// TestSlowConsoleDropsAndCounts: while the console does not take a write, Add still returns; past
// Max waiting lines the rest are dropped, and the count is written once the console takes writes.
func TestSlowConsoleDropsAndCounts(t *testing.T) {
	out := &buffer{block: make(chan struct{})}
	l, err := New(Options{Out: out, Max: 10})
	if err != nil {
		t.Fatal(err)
	}
	l.Add(Line{Time: at, Method: "GET", Path: "/first"})
	// The writer takes /first and blocks in Write; wait until it has (pending is empty again).
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(time.Millisecond) {
		l.mu.Lock()
		n := len(l.pending)
		l.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the writer never took the first line")
		}
	}
	done := make(chan struct{})
	go func() {
		for i := 0; i < 25; i++ {
			l.Add(Line{Time: at, Method: "GET", Path: "/more"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Add waited for the console")
	}
	close(out.block)
	closeLog(t, l)
	got := out.String()
	if n := strings.Count(got, "path=/more"); n != 10 {
		t.Errorf("%d lines written while 10 could wait", n)
	}
	if !strings.Contains(got, "level=WARN") || !strings.Contains(got, "dropped=15") {
		t.Errorf("the drop is not reported:\n%s", got)
	}
}

// TestConcurrentAddsBatched: lines added from many goroutines are all written, whole, in fewer
// writes than lines.
func TestConcurrentAddsBatched(t *testing.T) {
	out := &buffer{}
	l, err := New(Options{Out: Locked(out)})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 500; i++ {
				l.Add(Line{Time: at, Method: "GET", Path: "/contacts/x", Status: 200})
			}
		}()
	}
	wg.Wait()
	closeLog(t, l)
	got := out.String()
	if n := strings.Count(got, "msg=request method=GET path=/contacts/x status=200 durationMs=0\n"); n != 4000 {
		t.Errorf("%d whole lines, want 4000", n)
	}
	if out.writes >= 4000 {
		t.Errorf("%d writes for 4000 lines: not batched", out.writes)
	}
}
