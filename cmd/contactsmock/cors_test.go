package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestServeCORSFlag: --cors reaches the mock (a preflight from the origin is answered) and a
// malformed origin stops the start with a message saying what an origin looks like.
func TestServeCORSFlag(t *testing.T) {
	p := startMain(t, "--cors", "http://app.test:3000")
	req, _ := http.NewRequest(http.MethodOptions, p.base+"/contacts/", nil)
	req.Header.Set("Origin", "http://app.test:3000")
	req.Header.Set("Access-Control-Request-Method", "POST")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("Access-Control-Allow-Origin") != "http://app.test:3000" {
		t.Errorf("preflight: %d %v", resp.StatusCode, resp.Header)
	}
	if !strings.Contains(p.stdout.String(), "CORS:           pages of http://app.test:3000 may call the API") {
		t.Errorf("the banner does not say CORS is on:\n%s", p.stdout.String())
	}
	code, _, errOut := run(t, "serve", "--addr", "127.0.0.1:0", "--cors", "app.test")
	if code != 1 || !strings.Contains(errOut, `origin "app.test": want * or scheme://host[:port]`) {
		t.Errorf("a bad origin: %d %q", code, errOut)
	}
}
