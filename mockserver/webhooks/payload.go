package webhooks

import (
	"fmt"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/jsonwire"
	"github.com/contactsmock/contactsmock/mockserver/state"
)

// Webhook payloads: flat objects in the live field order, {type, locationId, id, ...resource
// fields..., timestamp, webhookId} (reference §6.1). Unset optional strings are omitted, as in API
// responses; the document's x-webhooks schemas describe them.

// contactPayload is the body of the contact events. dndSettings is set for ContactDndUpdate only.
type contactPayload struct {
	Type         string                 `json:"type"`
	LocationID   string                 `json:"locationId"`
	ID           string                 `json:"id"`
	Address1     string                 `json:"address1,omitempty"`
	City         string                 `json:"city,omitempty"`
	State        string                 `json:"state,omitempty"`
	CompanyName  string                 `json:"companyName,omitempty"`
	Country      string                 `json:"country,omitempty"`
	Source       string                 `json:"source,omitempty"`
	DateAdded    fixtures.Timestamp     `json:"dateAdded"`
	DateOfBirth  string                 `json:"dateOfBirth,omitempty"`
	DND          bool                   `json:"dnd"`
	Email        string                 `json:"email,omitempty"`
	Name         string                 `json:"name,omitempty"`
	FirstName    string                 `json:"firstName,omitempty"`
	LastName     string                 `json:"lastName,omitempty"`
	Phone        string                 `json:"phone,omitempty"`
	PostalCode   string                 `json:"postalCode,omitempty"`
	Tags         []string               `json:"tags"`
	Website      string                 `json:"website,omitempty"`
	Attachments  []any                  `json:"attachments"`
	AssignedTo   string                 `json:"assignedTo,omitempty"`
	CustomFields []fixtures.CustomField `json:"customFields"`
	DNDSettings  *fixtures.DNDSettings  `json:"dndSettings,omitempty"`
	Timestamp    fixtures.Timestamp     `json:"timestamp"`
	WebhookID    string                 `json:"webhookId"`
}

type notePayload struct {
	Type       string             `json:"type"`
	LocationID string             `json:"locationId"`
	ID         string             `json:"id"`
	Body       string             `json:"body"`
	ContactID  string             `json:"contactId"`
	DateAdded  fixtures.Timestamp `json:"dateAdded"`
	Timestamp  fixtures.Timestamp `json:"timestamp"`
	WebhookID  string             `json:"webhookId"`
}

type taskPayload struct {
	Type       string             `json:"type"`
	LocationID string             `json:"locationId"`
	ID         string             `json:"id"`
	AssignedTo string             `json:"assignedTo,omitempty"`
	Body       string             `json:"body,omitempty"`
	ContactID  string             `json:"contactId"`
	Title      string             `json:"title"`
	DateAdded  fixtures.Timestamp `json:"dateAdded"`
	DueDate    fixtures.Timestamp `json:"dueDate,omitempty"`
	Completed  bool               `json:"completed"`
	Timestamp  fixtures.Timestamp `json:"timestamp"`
	WebhookID  string             `json:"webhookId"`
}

// appointmentPayload is the body of the appointment events: {type, locationId, appointment: {...}}
// (reference §6.1), the times ISO 8601 with an offset (§3.7), as the live webhook writes them.
type appointmentPayload struct {
	Type        string             `json:"type"`
	LocationID  string             `json:"locationId"`
	Appointment appointmentBody    `json:"appointment"`
	Timestamp   fixtures.Timestamp `json:"timestamp"`
	WebhookID   string             `json:"webhookId"`
}

type appointmentBody struct {
	ID                string   `json:"id"`
	Address           string   `json:"address,omitempty"`
	Title             string   `json:"title"`
	CalendarID        string   `json:"calendarId"`
	ContactID         string   `json:"contactId"`
	GroupID           string   `json:"groupId,omitempty"`
	AppointmentStatus string   `json:"appointmentStatus"`
	AssignedUserID    string   `json:"assignedUserId,omitempty"`
	Users             []string `json:"users"`
	Notes             string   `json:"notes,omitempty"`
	Source            string   `json:"source"`
	StartTime         string   `json:"startTime"`
	EndTime           string   `json:"endTime"`
	DateAdded         string   `json:"dateAdded"`
	DateUpdated       string   `json:"dateUpdated"`
}

// offsetTime is an appointment webhook's time: ISO 8601 with milliseconds and an offset (UTC's).
func offsetTime(t fixtures.Timestamp) string {
	return t.Time().UTC().Format("2006-01-02T15:04:05.000-07:00")
}

// installPayload is the body of INSTALL and UNINSTALL: {type, appId, locationId?, companyId?,
// userId?, planId?} (reference §6.1).
type installPayload struct {
	Type       string             `json:"type"`
	AppID      string             `json:"appId"`
	LocationID string             `json:"locationId,omitempty"`
	CompanyID  string             `json:"companyId,omitempty"`
	UserID     string             `json:"userId,omitempty"`
	PlanID     string             `json:"planId,omitempty"`
	Timestamp  fixtures.Timestamp `json:"timestamp"`
	WebhookID  string             `json:"webhookId"`
}

