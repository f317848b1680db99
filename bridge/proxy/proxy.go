package proxy

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/contactsmock/contactsmock/bridge/record"
	"github.com/contactsmock/contactsmock/bridge/shape"
	"github.com/contactsmock/contactsmock/spec"
)

// DefaultLive is the live API's base URL.
const DefaultLive = "https://services.leadconnectorhq.com"

// DriftPath is where the proxy serves its drift log (GET; DELETE clears it). Every other request,
// /__admin/ ones included, is forwarded, so a mock behind the proxy keeps its admin API.
const DriftPath = "/__admin/drift"

// Config configures a Proxy.
type Config struct {
	// Live is the target's base URL (DefaultLive when nil).
	Live *url.URL
	// Spec is the document answers are checked against; nil means the embedded one.
	Spec *spec.Spec
	// Transport sends the forwarded requests; nil means a clone of http.DefaultTransport that
	// never compresses on its own (so the client's Accept-Encoding is the only one sent).
	Transport http.RoundTripper
	// Recorder, when set, is shown every answer of a known operation.
	Recorder *record.Recorder
	// Logger receives one line per deviating answer (operation, status, pointers) and per failed
	// forward; nil discards.
	Logger *slog.Logger
	// MaxBody is the largest answer body checked and recorded (default 32 MiB); a larger one is
	// passed on unchecked and counted as such.
	MaxBody int64
	// LogSize is the number of deviating answers the drift log keeps, newest last (default 1000).
	LogSize int
	// Now is the clock of the log's times; nil means time.Now.
	Now func() time.Time
}

// Proxy is the validating, recording proxy. It is safe for concurrent use.
type Proxy struct {
	live      *url.URL
	spec      *spec.Spec
	transport http.RoundTripper
	recorder  *record.Recorder
	logger    *slog.Logger
	maxBody   int64
	logSize   int
	now       func() time.Time
	started   time.Time

	mu      sync.Mutex // guards entries and ops
	entries []Entry
	ops     map[string]*OperationCount
	dropped int // entries pushed out of the log by newer ones
}

// Entry is one answer that did not conform to the document.
type Entry struct {
	// Time is when the answer came.
	Time time.Time `json:"time"`
	// Operation is the operationId.
	Operation string `json:"operation"`
	// Method and Path are the operation's, the path as the document's template (never the
	// request's path or query, which may hold personal data).
	Method string `json:"method"`
	Path   string `json:"path"`
	// Status is the answer's status.
	Status int `json:"status"`
	// Problems are the deviations, each with its JSON pointer (or header, or "status").
	Problems []shape.Problem `json:"problems"`
}

// OperationCount counts the answers of one operation.
type OperationCount struct {
	// Answers counts every answer; Conforming those without a problem; Deviating those with one;
	// Unchecked those too large to check.
	Answers    int `json:"answers"`
	Conforming int `json:"conforming"`
	Deviating  int `json:"deviating"`
	Unchecked  int `json:"unchecked,omitempty"`
	// Statuses counts answers by status.
	Statuses map[string]int `json:"statuses"`
	// Problems counts each deviation by its place ("/meta/total", "header X", "status").
	Problems map[string]int `json:"problems,omitempty"`
}

// Log is the drift log as GET /__admin/drift serves it.
type Log struct {
	// Live is the target.
	Live string `json:"live"`
	// Since is when the proxy started (or the log was last cleared).
	Since time.Time `json:"since"`
	// Operations counts answers per operationId; requests no operation of the document matches
	// are counted under "(unknown)" and not checked.
	Operations map[string]*OperationCount `json:"operations"`
	// Entries are the deviating answers, oldest first.
	Entries []Entry `json:"entries"`
	// Dropped counts entries pushed out of the log by newer ones.
	Dropped int `json:"dropped,omitempty"`
}

// Unknown is the key of Log.Operations for requests no operation matches.
const Unknown = "(unknown)"

