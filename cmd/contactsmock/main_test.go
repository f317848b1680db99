package main

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
)

func run(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var o, e bytes.Buffer
	code = Main(context.Background(), args, &o, &e)
	return code, o.String(), e.String()
}

func TestSpecCommands(t *testing.T) {
	code, out, errOut := run(t, "spec", "validate")
	if code != 0 || !strings.Contains(out, "35 operations") {
		t.Fatalf("spec validate: %d %q %q", code, out, errOut)
	}
	code, out, _ = run(t, "spec", "ops")
	if code != 0 {
		t.Fatalf("spec ops: %d", code)
	}
	for _, want := range []string{"GET     /contacts/{contactId}", "get-contact", "contacts.readonly", "create-association", "(public)"} {
		if !strings.Contains(out, want) {
			t.Errorf("spec ops output lacks %q:\n%s", want, out)
		}
	}
	if lines := strings.Count(out, "\n"); lines != 36 {
		t.Errorf("spec ops printed %d lines, want a header and 35 operations", lines)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := run(t, "spec", "validate", "--spec", bad); code != 1 || !strings.Contains(errOut, "no paths") {
		t.Errorf("an invalid document: %d %q", code, errOut)
	}
}

func TestUsageErrors(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
		want string
	}{
		{"help", []string{"--help"}, 0, "--state-file"},
		{"unknown command", []string{"bogus"}, 2, "unknown command"},
		{"unknown flag", []string{"serve", "--bogus"}, 2, "flag provided but not defined"},
		{"zero seed", []string{"--seed", "0"}, 2, "must not be 0"},
		{"fixtures without subcommand", []string{"fixtures"}, 2, "fixtures generate"},
		{"fixtures zero seed", []string{"fixtures", "generate", "--seed", "0"}, 2, "seed must not be 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, tt.args...)
			if code != tt.code || !strings.Contains(out+errOut, tt.want) {
				t.Errorf("code %d, output %q; want %d and %q", code, out+errOut, tt.code, tt.want)
			}
		})
	}
}

