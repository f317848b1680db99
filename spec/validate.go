package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"sort"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// RequestError is a request that the document refuses. Malformed requests (a body that is not JSON,
// a media type the operation does not take) are answered 400 by the live API with Messages[0] as the
// message; the others fail validation and are answered 422 with every message, the way the live
// API's class-validator pipe lists them ("property gender should not exist", "title must be a
// string", ...).
type RequestError struct {
	// Malformed is true for a body that cannot be read at all.
	Malformed bool
	// Messages are the failures, in the live API's wording.
	Messages []string
}

func (e *RequestError) Error() string {
	return "spec: invalid request: " + strings.Join(e.Messages, "; ")
}

var reqOptions = &openapi3filter.Options{
	MultiError:          true,
	SkipSettingDefaults: true,
	AuthenticationFunc:  openapi3filter.NoopAuthenticationFunc,
}

// ValidateRequest checks the parameters and the body of a request against the operation. params are
// the path parameters from Find; body is the whole request body (nil or empty when there is none).
// An empty JSON body is validated as {} (the live server reads a missing body as an empty object),
// so a missing required field is named rather than the body.
//
// A parameter or body that its plan (plan.go) finds certainly valid skips kin-openapi; everything
// else is validated by kin-openapi, which words every refusal.
func (o *Operation) ValidateRequest(ctx context.Context, r *http.Request, params map[string]string, body []byte) error {
	return o.validateRequest(ctx, r, params, nil, body, nil, false)
}

// ValidateRequestDecoded is ValidateRequest for a caller that has decoded the JSON body already:
// decoded must be what json.Unmarshal of body into an any gave (without error). It is used instead
// of decoding the body again; everything else (the media type, an empty body) is checked as
// ValidateRequest checks it.
func (o *Operation) ValidateRequestDecoded(ctx context.Context, r *http.Request, params map[string]string, body []byte, decoded any) error {
	return o.validateRequest(ctx, r, params, nil, body, decoded, true)
}

// ValidateRequestParsed is ValidateRequest (haveDecoded false) or ValidateRequestDecoded (true)
// for a caller that has parsed the query string already: query must be r.URL.Query() (nil: it is
// parsed here, when a query parameter needs it), and is only read.
func (o *Operation) ValidateRequestParsed(ctx context.Context, r *http.Request, params map[string]string, query url.Values, body []byte, decoded any, haveDecoded bool) error {
	return o.validateRequest(ctx, r, params, query, body, decoded, haveDecoded)
}

func (o *Operation) validateRequest(ctx context.Context, r *http.Request, params map[string]string, q url.Values, body []byte, decoded any, haveDecoded bool) error {
	var msgs []string
	op := o.route.Operation
	var input *openapi3filter.RequestValidationInput
	for _, pp := range o.params {
		if q == nil && pp.p.In == openapi3.ParameterInQuery {
			q = r.URL.Query()
		}
		if pp.fast != nil && pp.fast(q, r, params) {
			continue
		}
		if input == nil {
			input = &openapi3filter.RequestValidationInput{
				Request:     r,
				PathParams:  params,
				QueryParams: q, // parsed from the same URL as kin-openapi would, or nil: it parses
				Route:       o.route,
				Options:     reqOptions,
			}
		}
		msgs = validateParameter(ctx, input, q, pp.p, msgs)
	}
	if o.HasBody {
		value, err := o.decodeBody(r.Header.Get("Content-Type"), body, decoded, haveDecoded)
		if err != nil {
			return err
		}
		if o.body == nil || !o.body(value) {
			schema := op.RequestBody.Value.Content.Get(o.BodyContentType).Schema.Value
			if err := schema.VisitJSON(value, openapi3.MultiErrors(), openapi3.VisitAsRequest()); err != nil {
				msgs = appendSchemaMessages(msgs, "", err)
			}
		}
	}
	if len(msgs) > 0 {
		return &RequestError{Messages: msgs}
	}
	return nil
}

