package mockserver

import (
	"encoding/json"
	"net/http"
	"strconv"

	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/journal"
	"github.com/contactsmock/contactsmock/mockserver/ratelimit"
)

// injectFault is the pipeline's fault stage. It picks the fault that applies, waits its latency,
// and answers its drop or status. It returns false when the request goes on to its handler (a fault
// that only delays, adds headers or truncates; ServeHTTP applies those through decorate).
func (s *Server) injectFault(c *call) (response, bool) {
	req := faults.Request{OperationID: c.op.ID, Method: c.r.Method, Path: c.r.URL.Path}
	if c.token != nil {
		req.LocationID = c.token.LocationID
	}
	fr, delay, err := s.faults.Pick(c.ctx(), req)
	if err != nil {
		return errorResponse(toAPIError(err)), true
	}
	if fr == nil {
		return response{}, false
	}
	c.fault = fr
	if delay > 0 {
		if err := s.sleep(c.r.Context(), delay); err != nil {
			c.canceled = true
			return response{}, true
		}
	}
	switch {
	case fr.Drop:
		return response{drop: true}, true
	case fr.Status != 0:
		return s.faultResponse(c, fr), true
	}
	return response{}, false
}

// faultResponse is the answer of a fault with a status.
func (s *Server) faultResponse(c *call, fr *faults.Fault) response {
	body := []byte(fr.Body) // nil when none (problems normalises a null body)
	if fr.Status == http.StatusTooManyRequests && body == nil {
		if c.rate != nil {
			// Answered as the limiter answers a burst refusal, so it is checked against the
			// document like one.
			st := *c.rate
			st.Allowed, st.Remaining, st.Daily = false, 0, false
			st.RetryAfter = st.WindowReset.Sub(s.clock.Now())
			c.rate = &st
			return errorResponse(newError(http.StatusTooManyRequests, st.Message()))
		}
		e := newError(http.StatusTooManyRequests, ratelimit.TooManyRequests)
		if lim := s.RateLimits(); !lim.NoRetryAfter {
			e.Header = http.Header{"Retry-After": {strconv.Itoa(ratelimit.RetryAfterSeconds(lim.Window))}}
		}
		resp := errorResponse(e)
		resp.injected = true
		return resp
	}
	resp := response{status: fr.Status, injected: true}
	switch {
	case body == nil && fr.Status >= 400:
		resp.body = newError(fr.Status, http.StatusText(fr.Status)).body()
	case body == nil:
	case body[0] == '"':
		var msg string
		_ = json.Unmarshal(body, &msg) // a valid JSON string: decoded by the fault's decoder
		resp.body = newError(fr.Status, msg).body()
	default:
		resp.body = json.RawMessage(body)
	}
	return resp
}

// decorate applies the fault's effects on whatever answer the request got: headers and truncation.
func decorate(fr *faults.Fault, resp response) response {
	if len(fr.Headers) > 0 {
		h := make(http.Header, len(resp.header)+len(fr.Headers))
		for k, v := range resp.header {
			h[k] = v
		}
		for k, v := range fr.Headers {
			h.Set(k, v)
		}
		resp.header = h
	}
	resp.truncate = resp.truncate || fr.Truncate
	return resp
}

// abandon handles the answers that are not written: the client left during an injected latency,
// or a fault drops the connection. It journals the request and reports whether it did.
func (s *Server) abandon(w http.ResponseWriter, c *call, resp response, start arrival) bool {
	switch {
	case c.canceled:
		s.record(c, response{}, nil, start, journal.Canceled)
	case resp.drop:
		s.record(c, response{}, nil, start, journal.Dropped)
		dropConnection(w)
	default:
		return false
	}
	return true
}

// dropConnection closes the connection without an answer: hijacked and closed on HTTP/1, the stream
// reset (http.ErrAbortHandler) where hijacking is not possible, as on HTTP/2.
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		panic(http.ErrAbortHandler)
	}
	_ = conn.Close()
}

// writeTruncated sends the status, the full Content-Length and half of the body. On HTTP/1 the
// server closes the connection when the handler returns (it wrote less than it declared); on
// HTTP/2 the caller aborts the stream (see finishTruncated).
func writeTruncated(w http.ResponseWriter, status int, body []byte) {
	w.Header()["Content-Length"] = []string{strconv.Itoa(len(body))}
	w.WriteHeader(status)
	_, _ = w.Write(body[:len(body)/2])
	_ = http.NewResponseController(w).Flush()
}

// finishTruncated ends a truncated answer: HTTP/2 would otherwise end the stream cleanly.
func finishTruncated(r *http.Request) {
	if r.ProtoMajor >= 2 {
		panic(http.ErrAbortHandler)
	}
}
