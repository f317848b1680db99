package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

const versionUsage = `Usage: contactsmock version (or contactsmock --version)

Prints the module version, the commit and the Go version the binary was built from (its build
information: go install github.com/contactsmock/contactsmock/cmd/contactsmock@VERSION stamps the
module version, a build from a clone the commit).
`

func versionCmd(args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 {
		if args[0] == "-h" || args[0] == "--help" || args[0] == "-help" {
			fmt.Fprint(stderr, versionUsage)
			return errHelp
		}
		fmt.Fprintf(stderr, "version takes no arguments, got %q\n\n%s", args, versionUsage)
		return errUsage
	}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		// Only a binary built without module support lacks it.
		fmt.Fprintf(stdout, "contactsmock (no build information)\n  go:      %s %s/%s\n", runtime.Version(), runtime.GOOS, runtime.GOARCH)
		return nil
	}
	_, err := io.WriteString(stdout, versionText(info, runtime.GOOS+"/"+runtime.GOARCH))
	return err
}

// versionText renders the build information: the main module's path and version, the commit (from
// the VCS stamp of a build in a checkout, else from the pseudo-version go install stamps), and the
// Go version.
func versionText(info *debug.BuildInfo, platform string) string {
	settings := map[string]string{}
	for _, s := range info.Settings {
		settings[s.Key] = s.Value
	}
	version := info.Main.Version
	if version == "" {
		version = "(devel)"
	}
	commit := settings["vcs.revision"]
	if commit == "" {
		commit = pseudoVersionRev(version)
	}
	switch {
	case commit == "":
		commit = "unknown (not in the build information)"
	case settings["vcs.time"] != "":
		commit += " (" + settings["vcs.time"]
		if settings["vcs.modified"] == "true" {
			commit += ", with uncommitted changes"
		}
		commit += ")"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "contactsmock %s\n", version)
	fmt.Fprintf(&b, "  module:  %s\n", info.Main.Path)
	fmt.Fprintf(&b, "  commit:  %s\n", commit)
	fmt.Fprintf(&b, "  go:      %s %s\n", info.GoVersion, platform)
	return b.String()
}

// pseudoVersionRev returns the commit prefix of a pseudo-version (v0.0.0-20261202061500-5ce68bc0e7aa,
// possibly +dirty), or "" for a release version.
func pseudoVersionRev(v string) string {
	v, _, _ = strings.Cut(v, "+")
	i := strings.LastIndexByte(v, '-')
	if i < 0 {
		return ""
	}
	rev := v[i+1:]
	if len(rev) != 12 || strings.Trim(rev, "0123456789abcdef") != "" {
		return ""
	}
	// The segment before it is the UTC timestamp of the commit: 14 digits.
	ts := v[:i]
	if j := strings.LastIndexAny(ts, "-."); j >= 0 {
		ts = ts[j+1:]
	}
	if len(ts) != 14 || strings.Trim(ts, "0123456789") != "" {
		return ""
	}
	return rev
}
