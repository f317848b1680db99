package mockserver

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/contactsmock/contactsmock/mockserver/admin"
	"github.com/contactsmock/contactsmock/mockserver/faults"
	"github.com/contactsmock/contactsmock/mockserver/journal"
	"github.com/contactsmock/contactsmock/mockserver/oauth"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/mockserver/webhooks"
	"github.com/contactsmock/contactsmock/spec"
)

// APIError is an error answered in the live API's error shape:
// {statusCode, message, error?, meta?}. message is a string, or a list of strings for 422.
type APIError struct {
	Status  int
	Message any // string or []string
	// Meta is extra detail some errors carry (the duplicate refusal's {contactId, matchingField}).
	Meta any
	// Header holds headers to add (Retry-After).
	Header http.Header
	// Extra are additional top-level fields (OAuth's error and error_description).
	Extra map[string]any
}

// Error implements error.
func (e *APIError) Error() string { return fmt.Sprintf("mockserver: %d %v", e.Status, e.Message) }

// Live messages.
const (
	msgInvalidJWT     = "Invalid JWT"
	msgInvalidPIT     = "Invalid Private Integration token"
	msgScope          = "The token is not authorized for this scope."
	msgLocation       = "The token does not have access to this location."
	msgVersionMissing = "version header was not found."
	msgVersionInvalid = "version header is invalid"
	msgCompany        = "The token does not have access to this company."
	msgDuplicate      = "This location does not allow duplicated contacts."
	// msgUnavailable answers any request while the shared state (Redis) cannot be reached: the
	// live API's 503 shape, with a message that says it is the mock's backend.
	msgUnavailable = "Service Unavailable: the mock's state store cannot be reached; try again shortly"
)

func newError(status int, msg any) *APIError { return &APIError{Status: status, Message: msg} }

// reasonPhrase is the "error" field the live API's framework adds to 4xx and 5xx bodies.
func reasonPhrase(status int) string {
	if status == http.StatusUnprocessableEntity {
		return "Unprocessable Entity"
	}
	return http.StatusText(status)
}

// body renders the error's wire body.
func (e *APIError) body() map[string]any {
	b := map[string]any{"statusCode": e.Status, "message": e.Message}
	if e.Status != http.StatusBadRequest || e.Meta == nil {
		b["error"] = reasonPhrase(e.Status)
	}
	if e.Meta != nil {
		b["meta"] = e.Meta
	}
	for k, v := range e.Extra {
		b[k] = v
	}
	return b
}

// errorBody is the usual error body, {"error", "message", "statusCode"}: a message (one string or
// a list), no meta and no extra fields. Its fields are in the order of the keys of APIError.body's
// map (sorted), so the bytes are the same either way; errorResponse uses it where it can (a refused
// request is the 429 workload's whole answer, and a struct encodes without sorting a map).
type errorBody struct {
	Error      string `json:"error"`
	Message    any    `json:"message"` // string or []string
	StatusCode int    `json:"statusCode"`
}

// simpleErrorBody returns the error's body as an errorBody, when it is one.
func simpleErrorBody(e *APIError) (errorBody, bool) {
	if e.Meta != nil || len(e.Extra) > 0 {
		return errorBody{}, false
	}
	switch e.Message.(type) {
	case string, []string:
		return errorBody{Error: reasonPhrase(e.Status), Message: e.Message, StatusCode: e.Status}, true
	}
	return errorBody{}, false
}

func errorResponse(e *APIError) response {
	if b, ok := simpleErrorBody(e); ok {
		return response{status: e.Status, body: b, header: e.Header, apiError: true}
	}
	return response{status: e.Status, body: e.body(), header: e.Header, apiError: true}
}

