package mockserver

import (
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/contactsmock/contactsmock/mockserver/store"
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

func (e *APIError) Error() string { return fmt.Sprintf("mockserver: %d %v", e.Status, e.Message) }

// Live messages.
const (
	msgInvalidJWT      = "Invalid JWT"
	msgScope           = "The token is not authorized for this scope."
	msgLocation        = "The token does not have access to this location."
	msgVersionMissing  = "version header was not found."
	msgVersionInvalid  = "version header is invalid"
	msgTooManyRequests = "Too Many Requests - Rate limit exceeded"
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

// toAPIError maps any error a stage or handler returns to the wire error the live API would send.
// Anything unexpected is a bug of the mock and becomes a 500 that says so.
func toAPIError(err error) *APIError {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae
	}
	var nf *store.NotFoundError
	if errors.As(err, &nf) {
		return newError(http.StatusBadRequest, nf.Error())
	}
	var dup *store.DuplicateError
	if errors.As(err, &dup) {
		meta := map[string]any{"contactId": dup.ContactID, "matchingField": dup.MatchingField}
		if dup.ContactName != "" {
			meta["contactName"] = dup.ContactName
		}
		return &APIError{Status: http.StatusBadRequest, Message: dup.Error(), Meta: meta}
	}
	var inv *store.InvalidError
	if errors.As(err, &inv) {
		return newError(http.StatusUnprocessableEntity, inv.Messages)
	}
	var bad *store.BadRequestError
	if errors.As(err, &bad) {
		return newError(http.StatusBadRequest, bad.Message)
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
	return newError(http.StatusInternalServerError, "mockserver bug: "+err.Error())
}
