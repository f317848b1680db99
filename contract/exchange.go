package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/spec"
)

// Exchange is one HTTP request and its response as the client saw them, recorded for failure
// output, coverage and conformance. The Authorization header is stored redacted.
type Exchange struct {
	// Seq numbers exchanges in the order the client's history received them.
	Seq int64
	// OperationID is the operation the request resolved to ("" if none).
	OperationID string
	// Operation is that operation, or nil.
	Operation *spec.Operation
	// Method and URL are the request's.
	Method string
	URL    string
	// RequestHeader is the request's header, Authorization redacted.
	RequestHeader http.Header
	// RequestBody is the body sent (nil for none).
	RequestBody []byte
	// Status, ResponseHeader and ResponseBody are the response's.
	Status         int
	ResponseHeader http.Header
	ResponseBody   []byte
	// Attempt is 0 for the first try of a request, n for its n-th retry.
	Attempt int
	// Started is when the request was sent; Duration how long the response took.
	Started  time.Time
	Duration time.Duration
	// Conformance is nil when the response conforms to the document, else why not
	// (a *spec.ResponseError, or an error saying the request resolved to no operation).
	Conformance error

	jsonOnce sync.Once
	jsonVal  any
	jsonErr  error
}

// JSON returns the response body decoded as generic JSON (nil if it is not JSON).
func (e *Exchange) JSON() any {
	e.jsonOnce.Do(func() {
		if len(bytes.TrimSpace(e.ResponseBody)) == 0 {
			return
		}
		e.jsonErr = json.Unmarshal(e.ResponseBody, &e.jsonVal)
	})
	return e.jsonVal
}

// Decode unmarshals the response body into v.
func (e *Exchange) Decode(v any) error {
	if err := json.Unmarshal(e.ResponseBody, v); err != nil {
		return fmt.Errorf("contract: decode the body of %s: %w", e.label(), err)
	}
	return nil
}

// Get returns the value at a dotted path of the JSON body ("contact.id", "contacts.0.tags"), or
// nil when the path does not exist.
func (e *Exchange) Get(path string) any { return Lookup(e.JSON(), path) }

// Str returns the string at a dotted path of the JSON body ("" when absent or not a string).
func (e *Exchange) Str(path string) string {
	s, _ := e.Get(path).(string)
	return s
}

