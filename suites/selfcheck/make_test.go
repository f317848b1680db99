package selfcheck

import (
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestMakeContractKeepsTokensOutOfItsOutput runs make contract as a user would, with tokens given
// on make's command line and in the environment, against a target that does not answer (the run
// stops at once): make's output names no token, whether the suite runs in one process or
// through the Ginkgo CLI.
func TestMakeContractKeepsTokensOutOfItsOutput(t *testing.T) {
	if _, err := exec.LookPath("make"); err != nil {
		t.Fatal("the test runs make: install it (apt-get install make)")
	}
	secrets := []string{"tok-on-the-command-line-AAA", "ro-on-the-command-line-BBB", "adm-on-the-command-line-CCC", "tok-in-the-env-DDD"}
	for _, procs := range []string{"1", "2"} {
		cmd := exec.Command("make", "contract", "BASE_URL=http://127.0.0.1:1", "PROCS="+procs,
			"TOKEN="+secrets[0], "READONLY_TOKEN="+secrets[1], "ADMIN_TOKEN="+secrets[2], "LOCATION_ID=LocNoSuchAAAAAAAAAAA")
		cmd.Dir = "../.."
		cmd.Env = append(os.Environ(), "CONTACTS_TOKEN="+secrets[3], "MAKEFLAGS=")
		out, err := cmd.CombinedOutput()
		if err == nil {
			t.Fatalf("PROCS=%s: make contract against a closed port succeeded:\n%s", procs, out)
		}
		if !strings.Contains(string(out), "does not answer") {
			t.Fatalf("PROCS=%s: make contract did not get to the suite:\n%s", procs, out)
		}
		for _, s := range secrets {
			if strings.Contains(string(out), s) {
				t.Errorf("PROCS=%s: make contract's output shows a token (%s):\n%s", procs, s, out)
			}
		}
	}
}
