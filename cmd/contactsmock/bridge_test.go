package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// standIn is cmd/contactsstandin running as a subprocess: the mock behind known changes.
type standIn struct {
	base, location, readonly string
}

func startStandIn(t *testing.T, args ...string) standIn {
	t.Helper()
	dir := t.TempDir()
	bin := filepath.Join(dir, "contactsstandin")
	if out, err := exec.Command("go", "build", "-o", bin, "../contactsstandin").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	ready := filepath.Join(dir, "ready")
	cmd := exec.Command(bin, append([]string{"--addr", "127.0.0.1:0", "--ready-file", ready}, args...)...)
	out := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
	})
	var s standIn
	s.base = readyURL(t, ready, 30*time.Second, nil)
	sc := bufio.NewScanner(strings.NewReader(out.String()))
	for prev := ""; sc.Scan(); prev = sc.Text() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case strings.HasPrefix(line, "location:"):
			s.location = strings.Fields(line)[1]
		case strings.HasPrefix(strings.TrimSpace(prev), "read-only ("):
			s.readonly = line
		}
	}
	if s.location == "" || s.readonly == "" {
		t.Fatalf("the stand-in's banner:\n%s", out)
	}
	return s
}

// runMain runs Main to its end and returns the exit status and what it wrote.
func runMain(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var stdout, stderr syncBuffer
	code := Main(context.Background(), args, &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

func TestDriftCommand(t *testing.T) {
	si := startStandIn(t)
	t.Setenv(tokenEnv, si.readonly)
	report := filepath.Join(t.TempDir(), "drift.json")
	code, out, errOut := runMain(t, "drift", "--live", si.base, "--location-id", si.location, "--json", report)
	if code != 1 {
		t.Fatalf("against the stand-in: exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	for _, want := range []string{
		"[both] renamed /contact/dateAdded → /contact/createdAt", "[both] type /meta/total: live string, mock integer",
		"[both] header X-Ratelimit-Remaining: live absent, mock present", "[both] status: live 201, mock 200",
		"[both] format /contact/dateUpdated: live date-time (no zone), mock date-time (ms, Z)",
		"5 differences: 5 both, 0 live differs from our document, 0 mock differs from live, 0 mock differs from our document",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the report lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out+errOut, si.readonly) {
		t.Error("the token was printed")
	}
	data, err := os.ReadFile(report)
	if err != nil {
		t.Fatal(err)
	}
	var rep struct {
		Counts map[string]int `json:"counts"`
	}
	if err := json.Unmarshal(data, &rep); err != nil || rep.Counts["both"] != 5 {
		t.Errorf("--json: %v %v", rep.Counts, err)
	}

	// The plain mock, in another process: nothing differs.
	mock := startProcess(t)
	token, location := mintToken(t, mock.base)
	t.Setenv(tokenEnv, token)
	code, out, errOut = runMain(t, "drift", "--live", mock.base, "--location-id", location)
	if code != 0 || !strings.Contains(out, "no difference: live, the mock and our document agree") {
		t.Fatalf("against the plain mock: exit %d\n%s\n%s", code, out, errOut)
	}
	// A given mock (here the same one), its token minted through its admin API.
	code, out, errOut = runMain(t, "drift", "--live", mock.base, "--location-id", location, "--mock", mock.base)
	if code != 0 || !strings.Contains(out, "(given)") {
		t.Fatalf("with --mock: exit %d\n%s\n%s", code, out, errOut)
	}
}

func TestDriftCommandCannotRun(t *testing.T) {
	mock := startProcess(t)
	_, location := mintToken(t, mock.base)
	t.Setenv(tokenEnv, "")
	cases := []struct {
		name string
		args []string
		env  string
		want string
	}{
		{"no token", []string{"--live", mock.base, "--location-id", location}, "", "no token"},
		{"no location", []string{"--live", mock.base}, "x", "--location-id is required"},
		{"a refused token", []string{"--live", mock.base, "--location-id", location}, "not-a-token", "answered 401"},
		{"a query in the URL", []string{"--live", mock.base + "/?token=x", "--location-id", location}, "x", "no query"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv(tokenEnv, c.env)
			code, out, errOut := runMain(t, append([]string{"drift"}, c.args...)...)
			if code != 2 || !strings.Contains(errOut, c.want) {
				t.Errorf("exit %d, want 2 saying %q:\n%s\n%s", code, c.want, out, errOut)
			}
		})
	}
}

func TestProxyCommandRecords(t *testing.T) {
	live := startProcess(t)
	token, location := mintToken(t, live.base)
	dir := t.TempDir()
	file, ready := filepath.Join(dir, "recording.json"), filepath.Join(dir, "ready")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr syncBuffer
	exit := make(chan int, 1)
	go func() {
		exit <- Main(ctx, []string{"proxy", "--live", live.base, "--addr", "127.0.0.1:0", "--ready-file", ready, "--record", file, "--record-seed", "5"}, &stdout, &stderr)
	}()
	base := readyURL(t, ready, 20*time.Second, nil)
	status, page, err := call(t, http.DefaultClient, "GET", base+"/contacts/?locationId="+location+"&limit=100", token, nil)
	if err != nil || status != 200 {
		t.Fatalf("list through the proxy: %d %v", status, err)
	}
	var ids, originals []string
	for _, c := range page["contacts"].([]any) {
		m := c.(map[string]any)
		ids = append(ids, m["id"].(string))
		for _, k := range []string{"email", "phone", "lastName"} {
			if v, _ := m[k].(string); len(v) > 3 {
				originals = append(originals, v)
			}
		}
		if len(ids) <= 10 {
			call(t, http.DefaultClient, "GET", base+"/contacts/"+m["id"].(string)+"/tasks", token, nil)
		}
	}
	status, drift, _ := call(t, http.DefaultClient, "GET", base+"/__admin/drift", "", nil)
	if status != 200 || len(drift["entries"].([]any)) != 0 {
		t.Errorf("the plain mock drifted through the proxy: %v", drift)
	}
	cancel()
	if code := <-exit; code != 0 {
		t.Fatalf("proxy exit %d\n%s\n%s", code, stdout.String(), stderr.String())
	}
	for _, want := range []string{"did not conform to the document", "get-contacts", "recording: " + file + ": 1 locations, 25 contacts"} {
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("the exit summary lacks %q:\n%s", want, stdout.String())
		}
	}
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	// Every string value of the recording (keys such as firstNameLowerCase are not data).
	var values []string
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for _, c := range x {
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		case string:
			values = append(values, x)
		}
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	walk(doc)
	for _, o := range originals {
		for _, v := range values {
			if strings.Contains(v, o) {
				t.Fatalf("the recording holds %q in %q", o, v)
			}
		}
	}
	if strings.Contains(stdout.String()+stderr.String()+string(data), token) {
		t.Fatal("the token was written")
	}
	// The mock serves the recording: the same contacts, in the same order.
	served := startMain(t, "--fixtures", file)
	token2, location2 := mintToken(t, served.base)
	if location2 != location {
		t.Fatalf("the recording's location is %s, want %s", location2, location)
	}
	status, page, err = call(t, http.DefaultClient, "GET", served.base+"/contacts/?locationId="+location+"&limit=100", token2, nil)
	if err != nil || status != 200 {
		t.Fatalf("list of the recording: %d %v", status, err)
	}
	var got []string
	for _, c := range page["contacts"].([]any) {
		got = append(got, c.(map[string]any)["id"].(string))
	}
	if !slices.Equal(got, ids) {
		t.Errorf("the recording lists %v, want %v", got, ids)
	}
}

func TestProxyCommandUsage(t *testing.T) {
	for _, args := range [][]string{
		{"proxy", "--record-raw"},
		{"proxy", "--record", "x.json", "--record-seed", "0"},
		{"proxy", "--live", "ftp://example.com"},
		{"proxy", "extra"},
	} {
		if code, _, _ := runMain(t, args...); code != 2 {
			t.Errorf("%v: exit %d, want 2", args, code)
		}
	}
}

func TestSpecDiffCommand(t *testing.T) {
	code, out, errOut := runMain(t, "spec", "diff", "ours", "ours")
	if code != 0 || !strings.Contains(out, "breaking changes (0)") || !strings.Contains(out, "non-breaking changes (0)") {
		t.Errorf("ours against ours: exit %d\n%s%s", code, out, errOut)
	}
	js := filepath.Join(t.TempDir(), "diff.json")
	code, out, errOut = runMain(t, "spec", "diff", "--json", js, "../../spec/specdiff/testdata/old.yaml", "../../spec/specdiff/testdata/new.yaml")
	if code != 1 || !strings.Contains(out, "api-path-removed-without-deprecation") || !strings.Contains(out, "endpoint-added") {
		t.Errorf("a breaking change: exit %d\n%s%s", code, out, errOut)
	}
	f, err := os.Open(js)
	if err != nil {
		t.Fatal(err)
	}
	var res struct {
		Breaking []json.RawMessage `json:"breaking"`
	}
	if err := json.NewDecoder(io.LimitReader(f, 1<<20)).Decode(&res); err != nil || len(res.Breaking) == 0 {
		t.Errorf("--json: %v", err)
	}
	f.Close()
	// --spec stands for "ours".
	code, _, _ = runMain(t, "spec", "diff", "--spec", "../../spec/specdiff/testdata/old.yaml", "ours", "../../spec/specdiff/testdata/old.yaml")
	if code != 0 {
		t.Errorf("--spec as ours: exit %d", code)
	}
	if code, _, errOut := runMain(t, "spec", "diff", "ours", "missing.yaml"); code != 2 || !strings.Contains(errOut, "missing.yaml") {
		t.Errorf("a missing file: exit %d %s", code, errOut)
	}
	if code, _, _ := runMain(t, "spec", "diff", "ours"); code != 2 {
		t.Errorf("one document: exit %d", code)
	}
}
