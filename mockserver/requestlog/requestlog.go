package requestlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"sync"
	"time"
)

// Line is one API request as the console shows it.
type Line struct {
	// Time is when the request arrived (wall clock).
	Time        time.Time
	Method      string
	Path        string // the path only: the query may carry credentials
	OperationID string // empty: no operation of the document matched
	Status      int    // 0: no answer was written (a dropped connection)
	Duration    time.Duration
	Fault       string // the id of the injected fault that applied, if any
	Outcome     string // dropped, truncated or canceled for an answer not written whole
	Message     string // the error message of an answer from 400 on
}

// Options configure a Log.
type Options struct {
	// Out receives the lines. Writes are whole lines; share one writer with the rest of the log
	// through a lock (Locked) so that lines never interleave.
	Out io.Writer
	// Format is "text" (the default) or "json": slog's TextHandler or JSONHandler.
	Format string
	// Max is the most lines that may wait to be written (default 8192); past it a line is dropped
	// and counted, and the count is written once the console catches up.
	Max int
}

// DefaultMax is Options.Max's default.
const DefaultMax = 8192

// Log is an asynchronous request log. Add never blocks on the console.
type Log struct {
	out    io.Writer
	format string
	max    int
	done   chan struct{}

	mu      sync.Mutex // guards pending, dropped, closed and sends on wake
	pending []Line
	dropped int
	closed  bool
	// wake (capacity 1) tells the writer that lines wait; it is closed by Close.
	wake chan struct{}
}

// New starts a log writing to o.Out.
func New(o Options) (*Log, error) {
	if o.Out == nil {
		return nil, errors.New("requestlog: Options.Out is required")
	}
	switch o.Format {
	case "":
		o.Format = "text"
	case "text", "json":
	default:
		return nil, fmt.Errorf("requestlog: format %q: want text or json", o.Format)
	}
	if o.Max <= 0 {
		o.Max = DefaultMax
	}
	l := &Log{out: o.Out, format: o.Format, max: o.Max, done: make(chan struct{}), wake: make(chan struct{}, 1)}
	go l.run()
	return l, nil
}

// Add hands a line over to be written. It never waits for the console: past Max lines waiting,
// the line is dropped and counted. After Close it does nothing.
func (l *Log) Add(line Line) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return
	}
	if len(l.pending) >= l.max {
		l.dropped++
		return
	}
	l.pending = append(l.pending, line)
	if len(l.pending) == 1 {
		select {
		case l.wake <- struct{}{}:
		default: // the writer is already told
		}
	}
}

// Close writes the lines still waiting and stops the log's goroutine, or gives up when ctx ends.
func (l *Log) Close(ctx context.Context) error {
	l.mu.Lock()
	if !l.closed {
		l.closed = true
		close(l.wake)
	}
	l.mu.Unlock()
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("requestlog: lines left unwritten: %w", ctx.Err())
	}
}

// run is the writer: each time lines wait it takes them all, formats them into one buffer and
// writes it in one call.
func (l *Log) run() {
	defer close(l.done)
	var buf bytes.Buffer
	var h slog.Handler
	if l.format == "json" {
		h = slog.NewJSONHandler(&buf, nil)
	} else {
		h = slog.NewTextHandler(&buf, nil)
	}
	var spare []Line
	for open := true; open; {
		_, open = <-l.wake
		l.mu.Lock()
		batch, dropped := l.pending, l.dropped
		l.pending, l.dropped = spare[:0], 0
		l.mu.Unlock()
		for i := range batch {
			_ = h.Handle(context.Background(), record(&batch[i]))
		}
		if dropped > 0 {
			r := slog.NewRecord(time.Now(), slog.LevelWarn, "request log: lines dropped, the console could not keep up", 0)
			r.AddAttrs(slog.Int("dropped", dropped))
			_ = h.Handle(context.Background(), r)
		}
		if buf.Len() > 0 {
			_, _ = l.out.Write(buf.Bytes())
			buf.Reset()
		}
		clear(batch) // let the strings go
		spare = batch
	}
}

// record is the slog record of a line.
func record(ln *Line) slog.Record {
	r := slog.NewRecord(ln.Time, slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("method", ln.Method), slog.String("path", ln.Path))
	if ln.OperationID != "" {
		r.AddAttrs(slog.String("operationId", ln.OperationID))
	}
	r.AddAttrs(slog.Int("status", ln.Status),
		slog.Float64("durationMs", math.Round(float64(ln.Duration)/float64(time.Microsecond))/1000))
	if ln.Fault != "" {
		r.AddAttrs(slog.String("fault", ln.Fault))
	}
	if ln.Outcome != "" {
		r.AddAttrs(slog.String("outcome", ln.Outcome))
	}
	if ln.Message != "" {
		r.AddAttrs(slog.String("error", ln.Message))
	}
	return r
}

// Locked returns a writer that serialises the writes to w: the request log and the rest of the
// log can share it without their lines interleaving.
func Locked(w io.Writer) io.Writer { return &locked{w: w} }

type locked struct {
	mu sync.Mutex // guards w
	w  io.Writer
}

func (l *locked) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
