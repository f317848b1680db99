package shape

import (
	"bytes"
	"encoding/json"
	"mime"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Shape is what is compared of one answer: everything but the values.
type Shape struct {
	// Status is the HTTP status.
	Status int
	// Headers lists the canonical names of the headers present, sorted, without those of
	// IgnoredHeaders (they belong to the transport or the hosting, not to the API).
	Headers []string
	// Body says what the body is: "json", "empty", or the media type of a body that is not JSON
	// (a "text/html" error page, say).
	Body string
	// Fields maps each generalized JSON pointer of a JSON body ("/contacts/*/id") to what was found
	// there.
	Fields map[string]*Leaf
	// IDs maps the pointer of each top-level list of objects ("/contacts") to the "id"s of its
	// items, in order.
	IDs map[string][]string
}

// Leaf is what the values at one generalized pointer were: their JSON types and their formats,
// each a sorted set.
type Leaf struct {
	// Types are JSON types: null, boolean, integer, number, string, array, object.
	Types []string
	// Formats are the value formats of the strings and numbers (see Format).
	Formats []string
}

func (l *Leaf) add(typ, format string) {
	if i, found := slices.BinarySearch(l.Types, typ); !found {
		l.Types = slices.Insert(l.Types, i, typ)
	}
	if format == "" {
		return
	}
	if i, found := slices.BinarySearch(l.Formats, format); !found {
		l.Formats = slices.Insert(l.Formats, i, format)
	}
}

// IgnoredHeaders are the headers left out of a Shape: the transport's (framing, connections,
// compression), dates and caching, and what a CDN or load balancer in front of the live API adds.
// Comparing them would report the hosting, not the API.
var IgnoredHeaders = map[string]bool{
	"Date": true, "Content-Length": true, "Transfer-Encoding": true, "Connection": true, "Keep-Alive": true,
	"Content-Encoding": true, "Vary": true, "Etag": true, "Server": true, "Via": true, "Alt-Svc": true,
	"Strict-Transport-Security": true, "Set-Cookie": true, "Cache-Control": true, "Expires": true, "Pragma": true,
	"Age": true, "Cf-Ray": true, "Cf-Cache-Status": true, "Nel": true, "Report-To": true, "X-Powered-By": true,
	"X-Cloud-Trace-Context": true, "Traceparent": true, "X-Request-Id": true, "X-Amzn-Trace-Id": true,
	"Access-Control-Allow-Origin": true, "Access-Control-Allow-Credentials": true, "Access-Control-Expose-Headers": true,
	"Access-Control-Allow-Headers": true, "Access-Control-Allow-Methods": true, "Access-Control-Max-Age": true,
	"X-Content-Type-Options": true, "X-Frame-Options": true, "X-Xss-Protection": true, "Content-Security-Policy": true,
	"Referrer-Policy": true, "Permissions-Policy": true,
}

// maxDepth bounds how deep Of walks a body; deeper values are summarised as their type, so a
// hostile body cannot exhaust the stack.
const maxDepth = 32

// Of takes the shape of an answer. selfHost is the host (host:port) the answer came from: URLs
// naming it are written with the host replaced, so two servers' self-links compare equal.
func Of(status int, header http.Header, body []byte, selfHost string) Shape {
	s := Shape{Status: status, Fields: map[string]*Leaf{}, IDs: map[string][]string{}}
	for k := range header {
		name := http.CanonicalHeaderKey(k)
		if !IgnoredHeaders[name] {
			s.Headers = append(s.Headers, name)
		}
	}
	sort.Strings(s.Headers)
	s.Headers = slices.Compact(s.Headers)
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 {
		s.Body = "empty"
		return s
	}
	dec := json.NewDecoder(bytes.NewReader(trimmed))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		s.Body = mediaType(header)
		return s
	}
	s.Body = "json"
	w := walker{s: &s, self: strings.ToLower(selfHost)}
	w.walk("", v, 0)
	return s
}

// mediaType names a body that is not JSON by its Content-Type (without parameters).
func mediaType(h http.Header) string {
	mt, _, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt == "" {
		return "not JSON"
	}
	if mt == "application/json" {
		return "malformed JSON"
	}
	return mt
}

type walker struct {
	s    *Shape
	self string
}

func (w walker) leaf(ptr string) *Leaf {
	l := w.s.Fields[ptr]
	if l == nil {
		l = &Leaf{}
		w.s.Fields[ptr] = l
	}
	return l
}

func (w walker) walk(ptr string, v any, depth int) {
	if ptr == "" {
		// The root itself is not a field; its type is what Body says.
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				w.walk("/"+escape(k), c, depth+1)
			}
			return
		case []any:
			for _, c := range x {
				w.walk("/*", c, depth+1)
			}
			return
		}
		w.leaf("").add(jsonType(v), w.format(v))
		return
	}
	w.leaf(ptr).add(jsonType(v), w.format(v))
	if depth >= maxDepth {
		return
	}
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			w.walk(ptr+"/"+escape(k), c, depth+1)
		}
	case []any:
		if depth == 1 {
			w.ids(ptr, x)
		}
		for _, c := range x {
			w.walk(ptr+"/*", c, depth+1)
		}
	}
}

