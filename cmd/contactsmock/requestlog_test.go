package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestServeRequestLog: serve logs one line per API request at info level, in text or JSON,
// never the token; --quiet and a level above info turn the request lines off.
func TestServeRequestLog(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		lines bool
		json  bool
	}{
		{"text by default", nil, true, false},
		{"json", []string{"--log-format", "json"}, true, true},
		{"quiet", []string{"--quiet"}, false, false},
		{"warn level", []string{"--log-level", "warn"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startMain(t, tt.args...)
			token, location := mintToken(t, p.base)
			if status, _, err := call(t, http.DefaultClient, "GET", p.base+"/contacts/?locationId="+location+"&limit=2", token, nil); err != nil || status != 200 {
				t.Fatalf("list: %d %v", status, err)
			}
			if status, _, err := call(t, http.DefaultClient, "GET", p.base+"/contacts/nope", token, nil); err != nil || status != 400 {
				t.Fatalf("get: %d %v", status, err)
			}
			if code := p.stop(t); code != 0 {
				t.Fatalf("exit %d", code)
			}
			logged := p.stderr.String()
			if strings.Contains(logged, token) {
				t.Fatal("the log shows the token")
			}
			var reqs []string
			for _, line := range strings.Split(logged, "\n") {
				if strings.Contains(line, "request") && strings.Contains(line, "/contacts/") {
					reqs = append(reqs, line)
				}
			}
			if !tt.lines {
				if len(reqs) != 0 {
					t.Errorf("request lines logged: %q", reqs)
				}
				return
			}
			if len(reqs) != 2 {
				t.Fatalf("%d request lines, want 2:\n%s", len(reqs), logged)
			}
			if !tt.json {
				for i, want := range []string{"level=INFO msg=request method=GET path=/contacts/ operationId=get-contacts status=200 durationMs=",
					"method=GET path=/contacts/nope operationId=get-contact status=400"} {
					if !strings.Contains(reqs[i], want) {
						t.Errorf("line %d: %q lacks %q", i+1, reqs[i], want)
					}
				}
				return
			}
			for _, line := range strings.Split(strings.TrimSpace(logged), "\n") {
				var v map[string]any
				if err := json.Unmarshal([]byte(line), &v); err != nil {
					t.Errorf("--log-format json wrote a line that is not JSON: %q", line)
				}
			}
			var first map[string]any
			_ = json.Unmarshal([]byte(reqs[0]), &first)
			if first["msg"] != "request" || first["operationId"] != "get-contacts" || first["status"] != 200.0 || first["path"] != "/contacts/" {
				t.Errorf("first request line: %v", first)
			}
			if _, err := time.Parse(time.RFC3339Nano, first["time"].(string)); err != nil {
				t.Errorf("time: %v", err)
			}
		})
	}
}

// TestErrorsSayWhatToDo: the console's errors for the usual mistakes name the way out.
func TestErrorsSayWhatToDo(t *testing.T) {
	p := startMain(t)
	addr := strings.TrimPrefix(p.base, "http://")
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"a port in use", []string{"serve", "--addr", addr}, "another process listens on " + addr + " (another mock?): stop it, or pick another port with --addr"},
		{"a bad log level", []string{"serve", "--addr", "127.0.0.1:0", "--log-level", "loud"}, `--log-level "loud": want debug, info, warn or error`},
		{"a bad log format", []string{"serve", "--addr", "127.0.0.1:0", "--log-format", "xml"}, `--log-format "xml": want text or json`},
		{"listen without a mock", []string{"listen", "--mock", deadURL}, "no mock answers at " + deadURL + ": start one (contactsmock serve, or make run) or point --mock at it"},
		{"listen with a bad URL", []string{"listen", "--mock", "127.0.0.1:8080"}, "want an absolute http or https URL"},
		{"listen with a bad answer", []string{"listen", "--answer", "99"}, "--answer 99: want an HTTP status from 200 to 599"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errOut := run(t, tt.args...)
			if code == 0 || !strings.Contains(errOut, tt.want) {
				t.Errorf("exit %d, %q; want an error saying %q", code, errOut, tt.want)
			}
		})
	}
}
