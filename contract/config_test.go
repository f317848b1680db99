package contract

import (
	"flag"
	"testing"
	"time"
)

func TestConfig(t *testing.T) {
	env := map[string]string{
		EnvBaseURL: "https://api.test", EnvToken: "tok", EnvLocationID: "loc",
		"CONTACTS_MAX_RETRIES": "1", "CONTACTS_MAX_DELAY": "2s",
	}
	c := configFrom(func(k string) string { return env[k] })
	if c.BaseURL != "https://api.test" || c.Token != "tok" || c.LocationID != "loc" || c.InProcess() {
		t.Errorf("from env: %+v", c)
	}
	if c.APIVersion != DefaultAPIVersion || c.CoverageReport != DefaultCoverageReport || c.AdminBase() != "https://api.test" {
		t.Errorf("defaults: %+v", c)
	}
	if p := c.RetryPolicy(); p.MaxRetries != 1 || p.MaxDelay != 2*time.Second {
		t.Errorf("retry policy %+v", p)
	}
	fs := flag.NewFlagSet("t", flag.ContinueOnError)
	c.RegisterFlags(fs)
	if err := fs.Parse([]string{"-base-url=", "-admin-url=http://admin.test", "-api-version=2023-02-21", "-contract.coverage-report=x.json", "-contract.max-retries=0"}); err != nil {
		t.Fatal(err)
	}
	if !c.InProcess() || c.AdminBase() != "http://admin.test" || c.APIVersion != "2023-02-21" || c.CoverageReport != "x.json" || c.MaxRetries != 0 {
		t.Errorf("after flags: %+v", c)
	}
	if c.Token != "tok" {
		t.Errorf("a flag not given changed the token to %q", c.Token)
	}
	empty := configFrom(func(string) string { return "" })
	if !empty.InProcess() || empty.MaxRetries != DefaultRetryPolicy.MaxRetries || empty.MaxDelay != DefaultRetryPolicy.MaxDelay {
		t.Errorf("empty environment: %+v", empty)
	}
}

func TestNamer(t *testing.T) {
	seen := map[string]bool{}
	for proc := 1; proc <= 3; proc++ {
		n := NewNamer("abc12345", proc)
		for i := 0; i < 50; i++ {
			for _, s := range []string{n.Email(), n.Name("x"), n.Tag("y"), n.Phone()} {
				if seen[s] {
					t.Fatalf("name %q handed out twice", s)
				}
				seen[s] = true
			}
		}
	}
	n := NewNamer("abc12345", 2)
	if got := n.Email(); got != "ct-abc12345-2-1@contract.test" {
		t.Errorf("Email = %q", got)
	}
	if n.RunTag() != "contract-run-abc12345" || n.ProcTag() != "contract-run-abc12345-p2" {
		t.Errorf("tags %q %q", n.RunTag(), n.ProcTag())
	}
	if id := NewRunID(); len(id) != RunIDLength || id == NewRunID() {
		t.Errorf("run id %q", id)
	}
	if LiveFilter("") != "!mock-only" || LiveFilter("auth") != "(auth) && !mock-only" {
		t.Errorf("LiveFilter: %q %q", LiveFilter(""), LiveFilter("auth"))
	}
}
