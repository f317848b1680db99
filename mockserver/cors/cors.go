package cors

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/contactsmock/contactsmock/spec"
)

// Any is the origin that allows every origin.
const Any = "*"

// MaxAge is how long a browser may keep a preflight's answer, in seconds.
const MaxAge = "600"

// Exposed are the answer headers a page may read besides the safelisted ones: the live API's
// rate-limit headers, Retry-After and the trace id a page quotes when it reports a failure.
var Exposed = strings.Join([]string{"X-RateLimit-Max", "X-RateLimit-Remaining", "X-RateLimit-Interval-Milliseconds",
	"X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining", "X-RateLimit-Daily-Reset", "Retry-After", "X-Trace-Id"}, ", ")

// methods are those a preflight may ask about.
var methods = []string{http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// Policy answers cross-origin requests for a set of origins. It is read-only after New.
type Policy struct {
	any     bool
	origins map[string]bool
	spec    *spec.Spec
}

// New checks the origins (each "*" or a serialized origin, scheme://host[:port]) and returns the
// policy over the document's operations. No origins is no policy (nil): nothing cross-origin.
func New(origins []string, sp *spec.Spec) (*Policy, error) {
	if len(origins) == 0 {
		return nil, nil
	}
	p := &Policy{origins: map[string]bool{}, spec: sp}
	for _, o := range origins {
		if o == Any {
			p.any = true
			continue
		}
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") ||
			u.RawQuery != "" || u.Fragment != "" || u.User != nil {
			return nil, fmt.Errorf("cors: origin %q: want * or scheme://host[:port], e.g. http://localhost:3000", o)
		}
		p.origins[strings.ToLower(u.Scheme+"://"+u.Host)] = true
	}
	return p, nil
}

// allows reports whether a page of origin may call the mock.
func (p *Policy) allows(origin string) bool {
	return origin != "" && (p.any || p.origins[strings.ToLower(origin)])
}

// setOrigin allows the request's origin on an answer.
func (p *Policy) setOrigin(h http.Header, origin string) {
	if p.any {
		h.Set("Access-Control-Allow-Origin", "*")
		return
	}
	h.Set("Access-Control-Allow-Origin", origin)
	h.Add("Vary", "Origin")
}

// Preflight is a preflight request (OPTIONS with Origin and Access-Control-Request-Method).
func Preflight(r *http.Request) bool {
	return r.Method == http.MethodOptions && r.Header.Get("Origin") != "" && r.Header.Get("Access-Control-Request-Method") != ""
}

// ServePreflight answers a preflight for an API path from an allowed origin: 204 with the methods
// the document declares for the path and the request headers its operations take. It reports
// false, answering nothing, for an origin not allowed or a path the document does not have: the
// request then goes on as any OPTIONS request (404), and the browser refuses the call.
func (p *Policy) ServePreflight(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if !p.allows(origin) {
		return false
	}
	var allowed []string
	headers := map[string]bool{}
	for _, m := range methods {
		op, _, err := p.spec.Find(m, r.URL.EscapedPath())
		if err != nil || op == nil {
			continue
		}
		allowed = append(allowed, m)
		for _, name := range requestHeaders(op) {
			headers[name] = true
		}
	}
	if len(allowed) == 0 {
		return false
	}
	names := make([]string, 0, len(headers))
	for n := range headers {
		names = append(names, n)
	}
	slices.Sort(names)
	p.answerPreflight(w, r, origin, strings.Join(allowed, ", "), strings.Join(names, ", "))
	return true
}

// ServeDocumentPreflight answers a preflight for the served document: GET, with the admin
// token's headers (a mock with --admin-token asks for it there too).
func (p *Policy) ServeDocumentPreflight(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if !p.allows(origin) {
		return false
	}
	p.answerPreflight(w, r, origin, http.MethodGet, "Authorization, X-Admin-Token")
	return true
}

func (p *Policy) answerPreflight(w http.ResponseWriter, r *http.Request, origin, allowMethods, allowHeaders string) {
	h := w.Header()
	p.setOrigin(h, origin)
	h.Add("Vary", "Access-Control-Request-Method")
	h.Add("Vary", "Access-Control-Request-Headers")
	h.Set("Access-Control-Allow-Methods", allowMethods)
	if allowHeaders != "" {
		h.Set("Access-Control-Allow-Headers", allowHeaders)
	}
	h.Set("Access-Control-Max-Age", MaxAge)
	// Chrome asks before a public page reaches a loopback mock (Private Network Access).
	if strings.EqualFold(r.Header.Get("Access-Control-Request-Private-Network"), "true") {
		h.Set("Access-Control-Allow-Private-Network", "true")
	}
	w.WriteHeader(http.StatusNoContent)
}

// Decorate sets, on the answer to a request from an allowed origin, the headers that let the page
// read it and its rate-limit headers. Other requests are left alone.
func (p *Policy) Decorate(h http.Header, r *http.Request) {
	origin := r.Header.Get("Origin")
	if !p.allows(origin) {
		return
	}
	p.setOrigin(h, origin)
	h.Set("Access-Control-Expose-Headers", Exposed)
}

// requestHeaders are the request headers an operation takes: Authorization when it has security,
// Content-Type when it has a body, and its declared header parameters.
func requestHeaders(op *spec.Operation) []string {
	var out []string
	if !op.Public() {
		out = append(out, "Authorization")
	}
	if op.HasBody {
		out = append(out, "Content-Type")
	}
	route := op.Route()
	if route == nil {
		return out
	}
	for _, list := range []openapi3.Parameters{route.PathItem.Parameters, route.Operation.Parameters} {
		for _, ref := range list {
			if ref != nil && ref.Value != nil && ref.Value.In == openapi3.ParameterInHeader {
				out = append(out, http.CanonicalHeaderKey(ref.Value.Name))
			}
		}
	}
	return out
}
