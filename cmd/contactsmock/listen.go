package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/contract/adminclient"
	"github.com/contactsmock/contactsmock/listen"
)

const listenUsage = `Usage: contactsmock listen [flags]

Registers a webhook receiver with a running mock, verifies the x-ghl-signature of every delivery
against the mock's public key and prints one line per event: its time on the mock's clock, its
type, its ids and the fields that changed since the last event of the same resource, then the
signature check, the attempt and the answer. --forward-to sends each delivery on unchanged (same
body bytes, same headers) to your own receiver and answers the mock with its status. Ctrl-C
unregisters the receiver and stops.

  contactsmock listen                                   print every event of the local mock
  contactsmock listen --forward-to http://127.0.0.1:3000/hooks
  contactsmock listen --json | jq .                     the payloads, one JSON object per line
  contactsmock listen --answer 429                      refuse every delivery: watch the mock retry

Flags:
`

// listenFlags are the flags of the listen command.
type listenFlags struct {
	mock, addr, forwardTo, locationID, events, adminToken string
	answer                                                int
	json                                                  bool
}

func parseListen(args []string, stderr io.Writer) (*listenFlags, error) {
	fs := flag.NewFlagSet("listen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	f := &listenFlags{}
	fs.StringVar(&f.mock, "mock", "http://127.0.0.1:8080", "base `URL` of the running mock (the banner's $BASE)")
	fs.StringVar(&f.addr, "addr", "127.0.0.1:0", "`host:port` the receiver listens on (port 0 picks a free one); the mock must reach it")
	fs.StringVar(&f.forwardTo, "forward-to", "", "forward every delivery unchanged to this `URL` and answer the mock with its status")
	fs.StringVar(&f.events, "events", "", "receive only these events (`LIST`, comma-separated, e.g. ContactCreate,ContactTagUpdate); default all")
	fs.StringVar(&f.locationID, "location-id", "", "receive only the events of this location (`ID`); default every location's")
	fs.IntVar(&f.answer, "answer", 0, "answer every delivery with this `STATUS` (429 makes the mock schedule a retry, 410 removes the registration); default the forward target's status, or 200")
	fs.BoolVar(&f.json, "json", false, "print each payload as received, one JSON object per line, instead of a description (notes go to standard error)")
	fs.StringVar(&f.adminToken, "admin-token", "", "the mock's admin `TOKEN`, when it has one; default $"+adminTokenEnv)
	fs.Usage = func() {
		fmt.Fprint(stderr, listenUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args, stderr); err != nil {
		return nil, err
	}
	for name, v := range map[string]string{"--mock": f.mock, "--forward-to": f.forwardTo} {
		if v == "" && name == "--forward-to" {
			continue
		}
		if u, err := url.Parse(v); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			fmt.Fprintf(stderr, "%s %q: want an absolute http or https URL, e.g. http://127.0.0.1:8080\n", name, v)
			return nil, errUsage
		}
	}
	if f.answer != 0 && (f.answer < 200 || f.answer > 599) {
		fmt.Fprintf(stderr, "--answer %d: want an HTTP status from 200 to 599\n", f.answer)
		return nil, errUsage
	}
	if f.adminToken == "" {
		f.adminToken = os.Getenv(adminTokenEnv)
	}
	return f, nil
}

func listenCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	f, err := parseListen(args, stderr)
	if err != nil {
		return err
	}
	admin := &adminclient.Client{BaseURL: strings.TrimSuffix(f.mock, "/"), Token: f.adminToken}
	switch api, err := admin.Probe(ctx); {
	case err != nil:
		return fmt.Errorf("no mock answers at %s: start one (contactsmock serve, or make run) or point --mock at it", f.mock)
	case api == adminclient.Refused:
		return fmt.Errorf("the mock at %s refuses the admin token given: pass its --admin-token as --admin-token or $%s", f.mock, adminTokenEnv)
	case api == adminclient.Absent:
		return fmt.Errorf("%s has no mock admin API (is it the live API?): point --mock at a contactsmock", f.mock)
	}
	var events []string
	for _, e := range strings.Split(f.events, ",") {
		if e = strings.TrimSpace(e); e != "" {
			events = append(events, e)
		}
	}
	l, err := listen.Start(ctx, listen.Options{
		Admin: admin, Addr: f.addr, Events: events, LocationID: f.locationID,
		ForwardTo: f.forwardTo, Answer: f.answer, JSON: f.json, Out: stdout, Notes: stderr,
	})
	if err != nil {
		return err
	}
	what := "every event"
	if len(events) > 0 {
		what = strings.Join(events, ", ")
	}
	if f.locationID != "" {
		what += " of location " + f.locationID
	}
	fmt.Fprintf(stderr, "listening at %s for %s of the mock at %s (registration %s)\n", l.URL(), what, f.mock, l.Registration().ID)
	switch {
	case f.answer != 0 && f.forwardTo != "":
		fmt.Fprintf(stderr, "forwarding each delivery to %s, answering the mock %d\n", f.forwardTo, f.answer)
	case f.answer != 0:
		fmt.Fprintf(stderr, "answering every delivery %d\n", f.answer)
	case f.forwardTo != "":
		fmt.Fprintf(stderr, "forwarding each delivery to %s and answering the mock with its status\n", f.forwardTo)
	}
	fmt.Fprintln(stderr, "Ctrl-C unregisters and stops")
	<-ctx.Done()
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := l.Close(closeCtx); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "unregistered %s\n", l.Registration().ID)
	return nil
}
