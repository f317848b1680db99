package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The shell examples of README.md and docs/*.md are fenced as bash, each right after a marker:
//
//	<!-- test: run -->                  TestDocExamples runs it
//	<!-- test: skip (the reason) -->    it cannot run here (a live target, a server that runs
//	                                    until Ctrl-C, the network), and the reason says so
//
// A bash block without a marker, a marker without a reason to skip, or a block fenced sh (the
// examples use bash: arrays, pipefail) fails the test.
var (
	runMarker  = regexp.MustCompile(`^<!-- test: run -->$`)
	skipMarker = regexp.MustCompile(`^<!-- test: skip \((.+)\) -->$`)
	anyMarker  = regexp.MustCompile(`^<!-- test:`)
)

// docBlock is one shell example of a page.
type docBlock struct {
	file string
	line int // of the opening fence
	run  bool
	code string
}

// docBlocks extracts the shell examples of a page and what is wrong with its markers.
func docBlocks(path, name string) ([]docBlock, []string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	var blocks []docBlock
	var problems []string
	lines := strings.Split(string(data), "\n")
	prev := "" // the last non-blank line outside a block
	for i := 0; i < len(lines); i++ {
		line := strings.TrimSpace(lines[i])
		if !strings.HasPrefix(line, "```") {
			if line != "" {
				if anyMarker.MatchString(prev) && !runMarker.MatchString(prev) && !skipMarker.MatchString(prev) {
					problems = append(problems, fmt.Sprintf("%s:%d: a malformed marker %q", name, i, prev))
				}
				if anyMarker.MatchString(prev) && !anyMarker.MatchString(line) {
					problems = append(problems, fmt.Sprintf("%s:%d: a marker not followed by a fence", name, i))
				}
				prev = line
			}
			continue
		}
		info := strings.TrimSpace(strings.TrimPrefix(line, "```"))
		start := i
		var code []string
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != "```"; i++ {
			code = append(code, lines[i])
		}
		marker := prev
		prev = "```"
		switch info {
		case "sh", "shell", "console", "zsh":
			problems = append(problems, fmt.Sprintf("%s:%d: fence the block as bash (the examples run with bash)", name, start+1))
			continue
		case "bash":
		default:
			if anyMarker.MatchString(marker) {
				problems = append(problems, fmt.Sprintf("%s:%d: a test marker before a %q block", name, start+1, info))
			}
			continue
		}
		b := docBlock{file: name, line: start + 1, code: strings.Join(code, "\n") + "\n"}
		switch {
		case runMarker.MatchString(marker):
			b.run = true
		case skipMarker.MatchString(marker):
		default:
			problems = append(problems, fmt.Sprintf("%s:%d: a bash block without <!-- test: run --> or <!-- test: skip (why) --> before it", name, start+1))
			continue
		}
		blocks = append(blocks, b)
	}
	return blocks, problems, nil
}

// TestDocExamples runs every shell example of README.md and docs/ marked to run, each with bash
// against a mock of its own (the real binary, on a random port), with the exports its banner
// prints (BASE, LOCATION_ID, TOKEN, RO), `set -euo pipefail`, contactsmock on PATH and a fresh
// working directory; each must exit 0, and the mock must not have answered a 5xx no fault asked for.
func TestDocExamples(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	pages, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	pages = append([]string{filepath.Join(root, "README.md")}, pages...)
	var all []docBlock
	for _, p := range pages {
		name, _ := filepath.Rel(root, p)
		blocks, problems, err := docBlocks(p, name)
		if err != nil {
			t.Fatal(err)
		}
		for _, pr := range problems {
			t.Error(pr)
		}
		all = append(all, blocks...)
	}
	for _, cmd := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(cmd); err != nil {
			t.Fatalf("the examples need %s: make test installs it (tools/ensure-deb)", cmd)
		}
	}
	bin := binary(t)
	ran, skipped := 0, 0
	for _, b := range all {
		if !b.run {
			skipped++
			continue
		}
		ran++
		t.Run(fmt.Sprintf("%s:%d", b.file, b.line), func(t *testing.T) { runDocBlock(t, bin, b) })
	}
	t.Logf("%d examples run, %d marked to skip", ran, skipped)
	if ran == 0 {
		t.Error("no example is marked to run")
	}
}

// runDocBlock starts a mock for one example and runs the example against it.
func runDocBlock(t *testing.T, bin string, b docBlock) {
	dir := t.TempDir()
	ready := filepath.Join(dir, ".ready")
	mock := exec.Command(bin, "serve", "--addr", "127.0.0.1:0", "--ready-file", ready)
	banner, mockErr := &syncBuffer{}, &syncBuffer{}
	mock.Stdout, mock.Stderr = banner, mockErr
	if err := mock.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { _ = mock.Wait(); close(done) }()
	defer func() {
		_ = mock.Process.Signal(os.Interrupt)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = mock.Process.Kill()
			<-done
		}
	}()
	alive := func() bool {
		select {
		case <-done:
			return false
		default:
			return true
		}
	}
	base := readyURL(t, ready, 30*time.Second, alive)
	var export string
	waitFor(t, "the banner's export line", 30*time.Second, func() bool {
		sc := bufio.NewScanner(strings.NewReader(banner.String()))
		for sc.Scan() {
			if l := strings.TrimSpace(sc.Text()); strings.HasPrefix(l, "export BASE=") {
				export = l
				return true
			}
		}
		return false
	})
	script := "set -euo pipefail\n" + export + "\n" + b.code
	if err := os.WriteFile(filepath.Join(dir, "example.sh"), []byte(script), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "example.sh")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "PATH="+filepath.Dir(bin)+string(os.PathListSeparator)+os.Getenv("PATH"))
	// The example runs in a process group of its own: whatever it left in the background (a mock,
	// a listener) when it failed half-way is stopped with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 10 * time.Second // a background process still holding the output
	out, err := cmd.CombinedOutput()
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	if err != nil {
		t.Fatalf("%s:%d failed: %v\n--- example\n%s--- output\n%s--- the mock's log\n%s", b.file, b.line, err, b.code, out, mockErr.String())
	}
	// A 5xx that no injected fault asked for is a bug of the mock, whatever the example printed.
	resp, err := http.Get(base + "/__admin/requests?status=5xx&limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var journal struct {
		Requests []struct {
			Method, Path, Fault string
			Status              int
		} `json:"requests"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&journal); err != nil {
		t.Fatal(err)
	}
	for _, r := range journal.Requests {
		if r.Fault == "" {
			t.Errorf("%s:%d: the mock answered %s %s with %d", b.file, b.line, r.Method, r.Path, r.Status)
		}
	}
}
