package mockserver

import (
	"strconv"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// bodyAppender is a response body that writes its own JSON: exactly the bytes encoding/json writes
// for it (HTML escaping off), without reflection. write uses it for the hot responses (a contact, a
// page of contacts); TestBodyAppendersMatchEncoding holds each one to encoding/json's bytes. An
// error means encoding/json fails on the value too: write then takes its ordinary path, which
// answers the failure as before.
type bodyAppender interface {
	appendJSON(dst []byte) ([]byte, error)
}

// contactBody is {"contact": ...}: get, create.
type contactBody struct {
	Contact fixtures.Contact `json:"contact"`
}

func (b contactBody) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"contact":`...)
	dst, err := b.Contact.AppendJSON(dst)
	return append(dst, '}'), err
}

// sharedContactBody is contactBody for a contact shared by the store (read-only), encoded afresh:
// a created or updated contact's JSON is not cached until something reads it again.
type sharedContactBody struct {
	Contact *fixtures.Contact `json:"contact"`
}

func (b sharedContactBody) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"contact":`...)
	dst, err := b.Contact.AppendJSON(dst)
	return append(dst, '}'), err
}

// sharedUpdatedBody is updatedBody for a contact shared by the store (read-only).
type sharedUpdatedBody struct {
	Succeded bool              `json:"succeded"`
	Contact  *fixtures.Contact `json:"contact"`
}

func (b sharedUpdatedBody) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"succeded":`...)
	dst = strconv.AppendBool(dst, b.Succeded)
	dst = append(dst, `,"contact":`...)
	dst, err := b.Contact.AppendJSON(dst)
	return append(dst, '}'), err
}

// storedBody is contactBody for a contact shared by the store: its JSON comes from the store's
// cache. encoding/json sees only Contact, and writes what it writes for contactBody.
type storedBody struct {
	Contact *fixtures.Contact `json:"contact"`
	stored  *state.Contact
}

func (b storedBody) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"contact":`...)
	dst, err := b.stored.AppendJSON(dst)
	return append(dst, '}'), err
}

// storedListBody is listBody for contacts shared by the store.
type storedListBody struct {
	Contacts []*fixtures.Contact `json:"contacts"`
	Meta     listMeta            `json:"meta"`
	stored   []*state.Contact
}

func (b storedListBody) appendJSON(dst []byte) ([]byte, error) {
	orig := len(dst)
	dst = append(dst, `{"contacts":[`...)
	for i, st := range b.stored {
		if i > 0 {
			dst = append(dst, ',')
		}
		var err error
		if dst, err = st.AppendJSON(dst); err != nil {
			return dst[:orig], err
		}
	}
	dst = append(dst, ']')
	return appendMeta(dst, &b.Meta), nil
}

// updatedBody is update-contact's answer.
type updatedBody struct {
	Succeded bool             `json:"succeded"`
	Contact  fixtures.Contact `json:"contact"`
}

func (b updatedBody) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"succeded":`...)
	dst = strconv.AppendBool(dst, b.Succeded)
	dst = append(dst, `,"contact":`...)
	dst, err := b.Contact.AppendJSON(dst)
	return append(dst, '}'), err
}

// appendMeta appends the meta member of a list page and closes the page's object.
func appendMeta(dst []byte, m *listMeta) []byte {
	dst = append(dst, `,"meta":{"total":`...)
	dst = strconv.AppendInt(dst, int64(m.Total), 10)
	dst = append(dst, `,"nextPageUrl":`...)
	dst = appendStringPtr(dst, m.NextPageURL)
	dst = append(dst, `,"startAfterId":`...)
	dst = appendStringPtr(dst, m.StartAfterID)
	dst = append(dst, `,"startAfter":`...)
	if m.StartAfter == nil {
		dst = append(dst, "null"...)
	} else {
		dst = strconv.AppendInt(dst, *m.StartAfter, 10)
	}
	dst = append(dst, `,"currentPage":`...)
	dst = strconv.AppendInt(dst, int64(m.CurrentPage), 10)
	dst = append(dst, `,"nextPage":`...)
	dst = appendIntPtr(dst, m.NextPage)
	dst = append(dst, `,"prevPage":`...)
	dst = appendIntPtr(dst, m.PrevPage)
	return append(dst, "}}"...)
}

// searchBody is a page of advanced search.
type searchBody struct {
	Contacts []searchHit `json:"contacts"`
	Total    int         `json:"total"`
}

// appendJSON writes the page when every searchAfter value is a string or an int64 (the cursors of
// the stored order and of text, date and boolean sorts); any other value, which encoding/json
// formats by rules not copied here, sends the page down the ordinary path.
func (b searchBody) appendJSON(dst []byte) ([]byte, error) {
	for i := range b.Contacts {
		for _, v := range b.Contacts[i].SearchAfter {
			switch v.(type) {
			case string, int64:
			default:
				return dst, errNotAppendable
			}
		}
	}
	orig := len(dst)
	dst = append(dst, `{"contacts":`...)
	if b.Contacts == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range b.Contacts {
			if i > 0 {
				dst = append(dst, ',')
			}
			h := &b.Contacts[i]
			var err error
			if dst, err = h.Contact.AppendJSON(dst); err != nil {
				return dst[:orig], err
			}
			// The hit embeds the contact: its fields, then searchAfter, in one object.
			dst = append(dst[:len(dst)-1], `,"searchAfter":`...)
			if h.SearchAfter == nil {
				dst = append(dst, "null"...)
			} else {
				dst = append(dst, '[')
				for j, v := range h.SearchAfter {
					if j > 0 {
						dst = append(dst, ',')
					}
					switch v := v.(type) {
					case string:
						dst = fixtures.AppendJSONString(dst, v)
					case int64:
						dst = strconv.AppendInt(dst, v, 10)
					}
				}
				dst = append(dst, ']')
			}
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"total":`...)
	dst = strconv.AppendInt(dst, int64(b.Total), 10)
	return append(dst, '}'), nil
}

type appendError struct{}

func (appendError) Error() string {
	return "mockserver: the body has values the append encoder does not write"
}

var errNotAppendable error = appendError{}

func appendStringPtr(dst []byte, s *string) []byte {
	if s == nil {
		return append(dst, "null"...)
	}
	return fixtures.AppendJSONString(dst, *s)
}

func appendIntPtr(dst []byte, n *int) []byte {
	if n == nil {
		return append(dst, "null"...)
	}
	return strconv.AppendInt(dst, int64(*n), 10)
}

// errorBody is the usual error body, {"error", "message", "statusCode"}: a message (one string or
// a list), no meta and no extra fields. The fields are in the order encoding/json writes the keys
// of APIError.body's map (sorted), so the bytes are the same either way. errorResponse uses it
// where it can (a refused request is the 429 workload's whole answer).
type errorBody struct {
	Error      string `json:"error"`
	Message    any    `json:"message"` // string or []string
	StatusCode int    `json:"statusCode"`
}

func (b errorBody) appendJSON(dst []byte) ([]byte, error) {
	dst = append(dst, `{"error":`...)
	dst = fixtures.AppendJSONString(dst, b.Error)
	dst = append(dst, `,"message":`...)
	switch m := b.Message.(type) {
	case string:
		dst = fixtures.AppendJSONString(dst, m)
	case []string:
		dst = fixtures.AppendJSONStrings(dst, m)
	}
	dst = append(dst, `,"statusCode":`...)
	dst = strconv.AppendInt(dst, int64(b.StatusCode), 10)
	return append(dst, '}'), nil
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
