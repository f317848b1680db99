package spec

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/routers"
)

//go:embed openapi.yaml
var embedded []byte

// Embedded returns the bytes of the OpenAPI document built into the binary.
func Embedded() []byte { return slices.Clone(embedded) }

// VersionHeader is the name of the API version header every contacts operation requires.
const VersionHeader = "Version"

// userTypeExtension names the security-scheme extension that says which kind of token a scheme
// accepts ("Location" or "Company").
const userTypeExtension = "x-user-type"

// Spec is a loaded, validated OpenAPI document with its operation index and router.
// It is read-only after Load and safe for concurrent use.
type Spec struct {
	// Doc is the parsed document. Callers must not modify it.
	Doc *openapi3.T
	// Operations lists every operation, sorted by path template, then method.
	Operations []*Operation

	byID   map[string]*Operation
	router *router
	// webhooks are the events of the x-webhooks extension (see webhooks.go).
	webhooks map[string]*Webhook
	// source is the document as loaded; rendered caches it with the servers replaced (render.go).
	source   []byte
	rendered rendered
}

// Operation is one operation of the document, with what the mock and the suites need precomputed.
type Operation struct {
	// ID is the operationId, e.g. "get-contact".
	ID string
	// Method is the upper-case HTTP method.
	Method string
	// Path is the path template as written in the document, e.g. "/contacts/{contactId}".
	Path string
	// Scopes lists the scopes of the operation's security requirement; a token needs one of them.
	// Empty when the operation is public (no security).
	Scopes []string
	// UserType is the kind of token the operation's security scheme accepts ("Location" or "Company");
	// empty when the operation is public.
	UserType string
	// SuccessStatus is the operation's (single) 2xx status.
	SuccessStatus int
	// Statuses lists every declared status, ascending.
	Statuses []int
	// Versions are the values the operation's Version header takes, the documented one first; empty
	// when it names none (any value is then accepted).
	Versions []string
	// Versioned reports whether the operation declares the Version header.
	Versioned bool
	// VersionRequired reports whether that header is required.
	VersionRequired bool
	// Deprecated mirrors the document's flag.
	Deprecated bool
	// HasBody reports whether the operation declares a request body.
	HasBody bool
	// BodyContentType is the request body's media type when HasBody.
	BodyContentType string
	// QueryParams lists the names of the declared query parameters.
	QueryParams []string
	// queryDefaults holds the declared defaults of query parameters, as strings.
	queryDefaults map[string]string
	// LocationIn says where the request names its location: "query" (a locationId query
	// parameter), "body" (a locationId property of the body) or "" (it does not).
	LocationIn string

	route *routers.Route
	// params are the validation plans of the parameters, in the order ValidateRequest checks them;
	// body is the plan of the request body's schema (nil: kin-openapi only). See plan.go.
	params []paramPlan
	body   bodyNode
}

// Declares reports whether the operation declares the status.
func (o *Operation) Declares(status int) bool {
	_, found := slices.BinarySearch(o.Statuses, status)
	return found
}

// QueryDefault returns the declared default of a query parameter, as the string a client would
// send ("" when it declares none).
func (o *Operation) QueryDefault(name string) string { return o.queryDefaults[name] }

// Public reports whether the operation needs no token.
func (o *Operation) Public() bool { return o.UserType == "" }

// Route returns the kin-openapi route of the operation, for callers that drive openapi3filter
// themselves.
func (o *Operation) Route() *routers.Route { return o.route }

// Operation returns the operation with the given operationId, or nil.
func (s *Spec) Operation(id string) *Operation { return s.byID[id] }

// AcceptsVersion reports whether the operation takes a Version header value: one of Versions (only
// the first, the documented one, when strict), or any value when it names none.
func (o *Operation) AcceptsVersion(v string, strict bool) bool {
	switch {
	case len(o.Versions) == 0:
		return true
	case strict:
		return v == o.Versions[0]
	}
	for _, x := range o.Versions {
		if x == v {
			return true
		}
	}
	return false
}

var (
	defaultOnce sync.Once
	defaultSpec *Spec
	defaultErr  error
)

// Default returns the embedded document, loaded and validated once per process.
func Default() (*Spec, error) {
	defaultOnce.Do(func() { defaultSpec, defaultErr = Load(embedded) })
	return defaultSpec, defaultErr
}

// MustDefault is Default for callers (tests, main) that cannot go on without the embedded document.
func MustDefault() *Spec {
	s, err := Default()
	if err != nil {
		panic(err)
	}
	return s
}

// LoadFile loads and validates a document from a file (YAML or JSON). External references are
// refused: a document must stand on its own.
func LoadFile(path string) (*Spec, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("spec: %w", err)
	}
	s, err := Load(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return s, nil
}

// Load parses a document (YAML or JSON), validates it and builds the operation index and router.
func Load(data []byte) (*Spec, error) {
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("spec: parse: %w", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("spec: invalid document: %w", err)
	}
	s, err := build(doc)
	if err != nil {
		return nil, err
	}
	s.source = slices.Clone(data)
	return s, nil
}

