package mockserver

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/contactsmock/contactsmock/fixtures"
)

// stateAdminRoutes registers the admin routes that load and export the whole state: seed (add a
// fixture document), snapshot (export; replace).
func stateAdminRoutes(route func(method, path string, h adminHandler)) {
	route(http.MethodPost, "/seed", adminSeed)
	route(http.MethodGet, "/snapshot", adminGetSnapshot)
	route(http.MethodPut, "/snapshot", adminPutSnapshot)
}

// readFixtureBody reads a fixture document from an admin request: JSON, or YAML when the
// Content-Type says so (application/yaml, application/x-yaml, text/yaml). The document is
// normalised exactly as a --fixtures file is.
func (s *Server) readFixtureBody(r *http.Request) (fixtures.Document, error) {
	data, err := io.ReadAll(io.LimitReader(r.Body, s.cfg.MaxStateBody+1))
	if err != nil {
		return fixtures.Document{}, newError(http.StatusBadRequest, "the request body could not be read")
	}
	if int64(len(data)) > s.cfg.MaxStateBody {
		return fixtures.Document{}, &http.MaxBytesError{Limit: s.cfg.MaxStateBody}
	}
	format := "json"
	if mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type")); err == nil && strings.Contains(mt, "yaml") {
		format = "yaml"
	}
	doc, err := fixtures.Parse(data, format)
	if err != nil {
		var fe *fixtures.Error
		if errors.As(err, &fe) {
			return fixtures.Document{}, newError(http.StatusUnprocessableEntity, []string{err.Error()})
		}
		return fixtures.Document{}, newError(http.StatusBadRequest, err.Error())
	}
	return doc, nil
}

// adminSeed adds a fixture document to the running state, atomically: a document whose ids clash
// with the state is refused whole.
func adminSeed(s *Server, r *http.Request) (int, any, error) {
	doc, err := s.readFixtureBody(r)
	if err != nil {
		return 0, nil, err
	}
	if err := s.store.Merge(doc); err != nil {
		return 0, nil, newError(http.StatusBadRequest, err.Error())
	}
	return http.StatusOK, map[string]any{"seeded": true, "stats": s.store.Stats()}, nil
}

// adminGetSnapshot answers the whole state as a fixture document (the --fixtures and --state-file
// format).
func adminGetSnapshot(s *Server, r *http.Request) (int, any, error) {
	return http.StatusOK, s.store.Snapshot(), nil
}

// adminPutSnapshot replaces the whole state with a fixture document, atomically.
func adminPutSnapshot(s *Server, r *http.Request) (int, any, error) {
	doc, err := s.readFixtureBody(r)
	if err != nil {
		return 0, nil, err
	}
	if err := s.store.Restore(doc); err != nil {
		return 0, nil, newError(http.StatusBadRequest, err.Error())
	}
	return http.StatusOK, map[string]any{"restored": true, "stats": s.store.Stats()}, nil
}
