package record

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/contactsmock/contactsmock/fixtures"
)

// Recorder collects resources from the answers it is shown. It is safe for concurrent use.
type Recorder struct {
	mu sync.Mutex // guards everything below
	// contacts by id: the union of the fields of every answer that carried the contact, the
	// newest value of each (an answer may leave fields out that another had); locations in the
	// order first seen.
	contacts  map[string]*contactEntry
	locations []string
	// tasks, notes and appointments by contact id, then by their id (last seen wins), in the
	// order first seen: the order the API lists them in, which the mock then keeps.
	tasks        map[string]*ordered[fixtures.Task]
	notes        map[string]*ordered[fixtures.Note]
	appointments map[string]*ordered[fixtures.Appointment]
	// deleted ids: a delete that passed removes what was recorded, and keeps it out.
	deleted map[string]bool
	// skipped counts answers or items that could not be read (shown in the report).
	skipped int
}

// New returns an empty recorder.
func New() *Recorder {
	return &Recorder{
		contacts: map[string]*contactEntry{}, tasks: map[string]*ordered[fixtures.Task]{},
		notes: map[string]*ordered[fixtures.Note]{}, appointments: map[string]*ordered[fixtures.Appointment]{},
		deleted: map[string]bool{},
	}
}

// Observe records what an answer of an operation carried: params are the path parameters. Only
// 2xx answers count; an answer it cannot read is counted as skipped, never an error (the proxy
// passes it on regardless).
func (r *Recorder) Observe(operationID string, params map[string]string, status int, body []byte) {
	if status < 200 || status > 299 {
		return
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(body, &m); err != nil && !strings.HasPrefix(operationID, "delete-") {
		r.mu.Lock()
		r.skipped++
		r.mu.Unlock()
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	contactID := params["contactId"]
	switch operationID {
	case "get-contact", "create-contact", "update-contact", "upsert-contact", "get-duplicate-contact":
		r.addContacts(m["contact"], false)
	case "get-contacts", "search-contacts-advanced", "get-contacts-by-businessId":
		r.addContacts(m["contacts"], true)
	case "get-all-tasks":
		r.addTasks(contactID, m["tasks"], true)
	case "get-task", "create-task", "update-task", "update-task-completed":
		r.addTasks(contactID, m["task"], false)
	case "get-all-notes":
		r.addNotes(contactID, m["notes"], true)
	case "get-note", "create-note", "update-note":
		r.addNotes(contactID, m["note"], false)
	case "get-appointments-for-contact":
		r.addAppointments(contactID, m["events"])
	case "add-tags", "remove-tags":
		if c := r.contacts[contactID]; c != nil && len(m["tags"]) > 0 {
			c.fields["tags"] = m["tags"]
		}
	case "delete-contact":
		r.deleted[contactID] = true
		delete(r.contacts, contactID)
		delete(r.tasks, contactID)
		delete(r.notes, contactID)
		delete(r.appointments, contactID)
	case "delete-task":
		r.deleted[params["taskId"]] = true
		r.tasks[contactID].remove(params["taskId"])
	case "delete-note":
		r.deleted[params["id"]] = true
		r.notes[contactID].remove(params["id"])
	}
}

// dateFields are the date-time fields of the resources, read leniently (see lenientDates).
var dateFields = []string{"dateAdded", "dateUpdated", "lastActivity", "dueDate", "startTime", "endTime", "timestamp"}

// decodeLenient decodes one resource, first turning dates written in another form (epoch
// milliseconds, a date-time without a zone, an HTTP date) into RFC 3339, so that a drifted date
// does not lose the resource.
func decodeLenient(raw json.RawMessage, into any) error {
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return err
	}
	lenientDates(m, 0)
	fixed, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(fixed, into)
}

var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04:05.000", http.TimeFormat, time.RFC1123Z, time.RFC1123}

func lenientDates(m map[string]any, depth int) {
	if depth > 4 {
		return
	}
	for k, v := range m {
		switch x := v.(type) {
		case map[string]any:
			lenientDates(x, depth+1)
		case string:
			if !slices.Contains(dateFields, k) {
				continue
			}
			for _, layout := range dateLayouts {
				if t, err := time.Parse(layout, x); err == nil {
					m[k] = t.UTC().Format(time.RFC3339Nano)
					break
				}
			}
		}
	}
}

// contactEntry is what was seen of one contact.
type contactEntry struct {
	location string
	fields   map[string]json.RawMessage
}

func (r *Recorder) addContacts(raw json.RawMessage, list bool) {
	for _, it := range items(raw, list) {
		var fields map[string]json.RawMessage
		var head struct {
			ID         string `json:"id"`
			LocationID string `json:"locationId"`
		}
		if json.Unmarshal(it, &fields) != nil || json.Unmarshal(it, &head) != nil || head.ID == "" || head.LocationID == "" {
			r.skipped++
			continue
		}
		if r.deleted[head.ID] {
			continue
		}
		e := r.contacts[head.ID]
		if e == nil {
			e = &contactEntry{location: head.LocationID, fields: map[string]json.RawMessage{}}
			r.contacts[head.ID] = e
			if !slices.Contains(r.locations, head.LocationID) {
				r.locations = append(r.locations, head.LocationID)
			}
		}
		for k, v := range fields {
			e.fields[k] = v
		}
	}
}

func items(raw json.RawMessage, list bool) []json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	if !list {
		return []json.RawMessage{raw}
	}
	var out []json.RawMessage
	_ = json.Unmarshal(raw, &out)
	return out
}