// validateParameter checks one parameter and appends its messages. A required query parameter
// sent empty ("locationId=") counts as missing, as class-validator's IsNotEmpty has it; the filter
// only checks that the name is present, and an empty string satisfies a bare string schema.
func validateParameter(ctx context.Context, input *openapi3filter.RequestValidationInput, query url.Values, p *openapi3.Parameter, msgs []string) []string {
	if p.In == openapi3.ParameterInQuery && p.Required {
		if vs, present := query[p.Name]; present && (len(vs) == 0 || vs[0] == "") {
			return append(msgs, p.Name+" should not be empty")
		}
	}
	if err := openapi3filter.ValidateParameter(ctx, input, p); err != nil {
		msgs = appendParamMessages(msgs, p, err)
	}
	return msgs
}

// decodeBody turns the body into the generic value the schema validates; a JSON body the caller
// decoded already (haveDecoded) is not decoded again.
func (o *Operation) decodeBody(contentType string, body []byte, decoded any, haveDecoded bool) (any, error) {
	mt := o.BodyContentType
	// The usual header names the type alone: no parameters to parse.
	if len(bytes.TrimSpace(body)) > 0 && contentType != "" && !strings.EqualFold(contentType, mt) {
		got, _, err := mime.ParseMediaType(contentType)
		if err != nil || !strings.EqualFold(got, mt) {
			return nil, &RequestError{Malformed: true, Messages: []string{
				fmt.Sprintf("Content-Type %q is not supported here: send %s", contentType, mt)}}
		}
	}
	switch mt {
	case "application/x-www-form-urlencoded":
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, &RequestError{Malformed: true, Messages: []string{"the form body cannot be parsed"}}
		}
		m := make(map[string]any, len(form))
		for k, v := range form {
			m[k] = v[len(v)-1]
		}
		return m, nil
	default:
		if len(bytes.TrimSpace(body)) == 0 {
			return map[string]any{}, nil
		}
		if haveDecoded {
			return decoded, nil
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			return nil, &RequestError{Malformed: true, Messages: []string{JSONErrorMessage(err)}}
		}
		return v, nil
	}
}

// DecodeMessage words an error of decoding a body the way the live API words a validation failure.
// For an API body the document has checked the types already, so what is left is a number beyond
// what the field holds (a page of 1e300); the admin API's bodies are only checked here.
func DecodeMessage(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) {
		field := ute.Field
		if field == "" {
			field = "body"
		}
		kind := reflect.Invalid
		if ute.Type != nil {
			kind = ute.Type.Kind()
		}
		switch {
		case kind >= reflect.Int && kind <= reflect.Uint64:
			if num, isNum := strings.CutPrefix(ute.Value, "number "); isNum {
				f, perr := strconv.ParseFloat(num, 64)
				switch {
				case perr == nil && f > 0 && f == math.Trunc(f):
					return field + " must not be greater than " + strconv.Itoa(math.MaxInt)
				case perr == nil && f < 0 && f == math.Trunc(f):
					return field + " must not be less than " + strconv.Itoa(math.MinInt)
				}
			}
			return field + " must be an integer number"
		case kind == reflect.Float32 || kind == reflect.Float64:
			return field + " must be a number conforming to the specified constraints"
		case kind == reflect.String:
			return field + " must be a string"
		case kind == reflect.Bool:
			return field + " must be a boolean value"
		case kind == reflect.Slice || kind == reflect.Array:
			return field + " must be an array"
		case kind == reflect.Struct || kind == reflect.Map || kind == reflect.Pointer:
			return field + " must be an object"
		}
		return field + " has the wrong type"
	}
	msg := err.Error()
	for _, prefix := range []string{"json: ", "fixtures: ", "store: "} {
		msg = strings.TrimPrefix(msg, prefix)
	}
	return msg
}

