package shape

import (
	"context"
	"errors"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/contactsmock/contactsmock/spec"
)

// Problem is one way an answer does not conform to the document.
type Problem struct {
	// Where is "status", "body", "header NAME" or a generalized JSON pointer, as Difference.Where
	// writes it.
	Where string `json:"where"`
	// Reason is the validator's explanation.
	Reason string `json:"reason"`
}

var (
	reHeaderQuoted = regexp.MustCompile(`header "([^"]+)"`)
	reHeaderBare   = regexp.MustCompile(`header ([A-Za-z0-9-]+) `)
	reIndex        = regexp.MustCompile(`/\d+(/|$)`)
)

// Problems turns a validation error of spec.Operation.ValidateResponse into problems; nil for nil.
func Problems(err error) []Problem {
	if err == nil {
		return nil
	}
	var re *spec.ResponseError
	if !errors.As(err, &re) {
		return []Problem{{Where: "body", Reason: err.Error()}}
	}
	out := make([]Problem, 0, len(re.Problems))
	for _, p := range re.Problems {
		out = append(out, parseProblem(p))
	}
	return out
}

func parseProblem(p string) Problem {
	if rest, ok := strings.CutPrefix(p, "body "); ok {
		ptr, reason, found := strings.Cut(rest, ": ")
		if found && strings.HasPrefix(ptr, "/") {
			// kin-openapi follows a format's name with the whole regular expression: the name says it.
			if i := strings.Index(reason, " (string doesn't match pattern"); i > 0 {
				reason = reason[:i]
			}
			return Problem{Where: Generalize(ptr), Reason: reason}
		}
	}
	if m := reHeaderQuoted.FindStringSubmatch(p); m != nil {
		return Problem{Where: HeaderWhere(http.CanonicalHeaderKey(m[1])), Reason: p}
	}
	if m := reHeaderBare.FindStringSubmatch(p); m != nil {
		return Problem{Where: HeaderWhere(http.CanonicalHeaderKey(m[1])), Reason: p}
	}
	if strings.HasPrefix(p, "status ") {
		return Problem{Where: "status", Reason: p}
	}
	return Problem{Where: "body", Reason: p}
}

// Generalize folds the array indexes of a JSON pointer into "*": /contacts/3/id → /contacts/*/id.
func Generalize(ptr string) string {
	for {
		out := reIndex.ReplaceAllString(ptr, "/*$1")
		if out == ptr {
			return out
		}
		ptr = out
	}
}

// Validate checks an answer against the operation and returns its problems (nil when it
// conforms). kin-openapi stops at the first missing required header without looking further, so
// while headers are reported missing the answer is checked again with placeholders in their
// place; the problems of every pass are returned, those about the placeholders left out.
func Validate(ctx context.Context, op *spec.Operation, r *http.Request, status int, header http.Header, body []byte) []Problem {
	var (
		out     []Problem
		missing []string
		filled  = header
	)
	// Each pass either finds one more missing header or is the last; a document declares a few.
	for pass := 0; pass < 32; pass++ {
		found := false
		for _, p := range Problems(op.ValidateResponse(ctx, r, status, filled, body)) {
			name, isHeader := strings.CutPrefix(p.Where, "header ")
			if isHeader && slices.Contains(missing, name) {
				continue // a placeholder of ours
			}
			if isHeader && strings.Contains(p.Reason, "missing") {
				missing = append(missing, name)
				found = true
			}
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
		if !found {
			break
		}
		filled = header.Clone()
		if filled == nil {
			filled = http.Header{}
		}
		for _, name := range missing {
			filled.Set(name, "0")
		}
	}
	return out
}
