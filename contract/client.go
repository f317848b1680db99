package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/contactsmock/contactsmock/spec"
)

// Client calls the API under test. Every response it receives, retries included, is validated
// against the document for the operation the request resolves to (spec.Find on method and path),
// recorded in its History for failure output and in its Coverage, and, when it does not conform,
// handed to OnNonConforming (the suites make that fail the spec that received it). A 429 is retried
// according to Retry.
//
// A Client is safe for concurrent use. With returns a copy that shares history and coverage.
type Client struct {
	// BaseURL is the API's base URL, e.g. https://services.leadconnectorhq.com.
	BaseURL string
	// HTTP sends the requests; nil means a client with a 30 s timeout.
	HTTP *http.Client
	// Spec is the document responses are validated against; nil means spec.Default().
	Spec *spec.Spec
	// Token is sent as "Authorization: Bearer <Token>"; empty sends no Authorization header.
	Token string
	// Version is sent as the Version header; empty sends none.
	Version string
	// Retry says how 429s are retried.
	Retry RetryPolicy
	// History records exchanges; nil records none.
	History *History
	// Coverage records (operation, status) pairs; nil records none.
	Coverage *Coverage
	// OnNonConforming is called with every exchange whose response does not conform to the
	// document, right after it is received.
	OnNonConforming func(*Exchange)
}

// NewClient returns a client for baseURL with the given token and the default Version, retry
// policy, a fresh history and no coverage.
func NewClient(baseURL, token string) *Client {
	return &Client{BaseURL: baseURL, Token: token, Version: DefaultAPIVersion, Retry: DefaultRetryPolicy, History: NewHistory(0)}
}

// With returns a copy of c changed by f; the copy shares c's history and coverage.
func (c *Client) With(f func(*Client)) *Client {
	cp := *c
	f(&cp)
	return &cp
}

// WithToken returns a copy of c that sends token (empty: no Authorization header).
func (c *Client) WithToken(token string) *Client {
	return c.With(func(x *Client) { x.Token = token })
}

// Request is what one call sends. Build it with the RequestOption functions.
type Request struct {
	Method string
	// Path is the path and query relative to the base URL, e.g. "/contacts/?locationId=x".
	Path string
	// Body is nil (none), []byte or string (sent as is) or anything else (sent as JSON).
	Body        any
	ContentType string
	Header      http.Header
	// DropHeaders are removed after the defaults are set (e.g. "Version" to test its absence).
	DropHeaders []string
	// NoRetry disables 429 retries for this request.
	NoRetry bool
}

// RequestOption changes a Request.
type RequestOption func(*Request)

// WithHeader sets a request header.
func WithHeader(key, value string) RequestOption {
	return func(r *Request) {
		if r.Header == nil {
			r.Header = http.Header{}
		}
		r.Header.Set(key, value)
	}
}

// WithoutHeader removes a header the client would send (Version, Authorization, ...).
func WithoutHeader(key string) RequestOption {
	return func(r *Request) { r.DropHeaders = append(r.DropHeaders, key) }
}

// WithContentType sets the body's media type (default application/json).
func WithContentType(ct string) RequestOption {
	return func(r *Request) { r.ContentType = ct }
}

// NoRetry makes a 429 final for this request.
func NoRetry() RequestOption { return func(r *Request) { r.NoRetry = true } }

// Get is Do with GET and no body.
func (c *Client) Get(ctx context.Context, path string, opts ...RequestOption) (*Exchange, error) {
	return c.Do(ctx, http.MethodGet, path, nil, opts...)
}

// Post is Do with POST.
func (c *Client) Post(ctx context.Context, path string, body any, opts ...RequestOption) (*Exchange, error) {
	return c.Do(ctx, http.MethodPost, path, body, opts...)
}

// Put is Do with PUT.
func (c *Client) Put(ctx context.Context, path string, body any, opts ...RequestOption) (*Exchange, error) {
	return c.Do(ctx, http.MethodPut, path, body, opts...)
}

// Delete is Do with DELETE (body may be nil; several DELETEs of this API take one).
func (c *Client) Delete(ctx context.Context, path string, body any, opts ...RequestOption) (*Exchange, error) {
	return c.Do(ctx, http.MethodDelete, path, body, opts...)
}

// Do sends a request and returns the final exchange (after any retries). The error is for
// transport failures only; any HTTP status is an exchange.
func (c *Client) Do(ctx context.Context, method, path string, body any, opts ...RequestOption) (*Exchange, error) {
	r := &Request{Method: method, Path: path, Body: body}
	for _, o := range opts {
		o(r)
	}
	return c.Send(ctx, r)
}