// Strings returns the string list at a dotted path of the JSON body.
func (e *Exchange) Strings(path string) []string {
	list, _ := e.Get(path).([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		if s, ok := v.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

// Items returns the list at a dotted path of the JSON body.
func (e *Exchange) Items(path string) []any {
	list, _ := e.Get(path).([]any)
	return list
}

// Lookup walks a dotted path through generic JSON: object keys, and list indices as numbers.
func Lookup(v any, path string) any {
	if path == "" {
		return v
	}
	for _, part := range strings.Split(path, ".") {
		switch x := v.(type) {
		case map[string]any:
			v = x[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func (e *Exchange) label() string {
	if e.OperationID != "" {
		return e.OperationID
	}
	return e.Method + " " + e.URL
}

// maxBodyShown bounds how much of a body failure output shows.
const maxBodyShown = 4096

// String renders the exchange for failure output: request line, headers and body, then status,
// headers and body. Tokens and secrets are redacted; long bodies are cut.
func (e *Exchange) String() string {
	var b strings.Builder
	op := e.OperationID
	if op == "" {
		op = "no operation of the document"
	}
	fmt.Fprintf(&b, "--- exchange #%d (%s", e.Seq, op)
	if e.Attempt > 0 {
		fmt.Fprintf(&b, ", retry %d", e.Attempt)
	}
	fmt.Fprintf(&b, ", %s)\n> %s %s\n", e.Duration.Round(time.Microsecond), e.Method, e.URL)
	writeHeaders(&b, "> ", e.RequestHeader)
	if len(e.RequestBody) > 0 {
		fmt.Fprintf(&b, ">\n> %s\n", showBody(e.RequestBody))
	}
	fmt.Fprintf(&b, "< %d %s\n", e.Status, http.StatusText(e.Status))
	writeHeaders(&b, "< ", e.ResponseHeader)
	if len(e.ResponseBody) > 0 {
		fmt.Fprintf(&b, "<\n< %s\n", showBody(e.ResponseBody))
	}
	return b.String()
}

func writeHeaders(b *strings.Builder, prefix string, h http.Header) {
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		for _, v := range h[k] {
			fmt.Fprintf(b, "%s%s: %s\n", prefix, k, v)
		}
	}
}

// secretJSON matches the values of JSON fields that carry credentials.
var secretJSON = regexp.MustCompile(`("(?:access_token|refresh_token|client_secret|code|accessToken|refreshToken)"\s*:\s*)"[^"]*"`)

// secretForm matches the values of form fields that carry credentials.
var secretForm = regexp.MustCompile(`((?:^|&)(?:client_secret|refresh_token|code)=)[^&]*`)

func showBody(body []byte) string {
	s := string(body)
	s = secretJSON.ReplaceAllString(s, `$1"[REDACTED]"`)
	if !strings.HasPrefix(strings.TrimSpace(s), "{") && !strings.HasPrefix(strings.TrimSpace(s), "[") {
		s = secretForm.ReplaceAllString(s, `$1[REDACTED]`)
	}
	if len(s) > maxBodyShown {
		s = s[:maxBodyShown] + fmt.Sprintf("… (%d bytes in all)", len(body))
	}
	return strings.ReplaceAll(s, "\n", "\n  ")
}

// redactHeader returns a copy of h with credentials redacted.
func redactHeader(h http.Header) http.Header {
	out := h.Clone()
	if out == nil {
		return http.Header{}
	}
	for _, k := range []string{"Authorization", "Proxy-Authorization", "Cookie"} {
		if vs := out.Values(k); len(vs) > 0 {
			red := make([]string, len(vs))
			for i, v := range vs {
				scheme, _, found := strings.Cut(v, " ")
				if found {
					red[i] = scheme + " [REDACTED]"
				} else {
					red[i] = "[REDACTED]"
				}
			}
			out[http.CanonicalHeaderKey(k)] = red
		}
	}
	return out
}

// History keeps the most recent exchanges of one or more clients, for failure output. It is safe
// for concurrent use.
type History struct {
	mu   sync.Mutex // guards everything below
	seq  int64
	size int
	ring []*Exchange
}

// NewHistory returns a history keeping the last size exchanges (default 256).
func NewHistory(size int) *History {
	if size <= 0 {
		size = 256
	}
	return &History{size: size}
}

func (h *History) add(e *Exchange) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.seq++
	e.Seq = h.seq
	if len(h.ring) == h.size {
		h.ring = slices.Delete(h.ring, 0, 1)
	}
	h.ring = append(h.ring, e)
}

// Mark returns the sequence number of the last exchange recorded; Since(mark) lists what came after.
func (h *History) Mark() int64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.seq
}

// Since returns the exchanges recorded after mark that are still kept.
func (h *History) Since(mark int64) []*Exchange {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []*Exchange
	for _, e := range h.ring {
		if e.Seq > mark {
			out = append(out, e)
		}
	}
	return out
}

// Render formats exchanges one after the other, keeping at most the last n (0: all).
func Render(exchanges []*Exchange, n int) string {
	if n > 0 && len(exchanges) > n {
		exchanges = exchanges[len(exchanges)-n:]
	}
	var b strings.Builder
	for _, e := range exchanges {
		b.WriteString(e.String())
	}
	return b.String()
}

// pathWithin returns the escaped path of u relative to the base URL's path, for routing against
// the document (a base URL may carry a path prefix).
func pathWithin(base *url.URL, u *url.URL) string {
	p := u.EscapedPath()
	if base != nil {
		prefix := strings.TrimSuffix(base.EscapedPath(), "/")
		if prefix != "" && strings.HasPrefix(p, prefix) {
			p = p[len(prefix):]
		}
	}
	if p == "" {
		p = "/"
	}
	return p
}

// GomegaString is what Gomega prints for an exchange in its own failure messages.
func (e *Exchange) GomegaString() string { return e.String() }
