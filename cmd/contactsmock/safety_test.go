package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
)

func TestCheckAdminExposure(t *testing.T) {
	tcp := func(ip string) net.Addr { return &net.TCPAddr{IP: net.ParseIP(ip), Port: 8080} }
	cases := []struct {
		name   string
		addr   string
		bound  net.Addr
		token  string
		refuse bool
	}{
		{"loopback v4", "127.0.0.1:8080", nil, "", false},
		{"loopback v6", "[::1]:8080", nil, "", false},
		{"every interface", ":8080", nil, "", true},
		{"unspecified v4", "0.0.0.0:8080", nil, "", true},
		{"unspecified v6", "[::]:8080", nil, "", true},
		{"a LAN address", "192.168.1.20:8080", nil, "", true},
		{"a LAN address with a token", "192.168.1.20:8080", nil, "s3cret", false},
		{"every interface with a token", ":8080", nil, "s3cret", false},
		{"a host name, judged once bound", "localhost:8080", nil, "", false},
		{"a host name bound to loopback", "localhost:8080", tcp("127.0.0.1"), "", false},
		{"a host name bound beyond loopback", "mock.internal:8080", tcp("10.0.0.5"), "", true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := checkAdminExposure(tc.addr, tc.bound, tc.token)
			if (err != nil) != tc.refuse {
				t.Fatalf("err = %v, want refused = %v", err, tc.refuse)
			}
			if err != nil && !strings.Contains(err.Error(), "--admin-token") {
				t.Errorf("the message does not say what to do: %v", err)
			}
		})
	}
}

// TestServeRefusesAnOpenAdminAPI: beyond loopback without --admin-token the command refuses to
// start (before it binds anything), saying why and what to do.
func TestServeRefusesAnOpenAdminAPI(t *testing.T) {
	t.Setenv(adminTokenEnv, "")
	var stdout, stderr syncBuffer
	code := Main(context.Background(), []string{"serve", "--addr", "0.0.0.0:0", "--contacts", "1"}, &stdout, &stderr)
	if code != 1 || !strings.Contains(stderr.String(), "--admin-token") || !strings.Contains(stderr.String(), "beyond loopback") {
		t.Fatalf("exit %d, stderr %q", code, stderr.String())
	}
}

// TestServeAdminToken: with --admin-token (or its environment variable) the admin API of the
// running command needs it; the banner says so without printing it.
func TestServeAdminToken(t *testing.T) {
	for _, viaEnv := range []bool{false, true} {
		name := "flag"
		if viaEnv {
			name = "environment"
		}
		t.Run(name, func(t *testing.T) {
			const token = "adm-cmd-test-token"
			args := []string{"--contacts", "1"}
			if viaEnv {
				t.Setenv(adminTokenEnv, token)
			} else {
				t.Setenv(adminTokenEnv, "")
				args = append(args, "--admin-token", token)
			}
			p := startMain(t, args...)
			if status, _, err := call(t, http.DefaultClient, "GET", p.base+"/__admin/health", "", nil); err != nil || status != 401 {
				t.Errorf("without the token: %d %v", status, err)
			}
			if status, _, err := call(t, http.DefaultClient, "GET", p.base+"/__admin/health", "", nil, mockserver.AdminTokenHeader, token); err != nil || status != 200 {
				t.Errorf("with the token: %d %v", status, err)
			}
			if code := p.stop(t); code != 0 {
				t.Errorf("exit %d", code)
			}
			if strings.Contains(p.stdout.String()+p.stderr.String(), token) {
				t.Error("the admin token was printed")
			}
			if !strings.Contains(p.stdout.String(), "send the admin token as "+mockserver.AdminTokenHeader) {
				t.Errorf("the banner does not say the admin API needs the token:\n%s", p.stdout.String())
			}
		})
	}
}

