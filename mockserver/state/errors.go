package state

import (
	"errors"
	"fmt"
	"strings"
)

// Code says why the state refused a change or a read. The API's handlers answer each code with
// the live API's status and wording; the state knows neither.
type Code string

// Codes of Error.
const (
	// NotFound: the resource does not exist in the location (or exists in another one, which
	// looks the same from there). Kind and ID name it.
	NotFound Code = "not found"
	// Duplicate: a create or update would make a second contact with an e-mail or phone the
	// location does not allow twice. ID, Name and Field name the contact it matches.
	Duplicate Code = "duplicate"
	// Conflict: a created location, business or appointment reuses an id.
	Conflict Code = "conflict"
	// Invalid: input the document allows but the semantics refuse (a date of birth that is not a
	// date, a page beyond the search window, ...). Messages say what, one problem each.
	Invalid Code = "invalid"
	// Unavailable: the state's backend cannot be reached (a shared store that is down). Nothing
	// changed; the same call may succeed later. Messages say what failed.
	Unavailable Code = "unavailable"
)

// Error is an error of the state, with its code.
type Error struct {
	Code Code
	// Kind is the kind of resource (Contact, Task, Note, Location, Business, Company): NotFound.
	Kind string
	// ID is the resource's id (NotFound), or the matching contact's (Duplicate).
	ID string
	// Name is the matching contact's name and Field the identifier that matched (email or phone):
	// Duplicate.
	Name, Field string
	// Messages are the problems: Invalid (and a Conflict's or a load's detail).
	Messages []string
	// cause is the backend's error behind an Unavailable one.
	cause error
}

// Unwrap returns the backend's error behind an Unavailable error.
func (e *Error) Unwrap() error { return e.cause }

// Error implements error.
func (e *Error) Error() string {
	switch e.Code {
	case NotFound:
		return "state: " + strings.ToLower(e.Kind) + " " + e.ID + " not found"
	case Duplicate:
		return fmt.Sprintf("state: a duplicate of contact %s (same %s)", e.ID, e.Field)
	}
	if len(e.Messages) > 0 {
		return "state: " + strings.Join(e.Messages, "; ")
	}
	return "state: " + string(e.Code)
}

// Is reports a match with any *Error of the same code, so errors.Is(err, ErrNotFound) tests the
// code alone.
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code && t.Kind == "" && t.ID == "" && len(t.Messages) == 0
}

// Sentinels for errors.Is, one per code.
var (
	ErrNotFound    = &Error{Code: NotFound}
	ErrDuplicate   = &Error{Code: Duplicate}
	ErrConflict    = &Error{Code: Conflict}
	ErrInvalid     = &Error{Code: Invalid}
	ErrUnavailable = &Error{Code: Unavailable}
)

// NotFoundError returns the NotFound error of a resource.
func NotFoundError(kind, id string) error { return &Error{Code: NotFound, Kind: kind, ID: id} }

// InvalidError returns the Invalid error of the problems.
func InvalidError(msgs ...string) error { return &Error{Code: Invalid, Messages: msgs} }

// UnavailableError returns the Unavailable error of a backend failure, wrapping it.
func UnavailableError(err error) error {
	return &Error{Code: Unavailable, Messages: []string{err.Error()}, cause: err}
}

// CodeOf returns the code of a state error in err's chain, or "".
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