// JSONErrorMessage words a JSON decoding error the way the live API's body parser does.
func JSONErrorMessage(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) && se.Error() != "unexpected end of JSON input" {
		// Go counts the offending byte in the offset; the live parser gives its 0-based position.
		return fmt.Sprintf("Unexpected token in JSON at position %d", max(se.Offset-1, 0))
	}
	return "Unexpected end of JSON input"
}

func appendParamMessages(msgs []string, p *openapi3.Parameter, err error) []string {
	name := p.Name
	var re *openapi3filter.RequestError
	if errors.As(err, &re) && re.Err != nil {
		err = re.Err
	}
	switch {
	case errors.Is(err, openapi3filter.ErrInvalidRequired), errors.Is(err, openapi3filter.ErrInvalidEmptyValue):
		return append(msgs, name+" should not be empty")
	}
	var pe *openapi3filter.ParseError
	if errors.As(err, &pe) {
		if p.Schema != nil && p.Schema.Value != nil {
			return append(msgs, name+" "+typeMessage(p.Schema.Value))
		}
		return append(msgs, name+" is not valid")
	}
	return appendSchemaMessages(msgs, name, err)
}

// appendSchemaMessages flattens a (multi) schema error into class-validator style messages.
func appendSchemaMessages(msgs []string, prefix string, err error) []string {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		for _, e := range me {
			msgs = appendSchemaMessages(msgs, prefix, e)
		}
		return msgs
	}
	var se *openapi3.SchemaError
	if !errors.As(err, &se) {
		return append(msgs, strings.TrimSpace(joinPath(prefix, nil)+" "+err.Error()))
	}
	path := se.JSONPointer()
	field := joinPath(prefix, path)
	s := se.Schema
	switch se.SchemaField {
	case "additionalProperties", "properties":
		prop := quoted(se.Reason)
		if field == "" {
			return append(msgs, "property "+prop+" should not exist")
		}
		return append(msgs, field+".property "+prop+" should not exist")
	case "required":
		// The pointer already ends with the missing property.
		return append(msgs, field+" should not be empty")
	case "type", "nullable":
		return append(msgs, subject(field)+" "+typeMessage(s))
	case "enum":
		vals := make([]string, 0, len(s.Enum))
		for _, v := range s.Enum {
			vals = append(vals, fmt.Sprint(v))
		}
		return append(msgs, subject(field)+" must be one of the following values: "+strings.Join(vals, ", "))
	case "maxLength":
		return append(msgs, fmt.Sprintf("%s must be shorter than or equal to %d characters", subject(field), *s.MaxLength))
	case "minLength":
		return append(msgs, fmt.Sprintf("%s must be longer than or equal to %d characters", subject(field), s.MinLength))
	case "minimum":
		return append(msgs, fmt.Sprintf("%s must not be less than %s", subject(field), num(*s.Min)))
	case "maximum":
		return append(msgs, fmt.Sprintf("%s must not be greater than %s", subject(field), num(*s.Max)))
	case "minItems":
		return append(msgs, fmt.Sprintf("%s must contain at least %d elements", subject(field), s.MinItems))
	case "maxItems":
		return append(msgs, fmt.Sprintf("%s must contain no more than %d elements", subject(field), *s.MaxItems))
	case "pattern":
		return append(msgs, subject(field)+" must match /"+s.Pattern+"/ regular expression")
	case "format":
		if s.Format == "date-time" {
			return append(msgs, subject(field)+" must be a valid ISO 8601 date string")
		}
		return append(msgs, subject(field)+" must be a valid "+s.Format)
	case "anyOf", "oneOf":
		return append(msgs, subject(field)+" does not match any of the accepted shapes")
	}
	return append(msgs, subject(field)+" "+se.Reason)
}

func subject(field string) string {
	if field == "" {
		return "body"
	}
	return field
}

