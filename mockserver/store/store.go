package store

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/contactsmock/contactsmock/fixtures"
)

// Store is the mock's state. Every method is atomic and safe for concurrent use; values returned are
// copies the caller owns.
type Store interface {
	// Locations lists the locations (settings only, without their contents), in creation order.
	Locations() []fixtures.Location
	// Location returns one location's settings.
	Location(id string) (fixtures.Location, error)
	// CreateLocation adds an empty location (with its settings, users and custom fields).
	CreateLocation(loc fixtures.Location) (fixtures.Location, error)
	// DeleteLocation removes a location with everything it holds (contacts and their children,
	// appointments, businesses). It emits no events: it is an administrative act, not a write of
	// the API.
	DeleteLocation(id string) error

	GetContact(loc, id string) (fixtures.Contact, error)
	CreateContact(loc string, in ContactInput) (fixtures.Contact, error)
	UpdateContact(loc, id string, in ContactInput) (fixtures.Contact, error)
	UpsertContact(loc string, in ContactInput, createNewIfDuplicateAllowed bool) (c fixtures.Contact, created bool, err error)
	DeleteContact(loc, id string) error
	ListContacts(loc string, q ListQuery) (ListPage, error)
	SearchContacts(loc string, q SearchQuery) (SearchPage, error)
	FindDuplicate(loc, email, phone string) (*fixtures.Contact, error)
	ContactsByBusiness(loc, businessID, query string, skip, limit int) ([]fixtures.Contact, int, error)

	AddTags(loc, id string, tags []string) ([]string, error)
	RemoveTags(loc, id string, tags []string) ([]string, error)
	AddFollowers(loc, id string, followers []string) (all, added []string, err error)
	RemoveFollowers(loc, id string, followers []string) (all, removed []string, err error)
	AddToCampaign(loc, id, campaignID string) error
	RemoveFromCampaign(loc, id, campaignID string) error
	RemoveFromAllCampaigns(loc, id string) error
	AddToWorkflow(loc, id, workflowID, eventStartTime string) error
	RemoveFromWorkflow(loc, id, workflowID string) error
	BulkTags(loc string, contactIDs, tags []string, remove, removeAll bool) ([]BulkTagResult, error)
	BulkBusiness(loc string, contactIDs []string, businessID *string) ([]string, error)

	ListTasks(loc, contactID string) ([]fixtures.Task, error)
	GetTask(loc, contactID, taskID string) (fixtures.Task, error)
	CreateTask(loc, contactID string, in TaskInput) (fixtures.Task, error)
	UpdateTask(loc, contactID, taskID string, in TaskInput) (fixtures.Task, error)
	DeleteTask(loc, contactID, taskID string) error

	ListNotes(loc, contactID string) ([]fixtures.Note, error)
	GetNote(loc, contactID, noteID string) (fixtures.Note, error)
	CreateNote(loc, contactID string, in NoteInput) (fixtures.Note, error)
	UpdateNote(loc, contactID, noteID string, in NoteInput) (fixtures.Note, error)
	DeleteNote(loc, contactID, noteID string) error

	ListAppointments(loc, contactID string) ([]fixtures.Appointment, error)
	AddAppointment(a fixtures.Appointment) (fixtures.Appointment, error)
	AddBusiness(b fixtures.Business) (fixtures.Business, error)

	// Snapshot returns the whole state as a fixture document.
	Snapshot() fixtures.Document
	// Restore replaces the whole state with a document, atomically: on error nothing changed. The
	// store may keep parts of the document (the memory store shares the contacts' slices): the
	// caller must not modify it afterwards.
	Restore(doc fixtures.Document) error
	// Merge adds a document's locations and contents to the state, atomically. As with Restore,
	// the caller must not modify the document afterwards.
	Merge(doc fixtures.Document) error
	// Stats counts what is stored.
	Stats() Stats
}

// Stats counts the stored resources.
type Stats struct {
	Locations    int `json:"locations"`
	Contacts     int `json:"contacts"`
	Tasks        int `json:"tasks"`
	Notes        int `json:"notes"`
	Appointments int `json:"appointments"`
	Businesses   int `json:"businesses"`
}

// Opt is an optional JSON field that tells "absent" from "null" from a value, which PUT needs
// ("email": null clears the email, an absent email leaves it alone).
type Opt[T any] struct {
	// Set is true when the field was present.
	Set bool
	// Null is true when it was present as null.
	Null bool
	// V is the value when present and not null.
	V T
}

