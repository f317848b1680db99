package contract

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/contactsmock/contactsmock/spec"
)

// RateLimitHeaders are the X-RateLimit-* headers the live API sends on every counted response.
var RateLimitHeaders = []string{
	"X-RateLimit-Limit-Daily", "X-RateLimit-Daily-Remaining", "X-RateLimit-Daily-Reset",
	"X-RateLimit-Interval-Milliseconds", "X-RateLimit-Max", "X-RateLimit-Remaining",
}

// exchangeMatcher is the shape shared by the matchers: a check of an *Exchange that explains
// itself, with the exchange appended to every failure message.
type exchangeMatcher struct {
	desc  string
	check func(ex *Exchange) (ok bool, why string, err error)
	why   string
}

func (m *exchangeMatcher) Match(actual any) (bool, error) {
	ex, err := asExchange(actual)
	if err != nil {
		return false, err
	}
	ok, why, err := m.check(ex)
	m.why = why
	return ok, err
}

func (m *exchangeMatcher) FailureMessage(actual any) string {
	ex, _ := asExchange(actual)
	return fmt.Sprintf("Expected %s to %s, but %s\n%s", describe(ex), m.desc, m.why, ex)
}

func (m *exchangeMatcher) NegatedFailureMessage(actual any) string {
	ex, _ := asExchange(actual)
	return fmt.Sprintf("Expected %s not to %s, but it does\n%s", describe(ex), m.desc, ex)
}

func asExchange(actual any) (*Exchange, error) {
	ex, ok := actual.(*Exchange)
	if !ok || ex == nil {
		return nil, fmt.Errorf("contract: the matcher expects a non-nil *contract.Exchange, got %T", actual)
	}
	return ex, nil
}

func describe(ex *Exchange) string {
	if ex == nil {
		return "<nil exchange>"
	}
	if ex.OperationID != "" {
		return fmt.Sprintf("%s (%s %s)", ex.OperationID, ex.Method, ex.URL)
	}
	return ex.Method + " " + ex.URL
}

// HaveStatus succeeds when the exchange's response has the status.
func HaveStatus(code int) types.GomegaMatcher {
	return &exchangeMatcher{
		desc: fmt.Sprintf("answer %d %s", code, http.StatusText(code)),
		check: func(ex *Exchange) (bool, string, error) {
			return ex.Status == code, fmt.Sprintf("it answered %d %s", ex.Status, http.StatusText(ex.Status)), nil
		},
	}
}

// ConformToSpec succeeds when the exchange's response conforms to what the document declares for
// the operation the request resolved to: a declared status, the required headers and a body that
// validates (kin-openapi). The failure message names the operation, the status and each problem
// (the field or header and why), then shows the exchange.
func ConformToSpec() types.GomegaMatcher {
	return &exchangeMatcher{
		desc: "conform to the document",
		check: func(ex *Exchange) (bool, string, error) {
			err := ex.Conformance
			if err == nil && ex.Operation != nil {
				err = Validate(context.Background(), ex.Operation, ex)
			}
			if err == nil && ex.Operation == nil && ex.OperationID == "" {
				err = fmt.Errorf("%w: %s %s", ErrNoOperation, ex.Method, ex.URL)
			}
			if err == nil {
				return true, "", nil
			}
			return false, ConformanceMessage(ex, err), nil
		},
	}
}

// ConformanceMessage words a conformance failure: operation, status, then one line per problem.
func ConformanceMessage(ex *Exchange, err error) string {
	var re *spec.ResponseError
	if errors.As(err, &re) {
		var b strings.Builder
		fmt.Fprintf(&b, "operation %s answered %d, which does not conform to the document:", re.OperationID, re.Status)
		for _, p := range re.Problems {
			b.WriteString("\n  - " + p)
		}
		return b.String()
	}
	return err.Error()
}

// BeRateLimited succeeds when the response is a 429 with the X-RateLimit-* headers. It does not
// ask for Retry-After: the mock sends it, the live API does not document it (a client waits
// X-RateLimit-Interval-Milliseconds instead, as the official SDK does).
func BeRateLimited() types.GomegaMatcher {
	return &exchangeMatcher{
		desc: "be rate limited (429 with the X-RateLimit-* headers)",
		check: func(ex *Exchange) (bool, string, error) {
			var problems []string
			if ex.Status != http.StatusTooManyRequests {
				problems = append(problems, fmt.Sprintf("it answered %d", ex.Status))
			}
			for _, h := range RateLimitHeaders {
				if ex.ResponseHeader.Get(h) == "" {
					problems = append(problems, h+" is missing")
				}
			}
			return len(problems) == 0, strings.Join(problems, ", "), nil
		},
	}
}

