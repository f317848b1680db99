package selfcheck

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactsmock/contactsmock/contract"
	"github.com/contactsmock/contactsmock/spec"
)

// The suite run the way users run it: against the real binary in another process (with the live
// limits and a lagging search index, in random order), and against a document that lacks an
// operation and has one the suite does not know.

var (
	buildOnce         sync.Once
	suiteBin, mockBin string
	buildErr          error
	buildDir          string
)

// binaries builds the suite's test binary and the mock's binary once for this package's tests.
func binaries(t *testing.T) (suite, mock string) {
	t.Helper()
	buildOnce.Do(func() {
		buildDir, buildErr = os.MkdirTemp("", "contract-selfcheck-")
		if buildErr != nil {
			return
		}
		suiteBin, mockBin = filepath.Join(buildDir, "contacts.test"), filepath.Join(buildDir, "contactsmock")
		for _, args := range [][]string{{"test", "-c", "-o", suiteBin, "../contacts"}, {"build", "-o", mockBin, "../../cmd/contactsmock"}} {
			if out, err := exec.Command("go", args...).CombinedOutput(); err != nil {
				buildErr = fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, out)
				return
			}
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return suiteBin, mockBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		_ = os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// mockProcess is the mock's binary running as `contactsmock serve` on a free loopback port.
type mockProcess struct {
	base, location, token, readonly string
	cmd                             *exec.Cmd
	out                             *syncBuffer
}

// syncBuffer is a bytes.Buffer the process writes while the test reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startMock starts the mock's binary with the extra flags and reads what its banner prints.
func startMock(t *testing.T, bin string, flags ...string) *mockProcess {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready")
	args := append([]string{"serve", "--addr", "127.0.0.1:0", "--ready-file", ready}, flags...)
	m := &mockProcess{cmd: exec.Command(bin, args...), out: &syncBuffer{}}
	m.cmd.Stdout, m.cmd.Stderr = m.out, m.out
	if err := m.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = m.cmd.Process.Signal(os.Interrupt)
		_ = m.cmd.Wait()
	})
	// Started once the ready file names the base URL and the banner has printed the location and
	// the tokens: "location 1:     <id> (name)", then the full and the read-only token, each on
	// the line after its heading.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		data, _ := os.ReadFile(ready)
		m.base = strings.TrimSpace(string(data))
		sc := bufio.NewScanner(strings.NewReader(m.out.String()))
		for prev := ""; sc.Scan(); prev = sc.Text() {
			line := strings.TrimSpace(sc.Text())
			switch {
			case strings.HasPrefix(line, "location 1:"):
				m.location = strings.Fields(line)[2]
			case strings.HasPrefix(strings.TrimSpace(prev), "full ("):
				m.token = line
			case strings.HasPrefix(strings.TrimSpace(prev), "read-only ("):
				m.readonly = line
			}
		}
		if m.base != "" && m.location != "" && m.token != "" && m.readonly != "" {
			return m
		}
		if time.Now().After(deadline) {
			t.Fatalf("the mock did not start, or its banner has no location or tokens:\n%s", m.out)
		}
	}
}

// get reads a JSON answer of the mock (the admin API, or the API with a token).
func (m *mockProcess) get(t *testing.T, path, token string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, m.base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set(spec.VersionHeader, contract.DefaultAPIVersion)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var out map[string]any
	_ = json.Unmarshal(data, &out)
	return resp.StatusCode, out
}

// runSuite runs the suite binary with the environment and arguments given and returns its output.
func runSuite(t *testing.T, bin string, env []string, args ...string) (string, error) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-test.count=1", "-ginkgo.no-color", "-ginkgo.succinct"}, args...)...)
	cmd.Dir = "../contacts"
	cmd.Env = append(os.Environ(), env...)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	return out.String(), err
}

// TestSuiteAgainstTheBinary runs the whole suite against the mock's binary in another process, as
// docs/contract-suites.md tells a user to (the live limits, the user's token given), in
// random order, with a search index that lags writes by a second: it passes, and it leaves the mock
// as it found it — the user's tokens work, the clock is where it was, only the seeded location and
// the default OAuth client are left, no webhook, fault or changed limit.
func TestSuiteAgainstTheBinary(t *testing.T) {
	suite, mock := binaries(t)
	m := startMock(t, mock, "--seed", "42", "--search-lag", "1s")
	_, before := m.get(t, "/__admin/health", "")

	seed := time.Now().UnixNano() % 100000
	t.Logf("ginkgo seed %d (replay with --ginkgo.seed=%d)", seed, seed)
	specs := filepath.Join(t.TempDir(), "specs.json")
	out, err := runSuite(t, suite, []string{contract.EnvBaseURL + "=" + m.base, contract.EnvToken + "=" + m.token,
		contract.EnvReadonlyToken + "=" + m.readonly, contract.EnvLocationID + "=" + m.location},
		"-contract.coverage-report=-", "-ginkgo.randomize-all", fmt.Sprintf("-ginkgo.seed=%d", seed), "-ginkgo.json-report="+specs)
	if err != nil {
		t.Fatalf("the suite fails against the mock in another process: %v\n%s", err, tail(out))
	}
	if skipped := skippedSpecs(t, specs); len(skipped) > 0 {
		t.Errorf("specs were skipped against a mock in another process: %v", skipped)
	}

	for name, tok := range map[string]string{"full": m.token, "read-only": m.readonly} {
		if status, body := m.get(t, "/contacts/?limit=1&locationId="+m.location, tok); status != http.StatusOK {
			t.Errorf("the %s token the banner printed answers %d after the run: %v", name, status, body)
		}
	}
	if _, clock := m.get(t, "/__admin/clock", ""); clock["offset"] != "0s" {
		t.Errorf("the clock is %v after the run, want offset 0s", clock)
	}
	_, after := m.get(t, "/__admin/health", "")
	if fmt.Sprint(after["stats"]) != fmt.Sprint(before["stats"]) {
		t.Errorf("the state is %v after the run, %v before", after["stats"], before["stats"])
	}
	_, clients := m.get(t, "/__admin/clients", "")
	_, hooks := m.get(t, "/__admin/webhooks", "")
	_, faults := m.get(t, "/__admin/faults", "")
	_, limits := m.get(t, "/__admin/ratelimit", "")
	if n := len(clients["clients"].([]any)); n != 1 {
		t.Errorf("%d OAuth clients after the run, want the default one only", n)
	}
	if len(hooks["webhooks"].([]any)) != 0 || len(faults["faults"].([]any)) != 0 {
		t.Errorf("webhooks %v and faults %v left after the run", hooks["webhooks"], faults["faults"])
	}
	if limits["burst"] != float64(100) || limits["window"] != "10s" || limits["daily"] != float64(200000) || limits["off"] != false {
		t.Errorf("rate limits %v after the run, want the live defaults", limits)
	}
}