// ids records the ids of a top-level list of objects.
func (w walker) ids(ptr string, items []any) {
	var ids []string
	for _, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			return
		}
		id, ok := m["id"].(string)
		if !ok {
			return
		}
		ids = append(ids, id)
	}
	if len(ids) > 0 {
		w.s.IDs[ptr] = ids
	}
}

// escape writes a key as a JSON pointer token (RFC 6901).
func escape(k string) string {
	if !strings.ContainsAny(k, "~/") {
		return k
	}
	return strings.ReplaceAll(strings.ReplaceAll(k, "~", "~0"), "/", "~1")
}

func jsonType(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case json.Number:
		if strings.ContainsAny(string(x), ".eE") {
			return "number"
		}
		return "integer"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "unknown"
}

func (w walker) format(v any) string {
	switch x := v.(type) {
	case string:
		return Format(x, w.self)
	case json.Number:
		if n, err := strconv.ParseInt(string(x), 10, 64); err == nil && n >= 1e11 && n < 1e14 {
			// 1973 to 5138 in epoch milliseconds: the API's cursors (startAfter) and reset times.
			return "epoch-ms"
		}
	}
	return ""
}

var (
	reDateTimeMsZ  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)
	reDateTimeZ    = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$`)
	reDateTimeOff  = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?[+-]\d\d:?\d\d$`)
	reDateTimeBare = regexp.MustCompile(`^\d{4}-\d\d-\d\d[T ]\d\d:\d\d(:\d\d(\.\d+)?)?$`)
	reDate         = regexp.MustCompile(`^\d{4}-\d\d-\d\d$`)
	reID           = regexp.MustCompile(`^[A-Za-z0-9]{20}$`)
	reObjectID     = regexp.MustCompile(`^[0-9a-fA-F]{24}$`)
	reUUID         = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	reE164         = regexp.MustCompile(`^\+[1-9]\d{6,14}$`)
	reEmail        = regexp.MustCompile(`^[^@\s]+@[^@\s]+\.[^@\s]+$`)
	reDigits       = regexp.MustCompile(`^\d+$`)
)

// Format names the form of a string value, or "" for free text. selfHost (host:port, lower
// case) is the host of the server that wrote it: a URL naming it is described by its path (ids
// replaced by {id}) and its query keys, so that two servers' self-links compare equal.
//
// The forms: "date-time (ms, Z)" (the API's own, 2021-11-26T12:41:02.193Z), "date-time (Z)" (other
// precision), "date-time (offset)", "date-time (no zone)", "date", "http-date", "id (20
// alphanumeric)", "object id (24 hex)", "uuid", "E.164 phone", "e-mail", "digits", "empty", "url"
// (another host) and "url {host}/path?keys" (the server's own).
func Format(s, selfHost string) string {
	switch {
	case s == "":
		return "empty"
	case reDateTimeMsZ.MatchString(s):
		return "date-time (ms, Z)"
	case reDateTimeZ.MatchString(s):
		return "date-time (Z)"
	case reDateTimeOff.MatchString(s):
		return "date-time (offset)"
	case reDateTimeBare.MatchString(s):
		return "date-time (no zone)"
	case reDate.MatchString(s):
		return "date"
	case reObjectID.MatchString(s) && !reDigits.MatchString(s):
		return "object id (24 hex)"
	case reID.MatchString(s):
		return "id (20 alphanumeric)"
	case reUUID.MatchString(s):
		return "uuid"
	case reE164.MatchString(s):
		return "E.164 phone"
	case reEmail.MatchString(s):
		return "e-mail"
	case reDigits.MatchString(s):
		return "digits"
	}
	if strings.HasPrefix(s, "http://") || strings.HasPrefix(s, "https://") {
		return urlFormat(s, selfHost)
	}
	if len(s) >= 25 && len(s) <= 40 {
		if _, err := http.ParseTime(s); err == nil {
			return "http-date"
		}
		if _, err := time.Parse(time.RFC1123Z, s); err == nil {
			return "http-date"
		}
	}
	return ""
}

// urlFormat describes a URL: its path (id-like segments as {id}) and sorted query keys when it
// names selfHost, else just "url".
func urlFormat(s, selfHost string) string {
	u, err := url.Parse(s)
	if err != nil || selfHost == "" || !strings.EqualFold(u.Host, selfHost) {
		return "url"
	}
	segs := strings.Split(u.Path, "/")
	for i, seg := range segs {
		if reID.MatchString(seg) || reObjectID.MatchString(seg) || reUUID.MatchString(seg) {
			segs[i] = "{id}"
		}
	}
	keys := make([]string, 0, len(u.Query()))
	for k := range u.Query() {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := "url {host}" + strings.Join(segs, "/")
	if len(keys) > 0 {
		out += "?" + strings.Join(keys, "&")
	}
	return out
}
