// Package contacts_test is the contract suite of the Contacts API. It runs against one of three
// targets (see docs/contract-suites.md): an in-process mock (the default), a mock in another process
// (--base-url, with its admin API), or a live deployment (--base-url and tokens; mock-only specs are
// filtered out). Every response any spec receives is validated against the document by the
// recording client: a response that does not conform fails the spec that received it.
package contacts_test

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
	"github.com/contactsmock/contactsmock/spec"
)

// cfg is the target configuration: CONTACTS_* variables, overridden by flags (go test ./suites/...
// -args --base-url=...). Registered at init, parsed by the testing package before TestContacts.
var cfg = contract.RegisterFlags(flag.CommandLine)

func TestContacts(t *testing.T) {
	RegisterFailHandler(Fail)
	suiteConfig, reporterConfig := GinkgoConfiguration()
	var err error
	if document, err = cfg.Document(); err != nil {
		t.Fatal(err)
	}
	if !cfg.InProcess() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		a := &contract.Admin{BaseURL: cfg.AdminBase(), HTTP: &http.Client{Timeout: 10 * time.Second}, Token: cfg.AdminToken}
		api, err := a.Probe(ctx)
		switch {
		case err != nil:
			t.Fatalf("contract: the target does not answer: %v", err)
		case api == contract.AdminAPIRefused && cfg.AdminToken == "":
			t.Fatalf("contract: the mock at %s asks for its admin token: set %s to its --admin-token", cfg.AdminBase(), contract.EnvAdminToken)
		case api == contract.AdminAPIRefused:
			t.Fatalf("contract: the mock at %s refused the admin token in %s: give its --admin-token", cfg.AdminBase(), contract.EnvAdminToken)
		case api == contract.NoAdminAPI:
			// A deployment without the mock's admin API is live: keep the run off mock-only
			// specs, whatever filter was given, so it never needs (or probes) admin controls.
			suiteConfig.LabelFilter = contract.LiveFilter(suiteConfig.LabelFilter)
			fmt.Printf("contract: %s has no admin API; treating it as a live deployment (label filter %q)\n", cfg.BaseURL, suiteConfig.LabelFilter)
		}
		hasAdmin = api == contract.AdminAPIOpen
	}
	RunSpecs(t, "Contacts API contract suite", suiteConfig, reporterConfig)
}

// document is the OpenAPI document the target serves (--contract.spec, else our embedded one),
// loaded before the specs are built: operations it lacks get no spec. known is the document the
// suite is written for.
var (
	document *spec.Spec
	known    = spec.MustDefault()
)

// hasAdmin: the target is a mock in another process whose admin API takes our admin token.
var hasAdmin bool

var _ = SynchronizedBeforeSuite(func(ctx SpecContext) []byte {
	// Process 1 draws the run id every process shares, so that one run tag covers the whole run,
	// and notes what the run must leave as it found it.
	before = noteTarget(ctx)
	return []byte(contract.NewRunID())
}, func(ctx SpecContext, runID []byte) {
	tgt = setUpTarget(ctx, string(runID))
}, NodeTimeout(60*time.Second))

var _ = SynchronizedAfterSuite(func(ctx SpecContext) {
	writePartialCoverage()
	tgt.tearDown(ctx)
}, func(ctx SpecContext) {
	writeCoverage()
	checkLeftAsFound(ctx, before)
}, NodeTimeout(60*time.Second))

// Every spec starts a fresh slice of the exchange history; when it fails, the exchanges it made are
// attached to its report (and so to the console and the JUnit file).
var _ = BeforeEach(func() {
	mark := tgt.history.Mark()
	DeferCleanup(func() {
		if CurrentSpecReport().Failed() {
			AddReportEntry("exchanges of this spec (last 12)", contract.Render(tgt.history.Since(mark), 12))
		}
	})
})