func (r *Recorder) addTasks(contactID string, raw json.RawMessage, list bool) {
	for _, it := range items(raw, list) {
		var t fixtures.Task
		if err := decodeLenient(it, &t); err != nil || t.ID == "" {
			r.skipped++
			continue
		}
		if t.ContactID == "" {
			t.ContactID = contactID
		}
		if r.deleted[t.ID] || r.deleted[t.ContactID] {
			continue
		}
		if r.tasks[t.ContactID] == nil {
			r.tasks[t.ContactID] = &ordered[fixtures.Task]{m: map[string]fixtures.Task{}}
		}
		r.tasks[t.ContactID].put(t.ID, t)
	}
}

func (r *Recorder) addNotes(contactID string, raw json.RawMessage, list bool) {
	for _, it := range items(raw, list) {
		var n fixtures.Note
		if err := decodeLenient(it, &n); err != nil || n.ID == "" {
			r.skipped++
			continue
		}
		if n.ContactID == "" {
			n.ContactID = contactID
		}
		if r.deleted[n.ID] || r.deleted[n.ContactID] {
			continue
		}
		if r.notes[n.ContactID] == nil {
			r.notes[n.ContactID] = &ordered[fixtures.Note]{m: map[string]fixtures.Note{}}
		}
		r.notes[n.ContactID].put(n.ID, n)
	}
}

func (r *Recorder) addAppointments(contactID string, raw json.RawMessage) {
	for _, it := range items(raw, true) {
		var a fixtures.Appointment
		if err := decodeLenient(it, &a); err != nil || a.ID == "" {
			r.skipped++
			continue
		}
		if a.ContactID == "" {
			a.ContactID = contactID
		}
		if r.deleted[a.ContactID] {
			continue
		}
		if r.appointments[a.ContactID] == nil {
			r.appointments[a.ContactID] = &ordered[fixtures.Appointment]{m: map[string]fixtures.Appointment{}}
		}
		r.appointments[a.ContactID].put(a.ID, a)
	}
}

// Options configure Document.
type Options struct {
	// Raw keeps personal data as it was recorded.
	Raw bool
	// Seed draws the fake values (0 is refused unless Raw: an explicit seed keeps recordings
	// replayable).
	Seed int64
}

