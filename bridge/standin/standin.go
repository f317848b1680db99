package standin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/spec"
)

// Kinds of Change.
const (
	// Rename renames the field at Pointer to NewName.
	Rename = "rename"
	// NumberAsString writes the number at Pointer as a string ("25" for 25).
	NumberAsString = "number-as-string"
	// DropHeader leaves Header out.
	DropHeader = "drop-header"
	// Status answers Status instead of the operation's success status.
	Status = "status"
	// DateFormat rewrites the date-time at Pointer in Layout.
	DateFormat = "date-format"
)

// Change is one known way the stand-in drifts, on the answers of one operation.
type Change struct {
	// Kind is one of the Kind constants.
	Kind string `json:"kind"`
	// Operation is the operationId whose answers change.
	Operation string `json:"operation"`
	// Pointer is the field changed, a JSON pointer in which "*" stands for every array item.
	Pointer string `json:"pointer,omitempty"`
	// NewName is the new name of a renamed field.
	NewName string `json:"newName,omitempty"`
	// Header is the header dropped.
	Header string `json:"header,omitempty"`
	// Status is the status answered instead of the success status.
	Status int `json:"status,omitempty"`
	// Layout is the time layout (package time) a date is rewritten in.
	Layout string `json:"layout,omitempty"`
}

// String names the change the way a report would.
func (c Change) String() string {
	switch c.Kind {
	case Rename:
		return fmt.Sprintf("%s: %s renamed to %s", c.Operation, c.Pointer, c.NewName)
	case NumberAsString:
		return fmt.Sprintf("%s: %s written as a string", c.Operation, c.Pointer)
	case DropHeader:
		return fmt.Sprintf("%s: header %s left out", c.Operation, c.Header)
	case Status:
		return fmt.Sprintf("%s: status %d instead of the success status", c.Operation, c.Status)
	case DateFormat:
		return fmt.Sprintf("%s: %s written as %q", c.Operation, c.Pointer, c.Layout)
	}
	return c.Kind
}

// Where is the place a shape comparison names for this change: the pointer (with "*" for
// items), "header NAME" or "status".
func (c Change) Where() string {
	switch c.Kind {
	case DropHeader:
		return "header " + http.CanonicalHeaderKey(c.Header)
	case Status:
		return "status"
	}
	return c.Pointer
}

// Defaults are the stand-in's changes unless told otherwise: one of each kind, each on an
// operation the drift report's read-only probes always reach.
func Defaults() []Change {
	return []Change{
		{Kind: Rename, Operation: "get-contact", Pointer: "/contact/dateAdded", NewName: "createdAt"},
		{Kind: NumberAsString, Operation: "get-contacts", Pointer: "/meta/total"},
		{Kind: DropHeader, Operation: "get-duplicate-contact", Header: "X-RateLimit-Remaining"},
		// NestJS answers 201 to a POST unless told otherwise: a realistic slip for a search.
		{Kind: Status, Operation: "search-contacts-advanced", Status: http.StatusCreated},
		{Kind: DateFormat, Operation: "get-contact", Pointer: "/contact/dateUpdated", Layout: "2006-01-02 15:04:05"},
	}
}

// Check reports a change that cannot be applied: an unknown kind or operation, or a field missing.
func (c Change) Check(sp *spec.Spec) error {
	if sp.Operation(c.Operation) == nil {
		return fmt.Errorf("standin: unknown operation %q", c.Operation)
	}
	switch c.Kind {
	case Rename:
		if c.NewName == "" || !strings.HasPrefix(c.Pointer, "/") {
			return fmt.Errorf("standin: %s needs a pointer and a new name", c.Kind)
		}
	case NumberAsString, DateFormat:
		if !strings.HasPrefix(c.Pointer, "/") {
			return fmt.Errorf("standin: %s needs a pointer", c.Kind)
		}
		if c.Kind == DateFormat && c.Layout == "" {
			return fmt.Errorf("standin: %s needs a layout", c.Kind)
		}
	case DropHeader:
		if c.Header == "" {
			return fmt.Errorf("standin: %s needs a header", c.Kind)
		}
	case Status:
		if c.Status < 100 || c.Status > 599 {
			return fmt.Errorf("standin: status %d is not an HTTP status", c.Status)
		}
	default:
		return fmt.Errorf("standin: unknown kind of change %q", c.Kind)
	}
	return nil
}

