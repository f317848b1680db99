// Command contactsstandin serves a "live stand-in": the mock with generated data behind a wrapper
// that makes its answers drift from our document in known ways (bridge/standin), so that
// "contactsmock drift" and "contactsmock proxy" can be tried, and tested, without the internet.
//
//	contactsstandin [--addr 127.0.0.1:8090] [--seed 42] [--contacts 25] [--change KIND:OPERATION:ARG ...]
//
// It prints its base URL, the location and a read-only and a full token, then the changes in force.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/contactsmock/contactsmock/bridge/standin"
	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/spec"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `Usage: contactsstandin [flags]

Serves the mock with generated data behind changes that make it drift from our document: a
stand-in for the live API. By default one change of each kind, each on one operation:
%s
--change KIND:OPERATION:ARG replaces them (repeatable): rename:OP:/pointer:newName,
number-as-string:OP:/pointer, drop-header:OP:Header-Name, status:OP:201,
date-format:OP:/pointer:LAYOUT (a Go time layout). --no-changes serves the plain mock.

Flags:
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("contactsstandin", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8090", "`host:port` to listen on (loopback only; port 0 picks a free port)")
	seed := fs.Int64("seed", 42, "seed (`N`, non-zero) of the generated data")
	contacts := fs.Int("contacts", 25, "`N` generated contacts")
	none := fs.Bool("no-changes", false, "serve the plain mock")
	readyFile := fs.String("ready-file", "", "once listening, write the base URL and a newline to this `PATH`")
	var specs []string
	fs.Func("change", "a change `KIND:OPERATION:ARG` (repeatable; replaces the defaults)", func(v string) error {
		specs = append(specs, v)
		return nil
	})
	fs.Usage = func() {
		var b strings.Builder
		for _, c := range standin.Defaults() {
			fmt.Fprintf(&b, "  %s\n", c)
		}
		fmt.Fprintf(stderr, usage, b.String())
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if err := serve(ctx, *addr, *seed, *contacts, *none, specs, *readyFile, stdout); err != nil {
		fmt.Fprintln(stderr, "contactsstandin:", err)
		return 1
	}
	return 0
}

func serve(ctx context.Context, addr string, seed int64, contacts int, none bool, specs []string, readyFile string, stdout io.Writer) error {
	if seed == 0 || contacts < 0 {
		return errors.New("--seed must not be 0 and --contacts must not be negative")
	}
	sp, err := spec.Default()
	if err != nil {
		return err
	}
	changes := standin.Defaults()
	switch {
	case none:
		changes = nil
	case len(specs) > 0:
		if changes, err = standin.ParseChanges(specs); err != nil {
			return err
		}
	}
	doc, err := fixtures.Generate(fixtures.GenerateOptions{Seed: seed, Contacts: contacts, NoContacts: contacts == 0, Locations: 1})
	if err != nil {
		return err
	}
	ms, err := mockserver.New(mockserver.Config{Initial: doc})
	if err != nil {
		return err
	}
	h, err := standin.Wrap(ms, sp, changes)
	if err != nil {
		return err
	}
	// The mock's admin API is behind it: loopback only, as the mock's own default.
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("--addr %s: the stand-in listens on a loopback address only", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	loc := doc.Locations[0].ID
	ro, err := ms.MintToken(loc, []string{mockserver.ScopeContactsReadonly}, 0)
	if err != nil {
		hs.Close()
		return err
	}
	full, err := ms.MintToken(loc, []string{mockserver.ScopeContactsReadonly, mockserver.ScopeContactsWrite}, 0)
	if err != nil {
		hs.Close()
		return err
	}
	base := "http://" + ln.Addr().String()
	var b strings.Builder
	fmt.Fprintf(&b, "contactsstandin: a live stand-in on %s\n  location: %s\n  read-only (contacts.readonly):\n    %s\n  full (contacts.readonly contacts.write):\n    %s\n", base, loc, ro.AccessToken, full.AccessToken)
	if len(changes) == 0 {
		b.WriteString("  changes: none (the plain mock)\n")
	}
	for _, c := range changes {
		fmt.Fprintf(&b, "  change: %s\n", c)
	}
	if _, err := io.WriteString(stdout, b.String()); err != nil {
		hs.Close()
		return err
	}
	if readyFile != "" {
		tmp := filepath.Join(filepath.Dir(readyFile), "."+filepath.Base(readyFile)+".tmp")
		if err := os.WriteFile(tmp, []byte(base+"\n"), 0o644); err != nil {
			hs.Close()
			return err
		}
		if err := os.Rename(tmp, readyFile); err != nil {
			hs.Close()
			return err
		}
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	return ms.Close(sctx)
}