// Report says what Document left out or had to change.
type Report struct {
	// Locations, Contacts, Tasks, Notes, Appointments and Businesses count what the document holds.
	Locations, Contacts, Tasks, Notes, Appointments, Businesses int
	// Skipped counts answers or items that could not be read.
	Skipped int
	// Dropped lists what the fixture format refused (e.g. "contact X: reason"), left out.
	Dropped []string
	// Leaks lists the places of the document (JSON pointers) where a replaced name, e-mail or
	// phone still appears in a value that was kept (tags, custom field lists). Empty for Raw.
	Leaks []string
}

// ErrNothing is returned by Document when nothing was recorded.
var ErrNothing = errors.New("record: nothing was recorded")

// Document returns what was recorded as a fixtures document the mock loads (it passes
// fixtures.Normalize), personal data replaced unless opts.Raw.
func (r *Recorder) Document(opts Options) (fixtures.Document, Report, error) {
	if !opts.Raw && opts.Seed == 0 {
		return fixtures.Document{}, Report{}, errors.New("record: a seed is required (0 is not one) unless the recording is raw")
	}
	r.mu.Lock()
	doc, rep := r.buildLocked(opts)
	r.mu.Unlock()
	if len(doc.Locations) == 0 {
		return doc, rep, ErrNothing
	}
	// The fixture format is stricter than a live answer may be (an e-mail it does not take, an
	// id of another shape): what it refuses is dropped, one contact at a time.
	for attempt := 0; ; attempt++ {
		err := fixtures.Validate(doc)
		if err == nil {
			break
		}
		var fe *fixtures.Error
		if !errors.As(err, &fe) || attempt > 10000 || !dropAt(&doc, fe.Path) {
			return doc, rep, fmt.Errorf("record: the recording is not a valid fixtures document: %w", err)
		}
		rep.Dropped = append(rep.Dropped, fe.Path+": "+fe.Reason)
	}
	if err := fixtures.Normalize(&doc); err != nil {
		return doc, rep, fmt.Errorf("record: %w", err)
	}
	rep.Locations = len(doc.Locations)
	for _, l := range doc.Locations {
		rep.Contacts += len(l.Contacts)
		rep.Appointments += len(l.Appointments)
		rep.Businesses += len(l.Businesses)
		for _, c := range l.Contacts {
			rep.Tasks += len(c.Tasks)
			rep.Notes += len(c.Notes)
		}
	}
	return doc, rep, nil
}

var rePath = regexp.MustCompile(`^locations\[(\d+)\](?:\.(contacts|appointments|businesses)\[(\d+)\](?:\.(tasks|notes)\[(\d+)\])?)?`)

// dropAt removes the object a fixtures error names (the innermost of task, note, contact,
// appointment, business); false when the path names none.
func dropAt(doc *fixtures.Document, path string) bool {
	m := rePath.FindStringSubmatch(path)
	if m == nil || m[2] == "" {
		return false
	}
	li, _ := strconv.Atoi(m[1])
	i, _ := strconv.Atoi(m[3])
	if li >= len(doc.Locations) {
		return false
	}
	loc := &doc.Locations[li]
	switch m[2] {
	case "contacts":
		if i >= len(loc.Contacts) {
			return false
		}
		if m[4] != "" {
			j, _ := strconv.Atoi(m[5])
			c := &loc.Contacts[i]
			if m[4] == "tasks" && j < len(c.Tasks) {
				c.Tasks = slices.Delete(c.Tasks, j, j+1)
				return true
			}
			if m[4] == "notes" && j < len(c.Notes) {
				c.Notes = slices.Delete(c.Notes, j, j+1)
				return true
			}
			return false
		}
		id := loc.Contacts[i].ID
		loc.Contacts = slices.Delete(loc.Contacts, i, i+1)
		loc.Appointments = slices.DeleteFunc(loc.Appointments, func(a fixtures.Appointment) bool { return a.ContactID == id })
		return true
	case "appointments":
		if i < len(loc.Appointments) {
			loc.Appointments = slices.Delete(loc.Appointments, i, i+1)
			return true
		}
	case "businesses":
		if i < len(loc.Businesses) {
			id := loc.Businesses[i].ID
			loc.Businesses = slices.Delete(loc.Businesses, i, i+1)
			for ci := range loc.Contacts {
				if loc.Contacts[ci].BusinessID == id {
					loc.Contacts[ci].BusinessID = ""
				}
			}
			return true
		}
	}
	return false
}

