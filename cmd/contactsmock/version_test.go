package main

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"testing"
)

func TestVersionText(t *testing.T) {
	tests := []struct {
		name string
		info debug.BuildInfo
		want []string
	}{
		{"a build in a checkout", debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "github.com/contactsmock/contactsmock", Version: "v0.0.0-20261202061500-5ce68bc0e7aa+dirty"},
			Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "5ce68bc0e7aa0123456789abcdef012345678901"},
				{Key: "vcs.time", Value: "2026-12-02T06:15:00Z"}, {Key: "vcs.modified", Value: "true"}},
		}, []string{"contactsmock v0.0.0-20261202061500-5ce68bc0e7aa+dirty\n", "module:  github.com/contactsmock/contactsmock\n",
			"commit:  5ce68bc0e7aa0123456789abcdef012345678901 (2026-12-02T06:15:00Z, with uncommitted changes)\n", "go:      go1.26.8 linux/amd64\n"}},
		{"go install of a commit", debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "github.com/contactsmock/contactsmock", Version: "v0.3.1-0.20261202061500-5ce68bc0e7aa"},
		}, []string{"contactsmock v0.3.1-0.20261202061500-5ce68bc0e7aa\n", "commit:  5ce68bc0e7aa\n"}},
		{"go install of a release", debug.BuildInfo{
			GoVersion: "go1.26.8",
			Main:      debug.Module{Path: "github.com/contactsmock/contactsmock", Version: "v1.2.0"},
		}, []string{"contactsmock v1.2.0\n", "commit:  unknown (not in the build information)\n"}},
		{"no version", debug.BuildInfo{GoVersion: "go1.26.8", Main: debug.Module{Path: "m"}},
			[]string{"contactsmock (devel)\n"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := versionText(&tt.info, "linux/amd64")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("lacks %q:\n%s", w, got)
				}
			}
		})
	}
}

func TestHelpListsTheCommands(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"-h"}, {"help"}} {
		code, out, errOut := run(t, args...)
		if code != 0 || errOut != "" {
			t.Fatalf("%v: %d %q", args, code, errOut)
		}
		for _, want := range []string{"serve", "listen", "--forward-to", "spec validate", "spec ops", "spec diff", "fixtures generate",
			"proxy", "drift", "version", "--addr", "--seed", "--fixtures", "--rate-off", "--cors", "--redis", "--quiet", "serve --help"} {
			if !strings.Contains(out, want) {
				t.Errorf("%v lacks %q", args, want)
			}
		}
	}
	// serve --help documents every flag serve has.
	code, _, errOut := run(t, "serve", "--help")
	if code != 0 {
		t.Fatalf("serve --help: %d", code)
	}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	(&serveFlags{}).register(fs)
	n := 0
	fs.VisitAll(func(fl *flag.Flag) {
		n++
		name := fl.Name
		if !strings.Contains(errOut, "  -"+name+" ") && !strings.Contains(errOut, "  -"+name+"\n") {
			t.Errorf("serve --help does not document --%s", name)
		}
	})
	if n < 40 {
		t.Errorf("serve has %d flags: the test does not see them", n)
	}
}

// TestVersionCommand: both spellings print the module path and the Go version of the test binary's
// build (which has no VCS stamp; TestGoInstallFromAClone checks the commit).
func TestVersionCommand(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}} {
		code, out, _ := run(t, args...)
		if code != 0 || !strings.HasPrefix(out, "contactsmock ") || !strings.Contains(out, "module:  github.com/contactsmock/contactsmock\n") ||
			!strings.Contains(out, "go:      go1.") {
			t.Errorf("%v: %d %q", args, code, out)
		}
	}
	if code, _, errOut := run(t, "version", "extra"); code != 2 || !strings.Contains(errOut, "no arguments") {
		t.Errorf("version extra: %d %q", code, errOut)
	}
}

// TestGoInstallFromAClone installs the command the way README tells a user with a clone to, into a
// directory of its own, and checks that the binary runs and names the commit it was built from.
// A user's GOFLAGS stamps the commit by default (-buildvcs=auto); this machine's may not, so the
// test says so explicitly.
func TestGoInstallFromAClone(t *testing.T) {
	root, err := exec.Command("git", "rev-parse", "--show-toplevel").Output()
	if err != nil {
		t.Fatalf("the test needs the repository's git checkout: %v", err)
	}
	clone := filepath.Join(t.TempDir(), "contactsmock")
	if out, err := exec.Command("git", "clone", "--quiet", "--no-hardlinks", strings.TrimSpace(string(root)), clone).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v\n%s", err, out)
	}
	head, err := exec.Command("git", "-C", clone, "rev-parse", "HEAD").Output()
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "bin")
	install := exec.Command("go", "install", "./cmd/contactsmock")
	install.Dir = clone
	install.Env = append(os.Environ(), "GOBIN="+bin, "GOFLAGS=-buildvcs=auto")
	if out, err := install.CombinedOutput(); err != nil {
		t.Fatalf("go install ./cmd/contactsmock: %v\n%s", err, out)
	}
	out, err := exec.Command(filepath.Join(bin, "contactsmock"), "version").CombinedOutput()
	if err != nil {
		t.Fatalf("contactsmock version: %v\n%s", err, out)
	}
	for _, want := range []string{"module:  github.com/contactsmock/contactsmock\n", "commit:  " + strings.TrimSpace(string(head)) + " (", "go:      go1."} {
		if !strings.Contains(string(out), want) {
			t.Errorf("contactsmock version lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(string(out), "uncommitted") {
		t.Errorf("a fresh clone is reported modified:\n%s", out)
	}
}
