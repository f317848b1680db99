package oauth

import (
	"net/url"
	"testing"
)

func TestRedirectAllowed(t *testing.T) {
	c := &Client{RedirectURIs: []string{RedirectLoopback, "https://zapier.com/dashboard/auth/oauth/return/*", "https://app.example.com/cb"}}
	cases := []struct {
		name, uri string
		want      bool
	}{
		{"exact", "https://app.example.com/cb", true},
		{"exact, other path", "https://app.example.com/cb2", false},
		{"exact, with a query", "https://app.example.com/cb?x=1", false},
		{"prefix", "https://zapier.com/dashboard/auth/oauth/return/App1CLIAPI/", true},
		{"prefix, other host", "https://zapier.com.evil.example/dashboard/auth/oauth/return/x", false},
		{"prefix, http", "http://zapier.com/dashboard/auth/oauth/return/x", false},
		{"loopback 127.0.0.1", "http://127.0.0.1:9000/callback", true},
		{"loopback without port", "http://127.0.0.1/callback", true},
		{"loopback localhost https", "https://localhost:8443/cb", true},
		{"loopback ::1", "http://[::1]:1/x", true},
		{"loopback, userinfo trick", "http://127.0.0.1@evil.example/cb", false},
		{"loopback, other scheme", "ftp://127.0.0.1/cb", false},
		{"relative", "/callback", false},
		{"fragment", "http://127.0.0.1/cb#frag", false},
		{"empty", "", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := c.RedirectAllowed(tc.uri); got != tc.want {
				t.Errorf("RedirectAllowed(%q) = %v, want %v", tc.uri, got, tc.want)
			}
		})
	}
}

// FuzzRedirectAllowed: a client registered for loopback only never accepts a redirect to another
// host.
func FuzzRedirectAllowed(f *testing.F) {
	for _, s := range []string{"http://127.0.0.1:9000/cb", "http://localhost/x", "http://127.0.0.1@evil/", "http://[::1]/", "https://evil.example/"} {
		f.Add(s)
	}
	c := &Client{RedirectURIs: []string{RedirectLoopback}}
	f.Fuzz(func(t *testing.T, uri string) {
		if !c.RedirectAllowed(uri) {
			return
		}
		u, err := url.Parse(uri)
		if err != nil || !isLoopback(u.Hostname()) {
			t.Fatalf("accepted %q (host %q)", uri, u.Hostname())
		}
	})
}
