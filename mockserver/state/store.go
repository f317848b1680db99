package state

import (
	"context"

	"github.com/contactsmock/contactsmock/fixtures"
)

// Store is the mock's state. Every method is atomic and safe for concurrent use. Contacts come out
// as *Contact, which the caller must treat as read-only (a backend may share them between
// callers); every other value returned is a copy the caller owns.
//
// Events: every change emits the events the live API's webhooks name, to the function given to
// Subscribe, in the order of the changes, after the change is complete (never while a lock of the
// store is held, so the subscriber may take its own locks), and before the method that made the
// change returns.
type Store interface {
	// Subscribe sets the function events go to (nil: none). Call it before the store serves.
	Subscribe(sink func(Event))

	// Locations lists the locations (settings only, without their contents), in creation order.
	Locations(ctx context.Context) ([]fixtures.Location, error)
	// Location returns one location's settings.
	Location(ctx context.Context, id string) (fixtures.Location, error)
	// CreateLocation adds an empty location (with its settings, users and custom fields); an empty
	// id is drawn from the id sequence.
	CreateLocation(ctx context.Context, loc fixtures.Location) (fixtures.Location, error)
	// DeleteLocation removes a location with everything it holds (contacts and their children,
	// appointments, businesses). It emits no events: it is an administrative act, not a write of
	// the API.
	DeleteLocation(ctx context.Context, id string) error

	GetContact(ctx context.Context, loc, id string) (*Contact, error)
	CreateContact(ctx context.Context, loc string, in ContactInput) (*Contact, error)
	UpdateContact(ctx context.Context, loc, id string, in ContactInput) (*Contact, error)
	UpsertContact(ctx context.Context, loc string, in ContactInput, createNewIfDuplicateAllowed bool) (c *Contact, created bool, err error)
	DeleteContact(ctx context.Context, loc, id string) error
	ListContacts(ctx context.Context, loc string, q ListQuery) (ListPage, error)
	SearchContacts(ctx context.Context, loc string, q SearchQuery) (SearchPage, error)
	// FindDuplicate returns the contact the location's duplicate rules match, or nil.
	FindDuplicate(ctx context.Context, loc, email, phone string) (*Contact, error)
	ContactsByBusiness(ctx context.Context, loc, businessID, query string, skip, limit int) ([]*Contact, int, error)

	AddTags(ctx context.Context, loc, id string, tags []string) ([]string, error)
	RemoveTags(ctx context.Context, loc, id string, tags []string) ([]string, error)
	AddFollowers(ctx context.Context, loc, id string, followers []string) (all, added []string, err error)
	RemoveFollowers(ctx context.Context, loc, id string, followers []string) (all, removed []string, err error)
	AddToCampaign(ctx context.Context, loc, id, campaignID string) error
	RemoveFromCampaign(ctx context.Context, loc, id, campaignID string) error
	RemoveFromAllCampaigns(ctx context.Context, loc, id string) error
	AddToWorkflow(ctx context.Context, loc, id, workflowID, eventStartTime string) error
	RemoveFromWorkflow(ctx context.Context, loc, id, workflowID string) error
	BulkTags(ctx context.Context, loc string, contactIDs, tags []string, remove, removeAll bool) ([]BulkTagResult, error)
	BulkBusiness(ctx context.Context, loc string, contactIDs []string, businessID *string) ([]string, error)

	ListTasks(ctx context.Context, loc, contactID string) ([]fixtures.Task, error)
	GetTask(ctx context.Context, loc, contactID, taskID string) (fixtures.Task, error)
	CreateTask(ctx context.Context, loc, contactID string, in TaskInput) (fixtures.Task, error)
	UpdateTask(ctx context.Context, loc, contactID, taskID string, in TaskInput) (fixtures.Task, error)
	DeleteTask(ctx context.Context, loc, contactID, taskID string) error

	ListNotes(ctx context.Context, loc, contactID string) ([]fixtures.Note, error)
	GetNote(ctx context.Context, loc, contactID, noteID string) (fixtures.Note, error)
	CreateNote(ctx context.Context, loc, contactID string, in NoteInput) (fixtures.Note, error)
	UpdateNote(ctx context.Context, loc, contactID, noteID string, in NoteInput) (fixtures.Note, error)
	DeleteNote(ctx context.Context, loc, contactID, noteID string) error

	ListAppointments(ctx context.Context, loc, contactID string) ([]fixtures.Appointment, error)
	// AddAppointment adds an appointment (its location and contact must exist) and emits
	// AppointmentCreate.
	AddAppointment(ctx context.Context, a fixtures.Appointment) (fixtures.Appointment, error)
	// UpdateAppointment changes an appointment of a location (NotFound "Appointment" when it has
	// none of that id), moves its dateUpdated and emits AppointmentUpdate.
	UpdateAppointment(ctx context.Context, loc, id string, p AppointmentPatch) (fixtures.Appointment, error)
	// DeleteAppointment removes an appointment of a location and emits AppointmentDelete.
	DeleteAppointment(ctx context.Context, loc, id string) error
	AddBusiness(ctx context.Context, b fixtures.Business) (fixtures.Business, error)

	// Snapshot returns the whole state as a fixture document.
	Snapshot(ctx context.Context) (fixtures.Document, error)
	// Restore replaces the whole state with a document, atomically: on error nothing changed. The
	// store may keep parts of the document: the caller must not modify it afterwards.
	Restore(ctx context.Context, doc fixtures.Document) error
	// Reset is Restore followed by a restart of the id sequence, in one step: no write between
	// them draws an id from the sequence being replaced (POST /__admin/reset with an id seed).
	Reset(ctx context.Context, doc fixtures.Document) error
	// Merge adds a document's locations and contents to the state, atomically. As with Restore,
	// the caller must not modify the document afterwards.
	Merge(ctx context.Context, doc fixtures.Document) error
	// Stats counts what is stored.
	Stats(ctx context.Context) (Stats, error)
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