func (r *Recorder) buildLocked(opts Options) (fixtures.Document, Report) {
	rep := Report{Skipped: r.skipped}
	var ps *pseudonyms
	if !opts.Raw {
		ps = newPseudonyms(opts.Seed)
	}
	doc := fixtures.Document{Version: fixtures.FormatVersion}
	ids := make([]string, 0, len(r.contacts))
	for id := range r.contacts {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	contacts := make(map[string]fixtures.Contact, len(ids))
	for _, id := range ids {
		raw, err := json.Marshal(r.contacts[id].fields)
		var c fixtures.Contact
		if err == nil {
			err = decodeLenient(raw, &c)
		}
		if err != nil {
			rep.Dropped = append(rep.Dropped, "contact "+id+": "+err.Error())
			continue
		}
		contacts[id] = c
		if ps != nil {
			// Every original is known before the first fake is drawn, so no fake is one.
			ps.collect(&c)
		}
	}
	for _, locID := range r.locations {
		loc := fixtures.Location{ID: locID, Name: "Recorded location " + locID}
		emails, phones := map[string]bool{}, map[string]bool{}
		businesses := map[string]bool{}
		for _, id := range ids {
			c, ok := contacts[id]
			if !ok || c.LocationID != locID {
				continue
			}
			rec := fixtures.ContactRecord{Contact: c}
			rec.Tasks = r.tasks[id].values()
			rec.Notes = r.notes[id].values()
			tidy(&rec.Contact)
			// The location must allow duplicates if the recorded contacts hold any: the live
			// location did.
			if e := strings.ToLower(rec.Email); e != "" {
				if emails[e] {
					loc.AllowDuplicateContact = true
				}
				emails[e] = true
			}
			if p := rec.Phone; p != "" {
				if phones[p] {
					loc.AllowDuplicateContact = true
				}
				phones[p] = true
			}
			if rec.BusinessID != "" && !businesses[rec.BusinessID] {
				businesses[rec.BusinessID] = true
				loc.Businesses = append(loc.Businesses, fixtures.Business{
					ID: rec.BusinessID, LocationID: locID, Name: "Business " + rec.BusinessID, DateAdded: rec.DateAdded,
				})
			}
			loc.Appointments = append(loc.Appointments, r.appointments[id].values()...)
			if ps != nil {
				ps.contact(&rec)
			}
			loc.Contacts = append(loc.Contacts, rec)
		}
		if ps != nil {
			for i := range loc.Appointments {
				ps.appointment(&loc.Appointments[i])
			}
			for i := range loc.Businesses {
				loc.Businesses[i].Name = ps.company("business " + loc.Businesses[i].ID)
			}
		}
		sort.Slice(loc.Businesses, func(i, j int) bool { return loc.Businesses[i].ID < loc.Businesses[j].ID })
		if len(loc.Contacts) > 0 {
			doc.Locations = append(doc.Locations, loc)
		}
	}
	if ps != nil {
		rep.Leaks = leaks(doc, ps.originals)
	}
	return doc, rep
}

// ordered is a map that remembers the order its keys were first put in. Its methods take a nil
// receiver as empty.
type ordered[T any] struct {
	keys []string
	m    map[string]T
}

func (o *ordered[T]) put(k string, v T) {
	if _, ok := o.m[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.m[k] = v
}

func (o *ordered[T]) remove(k string) {
	if o == nil {
		return
	}
	if _, ok := o.m[k]; ok {
		delete(o.m, k)
		o.keys = slices.DeleteFunc(o.keys, func(x string) bool { return x == k })
	}
}

func (o *ordered[T]) values() []T {
	if o == nil {
		return nil
	}
	out := make([]T, 0, len(o.keys))
	for _, k := range o.keys {
		out = append(out, o.m[k])
	}
	return out
}

// tidy fits a live contact to what the fixture format takes, losing as little as it can: values
// it refuses are left out rather than the whole contact.
func tidy(c *fixtures.Contact) {
	if c.Email != "" && !fixtures.ValidEmail(c.Email) {
		c.Email = ""
	}
	if c.Phone != "" {
		if _, err := fixtures.NormalizePhone(c.Phone); err != nil {
			c.Phone = ""
		}
	}
	c.AdditionalEmails = slices.DeleteFunc(slices.Clone(c.AdditionalEmails), func(e string) bool { return !fixtures.ValidEmail(e) })
	c.AdditionalPhones = slices.DeleteFunc(slices.Clone(c.AdditionalPhones), func(p string) bool {
		n, err := fixtures.NormalizePhone(p)
		return err != nil || n == ""
	})
	if c.DateOfBirth != "" {
		if _, err := fixtures.ParseDateOfBirth(c.DateOfBirth); err != nil {
			c.DateOfBirth = ""
		}
	}
	if c.Type != "lead" && c.Type != "customer" {
		c.Type = "" // the fixture format knows lead and customer; lead is the default
	}
	if c.DateUpdated < c.DateAdded {
		c.DateUpdated = c.DateAdded
	}
}

// collect remembers a contact's names, e-mails and phones.
func (p *pseudonyms) collect(c *fixtures.Contact) {
	for _, s := range []string{c.FirstName, c.LastName, c.Name, c.Email, c.Phone} {
		p.remember(s)
	}
	for _, s := range c.AdditionalEmails {
		p.remember(s)
	}
	for _, s := range c.AdditionalPhones {
		p.remember(s)
	}
	if n, err := fixtures.NormalizePhone(c.Phone); err == nil {
		p.remember(n)
	}
}

// contact replaces a contact's personal data.
func (p *pseudonyms) contact(rec *fixtures.ContactRecord) {
	c := &rec.Contact
	switch {
	case c.FirstName != "" || c.LastName != "":
		c.FirstName, c.LastName = p.firstName(c.FirstName), p.lastName(c.LastName)
		c.Name = ""
	case c.Name != "":
		c.Name = p.fullName(c.Name)
	}
	c.FirstNameLowerCase, c.LastNameLowerCase, c.FullNameLowerCase, c.EmailLowerCase = "", "", "", ""
	c.Email = p.email(c.Email)
	for i, e := range c.AdditionalEmails {
		c.AdditionalEmails[i] = p.email(e)
	}
	if c.Phone != "" {
		n, _ := fixtures.NormalizePhone(c.Phone)
		c.Phone = p.phone(n)
	}
	for i, ph := range c.AdditionalPhones {
		n, _ := fixtures.NormalizePhone(ph)
		c.AdditionalPhones[i] = p.phone(n)
	}
	c.CompanyName = p.company(c.CompanyName)
	c.Address1 = p.street(c.Address1)
	c.City = p.city(c.City)
	c.PostalCode = p.pattern("postal", c.PostalCode)
	c.Website = p.website(c.Website)
	if c.DateOfBirth != "" {
		c.DateOfBirth = p.dateOfBirth(c.DateOfBirth)
	}
	if d := c.DNDSettings; d != nil {
		cp := *d
		for _, s := range []**fixtures.DNDSetting{&cp.Call, &cp.Email, &cp.SMS, &cp.WhatsApp, &cp.GMB, &cp.FB} {
			if *s != nil {
				v := **s
				v.Message = p.text(v.Message)
				*s = &v
			}
		}
		c.DNDSettings = &cp
	}
	c.AttributionSource = p.attribution(c.AttributionSource)
	c.LastAttributionSource = p.attribution(c.LastAttributionSource)
	for i, f := range c.CustomFields {
		var s string
		if json.Unmarshal(f.Value, &s) == nil && s != "" {
			b, _ := json.Marshal(p.fieldValue(s))
			c.CustomFields[i].Value = b
		}
	}
	for i := range rec.Tasks {
		t := &rec.Tasks[i]
		t.Title, t.Body = p.text(t.Title), p.text(t.Body)
	}
	for i := range rec.Notes {
		n := &rec.Notes[i]
		n.Body, n.Title = p.text(n.Body), p.text(n.Title)
	}
}

// fieldValue replaces a custom field's (or an appointment's) string by a fake of the same form: an e-mail by an e-mail,
// a phone by a phone, digits by digits, free text by words. Dates are kept (like the record's own
// timestamps), so date fields still sort and filter.
func (p *pseudonyms) fieldValue(s string) string {
	switch {
	case fixtures.ValidEmail(s):
		return p.email(s)
	case strings.HasPrefix(s, "+"):
		if n, err := fixtures.NormalizePhone(s); err == nil && n == s {
			return p.phone(s)
		}
	case isDate(s):
		return s
	case strings.HasPrefix(s, "https://") || strings.HasPrefix(s, "http://"):
		return hostOnly(s) // a meeting link or a page: its path may name the person
	case strings.Trim(s, "0123456789") == "":
		return p.pattern("digits", s)
	}
	return p.text(s)
}

func isDate(s string) bool {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02", "01/02/2006", "2006/01/02"} {
		if _, err := time.Parse(layout, s); err == nil {
			return true
		}
	}
	return false
}

func (p *pseudonyms) attribution(a *fixtures.Attribution) *fixtures.Attribution {
	if a == nil {
		return nil
	}
	cp := *a
	cp.URL, cp.Referrer = hostOnly(cp.URL), hostOnly(cp.Referrer)
	cp.IP = p.ip(cp.IP)
	for _, s := range []*string{&cp.FBCLID, &cp.GCLID, &cp.MSCLKID, &cp.DCLID, &cp.FBC, &cp.FBP, &cp.FBEventID} {
		*s = p.pattern("click", *s)
	}
	return &cp
}

// hostOnly keeps the scheme and host of a URL: paths and queries of landing pages and referrers
// can carry e-mails and ids of a person.
func hostOnly(s string) string {
	if s == "" {
		return s
	}
	scheme, rest, ok := strings.Cut(s, "://")
	if !ok {
		return ""
	}
	host, _, _ := strings.Cut(rest, "/")
	host, _, _ = strings.Cut(host, "?")
	return scheme + "://" + host + "/"
}

func (p *pseudonyms) appointment(a *fixtures.Appointment) {
	a.Title, a.Notes, a.Address = p.fieldValue(a.Title), p.fieldValue(a.Notes), p.fieldValue(a.Address)
}

// leaks finds kept values that still hold a replaced original (case-insensitive).
func leaks(doc fixtures.Document, originals map[string]bool) []string {
	if len(originals) == 0 {
		return nil
	}
	data, err := json.Marshal(doc)
	if err != nil {
		return nil
	}
	var v any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&v) != nil {
		return nil
	}
	lowered := make([]string, 0, len(originals))
	for o := range originals {
		lowered = append(lowered, strings.ToLower(o))
	}
	sort.Strings(lowered)
	var out []string
	var walk func(ptr string, v any)
	walk = func(ptr string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				walk(ptr+"/"+k, c)
			}
		case []any:
			for i, c := range x {
				walk(ptr+"/"+strconv.Itoa(i), c)
			}
		case string:
			if strings.HasSuffix(ptr, "/id") || strings.HasSuffix(ptr, "Id") {
				return // ids are kept by design
			}
			lx := strings.ToLower(x)
			for _, o := range lowered {
				if containsWord(lx, o) {
					out = append(out, ptr)
					return
				}
			}
		}
	}
	walk("", v)
	sort.Strings(out)
	return out
}

// containsWord reports whether s holds w with no letter or digit on either side.
func containsWord(s, w string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		if (start == 0 || !alnum(s[start-1])) && (end == len(s) || !alnum(s[end])) {
			return true
		}
		i = start + 1
	}
}

func alnum(b byte) bool { return b >= 'a' && b <= 'z' || b >= '0' && b <= '9' || b >= 'A' && b <= 'Z' }
