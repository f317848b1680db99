package main

import (
	"io"
	"log/slog"
	"net/http"
	"strings"
	"testing"
)

func TestPprofRefusesNonLoopback(t *testing.T) {
	for _, addr := range []string{":6060", "0.0.0.0:6060", "192.0.2.1:6060", "[::]:6060", "example.com:6060", "6060"} {
		t.Run(addr, func(t *testing.T) {
			code, out, errOut := run(t, "serve", "--pprof", addr)
			if code != 2 || !strings.Contains(out+errOut, "--pprof") {
				t.Errorf("--pprof %s: code %d, output %q; want a usage error naming --pprof", addr, code, out+errOut)
			}
		})
	}
	for _, addr := range []string{"127.0.0.1:6060", "[::1]:6060", "localhost:6060", "127.0.0.2:0"} {
		if err := checkPprofAddr(addr); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
}

func TestPprofServes(t *testing.T) {
	addr, stop, err := startPprof("127.0.0.1:0", slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	resp, err := http.Get("http://" + addr + "/debug/pprof/heap?debug=1")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "heap profile") {
		t.Fatalf("GET /debug/pprof/heap: %d %.200s", resp.StatusCode, body)
	}
}
