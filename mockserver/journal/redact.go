package journal

import (
	"net/url"
	"strings"

	"github.com/contactsmock/contactsmock/spec"
)

// redacted replaces what the journal must not keep.
const redacted = "[redacted]"

// CarriesCredentials reports whether an operation's bodies carry credentials, so that the journal
// never records them: the public OAuth endpoint (client secrets, codes, tokens) and every other
// /oauth/ endpoint (the location-token endpoint answers an access token).
func CarriesCredentials(op *spec.Operation) bool {
	return op.Public() || strings.HasPrefix(op.Path, "/oauth/")
}

// secretParams are query parameters whose values the journal never records: OAuth credentials a
// client may (wrongly) put in a URL.
var secretParams = map[string]bool{
	"client_secret": true, "code": true, "access_token": true, "refresh_token": true,
	"token": true, "id_token": true, "password": true, "client_assertion": true,
}

// RedactQuery returns a raw query with the values of secretParams replaced by [redacted]; the rest
// stays as the client sent it.
func RedactQuery(raw string) string {
	if raw == "" {
		return raw
	}
	parts := strings.Split(raw, "&")
	for i, p := range parts {
		k, _, hasValue := strings.Cut(p, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			name = k
		}
		if hasValue && secretParams[strings.ToLower(name)] {
			parts[i] = k + "=" + redacted
		}
	}
	return strings.Join(parts, "&")
}

// secretHeaders are request headers whose values the journal never records. Authorization keeps
// its scheme ("Bearer [redacted]"), so that the inspector still tells a bearer token from none.
var secretHeaders = map[string]bool{
	"Authorization": true, "Proxy-Authorization": true, "Cookie": true, "X-Admin-Token": true,
	"X-Api-Key": true, "Api-Key": true,
}

// maxHeaderValue bounds each header value the journal keeps, so that a client sending huge
// headers cannot make the journal hold more than a thousand times that.
const maxHeaderValue = 1024

// RedactHeader returns a copy of request headers (canonical names) fit for the journal: the
// values of secretHeaders replaced by [redacted] (Authorization keeps its scheme), every value cut
// to 1 KiB.
func RedactHeader(h map[string][]string) map[string][]string {
	if len(h) == 0 {
		return nil
	}
	// One backing array for every value, as http.Header.Clone does.
	n := 0
	for _, vv := range h {
		n += len(vv)
	}
	all := make([]string, n)
	out := make(map[string][]string, len(h))
	for k, vv := range h {
		dst := all[:len(vv):len(vv)]
		all = all[len(vv):]
		for i, v := range vv {
			switch {
			case secretHeaders[k]:
				v = redactCredential(k, v)
			case len(v) > maxHeaderValue:
				v = v[:maxHeaderValue] + "…"
			}
			dst[i] = v
		}
		out[k] = dst
	}
	return out
}

// redactCredential keeps an Authorization value's scheme and drops the rest.
func redactCredential(name, v string) string {
	if name == "Authorization" || name == "Proxy-Authorization" {
		if scheme, _, found := strings.Cut(strings.TrimSpace(v), " "); found && len(scheme) <= 16 {
			return scheme + " " + redacted
		}
	}
	return redacted
}