func typeMessage(s *openapi3.Schema) string {
	switch {
	case s.Type.Is("string"):
		return "must be a string"
	case s.Type.Is("integer"):
		return "must be an integer number"
	case s.Type.Is("number"):
		return "must be a number conforming to the specified constraints"
	case s.Type.Is("boolean"):
		return "must be a boolean value"
	case s.Type.Is("array"):
		return "must be an array"
	case s.Type.Is("object"):
		return "must be an object"
	}
	return "has the wrong type"
}

// quoted returns the first double-quoted word of a kin-openapi reason (the property's name).
func quoted(reason string) string {
	i := strings.IndexByte(reason, '"')
	if i < 0 {
		return reason
	}
	j := strings.IndexByte(reason[i+1:], '"')
	if j < 0 {
		return reason[i+1:]
	}
	return reason[i+1 : i+1+j]
}

func joinPath(prefix string, path []string) string {
	parts := make([]string, 0, len(path)+1)
	if prefix != "" {
		parts = append(parts, prefix)
	}
	parts = append(parts, path...)
	return strings.Join(parts, ".")
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// ResponseError is a response that does not conform to the document.
type ResponseError struct {
	// OperationID is the operation whose response failed.
	OperationID string
	// Status is the response's status.
	Status int
	// Problems lists each failure: the header or the field (a JSON pointer into the body) and why.
	Problems []string
}

func (e *ResponseError) Error() string {
	return fmt.Sprintf("spec: %s answered %d, which does not conform: %s", e.OperationID, e.Status, strings.Join(e.Problems, "; "))
}

var respOptions = &openapi3filter.Options{
	MultiError:            true,
	IncludeResponseStatus: true,
	AuthenticationFunc:    openapi3filter.NoopAuthenticationFunc,
}

// ValidateResponse checks a response (status, headers, body) against what the operation declares: an
// undeclared status, a missing required header or a body that does not match its schema each give a
// *ResponseError naming the operation and the field.
func (o *Operation) ValidateResponse(ctx context.Context, r *http.Request, status int, header http.Header, body []byte) error {
	if r == nil {
		r = &http.Request{Method: o.Method, URL: &url.URL{Path: o.Path}, Header: http.Header{}}
	}
	input := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: r, Route: o.route, Options: respOptions},
		Status:                 status,
		Header:                 header,
		Options:                respOptions,
	}
	input.SetBodyBytes(body)
	err := openapi3filter.ValidateResponse(ctx, input)
	if err == nil {
		return nil
	}
	return &ResponseError{OperationID: o.ID, Status: status, Problems: responseProblems(nil, err)}
}

func responseProblems(out []string, err error) []string {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		for _, e := range me {
			out = responseProblems(out, e)
		}
		return out
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		ptr := "/" + strings.Join(se.JSONPointer(), "/")
		reason := se.Reason
		if reason == "" {
			reason = "does not match " + se.SchemaField
		}
		if se.SchemaField == "required" {
			reason = "is required but missing" // the pointer ends with the property
		}
		return append(out, "body "+ptr+": "+reason)
	}
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) {
		if re.Err != nil {
			inner := responseProblems(nil, re.Err)
			if len(inner) == 1 && !strings.HasPrefix(inner[0], "body ") {
				return append(out, re.Reason+": "+inner[0])
			}
			if re.Reason != "" && !strings.HasPrefix(re.Reason, "response body doesn't match") {
				for i := range inner {
					inner[i] = re.Reason + ": " + inner[i]
				}
			}
			return append(out, inner...)
		}
		return append(out, re.Reason)
	}
	return append(out, err.Error())
}

// StatusList formats statuses for messages.
func StatusList(codes []int) string {
	s := make([]string, len(codes))
	sorted := append([]int(nil), codes...)
	sort.Ints(sorted)
	for i, c := range sorted {
		s[i] = strconv.Itoa(c)
	}
	return strings.Join(s, ", ")
}
