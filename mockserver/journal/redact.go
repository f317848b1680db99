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
