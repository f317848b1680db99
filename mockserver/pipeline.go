package mockserver

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/ids"
	"github.com/contactsmock/contactsmock/mockserver/journal"
	"github.com/contactsmock/contactsmock/mockserver/jsonwire"
	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
	"github.com/contactsmock/contactsmock/mockserver/requestlog"
	"github.com/contactsmock/contactsmock/spec"
)

// call is one API request on its way through the pipeline.
type call struct {
	r      *http.Request
	op     *spec.Operation
	params map[string]string
	body   []byte
	// decoded is the JSON body decoded (haveDecoded), when the location check needed it: request
	// validation then does not decode it again.
	decoded     any
	haveDecoded bool
	token       *oauth.Token
	rate        *ratelimit.State
	// q is the query string, parsed once (see query).
	q url.Values
	// fault is the injected fault that applied, if any; canceled is set when the client left
	// during its latency.
	fault    *faults.Fault
	canceled bool
	// trace identifies the request: the answer's X-Trace-Id, upsert's and error bodies' traceId.
	trace string
}

// response is what the pipeline answers before it is written.
type response struct {
	status int
	body   any
	header http.Header
	// injected marks an answer made up by a fault: deliberate, so strict mode does not check it.
	injected bool
	// apiError marks the body as the live error shape (errorResponse): write adds its traceId.
	apiError bool
	// trace is the request's trace id (X-Trace-Id, and traceId in error bodies); write draws
	// one when it is empty.
	trace string
	// truncate cuts the body short and drop writes nothing at all (faults).
	truncate, drop bool
}

// ctx is the request's context: every call into the state takes it.
func (c *call) ctx() context.Context { return c.r.Context() }

// query returns the request's query string, parsed on first use; callers only read it.
func (c *call) query() url.Values {
	if c.q == nil {
		c.q = c.r.URL.Query()
	}
	return c.q
}

// rateKey is the limiter's key of the call's token: its OAuth client and its location (or company).
func (c *call) rateKey() ratelimit.Key {
	return ratelimit.Key{Client: c.token.ClientID, Location: firstNonEmpty(c.token.LocationID, c.token.CompanyID)}
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

type handlerFunc func(s *Server, c *call) (any, error)

// serveAPI takes a request of the API through the pipeline, writes the answer and journals it.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	start := s.arrived()
	op, params, err := s.spec.FindRequest(r)
	if err != nil {
		sent, _ := s.write(w, r, nil, nil, errorResponse(&APIError{Status: http.StatusNotFound,
			Message: fmt.Sprintf("Cannot %s %s", r.Method, r.URL.Path)}))
		s.record(&call{r: r}, sent, nil, start, "")
		return
	}
	c := &call{r: r, op: op, params: params, trace: ids.NewUUID()}
	resp := s.run(c)
	resp.trace = c.trace
	if c.fault != nil {
		resp = decorate(c.fault, resp)
	}
	if s.abandon(w, c, resp, start) {
		return
	}
	sent, body := s.write(w, r, op, c.rate, resp)
	s.logged("counting coverage", s.coverage.Add(c.ctx(), op.ID, sent.status))
	outcome := ""
	if sent.truncate {
		outcome = journal.Truncated
	}
	s.record(c, sent, body, start, outcome)
	if sent.truncate {
		finishTruncated(r)
	}
}

