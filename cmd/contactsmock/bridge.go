package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/bridge/drift"
	"github.com/contactsmock/contactsmock/bridge/inprocess"
	"github.com/contactsmock/contactsmock/bridge/proxy"
	"github.com/contactsmock/contactsmock/bridge/record"
	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/spec"
)

// The environment variables the live commands read their tokens from: a token on the command
// line is visible to every user of the machine (ps), one in the environment is not.
const (
	tokenEnv     = "CONTACTS_TOKEN"
	mockTokenEnv = "CONTACTS_MOCK_TOKEN"
)

// exitCode is an error that asks Main for an exit status, its explanation already written.
type exitCode int

func (e exitCode) Error() string { return fmt.Sprintf("exit status %d", int(e)) }

const proxyUsage = `Usage: contactsmock proxy [flags]

Forwards every request unchanged to the live API (or --live URL) and returns its answers
unchanged, checking each against our document. Deviations are logged (operation, status, JSON
pointer; never a token, a query or a body), served at GET /__admin/drift and summed up on exit
(SIGINT or SIGTERM). The target's 429s are passed on, never retried. With --record FILE what
passed is written on exit as a fixtures document "contactsmock serve --fixtures FILE" serves, with
personal data replaced by fake values drawn from --record-seed (unless --record-raw).

The proxy needs no token of its own: clients send theirs, and it goes through.

Flags:
`

func proxyCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("proxy", flag.ContinueOnError)
	fs.SetOutput(stderr)
	live := fs.String("live", proxy.DefaultLive, "base `URL` of the API to forward to")
	addr := fs.String("addr", "127.0.0.1:8081", "`host:port` to listen on (port 0 picks a free port)")
	specFile := fs.String("spec", "", "check answers against this OpenAPI document (`FILE`) instead of the embedded one")
	recordFile := fs.String("record", "", "on exit, write what passed through as a fixtures document to `FILE`")
	recordRaw := fs.Bool("record-raw", false, "keep personal data in the recording as it was (names, e-mails, phones, addresses, free text)")
	recordSeed := fs.Int64("record-seed", 42, "seed (`N`, non-zero) of the fake values of the recording; the same seed gives the same fakes")
	maxBody := fs.Int64("max-body", 32<<20, "largest answer body in `BYTES` that is checked and recorded; larger ones pass unchecked")
	logSize := fs.Int("drift-size", 1000, "`N` deviating answers kept by GET /__admin/drift")
	logLevel := fs.String("log-level", "info", "log level: debug, info, warn or error")
	readyFile := fs.String("ready-file", "", "once listening, write the proxy's base URL and a newline to this `PATH`")
	fs.Usage = func() { fmt.Fprint(stderr, proxyUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "proxy takes no arguments, got %q\n", fs.Args())
		return errUsage
	}
	if *recordRaw && *recordFile == "" {
		fmt.Fprintln(stderr, "--record-raw needs --record FILE")
		return errUsage
	}
	if *recordSeed == 0 {
		fmt.Fprintln(stderr, "--record-seed must not be 0: an explicit seed keeps recordings replayable")
		return errUsage
	}
	target, err := liveURL(*live)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	logger, err := newLogger(*logLevel, "text", stderr)
	if err != nil {
		return err
	}
	cfg := proxy.Config{Live: target, Logger: logger, MaxBody: *maxBody, LogSize: *logSize}
	if *specFile != "" {
		if cfg.Spec, err = spec.LoadFile(*specFile); err != nil {
			return err
		}
	}
	var rec *record.Recorder
	if *recordFile != "" {
		rec = record.New()
		cfg.Recorder = rec
	}
	p, err := proxy.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second, ErrorLog: slog.NewLogLogger(logger.Handler(), slog.LevelWarn)}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "contactsmock proxy: %s forwards to %s\n  drift log: %s%s\n", base, target.Redacted(), base, proxy.DriftPath)
	if *recordFile != "" {
		mode := fmt.Sprintf("personal data replaced (seed %d)", *recordSeed)
		if *recordRaw {
			mode = "raw: personal data kept"
		}
		fmt.Fprintf(stdout, "  recording to %s on exit, %s\n", *recordFile, mode)
	}
	if err := writeReadyFile(*readyFile, base); err != nil {
		hs.Close()
		return err
	}
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = hs.Shutdown(shutdownCtx)
	if err := p.WriteSummary(stdout); err != nil {
		return err
	}
	if rec == nil {
		return nil
	}
	doc, rep, err := rec.Document(record.Options{Raw: *recordRaw, Seed: *recordSeed})
	switch {
	case errors.Is(err, record.ErrNothing):
		fmt.Fprintf(stdout, "recording: nothing to record; %s not written\n", *recordFile)
		return nil
	case err != nil:
		return err
	}
	for _, d := range rep.Dropped {
		logger.Warn("recording: left out what the fixture format refuses", "what", d)
	}
	for _, l := range rep.Leaks {
		logger.Warn("recording: a kept value still holds a replaced name, e-mail or phone", "where", l)
	}
	if err := writeFileAtomic(*recordFile, func(w io.Writer) error { return fixtures.Write(w, doc) }); err != nil {
		return fmt.Errorf("--record: %w", err)
	}
	fmt.Fprintf(stdout, "recording: %s: %d locations, %d contacts, %d tasks, %d notes, %d appointments, %d businesses\n",
		*recordFile, rep.Locations, rep.Contacts, rep.Tasks, rep.Notes, rep.Appointments, rep.Businesses)
	return nil
}