// New returns a proxy.
func New(cfg Config) (*Proxy, error) {
	p := &Proxy{
		live: cfg.Live, spec: cfg.Spec, transport: cfg.Transport, recorder: cfg.Recorder,
		logger: cfg.Logger, maxBody: cfg.MaxBody, logSize: cfg.LogSize, now: cfg.Now,
		ops: map[string]*OperationCount{},
	}
	if p.live == nil {
		u, _ := url.Parse(DefaultLive)
		p.live = u
	}
	if p.live.Scheme != "http" && p.live.Scheme != "https" || p.live.Host == "" {
		return nil, fmt.Errorf("proxy: the live URL %q must be http or https with a host", p.live.Redacted())
	}
	if p.spec == nil {
		sp, err := spec.Default()
		if err != nil {
			return nil, fmt.Errorf("proxy: %w", err)
		}
		p.spec = sp
	}
	if p.transport == nil {
		t := http.DefaultTransport.(*http.Transport).Clone()
		t.DisableCompression = true
		p.transport = t
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	if p.maxBody <= 0 {
		p.maxBody = 32 << 20
	}
	if p.logSize <= 0 {
		p.logSize = 1000
	}
	if p.now == nil {
		p.now = time.Now
	}
	p.started = p.now()
	return p, nil
}

// hopHeaders are the hop-by-hop headers (RFC 9110 section 7.6.1), which belong to one connection and
// are never forwarded.
var hopHeaders = []string{"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate", "Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

func copyHeaders(dst, src http.Header) {
	skip := map[string]bool{}
	for _, h := range hopHeaders {
		skip[h] = true
	}
	for _, v := range src.Values("Connection") {
		for _, f := range strings.Split(v, ",") {
			skip[http.CanonicalHeaderKey(strings.TrimSpace(f))] = true
		}
	}
	for k, vs := range src {
		if !skip[http.CanonicalHeaderKey(k)] {
			dst[k] = append([]string(nil), vs...)
		}
	}
}

// ServeHTTP forwards the request and checks the answer.
func (p *Proxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == DriftPath {
		p.serveDrift(w, r)
		return
	}
	target := *p.live
	target.Path = strings.TrimSuffix(p.live.Path, "/") + r.URL.Path
	target.RawPath = ""
	if r.URL.RawPath != "" {
		target.RawPath = strings.TrimSuffix(p.live.EscapedPath(), "/") + r.URL.RawPath
	}
	target.RawQuery = r.URL.RawQuery
	out, err := http.NewRequestWithContext(r.Context(), r.Method, target.String(), r.Body)
	if err != nil {
		p.fail(w, r, fmt.Errorf("proxy: %w", err))
		return
	}
	if r.ContentLength == 0 {
		out.Body = http.NoBody
	}
	out.ContentLength = r.ContentLength
	copyHeaders(out.Header, r.Header)
	if _, ok := r.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = nil // send none, as the client sent none
	}
	resp, err := p.transport.RoundTrip(out)
	if err != nil {
		p.fail(w, r, err)
		return
	}
	defer resp.Body.Close()
	head, err := io.ReadAll(io.LimitReader(resp.Body, p.maxBody+1))
	if err != nil {
		p.fail(w, r, err)
		return
	}
	complete := int64(len(head)) <= p.maxBody
	copyHeaders(w.Header(), resp.Header)
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(head)
	if !complete {
		_, _ = io.Copy(w, resp.Body)
	}
	p.observe(r, resp, head, complete)
}

// fail answers a request the target could not be asked, in the API's error shape. The error is
// logged without the URL's query (it may hold personal data).
func (p *Proxy) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	if errors.Is(err, context.Canceled) {
		return // the client went away
	}
	p.logger.Warn("proxy: the live API could not be reached", "method", r.Method, "host", p.live.Host, "err", err)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(http.StatusBadGateway)
	body, _ := json.Marshal(map[string]any{
		"statusCode": http.StatusBadGateway, "error": "Bad Gateway",
		"message": "proxy: the live API at " + p.live.Host + " could not be reached: " + scrub(err.Error()),
	})
	_, _ = w.Write(body)
}

func (p *Proxy) observe(r *http.Request, resp *http.Response, body []byte, complete bool) {
	op, params, err := p.spec.Find(r.Method, r.URL.EscapedPath())
	if err != nil {
		p.count(Unknown, resp.StatusCode, nil, true)
		return
	}
	if !complete {
		p.count(op.ID, resp.StatusCode, nil, false)
		return
	}
	decoded, derr := decode(resp.Header.Get("Content-Encoding"), body)
	var problems []shape.Problem
	if derr != nil {
		problems = []shape.Problem{{Where: "body", Reason: derr.Error()}}
	} else {
		// The request as the validator wants it: method and path only (no body, no credentials).
		vr := &http.Request{Method: r.Method, URL: &url.URL{Path: r.URL.Path}, Header: http.Header{}}
		problems = shape.Validate(r.Context(), op, vr, resp.StatusCode, resp.Header, decoded)
		for i := range problems {
			problems[i].Reason = scrub(problems[i].Reason)
		}
		if p.recorder != nil {
			p.recorder.Observe(op.ID, params, resp.StatusCode, decoded)
		}
	}
	p.count(op.ID, resp.StatusCode, problems, true)
	if len(problems) == 0 {
		return
	}
	e := Entry{Time: p.now().UTC(), Operation: op.ID, Method: op.Method, Path: op.Path, Status: resp.StatusCode, Problems: problems}
	p.mu.Lock()
	p.entries = append(p.entries, e)
	if len(p.entries) > p.logSize {
		n := len(p.entries) - p.logSize
		p.entries = append(p.entries[:0:0], p.entries[n:]...)
		p.dropped += n
	}
	p.mu.Unlock()
	where := make([]string, len(problems))
	for i, pr := range problems {
		where[i] = pr.Where
	}
	p.logger.Warn("drift: the answer does not conform to the document", "operation", op.ID, "status", resp.StatusCode, "where", strings.Join(where, ", "))
}