// run takes a request through the pipeline: Version header, authentication, scope and location,
// rate limit, request validation, fault injection, handler. The first stage that refuses answers.
func (s *Server) run(c *call) response {
	r, op := c.r, c.op
	if op.Versioned {
		v := r.Header.Get(spec.VersionHeader)
		switch {
		case v == "" && op.VersionRequired:
			return errorResponse(newError(http.StatusUnauthorized, msgVersionMissing))
		case v != "" && !op.AcceptsVersion(v, s.cfg.StrictVersion):
			return errorResponse(newError(http.StatusUnauthorized, msgVersionInvalid))
		}
	}
	if !op.Public() {
		if err := s.authorize(c); err != nil {
			if c.token != nil {
				// Refused after authentication (scope, location): not counted, but the client
				// still learns its quota.
				st, perr := s.limiter.Peek(c.ctx(), c.rateKey(), s.clock.Now())
				if perr != nil {
					return errorResponse(toAPIError(perr))
				}
				c.rate = &st
			}
			return errorResponse(toAPIError(err))
		}
		st, err := s.limiter.Take(c.ctx(), c.rateKey(), s.clock.Now())
		if err != nil {
			return errorResponse(toAPIError(err))
		}
		c.rate = &st
		if !st.Allowed {
			return errorResponse(newError(http.StatusTooManyRequests, st.Message()))
		}
	}
	if err := s.readBody(c); err != nil {
		return errorResponse(toAPIError(err))
	}
	if !c.haveDecoded && op.HasBody && op.BodyContentType == "application/json" && len(c.body) > 0 {
		// Decoded here rather than inside validation, so that the handler can use it too.
		if v, ok := jsonwire.DecodeAny(c.body); ok {
			c.decoded, c.haveDecoded = v, true
		}
	}
	var q url.Values // nil: validation parses it if a parameter needs it
	if r.URL.RawQuery != "" {
		q = c.query()
	}
	if verr := op.ValidateRequestParsed(r.Context(), r, c.params, q, c.body, c.decoded, c.haveDecoded); verr != nil {
		return errorResponse(oauthRequestError(op, toAPIError(verr)))
	}
	if resp, done := s.injectFault(c); done {
		return resp
	}
	h := s.handlers[op.ID]
	if h == nil {
		return errorResponse(newError(http.StatusNotImplemented, "operation "+op.ID+" is not implemented by the mock"))
	}
	out, err := h(s, c)
	if err != nil {
		return errorResponse(toAPIError(err))
	}
	return response{status: op.SuccessStatus, body: out}
}

// bearer extracts the token from an Authorization header ("Bearer x", any case of "bearer").
func bearer(h string) string {
	if len(h) > 7 && strings.EqualFold(h[:7], "bearer ") {
		return strings.TrimSpace(h[7:])
	}
	return ""
}

// authorize checks the bearer token (oauth verifies it), its type and scope, and the location the
// request names.
func (s *Server) authorize(c *call) error {
	presented := bearer(c.r.Header.Get("Authorization"))
	tok, err := s.auth.Verify(c.ctx(), presented, s.clock.Now())
	if err != nil {
		return err
	}
	if tok == nil {
		if strings.HasPrefix(presented, oauth.PITPrefix) {
			return newError(http.StatusUnauthorized, msgInvalidPIT)
		}
		return newError(http.StatusUnauthorized, msgInvalidJWT)
	}
	c.token = tok
	if tok.UserType != c.op.UserType || !tok.HasScope(c.op.Scopes) {
		return newError(http.StatusUnauthorized, msgScope)
	}
	if tok.UserType != UserTypeLocation {
		return nil
	}
	var named string
	switch c.op.LocationIn {
	case "query":
		named = c.query().Get("locationId")
	case "body":
		if err := s.readBody(c); err != nil {
			return err
		}
		named = c.bodyLocation()
	}
	if named != "" && named != tok.LocationID {
		return newError(http.StatusForbidden, msgLocation)
	}
	return nil
}

// bodyLocation returns the locationId the JSON body names, read as the live server reads it (the
// exact key locationId of the top-level object, a string), or "". The body is decoded once, into the
// generic value request validation needs anyway.
func (c *call) bodyLocation() string {
	if c.op.BodyContentType != "application/json" {
		return ""
	}
	v, ok := jsonwire.DecodeAny(c.body)
	if !ok {
		return "" // not JSON: validation answers it
	}
	c.decoded, c.haveDecoded = v, true
	m, _ := v.(map[string]any)
	named, _ := m["locationId"].(string)
	return named
}

// sizedBodyMax is the largest declared Content-Length readBody allocates before reading.
const sizedBodyMax = 64 << 10

