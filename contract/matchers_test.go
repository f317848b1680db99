package contract

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/onsi/gomega"
	"github.com/onsi/gomega/types"

	"github.com/contactsmock/contactsmock/spec"
)

// exchangeFor builds an exchange of an operation as the client would, validated.
func exchangeFor(t *testing.T, opID string, status int, h http.Header, body string) *Exchange {
	t.Helper()
	op := spec.MustDefault().Operation(opID)
	if op == nil {
		t.Fatalf("no operation %s", opID)
	}
	ex := &Exchange{Operation: op, OperationID: op.ID, Method: op.Method, URL: "http://api.test" + op.Path,
		RequestHeader: http.Header{}, Status: status, ResponseHeader: h, ResponseBody: []byte(body)}
	ex.Conformance = Validate(context.Background(), op, ex)
	return ex
}

func headers(retryAfter bool) http.Header {
	h := http.Header{"Content-Type": {"application/json; charset=utf-8"}}
	rateHeaders(h, "0", "150000")
	if retryAfter {
		h.Set("Retry-After", "3")
	}
	return h
}

func TestMatchers(t *testing.T) {
	rl := headers(false)
	good := exchangeFor(t, "get-contact", 200, rl, okContact)
	renamed := exchangeFor(t, "get-contact", 200, rl, strings.Replace(okContact, `"id"`, `"_id"`, 1))
	created200 := exchangeFor(t, "create-contact", 200, rl, okContact)
	limited := exchangeFor(t, "get-contact", 429, headers(true), `{"statusCode":429,"message":"Too Many Requests - Rate limit exceeded"}`)
	limitedNoRetry := exchangeFor(t, "get-contact", 429, headers(false), `{"statusCode":429,"message":"Too Many Requests - Rate limit exceeded"}`)
	notFound := exchangeFor(t, "get-contact", 400, rl, `{"statusCode":400,"message":"Contact with id abc not found"}`)
	unprocessable := exchangeFor(t, "update-contact", 422, rl, `{"statusCode":422,"message":["property gender should not exist","email must be an email"],"error":"Unprocessable Entity"}`)
	noHeaders := exchangeFor(t, "get-contact", 200, http.Header{"Content-Type": {"application/json"}}, okContact)
	jsonHeader := http.Header{"Content-Type": {"application/json"}}
	badGrant := exchangeFor(t, "get-access-token", 400, jsonHeader, `{"statusCode":400,"message":"The authorization code is invalid","error":"invalid_grant","error_description":"The authorization code is invalid"}`)
	twoTexts := exchangeFor(t, "get-access-token", 400, jsonHeader, `{"statusCode":400,"message":"The authorization code is invalid","error":"invalid_grant","error_description":"something else"}`)

	tests := []struct {
		name    string
		actual  *Exchange
		matcher types.GomegaMatcher
		match   bool
		// message parts the failure message must contain (when match is false)
		wantMsg []string
	}{
		{"status ok", good, HaveStatus(200), true, nil},
		{"status wrong", created200, HaveStatus(201), false, []string{"create-contact", "answer 201 Created", "it answered 200", "< 200 OK", `"contact"`}},
		{"conforms", good, ConformToSpec(), true, nil},
		{"renamed field", renamed, ConformToSpec(), false, []string{"operation get-contact answered 200", "body /contact/id", "is required but missing", `"_id"`}},
		{"undeclared status", created200, ConformToSpec(), false, []string{"operation create-contact answered 200", "200"}},
		{"missing header", noHeaders, ConformToSpec(), false, []string{"operation get-contact answered 200", `response header "X-RateLimit-`}},
		{"rate limited", limited, BeRateLimited(), true, nil},
		{"rate limited without Retry-After, as live documents it", limitedNoRetry, BeRateLimited(), true, nil},
		{"not rate limited", good, BeRateLimited(), false, []string{"it answered 200"}},
		{"rate-limit headers", good, HaveRateLimitHeaders(), true, nil},
		{"rate-limit headers missing", noHeaders, HaveRateLimitHeaders(), false, []string{"X-RateLimit-Max is missing"}},
		{"api error exact", notFound, HaveAPIError(400, "Contact with id abc not found"), true, nil},
		{"api error matcher", notFound, HaveAPIError(400, gomega.ContainSubstring("not found")), true, nil},
		{"api error wrong message", notFound, HaveAPIError(400, "Invalid JWT"), false, []string{`message "Invalid JWT"`, `message is "Contact with id abc not found"`}},
		{"api error wrong status", notFound, HaveAPIError(401, "Invalid JWT"), false, []string{"it answered 400"}},
		{"api error list", unprocessable, HaveAPIError(422, "property gender should not exist"), true, nil},
		{"api error list miss", unprocessable, HaveAPIError(422, "property age should not exist"), false, []string{"no entry of message"}},
		{"api error not json", good, HaveAPIError(200, "x"), false, []string{"statusCode is <nil>"}},
		{"oauth error", badGrant, HaveOAuthError(400, "invalid_grant", "The authorization code is invalid"), true, nil},
		{"oauth error matcher", badGrant, HaveOAuthError(400, "invalid_grant", gomega.HavePrefix("The authorization code")), true, nil},
		{"oauth error wrong code", badGrant, HaveOAuthError(400, "invalid_request", "The authorization code is invalid"), false, []string{"OAuth error 400 invalid_request", "error is invalid_grant"}},
		{"oauth error wrong status", badGrant, HaveOAuthError(401, "invalid_client", "x"), false, []string{"it answered 400"}},
		{"oauth error wrong message", badGrant, HaveOAuthError(400, "invalid_grant", "The refresh token is invalid"), false, []string{`message is "The authorization code is invalid"`}},
		{"oauth error description differs", twoTexts, HaveOAuthError(400, "invalid_grant", "The authorization code is invalid"), false, []string{"error_description is something else"}},
		{"oauth error on an API error", notFound, HaveOAuthError(400, "invalid_grant", "x"), false, []string{"error is <nil>"}},
		{"composed", good, gomega.And(HaveStatus(200), ConformToSpec()), true, nil},
		{"negated", renamed, gomega.Not(ConformToSpec()), true, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, err := tc.matcher.Match(tc.actual)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.match {
				t.Fatalf("Match = %v, want %v", ok, tc.match)
			}
			if tc.match {
				neg := tc.matcher.NegatedFailureMessage(tc.actual)
				if !strings.Contains(neg, "--- exchange") {
					t.Errorf("negated message has no exchange:\n%s", neg)
				}
				return
			}
			msg := tc.matcher.FailureMessage(tc.actual)
			for _, w := range tc.wantMsg {
				if !strings.Contains(msg, w) {
					t.Errorf("failure message lacks %q:\n%s", w, msg)
				}
			}
			if !strings.Contains(msg, "--- exchange") {
				t.Errorf("failure message does not show the exchange:\n%s", msg)
			}
		})
	}
}

func TestMatchersRefuseOtherTypes(t *testing.T) {
	for _, m := range []types.GomegaMatcher{HaveStatus(200), ConformToSpec(), BeRateLimited(), HaveAPIError(400, "x"), HaveRateLimitHeaders(), HaveOAuthError(400, "invalid_grant", "x")} {
		if _, err := m.Match("not an exchange"); err == nil {
			t.Errorf("%T accepted a string", m)
		}
		if _, err := m.Match((*Exchange)(nil)); err == nil {
			t.Errorf("%T accepted a nil exchange", m)
		}
	}
}
