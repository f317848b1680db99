package mockserver

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// AdminTokenHeader is the header that carries the admin token (Authorization: Bearer <token> works
// too).
const AdminTokenHeader = "X-Admin-Token"

// msgAdminToken is the answer to an admin request without the right admin token.
const msgAdminToken = "The admin API needs the admin token: send it as " + AdminTokenHeader + ": <token> or Authorization: Bearer <token>."

// serveAdmin serves the admin API, to requests that carry the admin token when one is configured.
func (s *Server) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if !s.adminAuthorized(r) {
		s.log.Warn("admin request refused: no or wrong admin token", "method", r.Method, "path", r.URL.Path, "remote", r.RemoteAddr)
		e := newError(http.StatusUnauthorized, msgAdminToken)
		e.Header = http.Header{"Www-Authenticate": {`Bearer realm="contactsmock admin"`}}
		s.write(w, r, nil, nil, errorResponse(e))
		return
	}
	s.admin.ServeHTTP(w, r)
}

// adminAuthorized reports whether r may use the admin API: any request when Config.AdminToken is
// empty, else one whose X-Admin-Token or bearer token is the admin token. The comparison runs in
// constant time, on SHA-256 digests so that the token's length does not leak either, and both
// headers are always compared.
func (s *Server) adminAuthorized(r *http.Request) bool {
	if s.cfg.AdminToken == "" {
		return true
	}
	want := sha256.Sum256([]byte(s.cfg.AdminToken))
	ok := 0
	for _, got := range []string{r.Header.Get(AdminTokenHeader), bearer(r.Header.Get("Authorization"))} {
		d := sha256.Sum256([]byte(strings.TrimSpace(got)))
		ok |= subtle.ConstantTimeCompare(d[:], want[:])
	}
	return ok == 1
}
