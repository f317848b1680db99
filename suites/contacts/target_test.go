package contacts_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/spec"
	"github.com/contactsmock/contactsmock/suites/internal/breaker"
)

// target is what the specs talk to, set up once per parallel process.
type target struct {
	// kind is "in-process", "mock" (another process, admin API reachable) or "live".
	kind string
	base string
	// admin is the mock's admin API; nil for a live deployment.
	admin *contract.Admin
	// location is this process's location; foreign is another location's id (a real second
	// location on a mock, an unknown id on a live deployment).
	location, foreign string
	// full has both contacts scopes; ro only contacts.readonly (nil when no read-only token is
	// configured for a live run); anon sends no token.
	full, ro, anon *contract.Client
	// users are user ids of the location (followers); empty on a live deployment.
	users []string
	// created are the locations this process created on a mock in another process: tearDown
	// deletes them, with everything in them and every token minted for them.
	created []string

	names    *contract.Namer
	history  *contract.History
	coverage *contract.Coverage
	spec     *spec.Spec
	// mock is the in-process mock (nil for other targets); server serves it.
	mock   *mockserver.Server
	server *httptest.Server
}

// suiteLimits are the in-process mock's rate limits: the live window, with quotas the suite cannot
// exhaust, so that hundreds of requests per second never wait on a 429. The ratelimit specs run
// against a mock (or location) of their own with the live limits.
var suiteLimits = mockserver.RateLimits{Burst: 1 << 20, Window: 10 * time.Second, Daily: 1 << 30}

// suiteTokenLife is the lifetime, in seconds, of the tokens the suite mints on a mock: 30 days, so
// that the specs that move a shared mock's clock forward (a day, to expire a token or open a new
// daily quota) never expire the tokens the rest of the run uses.
const suiteTokenLife = 30 * 24 * 60 * 60

// tgt is this process's target.
var tgt *target

// contactIDAlphabet draws ids the way the live API shapes them.
func newID() string { return fixtures.NewID(rand.IntN) }

// mockDocument is the initial state of the in-process mock: this process's location (duplicates
// disallowed, as live by default) with one user, and a second location for cross-location specs.
// Every contact the specs need they create themselves, as against a live deployment.
func mockDocument(loc, foreign, user string) fixtures.Document {
	return fixtures.Document{Version: fixtures.FormatVersion, Locations: []fixtures.Location{
		{ID: loc, Name: "Contract Suite Dental", Timezone: "America/Chicago", AllowDuplicateContact: false,
			Users: []fixtures.User{{ID: user, Name: "Casey Contract", Email: "casey@contract.test"}}},
		{ID: foreign, Name: "Foreign Fitness", AllowDuplicateContact: false},
	}}
}

