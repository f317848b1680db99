package state

import (
	"encoding/json"
	"sync/atomic"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/jsonwire"
)

// Contact is a stored contact as the state hands it out. It is never modified once handed out (a
// change makes a new one), so it may be read after the store's lock is released and shared between
// callers: whoever holds one must treat it, and everything its slices and pointers reach, as
// read-only.
type Contact struct {
	fixtures.Contact
	// encoded is the contact's JSON, made on first use (see JSON); listed the same with the list
	// item's attributions (see ListJSON).
	encoded atomic.Pointer[[]byte]
	listed  atomic.Pointer[[]byte]
}

// JSON returns the contact's JSON (jsonwire's encoding of the fixtures.Contact). It is made once
// per stored contact and kept: a page of contacts then costs a copy per contact. The bytes are
// read-only.
func (c *Contact) JSON() ([]byte, error) {
	if b := c.encoded.Load(); b != nil {
		return *b, nil
	}
	b, err := jsonwire.Marshal(&c.Contact)
	if err != nil {
		return nil, err
	}
	c.encoded.Store(&b)
	return b, nil
}

// ListJSON returns the contact as a list item (GET /contacts/, the business's contacts): its JSON
// plus `attributions`, the list item's array of attribution sources (reference §3.10: first, then
// last, as far as known; [] without any). Made once per stored contact and kept, like JSON.
func (c *Contact) ListJSON() ([]byte, error) {
	if b := c.listed.Load(); b != nil {
		return *b, nil
	}
	base, err := c.JSON()
	if err != nil {
		return nil, err
	}
	attrs := make([]*fixtures.Attribution, 0, 2)
	for _, a := range []*fixtures.Attribution{c.AttributionSource, c.LastAttributionSource} {
		if a != nil {
			attrs = append(attrs, a)
		}
	}
	enc, err := jsonwire.Marshal(attrs)
	if err != nil {
		return nil, err
	}
	// base is a JSON object: its closing brace gives way to the one more key.
	b := make([]byte, 0, len(base)+len(`,"attributions":`)+len(enc))
	b = append(append(append(b, base[:len(base)-1]...), `,"attributions":`...), enc...)
	b = append(b, '}')
	c.listed.Store(&b)
	return b, nil
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
	return jsonwire.Unmarshal(b, &o.V)
}

// MarshalJSON writes the value, or null.
func (o Opt[T]) MarshalJSON() ([]byte, error) {
	if !o.Set || o.Null {
		return []byte("null"), nil
	}
	return jsonwire.Marshal(o.V)
}

// Has reports whether the field carries a non-null value.
func (o Opt[T]) Has() bool { return o.Set && !o.Null }

// ContactInput is the body of create, update and upsert. The handler has validated it against the
// document already; the store applies the live semantics.
type ContactInput struct {
	FirstName    Opt[string]               `json:"firstName"`
	LastName     Opt[string]               `json:"lastName"`
	Name         Opt[string]               `json:"name"`
	Email        Opt[string]               `json:"email"`
	Phone        Opt[string]               `json:"phone"`
	CompanyName  Opt[string]               `json:"companyName"`
	Timezone     Opt[string]               `json:"timezone"`
	Gender       Opt[string]               `json:"gender"`
	Source       Opt[string]               `json:"source"`
	AssignedTo   Opt[string]               `json:"assignedTo"`
	Address1     Opt[string]               `json:"address1"`
	City         Opt[string]               `json:"city"`
	State        Opt[string]               `json:"state"`
	Country      Opt[string]               `json:"country"`
	PostalCode   Opt[string]               `json:"postalCode"`
	Website      Opt[string]               `json:"website"`
	DateOfBirth  Opt[json.RawMessage]      `json:"dateOfBirth"`
	DND          Opt[bool]                 `json:"dnd"`
	DNDSettings  Opt[fixtures.DNDSettings] `json:"dndSettings"`
	Tags         Opt[[]string]             `json:"tags"`
	CustomFields Opt[[]CustomFieldInput]   `json:"customFields"`
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

// ListPage is one page of GET /contacts/. Its contacts are read-only.
type ListPage struct {
	Contacts []*Contact
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

// MaxFilterValue is the longest string a search filter value may be (reference §3.9): longer ones
// are refused as Invalid ("filters.N.value must be shorter than or equal to 75 characters").
const MaxFilterValue = 75

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

// SearchHit is a contact (read-only) with its deep-paging cursor.
type SearchHit struct {
	Contact     *Contact
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

// Event is a state change, named as the live webhook events are. A Store delivers them to its
// subscriber in the order of the changes, after the change (see Store). The resources it points
// to are never modified afterwards.
type Event struct {
	Type       string
	LocationID string
	// Contact is set for contact events (for ContactDelete, the contact as it was).
	Contact *fixtures.Contact
	Task    *fixtures.Task
	Note    *fixtures.Note
	// At is when the change was made, on the mock's clock (zero when the store does not say).
	At fixtures.Timestamp
	// Change numbers the change in its location's change log, increasing with every change of
	// the location; the events of one change share it. 0 when the store keeps no such log (the
	// memory store). A shared store's subscriber dedupes on (LocationID, Change, position).
	Change uint64
	// Appointment is set for the appointment events.
	Appointment *fixtures.Appointment
	// Install is set for INSTALL and UNINSTALL, which the authorization server's side of the mock
	// sends (not the store).
	Install *Install
}

// Install is an app's installation on a location or a company: what INSTALL and UNINSTALL say
// (reference §6.1).
type Install struct {
	AppID      string
	CompanyID  string
	LocationID string
	UserID     string
	PlanID     string
}

// AppointmentPatch changes an appointment: the fields set are replaced.
type AppointmentPatch struct {
	Title             Opt[string]             `json:"title"`
	Status            Opt[string]             `json:"status"`
	AppointmentStatus Opt[string]             `json:"appointmentStatus"`
	Notes             Opt[string]             `json:"notes"`
	Address           Opt[string]             `json:"address"`
	StartTime         Opt[fixtures.Timestamp] `json:"startTime"`
	EndTime           Opt[fixtures.Timestamp] `json:"endTime"`
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
	// Appointment events: the store emits them when the admin API adds, changes or removes an
	// appointment.
	AppointmentCreate = "AppointmentCreate"
	AppointmentUpdate = "AppointmentUpdate"
	AppointmentDelete = "AppointmentDelete"
	// App lifecycle events: the mock sends them when consent completes (INSTALL) and when the admin
	// API removes an installation (UNINSTALL), not the store.
	AppInstall   = "INSTALL"
	AppUninstall = "UNINSTALL"
)

// EventTypes lists every event type a webhook can receive: the store's and the app lifecycle's.
var EventTypes = []string{
	ContactCreate, ContactUpdate, ContactDelete, ContactTagUpdate, ContactDndUpdate,
	NoteCreate, NoteUpdate, NoteDelete, TaskCreate, TaskComplete, TaskDelete,
	AppointmentCreate, AppointmentUpdate, AppointmentDelete, AppInstall, AppUninstall,
}
