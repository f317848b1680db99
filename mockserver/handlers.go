package mockserver

import (
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"github.com/contactsmock/contactsmock/fixtures"
	"github.com/contactsmock/contactsmock/mockserver/jsonwire"
	"github.com/contactsmock/contactsmock/mockserver/state"
	"github.com/contactsmock/contactsmock/spec"
)

// operationHandlers maps each operationId of the document to its handler. Routes, validation,
// scopes and success statuses come from the document; a handler only turns a validated request
// into a store call and the store's answer into the live response body.
var operationHandlers = map[string]handlerFunc{
	"get-contact":                        getContact,
	"update-contact":                     updateContact,
	"delete-contact":                     deleteContact,
	"create-contact":                     createContact,
	"get-contacts":                       listContacts,
	"upsert-contact":                     upsertContact,
	"search-contacts-advanced":           searchContacts,
	"get-duplicate-contact":              duplicateContact,
	"get-contacts-by-businessId":         contactsByBusiness,
	"get-all-tasks":                      listTasks,
	"create-task":                        createTask,
	"get-task":                           getTask,
	"update-task":                        updateTask,
	"delete-task":                        deleteTask,
	"update-task-completed":              completeTask,
	"get-all-notes":                      listNotes,
	"create-note":                        createNote,
	"get-note":                           getNote,
	"update-note":                        updateNote,
	"delete-note":                        deleteNote,
	"get-appointments-for-contact":       listAppointments,
	"add-tags":                           addTags,
	"remove-tags":                        removeTags,
	"add-followers-contact":              addFollowers,
	"remove-followers-contact":           removeFollowers,
	"add-contact-to-campaign":            addToCampaign,
	"remove-contact-from-campaign":       removeFromCampaign,
	"remove-contact-from-every-campaign": removeFromAllCampaigns,
	"add-contact-to-workflow":            addToWorkflow,
	"delete-contact-from-workflow":       removeFromWorkflow,
	"create-association":                 bulkTags,
	"add-remove-contact-from-business":   bulkBusiness,
	"get-access-token":                   getAccessToken,
	"get-location-access-token":          getLocationAccessToken,
	"get-installed-location":             getInstalledLocations,
}

// decode reads the (validated) JSON body into v; an empty body leaves v as is.
func (c *call) decode(v any) error {
	if len(c.body) == 0 {
		return nil
	}
	if err := jsonwire.Unmarshal(c.body, v); err != nil {
		return newError(http.StatusUnprocessableEntity, []string{spec.DecodeMessage(err)})
	}
	return nil
}

// loc is the location every store call is scoped to: the token's.
func (c *call) loc() string { return c.token.LocationID }

type succeded struct {
	Succeded bool `json:"succeded"`
}

var ok = succeded{Succeded: true}

// --- contacts -------------------------------------------------------------------------------

func getContact(s *Server, c *call) (any, error) {
	ct, err := s.store.GetContact(c.ctx(), c.loc(), c.params["contactId"])
	if err != nil {
		return nil, err
	}
	raw, err := ct.JSON()
	if err != nil {
		return nil, err
	}
	return trusted{contactBody{raw}}, nil
}

// contactInputs recycles the inputs of contact creates and updates: a ContactInput is about 1 KB,
// and one decoded through decode's interface argument would be a heap allocation per request.
var contactInputs = sync.Pool{New: func() any { return new(state.ContactInput) }}

// releaseContactInput clears an input (it must not keep a request's strings alive) and recycles it.
func releaseContactInput(in *state.ContactInput) {
	*in = state.ContactInput{}
	contactInputs.Put(in)
}

func updateContact(s *Server, c *call) (any, error) {
	in := contactInputs.Get().(*state.ContactInput)
	defer releaseContactInput(in)
	if err := c.decode(in); err != nil {
		return nil, err
	}
	ct, err := s.store.UpdateContact(c.ctx(), c.loc(), c.params["contactId"], *in)
	if err != nil {
		return nil, err
	}
	// Encoded afresh into the answer, not cached: a contact just written is not read again as often
	// as one read is (its cache is made on the next read).
	return struct {
		Succeded bool              `json:"succeded"`
		Contact  *fixtures.Contact `json:"contact"`
	}{true, &ct.Contact}, nil
}