// liveURL checks a target's base URL.
func liveURL(s string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%q is not an http or https base URL", s)
	}
	if u.RawQuery != "" || u.User != nil {
		return nil, errors.New("a base URL carries no query and no credentials (tokens go in the environment)")
	}
	return u, nil
}

// writeFileAtomic writes a file through a temporary file renamed into place.
func writeFileAtomic(path string, write func(io.Writer) error) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	werr := write(tmp)
	if cerr := tmp.Close(); werr == nil {
		werr = cerr
	}
	if werr == nil {
		werr = os.Rename(tmp.Name(), path)
	}
	if werr != nil {
		os.Remove(tmp.Name())
	}
	return werr
}

const driftUsage = `Usage: contactsmock drift --location-id L [flags]

Sends read-only probes to the live API (or --live URL) and the same probes to a mock, checks every
answer against our document and reports, per operation, where live differs from our document and
where the mock differs from live: statuses, headers, fields, types, value formats, id order and
error bodies, compared by shape, never by value. The mock is started in this process and seeded
with what the probes read, unless --mock URL names one.

The live token comes from $CONTACTS_TOKEN (or --token): a Location token with contacts.readonly;
--allow-writes also needs contacts.write. A given mock's token comes from --mock-token or
$CONTACTS_MOCK_TOKEN, or is minted through its admin API.

Exit status: 0 nothing differs, 1 something does, 2 the probe could not run.

Flags:
`

func driftCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("drift", flag.ContinueOnError)
	fs.SetOutput(stderr)
	live := fs.String("live", proxy.DefaultLive, "base `URL` of the live API")
	location := fs.String("location-id", "", "the `ID` of the location (sub-account) to probe (required)")
	token := fs.String("token", "", "the live API's access `TOKEN` (default $"+tokenEnv+", which keeps it out of ps)")
	mockURL := fs.String("mock", "", "compare with the mock at this base `URL` instead of one seeded in this process")
	mockToken := fs.String("mock-token", "", "the given mock's `TOKEN` (default $"+mockTokenEnv+"; else one is minted through its admin API)")
	mockLocation := fs.String("mock-location-id", "", "the location `ID` probed on the given mock (default --location-id)")
	mockAdmin := fs.String("mock-admin-token", "", "the given mock's admin `TOKEN` for minting (default $"+adminTokenEnv+")")
	jsonFile := fs.String("json", "", "also write the report as JSON to `FILE`")
	writes := fs.Bool("allow-writes", false, "add create, update and delete probes on uniquely named data, deleted afterwards (needs contacts.write)")
	pageSize := fs.Int("page-size", 10, "`N` contacts per list and search page probed")
	specFile := fs.String("spec", "", "check answers against this OpenAPI document (`FILE`) instead of the embedded one")
	timeout := fs.Duration("timeout", 2*time.Minute, "give up after this `DURATION`")
	fs.Usage = func() { fmt.Fprint(stderr, driftUsage); fs.PrintDefaults() }
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "drift takes no arguments, got %q\n", fs.Args())
		return errUsage
	}
	if *location == "" {
		fmt.Fprintln(stderr, "--location-id is required")
		return errUsage
	}
	if *pageSize < 1 || *pageSize > 100 {
		fmt.Fprintln(stderr, "--page-size must be 1 to 100")
		return errUsage
	}
	if *token == "" {
		*token = os.Getenv(tokenEnv)
	}
	if *token == "" {
		fmt.Fprintf(stderr, "no token: set $%s (or --token) to a Location token with contacts.readonly\n", tokenEnv)
		return errUsage
	}
	liveU, err := liveURL(*live)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	ctx, cancel := context.WithTimeout(ctx, *timeout)
	defer cancel()
	client := &http.Client{Timeout: 30 * time.Second}
	opts := drift.Options{
		Live: drift.Target{URL: liveU, Token: *token, Client: client}, Location: *location,
		PageSize: *pageSize, AllowWrites: *writes,
	}
	if *specFile != "" {
		if opts.Spec, err = spec.LoadFile(*specFile); err != nil {
			fmt.Fprintln(stderr, "contactsmock:", err)
			return exitCode(2)
		}
	}
	if *mockURL != "" {
		mu, err := liveURL(*mockURL)
		if err != nil {
			fmt.Fprintln(stderr, "--mock:", err)
			return errUsage
		}
		loc := *location
		if *mockLocation != "" {
			loc = *mockLocation
		}
		tok := *mockToken
		if tok == "" {
			tok = os.Getenv(mockTokenEnv)
		}
		if tok == "" {
			admin := *mockAdmin
			if admin == "" {
				admin = os.Getenv(adminTokenEnv)
			}
			if tok, err = mintMockToken(ctx, client, mu, loc, *writes, admin); err != nil {
				fmt.Fprintln(stderr, "contactsmock: drift:", err)
				return exitCode(2)
			}
		}
		opts.Mock = &drift.Target{URL: mu, Token: tok, Client: client}
		opts.MockLocation = loc
	} else {
		opts.StartMock = func(doc fixtures.Document, location string, write bool) (drift.Target, func(), error) {
			m, err := inprocess.Start(doc, inprocess.Options{Spec: opts.Spec, Location: location, Write: write})
			if err != nil {
				return drift.Target{}, nil, err
			}
			u, _ := url.Parse(m.URL)
			return drift.Target{URL: u, Token: m.Token, Client: client}, func() { _ = m.Close() }, nil
		}
	}
	rep, err := drift.Run(ctx, opts)
	if err != nil {
		fmt.Fprintln(stderr, "contactsmock:", err)
		return exitCode(2)
	}
	if err := rep.WriteText(stdout); err != nil {
		return err
	}
	if *jsonFile != "" {
		if err := writeFileAtomic(*jsonFile, rep.WriteJSON); err != nil {
			fmt.Fprintln(stderr, "contactsmock: --json:", err)
			return exitCode(2)
		}
	}
	if rep.Differs() {
		return exitCode(1)
	}
	return nil
}

// mintMockToken asks a mock's admin API for a token of the location.
func mintMockToken(ctx context.Context, client *http.Client, base *url.URL, location string, write bool, adminToken string) (string, error) {
	scopes := []string{mockserver.ScopeContactsReadonly}
	if write {
		scopes = append(scopes, mockserver.ScopeContactsWrite)
	}
	body, _ := json.Marshal(map[string]any{"locationId": location, "scopes": scopes})
	u := *base
	u.Path = strings.TrimSuffix(u.Path, "/") + "/__admin/tokens"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	if adminToken != "" {
		req.Header.Set(mockserver.AdminTokenHeader, adminToken)
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("minting a token through the mock's admin API: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
		Message     any    `json:"message"`
	}
	_ = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&out)
	if resp.StatusCode != http.StatusCreated || out.AccessToken == "" {
		return "", fmt.Errorf("the mock's admin API answered %d to a token request (%v); give --mock-token", resp.StatusCode, out.Message)
	}
	return out.AccessToken, nil
}
