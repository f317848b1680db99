package contacts_test

import (
	"net/http"
	"slices"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
	"github.com/contactsmock/contactsmock/spec"
)

// sweepRequest is a well-formed request of one operation whose ids name nothing: the sweeps below
// expect the pipeline to refuse it before any handler runs (auth, Version, location, validation),
// so they never read or change data, and can run against a live deployment.
type sweepRequest struct {
	path string
	body obj
}

// sweepRequests builds one request per contacts operation (the map is checked against the document:
// every Location operation needs an entry).
func sweepRequests() map[string]sweepRequest {
	c, t, n := "/contacts/"+unknownID(), unknownID(), unknownID()
	loc := tgt.location
	due := time.Now().UTC().Add(24 * time.Hour).Format(time.RFC3339)
	return map[string]sweepRequest{
		"get-contacts":                       {path: "/contacts/" + q("locationId", loc, "limit", "1")},
		"create-contact":                     {path: "/contacts/", body: obj{"locationId": loc, "email": tgt.names.Email(), "tags": []string{tgt.names.RunTag()}}},
		"upsert-contact":                     {path: "/contacts/upsert", body: obj{"locationId": loc, "email": tgt.names.Email(), "tags": []string{tgt.names.RunTag()}}},
		"search-contacts-advanced":           {path: "/contacts/search", body: obj{"locationId": loc, "pageLimit": 1}},
		"get-duplicate-contact":              {path: "/contacts/search/duplicate" + q("locationId", loc, "email", tgt.names.Email())},
		"get-contacts-by-businessId":         {path: "/contacts/business/" + unknownBusinessID() + q("locationId", loc)},
		"create-association":                 {path: "/contacts/bulk/tags/update/add", body: obj{"locationId": loc, "contacts": []string{unknownID()}, "tags": []string{"x"}}},
		"add-remove-contact-from-business":   {path: "/contacts/bulk/business", body: obj{"locationId": loc, "ids": []string{unknownID()}, "businessId": nil}},
		"get-contact":                        {path: c},
		"update-contact":                     {path: c, body: obj{"firstName": "Nobody"}},
		"delete-contact":                     {path: c},
		"get-all-tasks":                      {path: c + "/tasks"},
		"create-task":                        {path: c + "/tasks", body: obj{"title": "t", "dueDate": due, "completed": false}},
		"get-task":                           {path: c + "/tasks/" + t},
		"update-task":                        {path: c + "/tasks/" + t, body: obj{"title": "t"}},
		"delete-task":                        {path: c + "/tasks/" + t},
		"update-task-completed":              {path: c + "/tasks/" + t + "/completed", body: obj{"completed": true}},
		"get-all-notes":                      {path: c + "/notes"},
		"create-note":                        {path: c + "/notes", body: obj{"body": "b"}},
		"get-note":                           {path: c + "/notes/" + n},
		"update-note":                        {path: c + "/notes/" + n, body: obj{"body": "b"}},
		"delete-note":                        {path: c + "/notes/" + n},
		"get-appointments-for-contact":       {path: c + "/appointments"},
		"add-tags":                           {path: c + "/tags", body: obj{"tags": []string{"x"}}},
		"remove-tags":                        {path: c + "/tags", body: obj{"tags": []string{"x"}}},
		"add-followers-contact":              {path: c + "/followers", body: obj{"followers": []string{unknownID()}}},
		"remove-followers-contact":           {path: c + "/followers", body: obj{"followers": []string{unknownID()}}},
		"add-contact-to-campaign":            {path: c + "/campaigns/" + campaignID, body: obj{}},
		"remove-contact-from-campaign":       {path: c + "/campaigns/" + campaignID},
		"remove-contact-from-every-campaign": {path: c + "/campaigns/removeAll"},
		"add-contact-to-workflow":            {path: c + "/workflow/" + workflowID, body: obj{}},
		"delete-contact-from-workflow":       {path: c + "/workflow/" + workflowID, body: obj{}},
	}
}

// sweepOps are the operations the sweeps cover: every operation for Location tokens of the document
// under test that the suite knows (an operation the document adds has no sweep request, so the
// coverage report shows it as never called).
func sweepOps() []*spec.Operation {
	var out []*spec.Operation
	for _, op := range document.Operations {
		if op.UserType == "Location" && known.Operation(op.ID) != nil {
			out = append(out, op)
		}
	}
	return out
}

// send sends an operation's sweep request through a client, with the body given (nil: the sweep
// body, if the operation takes one).
func send(ctx SpecContext, c *contract.Client, op *spec.Operation, body any, opts ...contract.RequestOption) *contract.Exchange {
	GinkgoHelper()
	r, ok := sweepRequests()[op.ID]
	Expect(ok).To(BeTrue(), "no sweep request for %s: add one to sweepRequests", op.ID)
	if body == nil && r.body != nil {
		body = r.body
	}
	ex := call(ctx, c, op.Method, r.path, body, opts...)
	// A deployment that wrongly accepts a refused create must not keep what it created.
	if ex.Status < 300 {
		if id := ex.Str("contact.id"); id != "" {
			cleanUpContact(id)
		}
	}
	return ex
}

// oversized is a JSON body larger than the mock's default body limit (2 MiB).
func oversized() obj { return obj{"padding": strings.Repeat("x", 3<<20)} }

// withLocation returns the operation's sweep body, or query, with another locationId.
func withLocation(op *spec.Operation, loc string) (path string, body obj) {
	r := sweepRequests()[op.ID]
	if op.LocationIn == "query" {
		return strings.Replace(r.path, "locationId="+tgt.location, "locationId="+loc, 1), nil
	}
	body = obj{}
	for k, v := range r.body {
		body[k] = v
	}
	body["locationId"] = loc
	return r.path, body
}