// HaveRateLimitHeaders succeeds when every X-RateLimit-* header is present with an integer value.
func HaveRateLimitHeaders() types.GomegaMatcher {
	return &exchangeMatcher{
		desc: "carry the X-RateLimit-* headers",
		check: func(ex *Exchange) (bool, string, error) {
			var problems []string
			for _, h := range RateLimitHeaders {
				v := ex.ResponseHeader.Get(h)
				if v == "" {
					problems = append(problems, h+" is missing")
				} else if !isInteger(v) {
					problems = append(problems, fmt.Sprintf("%s is %q, not an integer", h, v))
				}
			}
			return len(problems) == 0, strings.Join(problems, ", "), nil
		},
	}
}

func isInteger(s string) bool {
	s = strings.TrimPrefix(strings.TrimSpace(s), "-")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// messageMatcher is the matcher of an expected error message (a string, equal; or a Gomega
// matcher) and how a failure describes it.
func messageMatcher(message any) (types.GomegaMatcher, string) {
	if m, ok := message.(types.GomegaMatcher); ok {
		return m, "matching the given matcher"
	}
	return gomega.Equal(message), fmt.Sprintf("%q", message)
}

// errorObject returns the body of an error answer with the status whose statusCode says the same,
// or nil and why not.
func errorObject(ex *Exchange, status int) (map[string]any, string) {
	if ex.Status != status {
		return nil, fmt.Sprintf("it answered %d", ex.Status)
	}
	body, ok := ex.JSON().(map[string]any)
	if !ok {
		return nil, "the body is not a JSON object"
	}
	if sc, _ := body["statusCode"].(float64); int(sc) != status {
		return nil, fmt.Sprintf("statusCode is %v", body["statusCode"])
	}
	return body, ""
}

// HaveAPIError succeeds when the response has the status and the live API's error shape:
// {statusCode: status, message} where message is a string, or a list of strings (422), that
// matches. message is a string (equal to the message, or to one entry of the list) or a Gomega
// matcher (applied to the string, or to each entry until one matches).
func HaveAPIError(status int, message any) types.GomegaMatcher {
	mm, want := messageMatcher(message)
	return &exchangeMatcher{
		desc: fmt.Sprintf("answer the error %d %s with message %s", status, http.StatusText(status), want),
		check: func(ex *Exchange) (bool, string, error) {
			body, why := errorObject(ex, status)
			if body == nil {
				return false, why, nil
			}
			switch msg := body["message"].(type) {
			case string:
				ok, err := mm.Match(msg)
				if err != nil {
					return false, "", err
				}
				if !ok {
					return false, fmt.Sprintf("message is %q", msg), nil
				}
				return true, "", nil
			case []any:
				for _, e := range msg {
					s, isStr := e.(string)
					if !isStr {
						return false, fmt.Sprintf("message holds a non-string %v", e), nil
					}
					if ok, err := mm.Match(s); err == nil && ok {
						return true, "", nil
					}
				}
				return false, fmt.Sprintf("no entry of message %q matches", msg), nil
			default:
				return false, fmt.Sprintf("message is %v (%T), not a string or a list of strings", body["message"], body["message"]), nil
			}
		},
	}
}

// HaveOAuthError succeeds when the response is an error of the OAuth token endpoint: the status,
// statusCode equal to it, error equal to code (RFC 6749 §5.2: invalid_request, invalid_client,
// invalid_grant, unauthorized_client, ...) and message and error_description that match message (a
// string, equal, or a Gomega matcher) and carry the same text.
func HaveOAuthError(status int, code string, message any) types.GomegaMatcher {
	mm, want := messageMatcher(message)
	return &exchangeMatcher{
		desc: fmt.Sprintf("answer the OAuth error %d %s with message %s", status, code, want),
		check: func(ex *Exchange) (bool, string, error) {
			body, why := errorObject(ex, status)
			if body == nil {
				return false, why, nil
			}
			if body["error"] != code {
				return false, fmt.Sprintf("error is %v", body["error"]), nil
			}
			msg, isStr := body["message"].(string)
			if !isStr {
				return false, fmt.Sprintf("message is %v (%T), not a string", body["message"], body["message"]), nil
			}
			if d := body["error_description"]; d != msg {
				return false, fmt.Sprintf("error_description is %v, not the message %q", d, msg), nil
			}
			ok, err := mm.Match(msg)
			if err != nil {
				return false, "", err
			}
			if !ok {
				return false, fmt.Sprintf("message is %q", msg), nil
			}
			return true, "", nil
		},
	}
}