// Of returns a set Opt.
func Of[T any](v T) Opt[T] { return Opt[T]{Set: true, V: v} }

// UnmarshalJSON records presence and nullness.
func (o *Opt[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		o.Null = true
		var zero T
		o.V = zero
		return nil
	}
	// The usual values, a plain string or a boolean, are read directly: json.Unmarshal would
	// check and decode them again through reflection, with the same result.
	switch p := any(&o.V).(type) {
	case *string:
		if s, ok := plainJSONString(b); ok {
			*p = s
			return nil
		}
	case *bool:
		switch string(b) {
		case "true":
			*p = true
			return nil
		case "false":
			*p = false
			return nil
		}
	}
	return json.Unmarshal(b, &o.V)
}

// plainJSONString returns the contents of a JSON string literal without escapes or control
// characters, in valid UTF-8: the string json.Unmarshal would decode from it, byte for byte.
func plainJSONString(b []byte) (string, bool) {
	if len(b) < 2 || b[0] != '"' || b[len(b)-1] != '"' {
		return "", false
	}
	inner := b[1 : len(b)-1]
	for _, c := range inner {
		if c < 0x20 || c == '"' || c == '\\' {
			return "", false
		}
	}
	if !utf8.Valid(inner) {
		return "", false
	}
	return string(inner), true
}

// MarshalJSON writes the value, or null.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Set || o.Null {
		return []byte("null"), nil
	}
	return json.Marshal(o.V)
}

// Has reports whether the field carries a non-null value.
func (o Opt[T]) Has() bool { return o.Set && !o.Null }

// ContactInput is the body of create, update and upsert. The handler has validated it against the
// document already; the store applies the live semantics.
type ContactInput struct {
	FirstName         Opt[string]               `json:"firstName"`
	LastName          Opt[string]               `json:"lastName"`
	Name              Opt[string]               `json:"name"`
	Email             Opt[string]               `json:"email"`
	Phone             Opt[string]               `json:"phone"`
	CompanyName       Opt[string]               `json:"companyName"`
	Timezone          Opt[string]               `json:"timezone"`
	Gender            Opt[string]               `json:"gender"`
	Source            Opt[string]               `json:"source"`
	AssignedTo        Opt[string]               `json:"assignedTo"`
	Address1          Opt[string]               `json:"address1"`
	City              Opt[string]               `json:"city"`
	State             Opt[string]               `json:"state"`
	Country           Opt[string]               `json:"country"`
	PostalCode        Opt[string]               `json:"postalCode"`
	Website           Opt[string]               `json:"website"`
	DateOfBirth       Opt[json.RawMessage]      `json:"dateOfBirth"`
	DND               Opt[bool]                 `json:"dnd"`
	DNDSettings       Opt[fixtures.DNDSettings] `json:"dndSettings"`
	Tags              Opt[[]string]             `json:"tags"`
	CustomFields      Opt[[]CustomFieldInput]   `json:"customFields"`
	AttributionSource Opt[fixtures.Attribution] `json:"attributionSource"`
}

// CustomFieldInput is one custom field value on the write side: named by id or by key.
type CustomFieldInput struct {
	ID         string          `json:"id"`
	Key        string          `json:"key"`
	FieldValue json.RawMessage `json:"field_value"`
}

// TaskInput is the body of task create and update, and of the completed endpoint.
type TaskInput struct {
	Title      Opt[string]             `json:"title"`
	Body       Opt[string]             `json:"body"`
	AssignedTo Opt[string]             `json:"assignedTo"`
	DueDate    Opt[fixtures.Timestamp] `json:"dueDate"`
	Completed  Opt[bool]               `json:"completed"`
}

// NoteInput is the body of note create and update.
type NoteInput struct {
	Body   Opt[string] `json:"body"`
	UserID Opt[string] `json:"userId"`
	Title  Opt[string] `json:"title"`
	Color  Opt[string] `json:"color"`
	Pinned Opt[bool]   `json:"pinned"`
}

// ListQuery is GET /contacts/'s paging: newest first, a cursor of (startAfter, startAfterId).
type ListQuery struct {
	Limit        int
	StartAfterID string
	// StartAfter is the dateAdded (epoch ms) of the cursor contact; 0 means none.
	StartAfter int64
	Query      string
}

