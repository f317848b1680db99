// Command contactsmock serves the stateful mock of the Contacts API (HighLevel / LeadConnector API
// v2) and offers tools around its OpenAPI document and fixture data.
//
//	contactsmock [serve] [flags]          start the mock (the default)
//	contactsmock listen [--forward-to U]  receive the mock's webhooks, verify and print them
//	contactsmock proxy [--live URL] ...   a validating, recording proxy in front of the live API
//	contactsmock drift --location-id L    a drift report of live against our document and the mock
//	contactsmock spec validate [--spec F] check an OpenAPI document
//	contactsmock spec ops [--spec F]      list its operations
//	contactsmock spec diff OLD NEW        breaking and non-breaking changes between two documents
//	contactsmock fixtures generate ...    write generated fixture data
//	contactsmock version                  the module version, commit and Go version of the binary
//
// Run any of them with --help for the flags.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// errUsage marks an error already explained to the user (bad flags, --help).
var errUsage = errors.New("usage")

// Main runs the command line and returns the exit status. It is main without the process, so tests
// run the real wiring.
func Main(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := dispatch(ctx, args, stdout, stderr)
	var code exitCode
	switch {
	case err == nil:
		return 0
	case errors.Is(err, errHelp):
		return 0
	case errors.Is(err, errUsage):
		return 2
	case errors.As(err, &code):
		return int(code) // the command has said why
	default:
		fmt.Fprintln(stderr, "contactsmock:", err)
		return 1
	}
}

var errHelp = errors.New("help shown")

// parseFlags parses a command's flags, which take no positional arguments: errHelp after --help,
// errUsage (explained on stderr by the flag package or here) for anything wrong.
func parseFlags(fs *flag.FlagSet, args []string, stderr io.Writer) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "%s takes no arguments, got %q\n", fs.Name(), fs.Args())
		return errUsage
	}
	return nil
}

func dispatch(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	} else if len(args) > 0 {
		// Flags before any command are serve's, except these two, which are about the binary.
		switch args[0] {
		case "-h", "-help", "--help":
			fmt.Fprint(stdout, topUsage)
			return errHelp
		case "-version", "--version":
			cmd, args = "version", args[1:]
		}
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stdout, stderr)
	case "proxy":
		return proxyCmd(ctx, args, stdout, stderr)
	case "drift":
		return driftCmd(ctx, args, stdout, stderr)
	case "spec":
		return specCmd(args, stdout, stderr)
	case "fixtures":
		return fixturesCmd(args, stdout, stderr)
	case "listen":
		return listenCmd(ctx, args, stdout, stderr)
	case "version":
		return versionCmd(args, stdout, stderr)
	case "help":
		fmt.Fprint(stdout, topUsage)
		return nil
	default:
		fmt.Fprintf(stderr, "contactsmock: unknown command %q\n\n%s", cmd, topUsage)
		return errUsage
	}
}

const topUsage = `contactsmock: a stateful mock of HighLevel's (LeadConnector) Contacts API v2.

Usage:
  contactsmock [serve] [flags]            start the mock (the default command) and print how to call it
  contactsmock listen [flags]             register with a running mock, verify and print its webhook
                                          deliveries, forward them to --forward-to URL
  contactsmock spec validate [--spec F]   load and validate an OpenAPI document
  contactsmock spec ops [--spec F]        list the document's operations
  contactsmock spec diff OLD NEW          breaking and non-breaking changes between two documents
  contactsmock fixtures generate [flags]  write generated fixture data to standard output
  contactsmock proxy [--live URL]         forward to the live API, check every answer against our
                                          document, keep a drift log; --record FILE keeps what passed
  contactsmock drift --location-id L      probe live and a mock alike; report where live differs
                                          from our document and the mock from live (token: $CONTACTS_TOKEN)
  contactsmock version, --version         the module version, commit and Go version of this binary
  contactsmock help, --help               this text

Most used flags of serve (all of them: contactsmock serve --help):
  --addr HOST:PORT      where to listen (127.0.0.1:8080; port 0 picks a free one)
  --seed N              seed of the generated data (42); --contacts N per location (25)
  --fixtures FILE       start from a fixtures document instead of generated data
  --state-file PATH     keep the state across restarts
  --rate-off            no rate limits (or --rate-burst N, --rate-window D, --rate-daily N)
  --faults FILE         faults in force from the start
  --webhook-url URL     send every webhook event to URL (repeatable)
  --cors ORIGIN         let browser pages of ORIGIN (or *) call the API (repeatable)
  --redis URL           keep all state in Redis, shared by every replica on it
  --quiet               no request log; --log-format json for machine-readable logs

Flags of listen: --mock URL (http://127.0.0.1:8080), --forward-to URL, --json, --answer STATUS.

Run "contactsmock <command> --help" for a command's flags.
`