func deleteContact(s *Server, c *call) (any, error) {
	if err := s.store.DeleteContact(c.ctx(), c.loc(), c.params["contactId"]); err != nil {
		return nil, err
	}
	return ok, nil
}

func createContact(s *Server, c *call) (any, error) {
	in := contactInputs.Get().(*state.ContactInput)
	defer releaseContactInput(in)
	if err := c.decode(in); err != nil {
		return nil, err
	}
	ct, err := s.store.CreateContact(c.ctx(), c.loc(), *in)
	if err != nil {
		return nil, err
	}
	return createdContactBody{fixtures.Created(&ct.Contact)}, nil
}

func upsertContact(s *Server, c *call) (any, error) {
	var in struct {
		state.ContactInput
		CreateNewIfDuplicateAllowed bool `json:"createNewIfDuplicateAllowed"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ct, created, err := s.store.UpsertContact(c.ctx(), c.loc(), in.ContactInput, in.CreateNewIfDuplicateAllowed)
	if err != nil {
		return nil, err
	}
	return struct {
		New     bool              `json:"new"`
		Contact *fixtures.Contact `json:"contact"`
		TraceID string            `json:"traceId"`
	}{created, &ct.Contact, c.trace}, nil
}

type listMeta struct {
	Total        int     `json:"total"`
	NextPageURL  *string `json:"nextPageUrl"`
	StartAfterID *string `json:"startAfterId"`
	StartAfter   *int64  `json:"startAfter"`
	CurrentPage  int     `json:"currentPage"`
	NextPage     *int    `json:"nextPage"`
	PrevPage     *int    `json:"prevPage"`
}

// queryOr returns a query parameter's value, or the default the document declares for it.
func (c *call) queryOr(q url.Values, name string) string {
	if v := q.Get(name); v != "" {
		return v
	}
	return c.op.QueryDefault(name)
}

func listContacts(s *Server, c *call) (any, error) {
	q := c.query()
	lq := state.ListQuery{StartAfterID: q.Get("startAfterId"), Query: q.Get("query")}
	n, _ := strconv.ParseFloat(c.queryOr(q, "limit"), 64) // validated: an integer in 1..100 (default from the document)
	lq.Limit = int(n)
	if v := q.Get("startAfter"); v != "" {
		n, _ := strconv.ParseFloat(v, 64)
		lq.StartAfter = int64(n)
	}
	page, err := s.store.ListContacts(c.ctx(), c.loc(), lq)
	if err != nil {
		return nil, err
	}
	cur := page.Offset/lq.Limit + 1
	meta := listMeta{Total: page.Total, CurrentPage: cur}
	if cur > 1 {
		meta.PrevPage = ptr(cur - 1)
	}
	if n := len(page.Contacts); n > 0 {
		last := page.Contacts[n-1]
		meta.StartAfterID = ptr(last.ID)
		meta.StartAfter = ptr(int64(last.DateAdded))
		if page.More {
			meta.NextPage = ptr(cur + 1)
			meta.NextPageURL = ptr(nextPageURL(c.r, c.loc(), lq.Limit, lq.Query, int64(last.DateAdded), last.ID))
		}
	}
	list := make([]json.RawMessage, len(page.Contacts))
	for i, st := range page.Contacts {
		if list[i], err = st.ListJSON(); err != nil {
			return nil, err
		}
	}
	return trusted{listBody{list, meta}}, nil
}

func ptr[T any](v T) *T { return &v }

// appendBaseURL appends the scheme and host the client used to reach the mock.
func appendBaseURL(dst []byte, r *http.Request) []byte {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if p := r.Header.Get("X-Forwarded-Proto"); p == "http" || p == "https" {
		scheme = p
	}
	dst = append(dst, scheme...)
	dst = append(dst, "://"...)
	return append(dst, r.Host...)
}

// nextPageURL is a list page's meta.nextPageUrl: the query that asks for the next page, as
// url.Values.Encode writes it (keys sorted, values query-escaped), in one allocation.
func nextPageURL(r *http.Request, loc string, limit int, query string, startAfter int64, startAfterID string) string {
	b := make([]byte, 0, 128+len(loc)+len(query)+len(startAfterID))
	b = appendBaseURL(b, r)
	b = append(b, "/contacts/?limit="...)
	b = strconv.AppendInt(b, int64(limit), 10)
	b = append(b, "&locationId="...)
	b = append(b, url.QueryEscape(loc)...)
	if query != "" {
		b = append(b, "&query="...)
		b = append(b, url.QueryEscape(query)...)
	}
	b = append(b, "&startAfter="...)
	b = strconv.AppendInt(b, startAfter, 10)
	b = append(b, "&startAfterId="...)
	b = append(b, url.QueryEscape(startAfterID)...)
	return string(b)
}

type searchHit struct {
	fixtures.Contact
	SearchAfter []any `json:"searchAfter"`
}

func searchContacts(s *Server, c *call) (any, error) {
	var q state.SearchQuery
	if err := c.decode(&q); err != nil {
		return nil, err
	}
	page, err := s.store.SearchContacts(c.ctx(), c.loc(), q)
	if err != nil {
		return nil, err
	}
	hits := make([]searchHit, len(page.Contacts))
	for i, h := range page.Contacts {
		hits[i] = searchHit{h.Contact.Contact, h.SearchAfter}
	}
	return struct {
		Contacts []searchHit `json:"contacts"`
		Total    int         `json:"total"`
	}{hits, page.Total}, nil
}

func duplicateContact(s *Server, c *call) (any, error) {
	q := c.query()
	email, number := q.Get("email"), q.Get("number")
	if email == "" && number == "" {
		return nil, newError(http.StatusBadRequest, "Pass at least one of number, email to look up a duplicate contact")
	}
	ct, err := s.store.FindDuplicate(c.ctx(), c.loc(), email, number)
	if err != nil {
		return nil, err
	}
	var found json.RawMessage // null when there is none
	if ct != nil {
		if found, err = ct.JSON(); err != nil {
			return nil, err
		}
	}
	return trusted{contactBody{found}}, nil
}

// skipLimit reads the skip and limit query parameters, strings of digits. The document's patterns
// have checked the digits and its defaults fill what is absent; only a number too large for an int
// is left to refuse.
func (c *call) skipLimit(q url.Values) (skip, limit int, err error) {
	var msgs []string
	limit, err = strconv.Atoi(c.queryOr(q, "limit"))
	if err != nil {
		msgs = append(msgs, "limit must not be greater than "+strconv.Itoa(math.MaxInt))
	}
	skip, err = strconv.Atoi(c.queryOr(q, "skip"))
	if err != nil {
		msgs = append(msgs, "skip must not be greater than "+strconv.Itoa(math.MaxInt))
	}
	if len(msgs) > 0 {
		return 0, 0, newError(http.StatusUnprocessableEntity, msgs)
	}
	return skip, limit, nil
}

func contactsByBusiness(s *Server, c *call) (any, error) {
	if id := c.params["businessId"]; !fixtures.ValidObjectID(id) {
		// Business ids are ObjectIds; the live store cannot even look up anything else.
		return nil, newError(http.StatusBadRequest, "Invalid business id "+id)
	}
	q := c.query()
	skip, limit, err := c.skipLimit(q)
	if err != nil {
		return nil, err
	}
	list, count, err := s.store.ContactsByBusiness(c.ctx(), c.loc(), c.params["businessId"], q.Get("query"), skip, limit)
	if err != nil {
		return nil, err
	}
	contacts := make([]json.RawMessage, len(list))
	for i, ct := range list {
		if contacts[i], err = ct.ListJSON(); err != nil {
			return nil, err
		}
	}
	return trusted{struct {
		Contacts []json.RawMessage `json:"contacts"`
		Count    int               `json:"count"`
	}{contacts, count}}, nil
}

// --- tasks ----------------------------------------------------------------------------------

type taskBody struct {
	Task fixtures.Task `json:"task"`
}

func listTasks(s *Server, c *call) (any, error) {
	list, err := s.store.ListTasks(c.ctx(), c.loc(), c.params["contactId"])
	if err != nil {
		return nil, err
	}
	return struct {
		Tasks []fixtures.Task `json:"tasks"`
	}{list}, nil
}

func getTask(s *Server, c *call) (any, error) {
	t, err := s.store.GetTask(c.ctx(), c.loc(), c.params["contactId"], c.params["taskId"])
	if err != nil {
		return nil, err
	}
	return taskBody{t}, nil
}

func createTask(s *Server, c *call) (any, error) {
	var in state.TaskInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	t, err := s.store.CreateTask(c.ctx(), c.loc(), c.params["contactId"], in)
	if err != nil {
		return nil, err
	}
	return taskBody{t}, nil
}

func updateTask(s *Server, c *call) (any, error) {
	var in state.TaskInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	t, err := s.store.UpdateTask(c.ctx(), c.loc(), c.params["contactId"], c.params["taskId"], in)
	if err != nil {
		return nil, err
	}
	return taskBody{t}, nil
}

func completeTask(s *Server, c *call) (any, error) {
	var in struct {
		Completed bool `json:"completed"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	t, err := s.store.UpdateTask(c.ctx(), c.loc(), c.params["contactId"], c.params["taskId"], state.TaskInput{Completed: state.Of(in.Completed)})
	if err != nil {
		return nil, err
	}
	return taskBody{t}, nil
}

func deleteTask(s *Server, c *call) (any, error) {
	if err := s.store.DeleteTask(c.ctx(), c.loc(), c.params["contactId"], c.params["taskId"]); err != nil {
		return nil, err
	}
	return ok, nil
}

// --- notes ----------------------------------------------------------------------------------

type noteBody struct {
	Note fixtures.Note `json:"note"`
}

func listNotes(s *Server, c *call) (any, error) {
	list, err := s.store.ListNotes(c.ctx(), c.loc(), c.params["contactId"])
	if err != nil {
		return nil, err
	}
	return struct {
		Notes []fixtures.Note `json:"notes"`
	}{list}, nil
}

func getNote(s *Server, c *call) (any, error) {
	n, err := s.store.GetNote(c.ctx(), c.loc(), c.params["contactId"], c.params["id"])
	if err != nil {
		return nil, err
	}
	return noteBody{n}, nil
}

func createNote(s *Server, c *call) (any, error) {
	var in state.NoteInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	n, err := s.store.CreateNote(c.ctx(), c.loc(), c.params["contactId"], in)
	if err != nil {
		return nil, err
	}
	return noteBody{n}, nil
}

func updateNote(s *Server, c *call) (any, error) {
	var in state.NoteInput
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	n, err := s.store.UpdateNote(c.ctx(), c.loc(), c.params["contactId"], c.params["id"], in)
	if err != nil {
		return nil, err
	}
	return noteBody{n}, nil
}

func deleteNote(s *Server, c *call) (any, error) {
	if err := s.store.DeleteNote(c.ctx(), c.loc(), c.params["contactId"], c.params["id"]); err != nil {
		return nil, err
	}
	return ok, nil
}

// --- appointments, tags, followers, campaigns, workflows -------------------------------------

func listAppointments(s *Server, c *call) (any, error) {
	list, err := s.store.ListAppointments(c.ctx(), c.loc(), c.params["contactId"])
	if err != nil {
		return nil, err
	}
	events := make([]fixtures.Event, len(list))
	for i, a := range list {
		events[i] = fixtures.EventOf(a)
	}
	return struct {
		Events []fixtures.Event `json:"events"`
	}{events}, nil
}

type tagsIn struct {
	Tags []string `json:"tags"`
}

type tagsOut struct {
	Tags []string `json:"tags"`
}

func addTags(s *Server, c *call) (any, error) {
	var in tagsIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	tags, err := s.store.AddTags(c.ctx(), c.loc(), c.params["contactId"], in.Tags)
	if err != nil {
		return nil, err
	}
	return tagsOut{tags}, nil
}

func removeTags(s *Server, c *call) (any, error) {
	var in tagsIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	tags, err := s.store.RemoveTags(c.ctx(), c.loc(), c.params["contactId"], in.Tags)
	if err != nil {
		return nil, err
	}
	return tagsOut{tags}, nil
}

type followersIn struct {
	Followers []string `json:"followers"`
}

func addFollowers(s *Server, c *call) (any, error) {
	var in followersIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	all, added, err := s.store.AddFollowers(c.ctx(), c.loc(), c.params["contactId"], in.Followers)
	if err != nil {
		return nil, err
	}
	return struct {
		Followers      []string `json:"followers"`
		FollowersAdded []string `json:"followersAdded"`
	}{all, added}, nil
}

func removeFollowers(s *Server, c *call) (any, error) {
	var in followersIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	all, removed, err := s.store.RemoveFollowers(c.ctx(), c.loc(), c.params["contactId"], in.Followers)
	if err != nil {
		return nil, err
	}
	return struct {
		Followers        []string `json:"followers"`
		FollowersRemoved []string `json:"followersRemoved"`
	}{all, removed}, nil
}

func addToCampaign(s *Server, c *call) (any, error) {
	if err := s.store.AddToCampaign(c.ctx(), c.loc(), c.params["contactId"], c.params["campaignId"]); err != nil {
		return nil, err
	}
	return ok, nil
}

func removeFromCampaign(s *Server, c *call) (any, error) {
	if err := s.store.RemoveFromCampaign(c.ctx(), c.loc(), c.params["contactId"], c.params["campaignId"]); err != nil {
		return nil, err
	}
	return ok, nil
}

func removeFromAllCampaigns(s *Server, c *call) (any, error) {
	if err := s.store.RemoveFromAllCampaigns(c.ctx(), c.loc(), c.params["contactId"]); err != nil {
		return nil, err
	}
	return ok, nil
}

type workflowIn struct {
	EventStartTime string `json:"eventStartTime"`
}

func addToWorkflow(s *Server, c *call) (any, error) {
	var in workflowIn
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	if err := s.store.AddToWorkflow(c.ctx(), c.loc(), c.params["contactId"], c.params["workflowId"], in.EventStartTime); err != nil {
		return nil, err
	}
	return ok, nil
}

func removeFromWorkflow(s *Server, c *call) (any, error) {
	if err := s.store.RemoveFromWorkflow(c.ctx(), c.loc(), c.params["contactId"], c.params["workflowId"]); err != nil {
		return nil, err
	}
	return ok, nil
}

// --- bulk -----------------------------------------------------------------------------------

func bulkTags(s *Server, c *call) (any, error) {
	var in struct {
		Contacts      []string `json:"contacts"`
		Tags          []string `json:"tags"`
		RemoveAllTags bool     `json:"removeAllTags"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	remove := c.params["type"] == "remove"
	if in.RemoveAllTags && !remove {
		return nil, newError(http.StatusUnprocessableEntity, []string{"removeAllTags is allowed only with the remove type"})
	}
	results, err := s.store.BulkTags(c.ctx(), c.loc(), in.Contacts, in.Tags, remove, in.RemoveAllTags)
	if err != nil {
		return nil, err
	}
	errorCount := 0
	for _, r := range results {
		if r.Type == "error" {
			errorCount++
		}
	}
	return struct {
		Succeded   bool                  `json:"succeded"`
		ErrorCount int                   `json:"errorCount"`
		Responses  []state.BulkTagResult `json:"responses"`
	}{errorCount == 0, errorCount, results}, nil
}

func bulkBusiness(s *Server, c *call) (any, error) {
	var in struct {
		IDs        []string `json:"ids"`
		BusinessID *string  `json:"businessId"`
	}
	if err := c.decode(&in); err != nil {
		return nil, err
	}
	ids, err := s.store.BulkBusiness(c.ctx(), c.loc(), in.IDs, in.BusinessID)
	if err != nil {
		return nil, err
	}
	return struct {
		Success bool     `json:"success"`
		IDs     []string `json:"ids"`
	}{true, ids}, nil
}

// trusted marks a body whose raw JSON parts are stored contacts' JSON (state.Contact.JSON, made
// by jsonwire): write copies them as they are (jsonwire.AppendTrusted).
type trusted struct{ body any }

// contactBody is {"contact": ...}: get, create, the duplicate lookup.
type contactBody struct {
	Contact json.RawMessage `json:"contact"`
}

// createdContactBody is create's {"contact": ...}: the create answer's own key set (reference
// §3.2), encoded afresh (a contact just written is cached on its first read).
type createdContactBody struct {
	Contact fixtures.CreatedContact `json:"contact"`
}

// listBody is a page of GET /contacts/.
type listBody struct {
	Contacts []json.RawMessage `json:"contacts"`
	Meta     listMeta          `json:"meta"`
}