// TestSlowClientsAreDisconnected: the real command with short timeouts. A client that sends its
// headers slowly, one that stalls in its body and one that keeps an idle connection are each
// disconnected; nothing holds a connection forever.
func TestSlowClientsAreDisconnected(t *testing.T) {
	p := startMain(t, "--contacts", "1", "--read-header-timeout", "300ms", "--read-timeout", "700ms", "--idle-timeout", "300ms")
	addr := strings.TrimPrefix(p.base, "http://")
	cases := []struct {
		name string
		// talk writes to the connection until stop is closed.
		talk func(t *testing.T, c net.Conn, stop <-chan struct{})
	}{
		{"headers a byte at a time", func(t *testing.T, c net.Conn, stop <-chan struct{}) {
			if _, err := io.WriteString(c, "GET /__admin/health HTTP/1.1\r\nHost: mock\r\n"); err != nil {
				return
			}
			trickle(c, stop, "X-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n")
		}},
		{"a body that stalls", func(t *testing.T, c net.Conn, stop <-chan struct{}) {
			if _, err := io.WriteString(c, "POST /__admin/locations HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"name\":"); err != nil {
				return
			}
			trickle(c, stop, strings.Repeat(" ", 10000))
		}},
		{"an idle keep-alive connection", func(t *testing.T, c net.Conn, stop <-chan struct{}) {
			_, _ = io.WriteString(c, "GET /__admin/health HTTP/1.1\r\nHost: mock\r\n\r\n")
			<-stop
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			stop := make(chan struct{})
			defer close(stop)
			go tc.talk(t, c, stop)
			closed := make(chan struct{})
			go func() {
				// Read whatever the server answers, until it closes the connection.
				_, _ = io.Copy(io.Discard, bufio.NewReader(c))
				close(closed)
			}()
			select {
			case <-closed:
			case <-time.After(10 * time.Second):
				t.Fatal("the server still holds the connection after 10 s")
			}
		})
	}
	if code := p.stop(t); code != 0 {
		t.Errorf("exit %d", code)
	}
}

// trickle writes s one byte every 50 ms until stop is closed or the write fails.
func trickle(c net.Conn, stop <-chan struct{}, s string) {
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for i := 0; ; i = (i + 1) % len(s) {
		select {
		case <-stop:
			return
		case <-tick.C:
		}
		if _, err := c.Write([]byte{s[i]}); err != nil {
			return
		}
	}
}

// TestUnusableStateFileIsRefused: a truncated, corrupt or otherwise unusable state file stops the
// command at start with a message naming the file, and the file is left byte for byte.
func TestUnusableStateFileIsRefused(t *testing.T) {
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: 9, Contacts: 20})
	if err != nil {
		t.Fatal(err)
	}
	var good strings.Builder
	if err := fixtures.Write(&good, doc); err != nil {
		t.Fatal(err)
	}
	valid := good.String()
	cases := map[string]string{
		"truncated":                    valid[:len(valid)/2],
		"truncated by one byte":        valid[:len(valid)-2],
		"garbage":                      "\x00\x01\x02not a state file\xff",
		"empty":                        "",
		"a JSON array":                 "[1,2,3]",
		"unknown field":                `{"version":1,"locations":[],"extra":true}`,
		"a contact in two locations":   strings.Replace(valid, `"locations": [`, `"locations": [{"id":"LocDupDupDupDupDupDu","name":"x","contacts":[{"id":"CtDupDupDupDupDupDup"}]},{"id":"LocDupDupDupDupDupD2","name":"y","contacts":[{"id":"CtDupDupDupDupDupDup"}]},`, 1),
		"a newer format version":       strings.Replace(valid, `"version": 1`, `"version": 99`, 1),
		"valid JSON, then more":        valid + "{}",
		"an appointment of no contact": `{"version":1,"locations":[{"id":"LocApptApptApptApptA","name":"x","appointments":[{"id":"ApptApptApptApptAppt","contactId":"NoSuchContactXXXXXXX","startTime":"2026-01-01T00:00:00Z","endTime":"2026-01-01T01:00:00Z"}]}]}`,
	}
	for name, content := range cases {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.json")
			if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
			var stdout, stderr syncBuffer
			// A file the command takes would have it serve until the context ends.
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			code := Main(ctx, []string{"serve", "--addr", "127.0.0.1:0", "--state-file", path}, &stdout, &stderr)
			if code == 0 {
				t.Fatalf("started with it; stderr %s", stderr.String())
			}
			msg := stderr.String()
			if !strings.Contains(msg, "state file") || !strings.Contains(msg, path) || !strings.Contains(msg, "left as it is") {
				t.Errorf("the message does not say which file and that it was kept: %q", msg)
			}
			if after, _ := os.ReadFile(path); string(after) != content {
				t.Error("the state file was changed")
			}
		})
	}
}