func setUpTarget(ctx context.Context, runID string) *target {
	t := &target{
		names:    contract.NewNamer(runID, GinkgoParallelProcess()),
		history:  contract.NewHistory(512),
		coverage: contract.NewCoverage(),
		spec:     document,
	}
	httpClient := &http.Client{Timeout: cfg.RequestTimeout}
	switch {
	case cfg.InProcess():
		t.kind = "in-process"
		t.location, t.foreign = newID(), newID()
		user := newID()
		t.users = []string{user}
		srv, err := mockserver.New(mockserver.Config{Spec: document, Initial: mockDocument(t.location, t.foreign, user), StrictResponses: true, RateLimits: suiteLimits})
		Expect(err).NotTo(HaveOccurred())
		t.mock = srv
		// The self-check (suites/selfcheck) sets CONTRACT_BREAK_MOCK to make the mock drift in
		// one known way and proves that this suite then fails, naming the operation and field.
		t.server = httptest.NewServer(breaker.Wrap(srv, os.Getenv(breaker.EnvMode)))
		t.base = t.server.URL
		httpClient = t.server.Client()
		httpClient.Timeout = cfg.RequestTimeout
		t.admin = &contract.Admin{BaseURL: t.base, HTTP: httpClient}
	case hasAdmin:
		t.kind = "mock"
		t.base = cfg.BaseURL
		t.admin = &contract.Admin{BaseURL: cfg.AdminBase(), HTTP: httpClient, Token: cfg.AdminToken}
		// Each parallel process works in locations of its own, deleted when it ends: nothing it does
		// can disturb another process, or the data the mock's user works with.
		if cfg.LocationID != "" && GinkgoParallelProcess() == 1 {
			fmt.Printf("contract: on a mock the suite works in locations of its own; %s=%s is left alone\n", contract.EnvLocationID, cfg.LocationID)
		}
		t.location = t.createLocation(ctx, contract.AdminLocation{Name: t.names.Name("contract-location")})
		t.foreign = t.createLocation(ctx, contract.AdminLocation{Name: t.names.Name("contract-foreign")})
		loc, err := t.admin.Location(ctx, t.location)
		Expect(err).NotTo(HaveOccurred(), "%s names no location of the mock", contract.EnvLocationID)
		for _, u := range loc.Users {
			t.users = append(t.users, u.ID)
		}
	default:
		t.kind = "live"
		t.base = cfg.BaseURL
		t.location = cfg.LocationID
		t.foreign = newID()
		Expect(cfg.Token).NotTo(BeEmpty(), "a live run needs %s (a Location token with contacts.readonly and contacts.write)", contract.EnvToken)
		Expect(t.location).NotTo(BeEmpty(), "a live run needs %s (the token's location)", contract.EnvLocationID)
	}

	// On a mock the suite mints its own tokens, whatever was given: the tokens a user passes (the
	// ones make run printed) are theirs, and the specs that move the mock's clock would expire
	// them for a moment. Live, the given tokens are all there is.
	token, roToken := cfg.Token, cfg.ReadonlyToken
	if t.admin != nil {
		var err error
		token, err = t.admin.MintToken(ctx, t.location, []string{"contacts.readonly", "contacts.write"}, suiteTokenLife)
		Expect(err).NotTo(HaveOccurred())
		roToken, err = t.admin.MintToken(ctx, t.location, []string{"contacts.readonly"}, suiteTokenLife)
		Expect(err).NotTo(HaveOccurred())
	}
	t.full = t.newClient(token, httpClient)
	t.anon = t.full.WithToken("")
	if roToken != "" {
		t.ro = t.full.WithToken(roToken)
	}
	By(fmt.Sprintf("target: %s at %s, location %s, process %d, run tag %s", t.kind, t.base, t.location, t.names.Proc, t.names.RunTag()))
	return t
}

// createLocation creates a location on the mock for this process and returns its id; tearDown
// deletes it.
func (t *target) createLocation(ctx context.Context, loc contract.AdminLocation) string {
	GinkgoHelper()
	out, err := t.admin.CreateLocation(ctx, loc)
	Expect(err).NotTo(HaveOccurred())
	t.created = append(t.created, out.ID)
	return out.ID
}

// newClient returns a recording client of the target with a token.
func (t *target) newClient(token string, hc *http.Client) *contract.Client {
	return &contract.Client{
		BaseURL: t.base, HTTP: hc, Spec: t.spec, Token: token, Version: cfg.APIVersion,
		Retry: cfg.RetryPolicy(), History: t.history, Coverage: t.coverage,
		OnNonConforming: failNonConforming,
	}
}

// failNonConforming fails the running spec: every response must conform to the document.
func failNonConforming(ex *contract.Exchange) {
	Fail(contract.ConformanceMessage(ex, ex.Conformance)+"\n"+ex.String(), 3)
}

// needsAdmin fails a spec that needs the admin API on a target without one. Such specs are
// labelled mock-only, so a live run (whose label filter excludes them) never gets here.
func needsAdmin() *contract.Admin {
	if tgt.admin == nil {
		Fail("this spec needs the mock's admin API: it is labelled mock-only; filter it out with --ginkgo.label-filter='!mock-only'", 1)
	}
	return tgt.admin
}

func (t *target) tearDown(ctx context.Context) {
	if t == nil {
		return
	}
	if t.mock != nil {
		// Strict mode replaces a non-conforming response by a 500, which the client flags anyway;
		// this also catches any the specs never looked at.
		Expect(t.mock.Violations()).To(BeEmpty(), "the in-process mock produced responses that do not conform to the document")
	}
	if t.server != nil {
		t.server.Close()
	}
	if t.kind == "mock" {
		for _, id := range t.created {
			Expect(t.admin.DeleteLocation(ctx, id)).To(Succeed(), "delete the location %s the run created", id)
		}
	}
}