// ListPage is one page of GET /contacts/.
type ListPage struct {
	Contacts []fixtures.Contact
	// Total counts every contact the query matches.
	Total int
	// Offset is the number of matching contacts before this page (for page numbers).
	Offset int
	// More reports whether a next page exists.
	More bool
}

// SearchQuery is POST /contacts/search's body (locationId removed).
type SearchQuery struct {
	PageLimit   int      `json:"pageLimit"`
	Page        int      `json:"page"`
	SearchAfter []any    `json:"searchAfter"`
	Filters     []Filter `json:"filters"`
	Sort        []Sort   `json:"sort"`
	Query       string   `json:"query"`
}

// Filter is a search filter, or a group of them.
type Filter struct {
	Field    string   `json:"field"`
	Operator string   `json:"operator"`
	Value    any      `json:"value"`
	Group    string   `json:"group"`
	Filters  []Filter `json:"filters"`
}

// Sort is one sort key of a search.
type Sort struct {
	Field     string `json:"field"`
	Direction string `json:"direction"`
}

// SearchPage is one page of a search.
type SearchPage struct {
	Contacts []SearchHit
	Total    int
}

// SearchHit is a contact with its deep-paging cursor.
type SearchHit struct {
	Contact     fixtures.Contact
	SearchAfter []any
}

// BulkTagResult is one contact's outcome in a bulk tag update.
type BulkTagResult struct {
	ContactID   string   `json:"contactId"`
	Message     string   `json:"message"`
	Type        string   `json:"type"`
	OldTags     []string `json:"oldTags,omitempty"`
	TagsAdded   []string `json:"tagsAdded,omitempty"`
	TagsRemoved []string `json:"tagsRemoved,omitempty"`
}

// Event is a state change, named as the live webhook events are. The store calls its sink with every
// event while it still holds its lock, so the sink sees events in the order of the changes; a sink
// must only queue them.
type Event struct {
	Type       string
	LocationID string
	// Contact is set for contact events (for ContactDelete, the contact as it was).
	Contact *fixtures.Contact
	Task    *fixtures.Task
	Note    *fixtures.Note
}

// Event types.
const (
	ContactCreate    = "ContactCreate"
	ContactUpdate    = "ContactUpdate"
	ContactDelete    = "ContactDelete"
	ContactTagUpdate = "ContactTagUpdate"
	ContactDndUpdate = "ContactDndUpdate"
	NoteCreate       = "NoteCreate"
	NoteUpdate       = "NoteUpdate"
	NoteDelete       = "NoteDelete"
	TaskCreate       = "TaskCreate"
	TaskComplete     = "TaskComplete"
	TaskDelete       = "TaskDelete"
)

// EventTypes lists every event type the store emits.
var EventTypes = []string{
	ContactCreate, ContactUpdate, ContactDelete, ContactTagUpdate, ContactDndUpdate,
	NoteCreate, NoteUpdate, NoteDelete, TaskCreate, TaskComplete, TaskDelete,
}

// NotFoundError is a resource that does not exist in the location (or exists in another one, which
// looks the same from here).
type NotFoundError struct {
	Kind string // Contact, Task, Note, Location, Business
	ID   string
}

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("%s with id %s not found", e.Kind, e.ID)
}

// DuplicateError is a create or update refused because the location does not allow duplicates.
type DuplicateError struct {
	ContactID     string
	ContactName   string
	MatchingField string // email or phone
}

func (e *DuplicateError) Error() string {
	return "This location does not allow duplicated contacts."
}

// InvalidError is input the document allows but the semantics refuse (a date of birth that is not
// a date, a page beyond the search window, ...). Messages use the live API's wording; the handler
// answers 422.
type InvalidError struct {
	Messages []string
}

func (e *InvalidError) Error() string {
	if len(e.Messages) == 1 {
		return e.Messages[0]
	}
	return fmt.Sprint(e.Messages)
}

// BadRequestError is input the live API answers with 400 and a plain message.
type BadRequestError struct {
	Message string
}

func (e *BadRequestError) Error() string { return e.Message }

// ErrExists is returned when a created location, business or appointment reuses an id.
var ErrExists = errors.New("store: the id is already taken")

func invalid(msgs ...string) error { return &InvalidError{Messages: msgs} }
