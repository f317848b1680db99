package admin

import (
	"fmt"
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// The rules below keep a page of another origin, open in the developer's browser, from changing
// or reading the mock's state through the admin API (the inspector page is one such client, and
// any site the developer visits could try to be another). They run before the admin token is
// checked, on every /__admin/ request, the inspector's files and its live stream included.
//
//   - Host: a request must name the mock by a loopback name (localhost, *.localhost, 127.0.0.0/8,
//     [::1]), by the host it was told to listen on, or by a name added with Deps.Hosts. DNS
//     rebinding points a name of the attacker's at 127.0.0.1 so that the browser takes the mock
//     for the attacker's own origin; such a request still carries the attacker's name in Host.
//   - Origin and Sec-Fetch-Site: a request a page of another origin sends (a fetch, a form) is
//     refused, reads included; browsers add these headers themselves and no page can remove
//     them. A top-level navigation (a link followed, a URL typed) is let through for GET.
//   - Content-Type: a write (POST, PUT, PATCH, DELETE) with a body must declare application/json
//     or a YAML type. A cross-site form can send only application/x-www-form-urlencoded,
//     multipart/form-data or text/plain without a CORS preflight, which nothing here answers. A
//     write without a body and without a Content-Type (curl -X POST .../reset) stays allowed: a
//     browser sends no such request across origins without an Origin header.
//   - CORS: the admin API never answers as a CORS resource. Any Access-Control-* header a layer
//     in front of it set is removed, and a preflight is refused, so that a --cors setting for the
//     API never opens /__admin/ to another origin. Paths in Deps.Public (the served OpenAPI
//     document) are the exception: they hold nothing of the state.

// msgHost, msgOrigin, msgSite and msgContentType are the refusals of the rules above.
const (
	msgHost = "The admin API answers only requests addressed to the mock by a loopback name or the host it listens on; " +
		"Host %q is neither, as with DNS rebinding. To use another name, add it to the admin hosts (contactsmock serve --admin-host NAME)."
	msgOrigin      = "The admin API refuses requests made by a page of another origin (Origin %s); open the inspector at this mock's own address."
	msgSite        = "The admin API refuses requests made by a page of another site (Sec-Fetch-Site: %s)."
	msgPreflight   = "The admin API does not answer CORS preflights: pages of other origins may not call it."
	msgContentType = "Admin writes take Content-Type: application/json (fixture documents also application/yaml), not %q; " +
		"with curl, add -H 'Content-Type: application/json'."
)

// guard applies the rules above. It removes what a layer in front set of CORS and returns the
// refusal, or nil.
func (a *API) guard(w http.ResponseWriter, r *http.Request) *Error {
	public := a.public(r.URL.Path)
	if !public {
		h := w.Header()
		for k := range h {
			if strings.HasPrefix(k, "Access-Control-") {
				delete(h, k)
			}
		}
	}
	if !a.hostAllowed(r.Host) {
		return newError(http.StatusForbidden, fmt.Sprintf(msgHost, r.Host))
	}
	if public {
		return nil
	}
	if r.Method == http.MethodOptions && r.Header.Get("Access-Control-Request-Method") != "" {
		return newError(http.StatusForbidden, msgPreflight)
	}
	navigation := (r.Method == http.MethodGet || r.Method == http.MethodHead) && r.Header.Get("Sec-Fetch-Mode") == "navigate"
	if o := r.Header.Get("Origin"); o != "" && !navigation && !sameOrigin(o, r.Host) {
		return newError(http.StatusForbidden, fmt.Sprintf(msgOrigin, o))
	}
	if s := r.Header.Get("Sec-Fetch-Site"); (s == "cross-site" || s == "same-site") && !navigation {
		return newError(http.StatusForbidden, fmt.Sprintf(msgSite, s))
	}
	if isWrite(r.Method) {
		ct := r.Header.Get("Content-Type")
		hasBody := r.ContentLength != 0 && r.Body != nil && r.Body != http.NoBody
		if (ct != "" || hasBody) && !writeType(ct) {
			return newError(http.StatusUnsupportedMediaType, fmt.Sprintf(msgContentType, ct))
		}
	}
	return nil
}

func isWrite(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return false
	}
	return true
}

// writeType reports whether a Content-Type is one admin writes take: JSON or YAML, which no
// cross-site form can send.
func writeType(ct string) bool {
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return false
	}
	switch mt {
	case "application/json", "application/yaml", "application/x-yaml", "text/yaml":
		return true
	}
	return false
}

// public reports whether a path is served to any origin (Deps.Public).
func (a *API) public(path string) bool {
	for _, p := range a.d.Public {
		if path == p {
			return true
		}
	}
	return false
}

// hostAllowed reports whether a Host header names the mock: a loopback name or address, or one of
// Deps.Hosts (compared without the port, case-insensitively). A Hosts entry that is an unspecified
// address (0.0.0.0, ::) admits every IP address: the mock listens on all of them, and a request
// that names an address rather than a name cannot come from DNS rebinding.
func (a *API) hostAllowed(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	if host == "" {
		return false
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return true // resolved to loopback by every browser, never through DNS
	}
	ip := net.ParseIP(host)
	if ip != nil && ip.IsLoopback() {
		return true
	}
	for _, allowed := range a.d.Hosts {
		allowed = strings.ToLower(strings.Trim(allowed, "[]"))
		if allowed == host {
			return true
		}
		if ip != nil {
			if aip := net.ParseIP(allowed); aip != nil && (aip.IsUnspecified() || aip.Equal(ip)) {
				return true
			}
		}
	}
	return false
}

// sameOrigin reports whether an Origin header names the host the request was sent to (scheme
// aside: behind a TLS tunnel the mock itself sees plain HTTP). "null" (a sandboxed frame, a file)
// is never the same origin.
func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return false
	}
	return strings.EqualFold(u.Host, host) || strings.EqualFold(withDefaultPort(u), host)
}

// withDefaultPort is an origin's host with its scheme's port spelled out (http://h is h:80).
func withDefaultPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	if u.Scheme == "https" {
		return u.Host + ":443"
	}
	return u.Host + ":80"
}