// reportPath resolves a relative report path against the module root (where go.mod is), so that
// go test, which runs in the package directory, writes where the Makefile expects.
func reportPath(p string) string {
	if p == "" || p == "-" || filepath.IsAbs(p) {
		return p
	}
	dir, err := os.Getwd()
	if err != nil {
		return p
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, p)
		}
		if filepath.Dir(d) == d {
			return p
		}
	}
}

// writeCoverage runs on process 1 after every process has written its part: it merges the parts,
// writes the JSON report and prints the table.
func writeCoverage() {
	path := reportPath(cfg.CoverageReport)
	if path == "-" {
		return
	}
	suiteConfig, _ := GinkgoConfiguration()
	procs := suiteConfig.ParallelTotal
	report, err := contract.MergePartials(tgt.spec, path, procs)
	Expect(err).NotTo(HaveOccurred(), "a parallel process wrote no coverage")
	report.NoteKnown(known)
	Expect(report.WriteFile(path)).To(Succeed())
	table := report.Table()
	AddReportEntry("contract coverage ("+path+")", table, ReportEntryVisibilityAlways)
	if len(report.Gaps) > 0 {
		AddReportEntry("declared statuses never exercised", strings.Join(report.Gaps, "\n"), ReportEntryVisibilityAlways)
	}
}

// writePartialCoverage runs on every process at the end of the suite.
func writePartialCoverage() {
	path := reportPath(cfg.CoverageReport)
	if path == "-" || tgt == nil {
		return
	}
	Expect(tgt.coverage.Report(tgt.spec).WriteFile(contract.PartialPath(path, GinkgoParallelProcess()))).To(Succeed())
}

// specTimeout bounds one spec; network calls get their context from the spec. It leaves room for
// a few waits on 429s (a mock or a live deployment with the live limits) and for search to catch up.
const specTimeout = 60 * time.Second

// targetState is what a run must leave on a mock in another process as it found it: its clock, and
// the tokens the user gave (those make run printed), which must work after the run if they worked
// before it (a spec may expire them for a moment by moving the clock).
type targetState struct {
	admin      *contract.Admin
	offset     time.Duration
	userTokens map[string]bool // token → it worked at the start
}

// before is process 1's note of the target at the start.
var before *targetState

// noteTarget notes the target's state at the start of the run (nil unless it is a mock in another
// process).
func noteTarget(ctx context.Context) *targetState {
	GinkgoHelper()
	if !hasAdmin {
		return nil
	}
	st := &targetState{admin: &contract.Admin{BaseURL: cfg.AdminBase(), Token: cfg.AdminToken}, userTokens: map[string]bool{}}
	var err error
	st.offset, err = st.admin.ClockOffset(ctx)
	Expect(err).NotTo(HaveOccurred())
	for _, tok := range []string{cfg.Token, cfg.ReadonlyToken} {
		if tok != "" {
			st.userTokens[tok] = tokenWorks(ctx, tok)
		}
	}
	return st
}

// checkLeftAsFound fails the run when it left the mock's clock moved or broke a token the user
// gave; a moved clock is put back first, so the target is usable again either way.
func checkLeftAsFound(ctx context.Context, st *targetState) {
	GinkgoHelper()
	if st == nil {
		return
	}
	offset, err := st.admin.ClockOffset(ctx)
	Expect(err).NotTo(HaveOccurred())
	if offset != st.offset {
		_, err := st.admin.SetClockOffset(ctx, st.offset)
		Expect(err).NotTo(HaveOccurred())
	}
	Expect(offset).To(Equal(st.offset), "the run left the mock's clock moved: a spec did not put it back (it is back now)")
	for tok, worked := range st.userTokens {
		if worked {
			Expect(tokenWorks(ctx, tok)).To(BeTrue(), "a token given to the run worked before it and answers 401 after it")
		}
	}
}

// tokenWorks reports whether the target takes a token: a read of a contact that does not exist
// answers 400 to a valid token of any location, 401 to an expired or unknown one.
func tokenWorks(ctx context.Context, token string) bool {
	GinkgoHelper()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(cfg.BaseURL, "/")+"/contacts/"+newID(), nil)
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set(spec.VersionHeader, cfg.APIVersion)
	resp, err := (&http.Client{Timeout: cfg.RequestTimeout}).Do(req)
	Expect(err).NotTo(HaveOccurred())
	_ = resp.Body.Close()
	return resp.StatusCode != http.StatusUnauthorized
}