// toAPIError maps any error a stage, a handler, the admin API or a subsystem returns to the wire
// error the live API would send: the one table from error codes to status and wording. Anything
// unexpected is a bug of the mock (or a failing state backend) and becomes a 500 that says so.
func toAPIError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	var se *state.Error
	if errors.As(err, &se) {
		switch se.Code {
		case state.NotFound:
			return newError(http.StatusBadRequest, liveMessage(se))
		case state.Duplicate:
			meta := map[string]any{"contactId": se.ID, "matchingField": se.Field}
			if se.Name != "" {
				meta["contactName"] = se.Name
			}
			return &APIError{Status: http.StatusBadRequest, Message: msgDuplicate, Meta: meta}
		case state.Invalid:
			return newError(http.StatusUnprocessableEntity, se.Messages)
		case state.Unavailable:
			return newError(http.StatusServiceUnavailable, msgUnavailable)
		}
	}
	var re *spec.RequestError
	if errors.As(err, &re) {
		if re.Malformed {
			return newError(http.StatusBadRequest, re.Messages[0])
		}
		return newError(http.StatusUnprocessableEntity, re.Messages)
	}
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return newError(http.StatusRequestEntityTooLarge, "request entity too large: the limit is "+strconv.FormatInt(mbe.Limit, 10)+" bytes")
	}
	var oe *oauth.Error
	if errors.As(err, &oe) {
		return &APIError{Status: oe.Status, Message: oe.Description, Extra: map[string]any{"error": oe.Code, "error_description": oe.Description}}
	}
	if errors.Is(err, oauth.ErrForeignCompany) {
		return newError(http.StatusForbidden, msgCompany)
	}
	var le *oauth.LocationError
	if errors.As(err, &le) {
		return newError(http.StatusBadRequest, "Location with id "+le.LocationID+" not found in company "+le.CompanyID)
	}
	if msgs := validationMessages(err); msgs != nil {
		return newError(http.StatusUnprocessableEntity, msgs)
	}
	var adm *admin.Error
	if errors.As(err, &adm) {
		if adm.Cause != nil {
			return newError(adm.Status, liveMessage(adm.Cause))
		}
		return newError(adm.Status, adm.Message)
	}
	var wu *webhooks.UnavailableError
	if errors.As(err, &wu) {
		return newError(http.StatusServiceUnavailable, wu.Message)
	}
	var wn *webhooks.NotFoundError
	if errors.As(err, &wn) {
		return newError(http.StatusNotFound, wn.Message)
	}
	return newError(http.StatusInternalServerError, "mockserver bug: "+err.Error())
}

// validationMessages returns the problems of a subsystem's refusal of invalid input (422), or nil.
func validationMessages(err error) []string {
	var fe *faults.ValidationError
	var je *journal.FilterError
	var oe *oauth.ValidationError
	var we *webhooks.ValidationError
	switch {
	case errors.As(err, &fe):
		return fe.Messages
	case errors.As(err, &je):
		return je.Messages
	case errors.As(err, &oe):
		return oe.Messages
	case errors.As(err, &we):
		return we.Messages
	}
	return nil
}

// liveMessage words an error as the live API's message says it: a state error in the live
// wording, anything else as its text.
func liveMessage(err error) string {
	var se *state.Error
	if errors.As(err, &se) {
		switch se.Code {
		case state.NotFound:
			return se.Kind + " with id " + se.ID + " not found"
		case state.Duplicate:
			return msgDuplicate
		case state.Invalid:
			if len(se.Messages) == 1 {
				return se.Messages[0]
			}
			return fmt.Sprint(se.Messages)
		}
	}
	return err.Error()
}

// messageLine says an error's messages on one line: a list joined, or the one message.
func messageLine(err error) string {
	if msgs := validationMessages(err); msgs != nil {
		return strings.Join(msgs, "; ")
	}
	ae := toAPIError(err)
	if list, ok := ae.Message.([]string); ok {
		return strings.Join(list, "; ")
	}
	return fmt.Sprint(ae.Message)
}

// oauthRequestError shapes a request the document refused: the token endpoint answers a body it
// cannot read at all (not a form) as invalid_request, like its other 400s. Everything else is
// already in the shape its operation declares.
func oauthRequestError(op *spec.Operation, e *APIError) *APIError {
	if op.ID == "get-access-token" && e.Status == http.StatusBadRequest {
		msg, _ := e.Message.(string)
		return &APIError{Status: e.Status, Message: msg, Extra: map[string]any{"error": "invalid_request", "error_description": msg}}
	}
	return e
}