// readBody reads the request body once, up to MaxBody.
func (s *Server) readBody(c *call) error {
	if c.body != nil || c.r.Body == nil || c.r.Body == http.NoBody {
		return nil
	}
	var data []byte
	var err error
	if n := c.r.ContentLength; n > 0 && n <= min(s.cfg.MaxBody, sizedBodyMax) {
		// A small declared length (net/http's body ends there): one buffer of that size instead
		// of one grown from 512 bytes. Larger bodies grow as their bytes arrive, so a client
		// that only declares a length does not get the memory.
		data = make([]byte, n)
		_, err = io.ReadFull(c.r.Body, data)
	} else {
		data, err = io.ReadAll(io.LimitReader(c.r.Body, s.cfg.MaxBody+1))
	}
	if err != nil {
		return newError(http.StatusBadRequest, "the request body could not be read")
	}
	if int64(len(data)) > s.cfg.MaxBody {
		return &http.MaxBytesError{Limit: s.cfg.MaxBody}
	}
	if data == nil {
		data = []byte{}
	}
	c.body = data
	return nil
}

// jsonContentType is the Content-Type of every JSON answer, one slice shared by all of them
// (nothing writes into a header's values; an append to a full slice copies it).
var jsonContentType = []string{"application/json; charset=utf-8"}

var bufPool = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// encodeJSON appends the JSON of a body to buf: jsonwire's bytes (encoding/json's, HTML escaping
// off, no trailing newline), trusting the raw parts of a trusted body.
func encodeJSON(buf *bytes.Buffer, v any) error {
	var b []byte
	var err error
	if t, ok := v.(trusted); ok {
		b, err = jsonwire.AppendTrusted(buf.AvailableBuffer(), t.body)
	} else {
		b, err = jsonwire.Append(buf.AvailableBuffer(), v)
	}
	if err != nil {
		return err
	}
	buf.Write(b)
	return nil
}

// respond writes an answer of the admin API.
func (s *Server) respond(w http.ResponseWriter, r *http.Request, status int, body any) {
	s.write(w, r, nil, nil, response{status: status, body: body})
}

// fail writes an error of the admin API or of the consent step.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	s.write(w, r, nil, nil, errorResponse(toAPIError(err)))
}

// write encodes and writes a response, with the rate-limit headers of the request's client (the
// response's own headers win). In strict mode it first validates the response against the document.
// It returns the response as written and, when the journal keeps bodies, a copy of the body. It is
// the one place answers, errors included, are written.
func (s *Server) write(w http.ResponseWriter, r *http.Request, op *spec.Operation, rate *ratelimit.State, resp response) (response, []byte) {
	buf := bufPool.Get().(*bytes.Buffer)
	buf.Reset()
	defer bufPool.Put(buf)
	h := w.Header()
	if rate != nil {
		rate.SetHeaders(h)
	}
	for k, v := range resp.header {
		h[k] = v
	}
	if resp.trace == "" {
		resp.trace = ids.NewUUID()
	}
	h[TraceHeader] = []string{resp.trace}
	if resp.body != nil {
		if err := encodeJSON(buf, resp.body); err != nil {
			resp = errorResponse(newError(http.StatusInternalServerError, "mockserver bug: "+err.Error()))
			buf.Reset()
			_ = encodeJSON(buf, resp.body)
		}
		if resp.apiError {
			withTraceID(buf, resp.trace)
		}
		h["Content-Type"] = jsonContentType[:1:1]
	}
	if s.cfg.StrictResponses && op != nil && resp.status < 500 && !resp.injected {
		if err := op.ValidateResponse(context.Background(), r, resp.status, h, buf.Bytes()); err != nil {
			s.addViolation(err)
			s.log.Error("response does not conform to the document", "err", err)
			resp = errorResponse(newError(http.StatusInternalServerError, err.Error()))
			buf.Reset()
			_ = encodeJSON(buf, resp.body)
			for k := range h {
				if strings.HasPrefix(k, "X-Ratelimit") || k == "Content-Type" || strings.HasPrefix(k, "Access-Control-") || k == "Vary" {
					continue // the client's quota and CORS (which lets a page read the 500) still hold
				}
				delete(h, k) // the replaced answer's own headers do not describe the 500
			}
		}
	}
	var sent []byte
	if s.keepsBodies(op) {
		sent = bytes.Clone(buf.Bytes())
	}
	if resp.truncate {
		writeTruncated(w, resp.status, buf.Bytes())
		return resp, sent
	}
	w.WriteHeader(resp.status)
	_, _ = w.Write(buf.Bytes())
	return resp, sent
}

