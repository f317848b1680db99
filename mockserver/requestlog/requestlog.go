package requestlog

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
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

// batchWait is how long the writer lets lines gather after the first one arrives: one wake-up
// and one write per batch instead of per request under load, for a console a millisecond late.
const batchWait = time.Millisecond

// run is the writer: each time lines wait it takes them all, formats them into one buffer and
// writes it in one call.
func (l *Log) run() {
	defer close(l.done)
	var buf []byte
	var spare []Line
	for open := true; open; {
		_, open = <-l.wake
		if open {
			time.Sleep(batchWait)
		}
		l.mu.Lock()
		batch, dropped := l.pending, l.dropped
		l.pending, l.dropped = spare[:0], 0
		l.mu.Unlock()
		for i := range batch {
			buf = l.appendLine(buf, &batch[i])
		}
		if dropped > 0 {
			buf = l.appendDropped(buf, dropped)
		}
		if len(buf) > 0 {
			_, _ = l.out.Write(buf)
			buf = buf[:0]
		}
		clear(batch) // let the strings go
		spare = batch
	}
}

// appendLine formats a line as slog's TextHandler or JSONHandler would (the rest of the
// console's log is theirs), by hand: a line costs a few hundred nanoseconds instead of slog's
// microsecond, and on a small machine the API pays for the writer's CPU.
func (l *Log) appendLine(b []byte, ln *Line) []byte {
	ms := math.Round(float64(ln.Duration)/float64(time.Microsecond)) / 1000
	extra := [...][2]string{{"fault", ln.Fault}, {"outcome", ln.Outcome}, {"error", ln.Message}}
	if l.format == "json" {
		b = append(b, `{"time":"`...)
		b = ln.Time.AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","level":"INFO","msg":"request","method":`...)
		b = appendJSONString(b, ln.Method)
		b = append(b, `,"path":`...)
		b = appendJSONString(b, ln.Path)
		if ln.OperationID != "" {
			b = append(b, `,"operationId":`...)
			b = appendJSONString(b, ln.OperationID)
		}
		b = append(b, `,"status":`...)
		b = strconv.AppendInt(b, int64(ln.Status), 10)
		b = append(b, `,"durationMs":`...)
		b = strconv.AppendFloat(b, ms, 'f', -1, 64)
		for _, kv := range extra {
			if kv[1] != "" {
				b = append(b, ',', '"')
				b = append(b, kv[0]...)
				b = append(b, '"', ':')
				b = appendJSONString(b, kv[1])
			}
		}
		return append(b, '}', '\n')
	}
	b = append(b, "time="...)
	b = ln.Time.AppendFormat(b, "2006-01-02T15:04:05.000Z07:00")
	b = append(b, " level=INFO msg=request method="...)
	b = appendTextValue(b, ln.Method)
	b = append(b, " path="...)
	b = appendTextValue(b, ln.Path)
	if ln.OperationID != "" {
		b = append(b, " operationId="...)
		b = appendTextValue(b, ln.OperationID)
	}
	b = append(b, " status="...)
	b = strconv.AppendInt(b, int64(ln.Status), 10)
	b = append(b, " durationMs="...)
	b = strconv.AppendFloat(b, ms, 'g', -1, 64)
	for _, kv := range extra {
		if kv[1] != "" {
			b = append(b, ' ')
			b = append(b, kv[0]...)
			b = append(b, '=')
			b = appendTextValue(b, kv[1])
		}
	}
	return append(b, '\n')
}

// appendDropped is the warning that lines were dropped, through slog's own handler (it is rare).
func (l *Log) appendDropped(b []byte, dropped int) []byte {
	var out bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&out, nil)
	if l.format == "json" {
		h = slog.NewJSONHandler(&out, nil)
	}
	r := slog.NewRecord(time.Now(), slog.LevelWarn, "request log: lines dropped, the console could not keep up", 0)
	r.AddAttrs(slog.Int("dropped", dropped))
	_ = h.Handle(context.Background(), r)
	return append(b, out.Bytes()...)
}

// appendTextValue writes a value as slog's TextHandler does (its needsQuoting): bare, or quoted
// when it is empty or holds a space, '=', '"', a control character, or a rune that is invalid, a
// space or not printable.
func appendTextValue(b []byte, s string) []byte {
	if s == "" {
		return append(b, `""`...)
	}
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c < 0x20 || c == ' ' || c == '=' || c == '"' {
				return strconv.AppendQuote(b, s)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError || unicode.IsSpace(r) || !unicode.IsPrint(r) {
			return strconv.AppendQuote(b, s)
		}
		i += size
	}
	return append(b, s...)
}

// appendJSONString writes s as a JSON string (invalid UTF-8 becomes U+FFFD, as encoding/json
// writes it).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf:
			b = append(b, c)
		case c == '"' || c == '\\':
			b = append(b, '\\', c)
		case c == '\n':
			b = append(b, '\\', 'n')
		case c == '\t':
			b = append(b, '\\', 't')
		case c == '\r':
			b = append(b, '\\', 'r')
		case c < utf8.RuneSelf:
			b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				b = append(b, `\ufffd`...)
			} else {
				b = append(b, s[i:i+size]...)
			}
			i += size
			continue
		}
		i++
	}
	return append(b, '"')
}

// Locked returns a writer that serialises the writes to w: the request log and the rest of the
// log can share it without their lines interleaving.
func Locked(w io.Writer) io.Writer { return &locked{w: w} }

type locked struct {
	mu sync.Mutex // guards w
	w  io.Writer
}

// Write writes p to the underlying writer, one call at a time.
func (l *locked) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
