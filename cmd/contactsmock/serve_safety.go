package main

import (
	"flag"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/mockserver"
)

// adminTokenEnv is the environment variable --admin-token defaults to: a token on the command line
// is visible to every user of the machine (ps), one in the environment is not.
const adminTokenEnv = "CONTACTSMOCK_ADMIN_TOKEN"

// registerSafety adds the flags that keep a running mock safe: the admin token, the ready file and
// the header timeout.
func (f *serveFlags) registerSafety(fs *flag.FlagSet) {
	fs.StringVar(&f.adminToken, "admin-token", "", "require this `TOKEN` on every admin request (header "+mockserver.AdminTokenHeader+
		": TOKEN, or Authorization: Bearer TOKEN); default $"+adminTokenEnv+". Required when --addr is not a loopback address")
	fs.Func("admin-host", "a `NAME` the admin API and the inspector may be reached by besides loopback names and --addr's host (repeatable): a container's service name, a tunnel's host. Requests naming any other host are refused, against DNS rebinding", func(v string) error {
		v = strings.TrimSpace(v)
		if v == "" || strings.ContainsAny(v, "/ ") {
			return fmt.Errorf("%q is not a host name", v)
		}
		f.adminHosts = append(f.adminHosts, v)
		return nil
	})
	fs.StringVar(&f.readyFile, "ready-file", "", "once listening, write the base URL (http://host:port) and a newline to this `PATH`, atomically (for scripts and tests that start the mock on port 0)")
	fs.DurationVar(&f.readHeaderTimeout, "read-header-timeout", 10*time.Second, "longest time a client may take to send the request headers (`DURATION`); a slower client is disconnected")
}

// checkAdminExposure refuses to serve the admin API without a token beyond loopback: it resets
// the state, mints tokens and moves the clock, so on a shared network it would be an open door.
// Before listening (bound nil) it judges the address as written; after, the address bound (a host
// name may resolve to anything).
func checkAdminExposure(addr string, bound net.Addr, adminToken string) error {
	if adminToken != "" {
		return nil
	}
	var loopback bool
	if bound != nil {
		tcp, ok := bound.(*net.TCPAddr)
		loopback = ok && tcp.IP.IsLoopback()
	} else {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil // net.Listen explains a malformed address
		}
		ip := net.ParseIP(host)
		switch {
		case ip != nil:
			loopback = ip.IsLoopback()
		case host == "":
			loopback = false // every interface
		default:
			return nil // a host name: judged once bound
		}
	}
	if loopback {
		return nil
	}
	return fmt.Errorf("--addr %s listens beyond loopback, where the admin API (reset, tokens, clock, webhooks) would be open to "+
		"anyone who can reach it: set --admin-token (or $%s) to protect it, or listen on 127.0.0.1", addr, adminTokenEnv)
}

// allowedAdminHosts are the names the admin API accepts in Host besides loopback ones: --addr's
// host (an unspecified address admits every IP address; see mockserver.Config.AdminHosts) and
// every --admin-host.
func (f *serveFlags) allowedAdminHosts() []string {
	hosts := append([]string(nil), f.adminHosts...)
	if host, _, err := net.SplitHostPort(f.addr); err == nil {
		if host == "" {
			host = "0.0.0.0" // ":8080" listens on every address
		}
		hosts = append(hosts, host)
	}
	return hosts
}

// removeStaleSnapshots removes the temporary files a mock killed in the middle of writing the
// state file left next to it.
func (f *serveFlags) removeStaleSnapshots(logger *slog.Logger) error {
	if f.stateFile == "" {
		return nil
	}
	removed, err := mockserver.RemoveStaleSnapshots(f.stateFile)
	for _, name := range removed {
		logger.Warn("removed a partial state file left by a crash (the state file itself was not touched)", "file", name)
	}
	return err
}

// adminNote is the banner's hint when the admin API needs the token (never the token itself).
func adminNote(f *serveFlags) string {
	if f.adminToken == "" {
		return ""
	}
	return " (send the admin token as " + mockserver.AdminTokenHeader + ")"
}

// writeReadyFile writes the base URL to path (nothing when path is empty) through a temporary file
// renamed into place, so that a reader polling for the file never sees half of it.
func writeReadyFile(path, base string) error {
	if path == "" {
		return nil
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("--ready-file: %w", err)
	}
	_, werr := tmp.WriteString(strings.TrimSpace(base) + "\n")
	cerr := tmp.Close()
	if werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
		return fmt.Errorf("--ready-file: %w", werr)
	}
	return nil
}
