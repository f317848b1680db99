package journal

import (
	"encoding/json"
	"fmt"
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

// Headers are a request's headers as the journal keeps them. Recording runs for every request, on
// its path, so it only keeps the request's own header map (net/http makes one per request and
// nothing writes to it once the request is answered); the credentials are redacted whenever the
// headers are read: Map, and the JSON a shared journal stores. No view of the journal shows an
// unredacted value. Its JSON is the map form ({"Name": ["value", …]}).
type Headers struct{ h map[string][]string }

// RedactHeader returns request headers (canonical names) fit for the journal: read through Map or
// JSON, the values of the secret headers are [redacted] (Authorization keeps its scheme) and every
// value is cut to 1 KiB.
func RedactHeader(h map[string][]string) Headers { return Headers{h} }

// Map returns the headers, redacted, as a map of canonical names to values (nil for none).
func (h Headers) Map() map[string][]string {
	if len(h.h) == 0 {
		return nil
	}
	out := make(map[string][]string, len(h.h))
	for k, vv := range h.h {
		secret := secretHeader(k)
		dst := make([]string, len(vv))
		for i, v := range vv {
			switch {
			case secret:
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

// MarshalJSON writes the map form, redacted.
func (h Headers) MarshalJSON() ([]byte, error) { return json.Marshal(h.Map()) }

// UnmarshalJSON reads the map form.
func (h *Headers) UnmarshalJSON(b []byte) error {
	var m map[string][]string
	if err := json.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("journal: headers: %w", err)
	}
	h.h = m
	return nil
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