func build(doc *openapi3.T) (*Spec, error) {
	s := &Spec{Doc: doc, byID: map[string]*Operation{}, router: newRouter()}
	webhooks, err := parseWebhooks(doc)
	if err != nil {
		return nil, err
	}
	s.webhooks = webhooks
	if doc.Paths == nil || doc.Paths.Len() == 0 {
		return nil, errors.New("spec: the document has no paths")
	}
	userTypes := map[string]string{}
	if doc.Components != nil {
		for name, ref := range doc.Components.SecuritySchemes {
			if ref.Value == nil {
				continue
			}
			ut, _ := ref.Value.Extensions[userTypeExtension].(string)
			userTypes[name] = ut
		}
	}
	for _, path := range doc.Paths.InMatchingOrder() {
		item := doc.Paths.Value(path)
		for method, op := range item.Operations() {
			o, err := newOperation(doc, path, item, strings.ToUpper(method), op, userTypes)
			if err != nil {
				return nil, err
			}
			if s.byID[o.ID] != nil {
				return nil, fmt.Errorf("spec: operationId %q is used twice", o.ID)
			}
			s.byID[o.ID] = o
			s.Operations = append(s.Operations, o)
			if err := s.router.add(o); err != nil {
				return nil, err
			}
		}
	}
	sort.Slice(s.Operations, func(i, j int) bool {
		a, b := s.Operations[i], s.Operations[j]
		if a.Path != b.Path {
			return a.Path < b.Path
		}
		return a.Method < b.Method
	})
	return s, nil
}

func newOperation(doc *openapi3.T, path string, item *openapi3.PathItem, method string, op *openapi3.Operation, userTypes map[string]string) (*Operation, error) {
	if op.OperationID == "" {
		return nil, fmt.Errorf("spec: %s %s has no operationId", method, path)
	}
	o := &Operation{
		ID:         op.OperationID,
		Method:     method,
		Path:       path,
		Deprecated: op.Deprecated,
		route: &routers.Route{
			Spec: doc, Path: path, PathItem: item, Method: method, Operation: op,
		},
	}
	security := op.Security
	if security == nil {
		security = &doc.Security
	}
	for _, req := range *security {
		for scheme, scopes := range req {
			ut, known := userTypes[scheme]
			if !known {
				return nil, fmt.Errorf("spec: %s uses unknown security scheme %q", o.ID, scheme)
			}
			if ut == "" {
				return nil, fmt.Errorf("spec: security scheme %q has no %s extension", scheme, userTypeExtension)
			}
			if o.UserType != "" && o.UserType != ut {
				return nil, fmt.Errorf("spec: %s mixes token types %q and %q", o.ID, o.UserType, ut)
			}
			o.UserType = ut
			o.Scopes = append(o.Scopes, scopes...)
		}
	}
	if o.UserType != "" && len(o.Scopes) == 0 {
		return nil, fmt.Errorf("spec: %s is secured but names no scope", o.ID)
	}
	params := append(openapi3.Parameters{}, item.Parameters...)
	params = append(params, op.Parameters...)
	for _, p := range params {
		if p.Value == nil {
			continue
		}
		switch {
		case p.Value.In == openapi3.ParameterInHeader && p.Value.Name == VersionHeader:
			o.Versioned = true
			o.VersionRequired = p.Value.Required
			if sc := p.Value.Schema; sc != nil && sc.Value != nil {
				for _, v := range sc.Value.Enum {
					if str, ok := v.(string); ok {
						o.Versions = append(o.Versions, str)
					}
				}
			}
		case p.Value.In == openapi3.ParameterInQuery:
			o.QueryParams = append(o.QueryParams, p.Value.Name)
			if sc := p.Value.Schema; sc != nil && sc.Value != nil && sc.Value.Default != nil {
				if o.queryDefaults == nil {
					o.queryDefaults = map[string]string{}
				}
				o.queryDefaults[p.Value.Name] = fmt.Sprint(sc.Value.Default)
			}
		}
	}
	if slices.Contains(o.QueryParams, "locationId") {
		o.LocationIn = "query"
	}
	if op.RequestBody != nil && op.RequestBody.Value != nil {
		o.HasBody = true
		for ct, media := range op.RequestBody.Value.Content {
			o.BodyContentType = ct
			if media.Schema != nil && media.Schema.Value != nil && media.Schema.Value.Properties["locationId"] != nil && o.LocationIn == "" {
				o.LocationIn = "body"
			}
		}
	}
	if op.Responses != nil {
		for code := range op.Responses.Map() {
			n, err := strconv.Atoi(code)
			if err != nil {
				return nil, fmt.Errorf("spec: %s declares response %q; only numeric statuses are supported", o.ID, code)
			}
			o.Statuses = append(o.Statuses, n)
			if n >= 200 && n < 300 {
				if o.SuccessStatus != 0 {
					return nil, fmt.Errorf("spec: %s declares two success statuses (%d and %d)", o.ID, o.SuccessStatus, n)
				}
				o.SuccessStatus = n
			}
		}
	}
	slices.Sort(o.Statuses)
	o.compilePlans(doc)
	if o.SuccessStatus == 0 {
		return nil, fmt.Errorf("spec: %s declares no 2xx response", o.ID)
	}
	return o, nil
}

// Route errors returned by Find.
var (
	// ErrNotFound means no path template matches.
	ErrNotFound = errors.New("spec: no operation matches the path")
	// ErrMethodNotAllowed means a path template matches but not for this method.
	ErrMethodNotAllowed = errors.New("spec: the path does not accept this method")
)

// Find resolves a method and an escaped URL path (as in url.URL.EscapedPath) to an operation and its
// path parameters (unescaped). Hosts are ignored, so it works on any host and port. A trailing slash
// is optional: "/contacts" and "/contacts/" resolve alike. Literal segments win over parameters.
func (s *Spec) Find(method, escapedPath string) (*Operation, map[string]string, error) {
	return s.router.find(method, escapedPath)
}

// FindRequest is Find for an *http.Request.
func (s *Spec) FindRequest(r *http.Request) (*Operation, map[string]string, error) {
	return s.router.find(r.Method, r.URL.EscapedPath())
}