// stateOf builds the mock as serve would for the flags and returns its snapshot, written out.
func stateOf(t *testing.T, args ...string) []byte {
	t.Helper()
	f, err := parseServe(args, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	doc, err := srv.Store().Snapshot(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := fixtures.Write(&b, doc); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestTrafficFlagsReachTheMock: the rate-limit, fault-seed, id-seed and journal flags are not only parsed but
// configure the mock.
func TestTrafficFlagsReachTheMock(t *testing.T) {
	f, err := parseServe([]string{"--rate-burst", "5", "--rate-window", "1s", "--rate-daily", "1000", "--rate-off",
		"--fault-seed", "8414279", "--journal-size", "-1", "--journal-bodies", "--id-seed", "77"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := f.config(slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.IDSeed != 77 {
		t.Errorf("id seed %d, want 77", cfg.IDSeed)
	}
	if cfg.JournalSize != -1 || !cfg.JournalBodies {
		t.Errorf("journal: size %d, bodies %v; want -1 and true", cfg.JournalSize, cfg.JournalBodies)
	}
	srv, err := mockserver.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	want := mockserver.RateLimits{Burst: 5, Window: time.Second, Daily: 1000, Off: true}
	if got := srv.RateLimits(); got != want {
		t.Errorf("rate limits %+v, want %+v", got, want)
	}
	if got := srv.FaultSeed(); got != 8414279 {
		t.Errorf("fault seed %d, want 8414279", got)
	}
}

// TestGeneratedFileStartsTheSameState: serve --seed N --contacts K and serve --fixtures F, where F
// came from fixtures generate --seed N --contacts K, start in exactly the same state.
func TestGeneratedFileStartsTheSameState(t *testing.T) {
	code, out, errOut := run(t, "fixtures", "generate", "--seed", "7", "--contacts", "40", "--locations", "2")
	if code != 0 {
		t.Fatalf("generate: %d %s", code, errOut)
	}
	file := filepath.Join(t.TempDir(), "f.json")
	if err := os.WriteFile(file, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	fromSeed := stateOf(t, "--seed", "7", "--contacts", "40", "--locations", "2")
	fromFile := stateOf(t, "--fixtures", file)
	if !bytes.Equal(fromSeed, fromFile) {
		t.Errorf("the two starts differ")
	}
	if !bytes.Equal(fromSeed, []byte(out)) {
		t.Errorf("the generated file is not the state it starts")
	}
	if bytes.Equal(fromSeed, stateOf(t, "--seed", "8", "--contacts", "40", "--locations", "2")) {
		t.Errorf("another seed gave the same state")
	}
	// --contacts 0 means no contacts, for serve and generate alike.
	code, empty, _ := run(t, "fixtures", "generate", "--contacts", "0")
	if code != 0 || strings.Contains(empty, `"contacts"`) || !bytes.Equal(stateOf(t, "--contacts", "0"), []byte(empty)) {
		t.Errorf("--contacts 0 did not start without contacts the same way in both commands")
	}
}

func TestStateFileAtStart(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "state.json")
	fromSeed := stateOf(t, "--seed", "5", "--contacts", "3")
	if err := os.WriteFile(good, fromSeed, 0o644); err != nil {
		t.Fatal(err)
	}
	// A state file wins over --seed.
	if got := stateOf(t, "--state-file", good, "--seed", "9"); !bytes.Equal(got, fromSeed) {
		t.Errorf("the state file was not loaded")
	}
	// A missing state file is fine: the seeded state is used (and written on shutdown).
	if got := stateOf(t, "--state-file", filepath.Join(dir, "new.json"), "--seed", "5", "--contacts", "3"); !bytes.Equal(got, fromSeed) {
		t.Errorf("a missing state file did not fall back to the seeded state")
	}
	// A truncated or corrupt one is refused with a clear message and left as it was.
	for name, content := range map[string][]byte{
		"truncated": fromSeed[:len(fromSeed)/2],
		"corrupt":   bytes.Replace(fromSeed, []byte(`"email"`), []byte(`"emial"`), 1),
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(dir, name+".json")
			if err := os.WriteFile(path, content, 0o644); err != nil {
				t.Fatal(err)
			}
			f, err := parseServe([]string{"--state-file", path}, io.Discard)
			if err != nil {
				t.Fatal(err)
			}
			_, err = f.config(slog.New(slog.DiscardHandler))
			if err == nil || !strings.Contains(err.Error(), "state file is not usable") || !strings.Contains(err.Error(), path) {
				t.Errorf("err = %v", err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, content) {
				t.Errorf("the refused state file was changed")
			}
		})
	}
}

// TestServeIDSeed: two runs of the command with the same --id-seed give the same id to the same
// create, and the banner says the seed is in force.
func TestServeIDSeed(t *testing.T) {
	created := func() string {
		p := startMain(t, "--contacts", "2", "--id-seed", "31")
		token, loc := mintToken(t, p.base)
		status, body, err := call(t, http.DefaultClient, "POST", p.base+"/contacts/", token, map[string]any{"locationId": loc, "firstName": "Replayed"})
		if err != nil || status != http.StatusCreated {
			t.Fatalf("create: %d %v %v", status, body, err)
		}
		if !strings.Contains(p.stdout.String(), "id seed:        31") {
			t.Errorf("the banner does not show the id seed:\n%s", p.stdout.String())
		}
		if code := p.stop(t); code != 0 {
			t.Errorf("exit %d", code)
		}
		id, _ := body["contact"].(map[string]any)["id"].(string)
		return id
	}
	if a, b := created(), created(); a == "" || a != b {
		t.Errorf("the same create in two runs with --id-seed 31 got ids %q and %q", a, b)
	}
}

// TestWebhookRetryFlags: the live policy is the default, --webhook-retry fast is the former one,
// and the single-field flags change the named policy whatever their order.
func TestWebhookRetryFlags(t *testing.T) {
	policy := func(args ...string) mockserver.WebhookRetry {
		t.Helper()
		f, err := parseServe(args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := f.config(slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return cfg.WebhookRetry
	}
	if got := policy(); got != mockserver.WebhookLiveRetry || got.RetryOn5xx {
		t.Errorf("default policy %+v, want the live one", got)
	}
	if got := policy("--webhook-retry", "fast"); got != mockserver.WebhookFastRetry {
		t.Errorf("--webhook-retry fast: %+v", got)
	}
	want := mockserver.WebhookFastRetry
	want.MaxAttempts = 2
	if got := policy("--webhook-max-attempts", "2", "--webhook-retry", "fast"); got != want {
		t.Errorf("--webhook-max-attempts before --webhook-retry: %+v, want %+v", got, want)
	}
	if _, err := parseServe([]string{"--webhook-retry", "sometimes"}, io.Discard); err == nil {
		t.Error("an unknown policy was accepted")
	}
}

// TestRateRetryAfterFlag: Retry-After on 429 is on by default, --rate-retry-after=false turns it
// off (the mock's addition; live documents only the X-RateLimit-* headers).
func TestRateRetryAfterFlag(t *testing.T) {
	for _, tc := range []struct {
		args []string
		off  bool
	}{{nil, false}, {[]string{"--rate-retry-after=false"}, true}} {
		f, err := parseServe(tc.args, io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := f.config(slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		if cfg.RateLimits.NoRetryAfter != tc.off {
			t.Errorf("%v: NoRetryAfter %v, want %v", tc.args, cfg.RateLimits.NoRetryAfter, tc.off)
		}
	}
}