// Wrap returns h with the changes applied to the answers of their operations (found in sp).
// Requests to /__admin/ and answers of other operations pass untouched. It refuses a change that
// Check refuses.
func Wrap(h http.Handler, sp *spec.Spec, changes []Change) (http.Handler, error) {
	byOp := map[string][]Change{}
	for _, c := range changes {
		if err := c.Check(sp); err != nil {
			return nil, err
		}
		byOp[c.Operation] = append(byOp[c.Operation], c)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/__admin") {
			h.ServeHTTP(w, r)
			return
		}
		op, _, err := sp.FindRequest(r)
		if err != nil || len(byOp[op.ID]) == 0 {
			h.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		status, body := rec.Code, rec.Body.Bytes()
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		for _, c := range byOp[op.ID] {
			switch c.Kind {
			case DropHeader:
				w.Header().Del(c.Header)
			case Status:
				if status == op.SuccessStatus {
					status = c.Status
				}
			default:
				body = editBody(body, c)
			}
		}
		w.Header().Del("Content-Length")
		w.WriteHeader(status)
		_, _ = w.Write(body)
	}), nil
}

// editBody applies a body change; a body that is not JSON is left as it is.
func editBody(body []byte, c Change) []byte {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return body
	}
	tokens := strings.Split(strings.TrimPrefix(c.Pointer, "/"), "/")
	v = edit(v, tokens, c)
	out, err := json.Marshal(v)
	if err != nil {
		return body
	}
	return out
}

// edit walks to the parent of the last token and changes the field there.
func edit(v any, tokens []string, c Change) any {
	if len(tokens) == 0 {
		return v
	}
	tok := tokens[0]
	if tok == "*" {
		if arr, ok := v.([]any); ok {
			for i := range arr {
				arr[i] = edit(arr[i], tokens[1:], c)
			}
		}
		return v
	}
	m, ok := v.(map[string]any)
	if !ok {
		return v
	}
	child, present := m[tok]
	if !present {
		return v
	}
	if len(tokens) > 1 {
		m[tok] = edit(child, tokens[1:], c)
		return m
	}
	switch c.Kind {
	case Rename:
		delete(m, tok)
		m[c.NewName] = child
	case NumberAsString:
		if n, ok := child.(json.Number); ok {
			m[tok] = n.String()
		}
	case DateFormat:
		if s, ok := child.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
				m[tok] = t.UTC().Format(c.Layout)
			}
		}
	}
	return m
}

// ParseChanges reads changes written as KIND:OPERATION:ARG[:ARG] (for the command line):
// rename:get-contact:/contact/dateAdded:createdAt, number-as-string:get-contacts:/meta/total,
// drop-header:get-all-tasks:X-RateLimit-Remaining, status:search-contacts-advanced:201,
// date-format:get-contact:/contact/dateUpdated:2006-01-02 15:04:05.
func ParseChanges(specs []string) ([]Change, error) {
	var out []Change
	for _, s := range specs {
		parts := strings.SplitN(s, ":", 4)
		if len(parts) < 3 {
			return nil, fmt.Errorf("standin: change %q: want KIND:OPERATION:ARG", s)
		}
		c := Change{Kind: parts[0], Operation: parts[1]}
		switch c.Kind {
		case Rename, DateFormat:
			if len(parts) != 4 {
				return nil, fmt.Errorf("standin: change %q: want %s:OPERATION:POINTER:ARG", s, c.Kind)
			}
			c.Pointer = parts[2]
			if c.Kind == Rename {
				c.NewName = parts[3]
			} else {
				c.Layout = parts[3]
			}
		case NumberAsString:
			c.Pointer = strings.Join(parts[2:], ":")
		case DropHeader:
			c.Header = parts[2]
		case Status:
			n, err := strconv.Atoi(parts[2])
			if err != nil {
				return nil, fmt.Errorf("standin: change %q: %w", s, err)
			}
			c.Status = n
		default:
			return nil, fmt.Errorf("standin: change %q: unknown kind %q", s, c.Kind)
		}
		out = append(out, c)
	}
	return out, nil
}