// TraceHeader carries every answer's trace id (reference §1: every response carries a traceId
// identifying the request; live's header name is not documented, this one is the mock's).
const TraceHeader = "X-Trace-Id"

// withTraceID adds "traceId" to the JSON object in buf, as its last key: error bodies carry the
// request's trace id (reference §1).
func withTraceID(buf *bytes.Buffer, trace string) {
	b := buf.Bytes()
	if len(b) == 0 || b[len(b)-1] != '}' {
		return
	}
	buf.Truncate(len(b) - 1)
	buf.WriteString(`,"traceId":"`)
	buf.WriteString(trace) // a UUID: nothing to escape
	buf.WriteString(`"}`)
}

// keepsBodies reports whether the journal records the bodies of the operation's requests. The
// OAuth endpoints' never are: their bodies carry client secrets, codes and tokens.
func (s *Server) keepsBodies(op *spec.Operation) bool {
	return s.journal != nil && s.cfg.JournalBodies && op != nil && !journal.CarriesCredentials(op)
}

// arrival is when a request arrived: in real time, for its duration, and in the mock's time, for
// the journal's time and its since filter.
type arrival struct{ real, mock time.Time }

// arrived stamps a request's arrival (nothing when neither the journal nor the request log is on).
func (s *Server) arrived() arrival {
	if s.journal == nil && s.reqlog == nil {
		return arrival{}
	}
	return arrival{real: time.Now(), mock: s.clock.Now()}
}

// record journals one request and hands it to the request log. resp is the answer as written
// (status 0 when none was); body is its encoded body when the journal keeps bodies.
func (s *Server) record(c *call, resp response, body []byte, start arrival, outcome string) {
	if s.journal == nil && s.reqlog == nil {
		return
	}
	took := time.Since(start.real)
	var opID, faultID string
	if c.op != nil {
		opID = c.op.ID
	}
	if c.fault != nil {
		faultID = c.fault.ID
	}
	var msg any // a string, or a list of them (validation)
	if resp.status >= 400 {
		switch b := resp.body.(type) {
		case errorBody:
			msg = b.Message
		case map[string]any:
			msg = b["message"]
		}
	}
	if s.reqlog != nil {
		s.reqlog.Add(requestlog.Line{Time: start.real, Method: c.r.Method, Path: c.r.URL.Path, OperationID: opID,
			Status: resp.status, Duration: took, Fault: faultID, Outcome: outcome, Message: logMessage(msg)})
	}
	if s.journal == nil {
		return
	}
	e := journal.Entry{
		Time:     start.mock,
		Duration: took,
		Method:   c.r.Method, Path: c.r.URL.Path, Query: journal.RedactQuery(c.r.URL.RawQuery),
		Header:      journal.RedactHeader(c.r.Header),
		Status:      resp.status,
		Outcome:     outcome,
		OperationID: opID,
		FaultID:     faultID,
		Message:     msg,
	}
	if c.token != nil {
		e.ClientID, e.LocationID = c.token.ClientID, firstNonEmpty(c.token.LocationID, c.token.CompanyID)
	}
	if c.rate != nil {
		e.Rated, e.Remaining, e.DailyRemaining = true, c.rate.Remaining, c.rate.DailyRemaining
	}
	if s.keepsBodies(c.op) {
		e.RequestBody, e.ResponseBody = c.body, body
	}
	s.logged("journaling a request", s.journal.Record(c.ctx(), e))
	s.news.Notify()
}

// logMessage is an answer's message as one line: a list (validation) joined with "; ".
func logMessage(msg any) string {
	switch m := msg.(type) {
	case string:
		return m
	case []string:
		return strings.Join(m, "; ")
	case []any:
		parts := make([]string, 0, len(m))
		for _, v := range m {
			parts = append(parts, fmt.Sprint(v))
		}
		return strings.Join(parts, "; ")
	case nil:
		return ""
	}
	return fmt.Sprint(msg)
}
