package journal

import (
	"encoding/json"
	"fmt"
	"net/url"
	"sort"
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

// secretHeader reports whether the journal never records a request header's value (canonical
// names). Authorization keeps its scheme ("Bearer [redacted]"), so that the inspector still tells a
// bearer token from none. A switch, not a map: it runs for every header of every request.
func secretHeader(name string) bool {
	switch name {
	case "Authorization", "Proxy-Authorization", "Cookie", "X-Admin-Token", "X-Api-Key", "Api-Key":
		return true
	}
	return false
}

// maxHeaderValue bounds each header value the journal keeps, so that a client sending huge
// headers cannot make the journal hold more than a thousand times that.
const maxHeaderValue = 1024

// Headers are a request's headers as the journal keeps them: name and value in turn (a name
// repeats for each of its values), credentials redacted. A flat list rather than a map because the
// journal records one for every request, on the request's path: one allocation instead of a map
// and its buckets. Its JSON is the map form ({"Name": ["value", …]}).
type Headers []string

// Map returns the headers as a map of canonical names to values.
func (h Headers) Map() map[string][]string {
	if len(h) == 0 {
		return nil
	}
	m := make(map[string][]string, len(h)/2)
	for i := 0; i+1 < len(h); i += 2 {
		m[h[i]] = append(m[h[i]], h[i+1])
	}
	return m
}

// MarshalJSON writes the map form.
func (h Headers) MarshalJSON() ([]byte, error) { return json.Marshal(h.Map()) }

// UnmarshalJSON reads the map form, names sorted (a map has no order).
func (h *Headers) UnmarshalJSON(b []byte) error {
	var m map[string][]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("journal: headers: %w", err)
	}
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	out := Headers{}
	for _, k := range names {
		for _, v := range m[k] {
			out = append(out, k, v)
		}
	}
	*h = out
	return nil
}

// RedactHeader returns request headers (canonical names) fit for the journal: the values of the
// secret headers replaced by [redacted] (Authorization keeps its scheme), every value cut to 1 KiB.
// The values it keeps are the request's own strings (strings do not change), so it allocates the
// list alone.
func RedactHeader(h map[string][]string) Headers {
	if len(h) == 0 {
		return nil
	}
	n := 0
	for _, vv := range h {
		n += len(vv)
	}
	out := make(Headers, 0, 2*n)
	for k, vv := range h {
		secret := secretHeader(k)
		for _, v := range vv {
			switch {
			case secret:
				v = redactCredential(k, v)
			case len(v) > maxHeaderValue:
				v = v[:maxHeaderValue] + "…"
			}
			out = append(out, k, v)
		}
	}
	return out
}

// bearerRedacted is the usual redacted Authorization value, made once.
const bearerRedacted = "Bearer " + redacted

func redactCredential(name, v string) string {
	if name == "Authorization" || name == "Proxy-Authorization" {
		if scheme, _, found := strings.Cut(strings.TrimSpace(v), " "); found && len(scheme) <= 16 {
			if scheme == "Bearer" {
				return bearerRedacted
			}
			return scheme + " " + redacted
		}
	}
	return redacted
}