// Send is Do for a built Request.
func (c *Client) Send(ctx context.Context, r *Request) (*Exchange, error) {
	base, err := url.Parse(c.BaseURL)
	if err != nil {
		return nil, fmt.Errorf("contract: base URL %q: %w", c.BaseURL, err)
	}
	u, err := url.Parse(strings.TrimSuffix(c.BaseURL, "/") + r.Path)
	if err != nil {
		return nil, fmt.Errorf("contract: request path %q: %w", r.Path, err)
	}
	var payload []byte
	switch b := r.Body.(type) {
	case nil:
	case []byte:
		payload = b
	case string:
		payload = []byte(b)
	default:
		payload, err = json.Marshal(b)
		if err != nil {
			return nil, fmt.Errorf("contract: encode the body of %s %s: %w", r.Method, r.Path, err)
		}
	}
	sp := c.Spec
	if sp == nil {
		if sp, err = spec.Default(); err != nil {
			return nil, err
		}
	}
	op, _, ferr := sp.Find(r.Method, pathWithin(base, u))
	for attempt := 0; ; attempt++ {
		ex, err := c.attempt(ctx, r, u, payload, attempt)
		if err != nil {
			return nil, err
		}
		c.check(ctx, ex, op, ferr)
		if r.NoRetry {
			return ex, nil
		}
		d, retry := c.Retry.Delay(attempt, ex.Status, ex.ResponseHeader)
		if !retry {
			return ex, nil
		}
		if err := c.Retry.sleep(ctx, d); err != nil {
			return ex, fmt.Errorf("contract: waiting %s to retry %s after 429: %w", d, ex.label(), err)
		}
	}
}

func (c *Client) attempt(ctx context.Context, r *Request, u *url.URL, payload []byte, attempt int) (*Exchange, error) {
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, r.Method, u.String(), rd)
	if err != nil {
		return nil, fmt.Errorf("contract: build %s %s: %w", r.Method, r.Path, err)
	}
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		ct := r.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	if c.Version != "" {
		req.Header.Set(spec.VersionHeader, c.Version)
	}
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	for _, k := range r.DropHeaders {
		req.Header.Del(k)
	}
	hc := c.HTTP
	if hc == nil {
		hc = defaultHTTP
	}
	ex := &Exchange{
		Method: r.Method, URL: u.String(), RequestHeader: redactHeader(req.Header),
		RequestBody: payload, Attempt: attempt, Started: time.Now(),
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("contract: %s %s: %w", r.Method, u.Redacted(), err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("contract: read the response of %s %s: %w", r.Method, u.Redacted(), err)
	}
	ex.Duration = time.Since(ex.Started)
	ex.Status = resp.StatusCode
	ex.ResponseHeader = resp.Header
	ex.ResponseBody = data
	return ex, nil
}

var defaultHTTP = &http.Client{Timeout: 30 * time.Second}

// ErrNoOperation is the conformance failure of a request that resolves to no operation of the
// document: its response cannot be checked.
var ErrNoOperation = errors.New("contract: the request resolves to no operation of the document")

// check validates the exchange, records it and reports a non-conforming response.
func (c *Client) check(ctx context.Context, ex *Exchange, op *spec.Operation, ferr error) {
	if ferr != nil {
		ex.Conformance = fmt.Errorf("%w: %s %s (%v)", ErrNoOperation, ex.Method, ex.URL, ferr)
	} else {
		ex.Operation, ex.OperationID = op, op.ID
		ex.Conformance = Validate(ctx, op, ex)
	}
	if c.History != nil {
		c.History.add(ex)
	}
	if c.Coverage != nil && ex.OperationID != "" {
		c.Coverage.Record(ex.OperationID, ex.Status)
	}
	if ex.Conformance != nil && c.OnNonConforming != nil {
		c.OnNonConforming(ex)
	}
}

// Validate checks an exchange's response against what op declares (status, headers, body).
func Validate(ctx context.Context, op *spec.Operation, ex *Exchange) error {
	u, err := url.Parse(ex.URL)
	if err != nil {
		u = &url.URL{Path: op.Path}
	}
	req := &http.Request{Method: ex.Method, URL: u, Header: ex.RequestHeader.Clone()}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	return op.ValidateResponse(ctx, req, ex.Status, ex.ResponseHeader, ex.ResponseBody)
}
