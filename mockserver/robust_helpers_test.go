package mockserver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"
)

// Helpers shared by the robustness tests (fuzz targets, the invalid-request generator, the
// authorization matrix, the stress test): the invariants every answer must keep.

// errorBodyKeys are the keys an error body may have: the live shape {statusCode, message, error?},
// the duplicate refusal's meta, a trace id, and the OAuth endpoints' error_description.
var errorBodyKeys = map[string]bool{"statusCode": true, "message": true, "error": true, "meta": true, "traceId": true, "error_description": true}

// errorShapeProblem returns what is wrong with an error answer, or "" when it has the live shape:
// a JSON object whose statusCode is the HTTP status, whose message is a non-empty string or a
// non-empty list of strings, whose error (when present) is a string, and nothing else.
func errorShapeProblem(status int, header http.Header, raw []byte) string {
	if ct := header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		return fmt.Sprintf("Content-Type %q, want application/json", ct)
	}
	var body map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&body); err != nil || body == nil {
		return fmt.Sprintf("the body is not a JSON object (%v)", err)
	}
	if dec.More() {
		return "the body holds more than one JSON value"
	}
	var extra []string
	for k := range body {
		if !errorBodyKeys[k] {
			extra = append(extra, k)
		}
	}
	if len(extra) > 0 {
		sort.Strings(extra)
		return fmt.Sprintf("unexpected keys %v", extra)
	}
	if n, ok := body["statusCode"].(json.Number); !ok || n.String() != fmt.Sprint(status) {
		return fmt.Sprintf("statusCode %v, want %d", body["statusCode"], status)
	}
	switch m := body["message"].(type) {
	case string:
		if strings.TrimSpace(m) == "" {
			return "message is empty"
		}
		if leak := goInternals(m); leak != "" {
			return "message " + leak
		}
	case []any:
		if len(m) == 0 {
			return "message is an empty list"
		}
		for _, v := range m {
			if s, ok := v.(string); !ok || s == "" {
				return fmt.Sprintf("message holds %#v, want non-empty strings", v)
			} else if leak := goInternals(s); leak != "" {
				return "message " + leak
			}
		}
	default:
		return fmt.Sprintf("message is %T, want a string or a list of strings", body["message"])
	}
	if e, found := body["error"]; found {
		if _, ok := e.(string); !ok {
			return fmt.Sprintf("error is %T, want a string", e)
		}
	}
	return ""
}

// goInternals says how a client-facing message leaks the mock's Go internals (a decoder's error
// text, a Go type), or "".
func goInternals(msg string) string {
	for _, tell := range []string{"json: ", "Go struct field", "Go value of type", "mockserver: ", "store: ", "runtime error"} {
		if strings.Contains(msg, tell) {
			return fmt.Sprintf("leaks Go internals (%q): %q", tell, msg)
		}
	}
	return ""
}

// stateBytes is the whole state of the store, encoded: two calls give equal bytes exactly when the
// states are equal.
func stateBytes(s *Server) []byte {
	doc, err := s.Store().Snapshot(context.Background())
	if err != nil {
		panic(err)
	}
	data, err := json.Marshal(doc)
	if err != nil {
		panic(err)
	}
	return data
}

// served is one answer of the handler, taken in-process.
type served struct {
	Status int
	Header http.Header
	Raw    []byte
}

// serveDirect runs a request through the handler without a network: a panic reaches the caller
// (net/http would swallow it and drop the connection).
func serveDirect(h http.Handler, r *http.Request) served {
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	res := w.Result()
	raw, _ := io.ReadAll(res.Body)
	return served{Status: res.StatusCode, Header: res.Header, Raw: raw}
}

// checkAnswer applies the invariants every answer keeps: no 5xx; an error answer has the live
// shape; a request that was not answered 2xx (refused, or redirected by the consent step) left the
// state as it was (before is stateBytes taken before the request; nil skips that check). It
// returns the problems found.
func checkAnswer(s *Server, got served, before []byte) []string {
	var problems []string
	if got.Status >= 500 {
		problems = append(problems, fmt.Sprintf("status %d: %s", got.Status, got.Raw))
	}
	if got.Status >= 400 {
		if p := errorShapeProblem(got.Status, got.Header, got.Raw); p != "" {
			problems = append(problems, fmt.Sprintf("%d answer not in the live error shape: %s: %s", got.Status, p, got.Raw))
		}
	}
	if got.Status >= 300 && before != nil {
		if after := stateBytes(s); !bytes.Equal(before, after) {
			problems = append(problems, fmt.Sprintf("refused with %d, but the state changed: %s", got.Status, got.Raw))
		}
	}
	for _, v := range takeViolations(s) {
		problems = append(problems, "response does not conform to the document: "+v.Error())
	}
	return problems
}

// takeViolations returns the strict-mode violations recorded so far and forgets them, so that each
// request is charged with its own.
func takeViolations(s *Server) []error {
	s.mu.Lock()
	defer s.mu.Unlock()
	v := s.violations
	s.violations = nil
	return v
}

// noNetwork is a webhook client for fuzzed configurations: a registration to any URL never leaves
// the process.
var noNetwork = &http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
	return nil, errors.New("the robustness tests send no webhooks")
})}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// closeServer stops a mock's background work at the end of a test. (No tb.Helper: it also runs
// as a cleanup of a fuzz target, where only t.Helper is allowed.)
func closeServer(tb testing.TB, s *Server) {
	if err := s.Close(context.Background()); err != nil {
		tb.Errorf("Close: %v", err)
	}
}