// renderedEvent is an event's payload without its webhookId, which differs per registration.
type renderedEvent struct {
	// payload is a contactPayload, notePayload or taskPayload with WebhookID empty.
	payload any
}

// eventIDs returns the id of the event's resource and of the contact it belongs to.
func eventIDs(e state.Event) (resource, contact string) {
	switch {
	case e.Contact != nil:
		return e.Contact.ID, e.Contact.ID
	case e.Note != nil:
		return e.Note.ID, e.Note.ContactID
	case e.Task != nil:
		return e.Task.ID, e.Task.ContactID
	case e.Appointment != nil:
		return e.Appointment.ID, e.Appointment.ContactID
	case e.Install != nil:
		return e.Install.AppID, ""
	}
	return "", ""
}

// body encodes the payload with the webhookId.
func (r *renderedEvent) body(webhookID string) ([]byte, error) {
	switch p := r.payload.(type) {
	case contactPayload:
		p.WebhookID = webhookID
		return jsonwire.Marshal(&p)
	case notePayload:
		p.WebhookID = webhookID
		return jsonwire.Marshal(&p)
	case taskPayload:
		p.WebhookID = webhookID
		return jsonwire.Marshal(&p)
	case appointmentPayload:
		p.WebhookID = webhookID
		return jsonwire.Marshal(&p)
	case installPayload:
		p.WebhookID = webhookID
		return jsonwire.Marshal(&p)
	}
	return nil, fmt.Errorf("webhooks: no payload of type %T", r.payload)
}

// renderEvent builds an event's payload; at is the event's time.
func renderEvent(e state.Event, at time.Time) (*renderedEvent, error) {
	ts := fixtures.At(at)
	out := &renderedEvent{}
	var v any
	switch {
	case e.Contact != nil:
		c := e.Contact
		p := contactPayload{
			Type: e.Type, LocationID: e.LocationID, ID: c.ID, Address1: c.Address1, City: c.City,
			State: c.State, CompanyName: c.CompanyName, Country: c.Country, Source: c.Source,
			DateAdded: c.DateAdded, DateOfBirth: c.DateOfBirth, DND: c.DND, Email: c.Email, Name: c.Name,
			FirstName: c.FirstName, LastName: c.LastName, Phone: c.Phone, PostalCode: c.PostalCode,
			Tags: c.Tags, Website: c.Website, Attachments: []any{}, AssignedTo: c.AssignedTo,
			CustomFields: c.CustomFields, Timestamp: ts,
		}
		if p.Tags == nil {
			p.Tags = []string{}
		}
		if p.CustomFields == nil {
			p.CustomFields = []fixtures.CustomField{}
		}
		if e.Type == state.ContactDndUpdate {
			p.DNDSettings = c.DNDSettings
			if p.DNDSettings == nil {
				p.DNDSettings = &fixtures.DNDSettings{}
			}
		}
		v = p
	case e.Note != nil:
		n := e.Note
		v = notePayload{Type: e.Type, LocationID: e.LocationID, ID: n.ID, Body: n.Body, ContactID: n.ContactID,
			DateAdded: n.DateAdded, Timestamp: ts}
	case e.Task != nil:
		t := e.Task
		v = taskPayload{Type: e.Type, LocationID: e.LocationID, ID: t.ID, AssignedTo: t.AssignedTo, Body: t.Body,
			ContactID: t.ContactID, Title: t.Title, DateAdded: t.DateAdded, DueDate: t.DueDate,
			Completed: t.Completed, Timestamp: ts}
	case e.Appointment != nil:
		a := e.Appointment
		users := a.Users
		if users == nil {
			users = []string{}
		}
		v = appointmentPayload{Type: e.Type, LocationID: e.LocationID, Timestamp: ts, Appointment: appointmentBody{
			ID: a.ID, Address: a.Address, Title: a.Title, CalendarID: a.CalendarID, ContactID: a.ContactID,
			GroupID: a.GroupID, AppointmentStatus: a.AppointmentStatus, AssignedUserID: a.AssignedUserID,
			Users: users, Notes: a.Notes, Source: "admin_panel", StartTime: offsetTime(a.StartTime),
			EndTime: offsetTime(a.EndTime), DateAdded: offsetTime(a.DateAdded), DateUpdated: offsetTime(a.DateUpdated),
		}}
	case e.Install != nil:
		in := e.Install
		v = installPayload{Type: e.Type, AppID: in.AppID, LocationID: in.LocationID, CompanyID: in.CompanyID,
			UserID: in.UserID, PlanID: in.PlanID, Timestamp: ts}
	default:
		return nil, fmt.Errorf("webhooks: event %s carries no resource", e.Type)
	}
	out.payload = v
	return out, nil
}

// Payload returns the body of an event's delivery: the live payload, stamped at, with the
// delivery's webhookId.
func Payload(e state.Event, at time.Time, webhookID string) ([]byte, error) {
	r, err := renderEvent(e, at)
	if err != nil {
		return nil, err
	}
	return r.body(webhookID)
}

// EventIDs returns the id of the event's resource (contact, note or task) and of the contact it
// belongs to.
func EventIDs(e state.Event) (resource, contact string) { return eventIDs(e) }
