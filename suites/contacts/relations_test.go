package contacts_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
	"github.com/contactsmock/contactsmock/fixtures"
)

// Fixed campaign and workflow ids. The mock accepts any well-formed id; a live deployment needs real
// ones, so the membership specs are mock-only.
const (
	campaignID = "CampContractSuite001"
	workflowID = "FlowContractSuite001"
)

var _ = Describe("Appointments", contract.Area(contract.LabelContacts), func() {
	It("lists no events for a contact without appointments", contract.Mutating(), func(ctx SpecContext) {
		id := createContact(ctx, nil)
		ex := get(ctx, "/contacts/"+id+"/appointments")
		Expect(ex).To(contract.HaveStatus(http.StatusOK))
		Expect(ex.Items("events")).To(BeEmpty())
	}, SpecTimeout(specTimeout))

	It("lists a contact's appointments by start time", contract.Mutating(), contract.MockOnly(), func(ctx SpecContext) {
		id := createContact(ctx, nil)
		start := time.Now().UTC().Add(72 * time.Hour).Truncate(time.Minute)
		for _, offset := range []time.Duration{2 * time.Hour, 0} {
			_, err := needsAdmin().AddAppointment(ctx, fixtures.Appointment{
				LocationID: tgt.location, ContactID: id, Title: tgt.names.Name("Check-up"),
				StartTime: fixtures.At(start.Add(offset)), EndTime: fixtures.At(start.Add(offset + 30*time.Minute)),
				Users: []string{}, AssignedResources: []string{},
			})
			Expect(err).NotTo(HaveOccurred())
		}
		ex := get(ctx, "/contacts/"+id+"/appointments")
		Expect(ex).To(contract.HaveStatus(http.StatusOK))
		Expect(ex.Items("events")).To(HaveLen(2))
		Expect(ex.Str("events.0.contactId")).To(Equal(id))
		Expect(ex.Str("events.0.startTime") < ex.Str("events.1.startTime")).To(BeTrue(), "events come by start time")
	}, SpecTimeout(specTimeout))

	It("answers 400 for a contact that does not exist", func(ctx SpecContext) {
		id := unknownID()
		Expect(get(ctx, "/contacts/"+id+"/appointments")).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Contact", id)))
	}, SpecTimeout(specTimeout))
})

var _ = Describe("Followers", contract.Mutating(contract.LabelContacts), contract.MockOnly(), func() {
	It("adds and removes followers as sets, reporting what changed", func(ctx SpecContext) {
		// The mock takes any well-formed user id; a location's own user is used when it has one.
		user := newID()
		if len(tgt.users) > 0 {
			user = tgt.users[0]
		}
		id := createContact(ctx, nil)
		base := "/contacts/" + id + "/followers"

		added := post(ctx, base, obj{"followers": []string{user}})
		Expect(added).To(contract.HaveStatus(http.StatusCreated))
		Expect(added.Strings("followers")).To(ConsistOf(user))
		Expect(added.Strings("followersAdded")).To(ConsistOf(user))

		again := post(ctx, base, obj{"followers": []string{user}})
		Expect(again).To(contract.HaveStatus(http.StatusCreated))
		Expect(again.Strings("followersAdded")).To(BeEmpty())

		removed := del(ctx, base, obj{"followers": []string{user}})
		Expect(removed).To(contract.HaveStatus(http.StatusOK))
		Expect(removed.Strings("followers")).To(BeEmpty())
		Expect(removed.Strings("followersRemoved")).To(ConsistOf(user))
		Expect(get(ctx, "/contacts/"+id).Get("contact.followers")).To(BeEmpty())
	}, SpecTimeout(specTimeout))
})

var _ = Describe("Campaigns", contract.Mutating(contract.LabelContacts), contract.MockOnly(), func() {
	It("adds a contact to a campaign (201), removes it (200), and removes it from every campaign (200)", func(ctx SpecContext) {
		id := createContact(ctx, nil)
		added := post(ctx, "/contacts/"+id+"/campaigns/"+campaignID, obj{})
		Expect(added).To(contract.HaveStatus(http.StatusCreated))
		Expect(added.Get("succeded")).To(BeTrue())
		removed := del(ctx, "/contacts/"+id+"/campaigns/"+campaignID, nil)
		Expect(removed).To(contract.HaveStatus(http.StatusOK))
		Expect(removed.Get("succeded")).To(BeTrue())

		Expect(post(ctx, "/contacts/"+id+"/campaigns/"+campaignID, obj{})).To(contract.HaveStatus(http.StatusCreated))
		all := del(ctx, "/contacts/"+id+"/campaigns/removeAll", nil)
		Expect(all).To(contract.HaveStatus(http.StatusOK), "removeAll is a literal segment, not a campaign id")
		Expect(all.Get("succeded")).To(BeTrue())
	}, SpecTimeout(specTimeout))
})

var _ = Describe("Workflows", contract.Mutating(contract.LabelContacts), contract.MockOnly(), func() {
	It("adds a contact to a workflow (200, not 201) and removes it", func(ctx SpecContext) {
		id := createContact(ctx, nil)
		start := time.Now().Add(time.Hour).Format("2006-01-02T15:04:05-07:00")
		added := post(ctx, "/contacts/"+id+"/workflow/"+workflowID, obj{"eventStartTime": start})
		Expect(added).To(contract.HaveStatus(http.StatusOK))
		Expect(added.Get("succeded")).To(BeTrue())
		removed := del(ctx, "/contacts/"+id+"/workflow/"+workflowID, obj{})
		Expect(removed).To(contract.HaveStatus(http.StatusOK))
		Expect(removed.Get("succeded")).To(BeTrue())
	}, SpecTimeout(specTimeout))
})