var _ = Describe("Every operation", func() {
	It("has a sweep request for every operation of our document that Location tokens call", func() {
		reqs := sweepRequests()
		n := 0
		for _, op := range known.Operations {
			if op.UserType == "Location" {
				Expect(reqs).To(HaveKey(op.ID), "no sweep request for %s", op.ID)
				n++
			}
		}
		Expect(reqs).To(HaveLen(n), "a sweep request for an operation our document does not have")
	})

	var (
		authEntries, roEntries, locEntries, bodyEntries, idEntries []TableEntry
	)
	for _, op := range sweepOps() {
		authEntries = append(authEntries, Entry(op.ID, op))
		if slices.Equal(op.Scopes, []string{"contacts.write"}) {
			roEntries = append(roEntries, Entry(op.ID, op))
		}
		if op.LocationIn != "" {
			locEntries = append(locEntries, Entry(op.ID, op))
		}
		if op.HasBody {
			bodyEntries = append(bodyEntries, Entry(op.ID, op))
		}
		if strings.Contains(op.Path, "{contactId}") {
			idEntries = append(idEntries, Entry(op.ID, op))
		}
	}

	Describe("authentication", contract.Area(contract.LabelAuth), func() {
		DescribeTable("answers 401 Invalid JWT without a token", func(ctx SpecContext, op *spec.Operation) {
			Expect(send(ctx, tgt.anon, op, nil)).To(contract.HaveAPIError(http.StatusUnauthorized, "Invalid JWT"))
		}, authEntries)

		DescribeTable("answers 401 Invalid JWT to a token it did not issue", func(ctx SpecContext, op *spec.Operation) {
			bad := tgt.full.WithToken("eyJhbGciOiJIUzI1NiJ9.eyJjb250cmFjdCI6dHJ1ZX0.bm90LWEtcmVhbC1zaWduYXR1cmU")
			Expect(send(ctx, bad, op, nil)).To(contract.HaveAPIError(http.StatusUnauthorized, "Invalid JWT"))
		}, authEntries)

		DescribeTable("answers 401 version header was not found. without a Version header", func(ctx SpecContext, op *spec.Operation) {
			Expect(send(ctx, tgt.full, op, nil, contract.WithoutHeader("Version"))).To(contract.HaveAPIError(http.StatusUnauthorized, "version header was not found."))
		}, authEntries)

		DescribeTable("answers 401 version header is invalid to an unknown Version", func(ctx SpecContext, op *spec.Operation) {
			Expect(send(ctx, tgt.full, op, nil, contract.WithHeader("Version", "1999-01-01"))).To(contract.HaveAPIError(http.StatusUnauthorized, "version header is invalid"))
		}, authEntries)

		DescribeTable("answers 401 The token is not authorized for this scope. to a read-only token on a write", func(ctx SpecContext, op *spec.Operation) {
			if tgt.ro == nil {
				Skip("no read-only token: set " + contract.EnvReadonlyToken)
			}
			Expect(send(ctx, tgt.ro, op, nil)).To(contract.HaveAPIError(http.StatusUnauthorized, "The token is not authorized for this scope."))
		}, roEntries)

		DescribeTable("answers 403 to a locationId that is not the token's", func(ctx SpecContext, op *spec.Operation) {
			path, body := withLocation(op, tgt.foreign)
			var b any
			if body != nil {
				b = body
			}
			Expect(call(ctx, tgt.full, op.Method, path, b)).To(contract.HaveAPIError(http.StatusForbidden, "The token does not have access to this location."))
		}, locEntries)
	})

	Describe("validation", contract.Area(contract.LabelContacts), func() {
		DescribeTable("answers 400 to a body that is not JSON", func(ctx SpecContext, op *spec.Operation) {
			Expect(send(ctx, tgt.full, op, []byte(`{"locationId": `))).To(contract.HaveAPIError(http.StatusBadRequest, HavePrefix("Unexpected")))
		}, bodyEntries)

		DescribeTable("answers 422 to a property the DTO does not have", func(ctx SpecContext, op *spec.Operation) {
			body := obj{"contractSuiteProbe": true}
			for k, v := range sweepRequests()[op.ID].body {
				body[k] = v
			}
			Expect(send(ctx, tgt.full, op, body)).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "property contractSuiteProbe should not exist"))
		}, bodyEntries)

		// The mock caps bodies (--max-body, 2 MiB by default); a live deployment has its own limit,
		// so this sweep is for the mock only.
		DescribeTable("answers 413 to a body over the limit", contract.MockOnly(), func(ctx SpecContext, op *spec.Operation) {
			Expect(send(ctx, tgt.full, op, oversized())).To(contract.HaveAPIError(http.StatusRequestEntityTooLarge, HavePrefix("request entity too large")))
		}, bodyEntries)

		DescribeTable("answers 400 Contact with id … not found for a contact that does not exist", func(ctx SpecContext, op *spec.Operation) {
			ex := send(ctx, tgt.full, op, nil)
			id := strings.Split(strings.TrimPrefix(ex.URL[len(tgt.base):], "/contacts/"), "/")[0]
			Expect(ex).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Contact", id)))
		}, idEntries)

		It("answers 422 to a missing required query parameter", func(ctx SpecContext) {
			Expect(get(ctx, "/contacts/search/duplicate"+q("email", tgt.names.Email()))).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "locationId should not be empty"))
			Expect(get(ctx, "/contacts/"+q("limit", "1"))).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "locationId should not be empty"))
		}, SpecTimeout(specTimeout))
	})
})
