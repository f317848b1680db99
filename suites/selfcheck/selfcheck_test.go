package selfcheck

import (
	"bytes"
	"context"
	"errors"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/contactsmock/contactsmock/contract"
	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver"
	"github.com/contactsmock/contactsmock/suites/internal/breaker"
)

const (
	loc     = "LocSelfCheckAAAAAAAA"
	contact = "CtSelfCheckAAAAAAAAA"
)

func document() fixtures.Document {
	c := fixtures.Contact{ID: contact, LocationID: loc, FirstName: "Sam", Email: "sam@contract.test", Type: "lead",
		Tags: []string{}, CustomFields: []fixtures.CustomField{}, Followers: []string{},
		DateAdded: fixtures.At(fixtures.Timestamp(1767225600000).Time()), DateUpdated: fixtures.Timestamp(1767225600000)}
	fixtures.DeriveNames(&c)
	return fixtures.Document{Version: 1, Locations: []fixtures.Location{{ID: loc, Name: "Self-check", Contacts: []fixtures.ContactRecord{{Contact: c}}}}}
}

// brokenClient serves the mock, broken as mode says, and returns a recording client for it.
func brokenClient(t *testing.T, mode string) *contract.Client {
	t.Helper()
	srv, err := mockserver.New(mockserver.Config{Initial: document(), StrictResponses: true})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(breaker.Wrap(srv, mode))
	t.Cleanup(hs.Close)
	tok, err := srv.MintToken(loc, []string{mockserver.ScopeContactsReadonly, mockserver.ScopeContactsWrite}, 0)
	if err != nil {
		t.Fatal(err)
	}
	c := contract.NewClient(hs.URL, tok.AccessToken)
	c.HTTP = hs.Client()
	return c
}

// TestLibraryCatchesDrift runs the checks the suite relies on (the recording client's validation
// and ConformToSpec) against a drifted mock: each drift fails, naming the operation and the field
// or header; the same request against the intact mock conforms.
func TestLibraryCatchesDrift(t *testing.T) {
	get := func(c *contract.Client) (*contract.Exchange, error) {
		return c.Get(context.Background(), "/contacts/"+contact)
	}
	create := func(c *contract.Client) (*contract.Exchange, error) {
		return c.Post(context.Background(), "/contacts/", map[string]any{"locationId": loc, "email": "new@contract.test"})
	}
	tests := []struct {
		mode string
		do   func(*contract.Client) (*contract.Exchange, error)
		want []string
	}{
		{breaker.RenameID, get, []string{"operation get-contact answered 200", "body /contact/id", "is required but missing", `"_id"`}},
		{breaker.CreatedAs200, create, []string{"operation create-contact answered 200", "status is not supported", "< 200 OK"}},
		{breaker.DropRemaining, get, []string{"operation get-contact answered 200", `"X-RateLimit-Remaining"`}},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			intact, err := tc.do(brokenClient(t, ""))
			if err != nil {
				t.Fatal(err)
			}
			if ok, _ := contract.ConformToSpec().Match(intact); !ok {
				t.Fatalf("the intact mock does not conform:\n%s", contract.ConformToSpec().FailureMessage(intact))
			}

			c := brokenClient(t, tc.mode)
			var reported []*contract.Exchange
			c.OnNonConforming = func(ex *contract.Exchange) { reported = append(reported, ex) }
			ex, err := tc.do(c)
			if err != nil {
				t.Fatal(err)
			}
			if len(reported) != 1 {
				t.Errorf("the client reported %d non-conforming exchanges, want 1", len(reported))
			}
			m := contract.ConformToSpec()
			ok, err := m.Match(ex)
			if err != nil || ok {
				t.Fatalf("ConformToSpec passed a drifted response (err %v)", err)
			}
			msg := m.FailureMessage(ex)
			for _, w := range tc.want {
				if !strings.Contains(msg, w) {
					t.Errorf("the failure message lacks %q:\n%s", w, msg)
				}
			}
		})
	}
}

// TestSuiteFailsOnDrift builds the Ginkgo suite and runs it against its in-process mock, intact and
// then broken each way (CONTRACT_BREAK_MOCK): intact it passes, broken it fails, and its output names
// the operation and the field or header.
func TestSuiteFailsOnDrift(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the whole suite three more times")
	}
	bin, _ := binaries(t)
	run := func(mode string) (string, error) {
		args := []string{"-test.count=1", "-contract.coverage-report=-", "-ginkgo.no-color", "-ginkgo.succinct"}
		if mode != "" {
			// The scenarios poll with Eventually, which retries a failure until its timeout: leave
			// them out of the broken runs so that each fails in about a second.
			args = append(args, "-ginkgo.label-filter=!scenario")
		}
		cmd := exec.Command(bin, args...)
		cmd.Dir = "../contacts"
		cmd.Env = append(os.Environ(), breaker.EnvMode+"="+mode, contract.EnvBaseURL+"=")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return out.String(), err
	}
	if out, err := run(""); err != nil {
		t.Fatalf("the suite fails against the intact mock: %v\n%s", err, tail(out))
	}
	tests := []struct {
		mode string
		want []string
	}{
		{breaker.RenameID, []string{"operation create-contact answered 201, which does not conform", "body /contact/id: is required but missing"}},
		{breaker.CreatedAs200, []string{"operation create-contact answered 200, which does not conform", "status is not supported"}},
		{breaker.DropRemaining, []string{"which does not conform", `response header "X-RateLimit-Remaining" missing`}},
	}
	for _, tc := range tests {
		t.Run(tc.mode, func(t *testing.T) {
			out, err := run(tc.mode)
			var exit *exec.ExitError
			if !errors.As(err, &exit) {
				t.Fatalf("the suite passed (or did not run) against a mock broken by %s: %v\n%s", tc.mode, err, tail(out))
			}
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("the suite's output lacks %q:\n%s", w, tail(out))
				}
			}
		})
	}
}

func tail(s string) string {
	if len(s) > 6000 {
		return "…" + s[len(s)-6000:]
	}
	return s
}