// decode undoes a gzip or deflate Content-Encoding for checking (the client gets the bytes as
// they came).
func decode(encoding string, body []byte) ([]byte, error) {
	var rd io.ReadCloser
	var err error
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "", "identity":
		return body, nil
	case "gzip", "x-gzip":
		rd, err = gzip.NewReader(bytes.NewReader(body))
	case "deflate":
		rd = flate.NewReader(bytes.NewReader(body))
	default:
		return nil, fmt.Errorf("the body's Content-Encoding %q cannot be read, so it was not checked", encoding)
	}
	if err != nil {
		return nil, fmt.Errorf("the gzip body cannot be read: %w", err)
	}
	defer rd.Close()
	out, err := io.ReadAll(io.LimitReader(rd, 256<<20))
	if err != nil {
		return nil, fmt.Errorf("the compressed body cannot be read: %w", err)
	}
	return out, nil
}

func (p *Proxy) count(op string, status int, problems []shape.Problem, checked bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	c := p.ops[op]
	if c == nil {
		c = &OperationCount{Statuses: map[string]int{}}
		p.ops[op] = c
	}
	c.Answers++
	c.Statuses[strconv.Itoa(status)]++
	switch {
	case op == Unknown:
	case !checked:
		c.Unchecked++
	case len(problems) == 0:
		c.Conforming++
	default:
		c.Deviating++
		if c.Problems == nil {
			c.Problems = map[string]int{}
		}
		for _, pr := range problems {
			c.Problems[pr.Where]++
		}
	}
}

// Drift returns a copy of the drift log.
func (p *Proxy) Drift() Log {
	p.mu.Lock()
	defer p.mu.Unlock()
	l := Log{Live: p.live.Redacted(), Since: p.started.UTC(), Operations: map[string]*OperationCount{}, Dropped: p.dropped}
	for k, c := range p.ops {
		cp := *c
		cp.Statuses = clone(c.Statuses)
		cp.Problems = clone(c.Problems)
		l.Operations[k] = &cp
	}
	l.Entries = append([]Entry{}, p.entries...)
	return l
}

func clone(m map[string]int) map[string]int {
	if m == nil {
		return nil
	}
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Reset clears the counts and the log.
func (p *Proxy) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.entries, p.ops, p.dropped, p.started = nil, map[string]*OperationCount{}, 0, p.now()
}

func (p *Proxy) serveDrift(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		_ = enc.Encode(p.Drift())
	case http.MethodDelete:
		p.Reset()
		w.WriteHeader(http.StatusNoContent)
	default:
		w.Header().Set("Allow", "GET, DELETE")
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = io.WriteString(w, `{"statusCode":405,"message":"GET or DELETE `+DriftPath+`","error":"Method Not Allowed"}`)
	}
}

// tokenish matches what could be a credential in a message: JWTs, private integration tokens and
// bearer values.
var tokenish = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*|pit-[A-Za-z0-9-]{8,}|(?i:bearer)\s+\S+`)

// scrub blanks anything credential-like in a message before it is logged or served; the proxy
// never puts a request header in a message, and this keeps it so if a validator ever quotes one.
func scrub(s string) string { return tokenish.ReplaceAllString(s, "[redacted]") }

// WriteSummary writes the counts per operation and the deviations found, for the end of a run.
func (p *Proxy) WriteSummary(w io.Writer) error {
	l := p.Drift()
	ops := make([]string, 0, len(l.Operations))
	total, deviating := 0, 0
	for k, c := range l.Operations {
		ops = append(ops, k)
		total += c.Answers
		deviating += c.Deviating
	}
	sort.Strings(ops)
	var b strings.Builder
	fmt.Fprintf(&b, "proxy: %d answers from %s since %s; %d did not conform to the document\n", total, l.Live, l.Since.Format(time.RFC3339), deviating)
	if total == 0 {
		_, err := io.WriteString(w, b.String())
		return err
	}
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OPERATION\tANSWERS\tCONFORMING\tDEVIATING\tSTATUSES")
	for _, k := range ops {
		c := l.Operations[k]
		codes := make([]string, 0, len(c.Statuses))
		for s, n := range c.Statuses {
			codes = append(codes, fmt.Sprintf("%s×%d", s, n))
		}
		sort.Strings(codes)
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\n", k, c.Answers, c.Conforming, c.Deviating, strings.Join(codes, " "))
	}
	_ = tw.Flush()
	for _, k := range ops {
		c := l.Operations[k]
		if len(c.Problems) == 0 {
			continue
		}
		where := make([]string, 0, len(c.Problems))
		for wh := range c.Problems {
			where = append(where, wh)
		}
		sort.Strings(where)
		fmt.Fprintf(&b, "%s (live differs from our document):\n", k)
		for _, wh := range where {
			fmt.Fprintf(&b, "  %s ×%d: %s\n", wh, c.Problems[wh], lastReason(l.Entries, k, wh))
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// lastReason is the newest logged reason for a place of an operation.
func lastReason(entries []Entry, op, where string) string {
	for i := len(entries) - 1; i >= 0; i-- {
		if entries[i].Operation != op {
			continue
		}
		for _, pr := range entries[i].Problems {
			if pr.Where == where {
				return pr.Reason
			}
		}
	}
	return "(no longer in the log)"
}