// skippedSpecs reads a Ginkgo JSON report and returns the skipped specs with their reasons.
func skippedSpecs(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var reports []struct {
		SpecReports []struct {
			LeafNodeText string
			State        string
			Failure      struct{ Message string }
		}
	}
	if err := json.Unmarshal(data, &reports); err != nil {
		t.Fatalf("the suite's JSON report: %v", err)
	}
	out := map[string]string{}
	for _, r := range reports {
		for _, s := range r.SpecReports {
			if s.State == "skipped" {
				out[s.LeafNodeText] = s.Failure.Message
			}
		}
	}
	return out
}

// TestSuiteFollowsTheDocument runs the suite in process against a document without one operation
// (get-all-tasks) and with one the suite does not know: it passes; the specs that need the missing
// operation do not run, the coverage report lists it as not in the document, and the unknown one
// as never called.
func TestSuiteFollowsTheDocument(t *testing.T) {
	suite, _ := binaries(t)
	dir := t.TempDir()
	docFile, report := filepath.Join(dir, "openapi.json"), filepath.Join(dir, "coverage.json")

	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec.Embedded())
	if err != nil {
		t.Fatal(err)
	}
	tasks := doc.Paths.Value("/contacts/{contactId}/tasks")
	extra := *tasks.Get
	extra.OperationID = "get-contact-extras"
	tasks.Get = nil
	doc.Paths.Set("/contacts/{contactId}/extras", &openapi3.PathItem{Get: &extra, Parameters: tasks.Parameters})
	data, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(docFile, data, 0o644); err != nil {
		t.Fatal(err)
	}

	specs := filepath.Join(dir, "specs.json")
	out, err := runSuite(t, suite, []string{contract.EnvBaseURL + "="}, "-contract.spec="+docFile, "-contract.coverage-report="+report, "-ginkgo.json-report="+specs)
	if err != nil {
		t.Fatalf("the suite fails against a document without get-all-tasks: %v\n%s", err, tail(out))
	}
	skipped := skippedSpecs(t, specs)
	if len(skipped) == 0 {
		t.Errorf("every spec ran, those that need get-all-tasks too:\n%s", tail(out))
	}
	for name, why := range skipped {
		if !strings.Contains(why, "get-all-tasks is not in the document under test") {
			t.Errorf("spec %q skipped for another reason: %s", name, why)
		}
	}
	cov, err := contract.ReadCoverageReport(report)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cov.NotInDocument, []string{"get-all-tasks"}) {
		t.Errorf("not in the document: %v, want [get-all-tasks]", cov.NotInDocument)
	}
	if !slices.Contains(cov.NeverCalled, "get-contact-extras") {
		t.Errorf("never called: %v, want get-contact-extras among them", cov.NeverCalled)
	}
	for _, oc := range cov.Operations {
		if oc.OperationID == "get-all-tasks" && (!oc.NotInDocument || len(oc.Responses) > 0) {
			t.Errorf("get-all-tasks line %+v, want it marked not in the document, with no responses", oc)
		}
	}
}

// TestSuiteStopsAtARefusedAdminToken: against a mock whose admin API wants a token, a run with a
// wrong admin token, or with none, stops at once and says what to do, instead of running as if the
// target were live.
func TestSuiteStopsAtARefusedAdminToken(t *testing.T) {
	suite, mock := binaries(t)
	m := startMock(t, mock, "--admin-token", "the-right-admin-token")
	for _, tc := range []struct{ name, token, want string }{
		{"a wrong token", "a-wrong-admin-token", "refused the admin token in " + contract.EnvAdminToken},
		{"no token", "", "asks for its admin token: set " + contract.EnvAdminToken},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			out, err := runSuite(t, suite, []string{contract.EnvBaseURL + "=" + m.base, contract.EnvAdminToken + "=" + tc.token}, "-contract.coverage-report=-")
			if err == nil {
				t.Fatalf("the run passed:\n%s", tail(out))
			}
			if !strings.Contains(out, tc.want) {
				t.Errorf("the output lacks %q:\n%s", tc.want, tail(out))
			}
			if strings.Contains(out, "treating it as a live deployment") || strings.Contains(out, "Ran ") {
				t.Errorf("the suite ran specs:\n%s", tail(out))
			}
			t.Logf("stopped after %s", time.Since(start).Round(time.Millisecond))
		})
	}
}
