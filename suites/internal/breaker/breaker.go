// Package breaker wraps an API handler so that its responses drift from the document in one known
// way. The self-check uses it to prove that the contract suites fail, and say why, when a deployment
// drifts. It imports nothing of this module.
package breaker

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
)

// EnvMode names the environment variable the contract suite reads to wrap its in-process mock.
const EnvMode = "CONTRACT_BREAK_MOCK"

// Modes of breakage.
const (
	// RenameID renames every contact's "id" to "_id" (e.g. contact.id → contact._id).
	RenameID = "rename-id"
	// CreatedAs200 answers 200 instead of 201 on POST /contacts/ (create-contact).
	CreatedAs200 = "create-200"
	// DropRemaining drops the X-RateLimit-Remaining header from every response.
	DropRemaining = "drop-remaining"
)

// Modes lists every mode.
var Modes = []string{RenameID, CreatedAs200, DropRemaining}

// Wrap returns h with its responses broken as mode says; an unknown or empty mode returns h.
// Admin requests (/__admin/) pass untouched.
func Wrap(h http.Handler, mode string) http.Handler {
	switch mode {
	case RenameID, CreatedAs200, DropRemaining:
	default:
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__admin") {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status, body := rec.Code, rec.Body.Bytes()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		switch mode {
		case RenameID:
			body = bytes.ReplaceAll(body, []byte(`"contact":{"id":`), []byte(`"contact":{"_id":`))
		case CreatedAs200:
			if r.Method == http.MethodPost && strings.TrimSuffix(r.URL.Path, "/") == "/contacts" && status == http.StatusCreated {
				status = http.StatusOK
			}
		case DropRemaining:
			w.Header().Del("X-RateLimit-Remaining")
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	})
}
