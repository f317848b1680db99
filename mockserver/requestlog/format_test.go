package requestlog

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"math"
	"reflect"
	"testing"
	"time"
)

// slogLine is what slog's own handler writes for a line: the format appendLine follows.
func slogLine(format string, ln *Line) []byte {
	var out bytes.Buffer
	var h slog.Handler = slog.NewTextHandler(&out, nil)
	if format == "json" {
		h = slog.NewJSONHandler(&out, nil)
	}
	r := slog.NewRecord(ln.Time, slog.LevelInfo, "request", 0)
	r.AddAttrs(slog.String("method", ln.Method), slog.String("path", ln.Path))
	if ln.OperationID != "" {
		r.AddAttrs(slog.String("operationId", ln.OperationID))
	}
	r.AddAttrs(slog.Int("status", ln.Status), slog.Float64("durationMs", math.Round(float64(ln.Duration)/float64(time.Microsecond))/1000))
	for _, kv := range [][2]string{{"fault", ln.Fault}, {"outcome", ln.Outcome}, {"error", ln.Message}} {
		if kv[1] != "" {
			r.AddAttrs(slog.String(kv[0], kv[1]))
		}
	}
	_ = h.Handle(context.Background(), r)
	return out.Bytes()
}

// checkLikeSlog fails unless appendLine writes the line as slog does: the same bytes in text, the
// same JSON value in JSON.
func checkLikeSlog(t *testing.T, ln Line) {
	t.Helper()
	text := (&Log{format: "text"}).appendLine(nil, &ln)
	if want := slogLine("text", &ln); !bytes.Equal(text, want) {
		t.Errorf("text:\n got %q\nwant %q", text, want)
	}
	js := (&Log{format: "json"}).appendLine(nil, &ln)
	var got, want map[string]any
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatalf("json %q: %v", js, err)
	}
	if err := json.Unmarshal(slogLine("json", &ln), &want); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("json:\n got %v\nwant %v", got, want)
	}
}

func TestLinesAsSlogWritesThem(t *testing.T) {
	at := time.Date(2026, 3, 1, 12, 0, 5, 123456789, time.FixedZone("X", 3600))
	for _, ln := range []Line{
		{Time: at, Method: "GET", Path: "/contacts/", OperationID: "get-contacts", Status: 200, Duration: 1234567},
		{Time: at.UTC(), Method: "POST", Path: "/contacts/a b", Status: 422, Duration: 3 * time.Second, Message: `property "x" should not exist; property y=1 should not exist`},
		{Time: at, Method: "GET", Path: "/ü/\u2028/\x00/\xff", Status: 0, Fault: "lost", Outcome: "dropped"},
		{Time: at, Method: "", Path: "", Status: 404, Duration: 999 * time.Hour, Message: "tab\there\nnewline \\ back"},
	} {
		checkLikeSlog(t, ln)
	}
}

func FuzzLinesAsSlogWritesThem(f *testing.F) {
	f.Add("GET", "/contacts/x", "get-contact", 200, int64(1234567), "", "", "")
	f.Add("POST", "/a b=\"c\"", "", 422, int64(0), "f1", "dropped", "msg \x00 \xff ü")
	f.Fuzz(func(t *testing.T, method, path, op string, status int, dur int64, fault, outcome, msg string) {
		if dur < 0 || dur > int64(1000*time.Hour) {
			return
		}
		checkLikeSlog(t, Line{Time: time.Date(2026, 3, 1, 12, 0, 5, 0, time.UTC), Method: method, Path: path, OperationID: op,
			Status: status, Duration: time.Duration(dur), Fault: fault, Outcome: outcome, Message: msg})
	})
}
