package contacts_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
	"github.com/contactsmock/contactsmock/fixtures"
)

// result finds the bulk tag result of a contact id.
func result(ex *contract.Exchange, id string) map[string]any {
	for _, r := range ex.Items("responses") {
		if m, ok := r.(map[string]any); ok && m["contactId"] == id {
			return m
		}
	}
	return nil
}

var _ = Describe("Bulk tags", contract.Mutating(contract.LabelBulk, contract.LabelTags), func() {
	It("adds and removes tags on many contacts, with a result per contact, invalid ids included", func(ctx SpecContext) {
		a, b := createContact(ctx, nil), createContact(ctx, nil)
		missing := unknownID()
		tag := tgt.names.Tag("Bulk")

		added := post(ctx, "/contacts/bulk/tags/update/add", obj{
			"locationId": tgt.location, "contacts": []string{a, b, "not-an-id", missing}, "tags": []string{tag},
		})
		Expect(added).To(contract.HaveStatus(http.StatusCreated))
		Expect(added.Get("errorCount")).To(BeEquivalentTo(2))
		Expect(added.Items("responses")).To(HaveLen(4))
		for _, id := range []string{a, b} {
			r := result(added, id)
			Expect(r).To(HaveKeyWithValue("type", "success"))
			Expect(r).To(HaveKeyWithValue("tagsAdded", ConsistOf(tag)))
		}
		Expect(result(added, "not-an-id")).To(And(HaveKeyWithValue("type", "error"), HaveKeyWithValue("message", "contact id is not a valid firebase id")))
		Expect(result(added, missing)).To(HaveKeyWithValue("type", "error"))
		Expect(get(ctx, "/contacts/"+a).Strings("contact.tags")).To(ContainElement(tag))

		removed := post(ctx, "/contacts/bulk/tags/update/remove", obj{"locationId": tgt.location, "contacts": []string{a, b}, "tags": []string{tag}})
		Expect(removed).To(contract.HaveStatus(http.StatusCreated))
		Expect(removed.Get("errorCount")).To(BeEquivalentTo(0))
		Expect(removed.Get("succeded")).To(BeTrue())
		Expect(result(removed, b)).To(HaveKeyWithValue("tagsRemoved", ConsistOf(tag)))
		Expect(get(ctx, "/contacts/"+b).Strings("contact.tags")).NotTo(ContainElement(tag))
	}, SpecTimeout(specTimeout))

	It("removes every tag with removeAllTags, which only the remove type allows", func(ctx SpecContext) {
		a := createContact(ctx, nil, "one", "two")
		Expect(post(ctx, "/contacts/bulk/tags/update/add", obj{"locationId": tgt.location, "contacts": []string{a}, "tags": []string{}, "removeAllTags": true})).
			To(contract.HaveStatus(http.StatusUnprocessableEntity))
		ex := post(ctx, "/contacts/bulk/tags/update/remove", obj{"locationId": tgt.location, "contacts": []string{a}, "tags": []string{}, "removeAllTags": true})
		Expect(ex).To(contract.HaveStatus(http.StatusCreated))
		Expect(get(ctx, "/contacts/"+a).Strings("contact.tags")).To(BeEmpty())
	}, SpecTimeout(specTimeout))

	It("reports a deleted contact as such", func(ctx SpecContext) {
		a := createContact(ctx, nil)
		Expect(del(ctx, "/contacts/"+a, nil)).To(contract.HaveStatus(http.StatusOK))
		ex := post(ctx, "/contacts/bulk/tags/update/add", obj{"locationId": tgt.location, "contacts": []string{a}, "tags": []string{"x"}})
		Expect(ex).To(contract.HaveStatus(http.StatusCreated))
		Expect(result(ex, a)).To(And(HaveKeyWithValue("type", "error"), HaveKeyWithValue("message", "contact is deleted")))
	}, SpecTimeout(specTimeout))
})

var _ = Describe("Bulk business", contract.Mutating(contract.LabelBulk), contract.MockOnly(), func() {
	It("attaches contacts to a business, lists them with skip and limit, and detaches them", func(ctx SpecContext) {
		biz, err := needsAdmin().AddBusiness(ctx, fixtures.Business{LocationID: tgt.location, Name: tgt.names.Name("Acme Holdings")})
		Expect(err).NotTo(HaveOccurred())
		a, b := createContact(ctx, nil), createContact(ctx, nil)

		attached := post(ctx, "/contacts/bulk/business", obj{"locationId": tgt.location, "ids": []string{a, b}, "businessId": biz.ID})
		Expect(attached).To(contract.HaveStatus(http.StatusOK))
		Expect(attached.Get("success")).To(BeTrue())
		Expect(attached.Strings("ids")).To(ConsistOf(a, b))
		Expect(get(ctx, "/contacts/"+a).Str("contact.businessId")).To(Equal(biz.ID))

		path := "/contacts/business/" + biz.ID
		all := get(ctx, path+q("locationId", tgt.location))
		Expect(all).To(contract.HaveStatus(http.StatusOK))
		Expect(all.Get("count")).To(BeEquivalentTo(2))
		Expect(ids(all, "contacts")).To(ConsistOf(a, b))
		first := get(ctx, path+q("locationId", tgt.location, "limit", "1", "skip", "0"))
		second := get(ctx, path+q("locationId", tgt.location, "limit", "1", "skip", "1"))
		Expect(ids(first, "contacts")).To(HaveLen(1))
		Expect(ids(second, "contacts")).To(HaveLen(1))
		Expect(append(ids(first, "contacts"), ids(second, "contacts")...)).To(ConsistOf(a, b), "skip and limit page without overlap")
		Expect(first.Get("count")).To(BeEquivalentTo(2))

		detached := post(ctx, "/contacts/bulk/business", obj{"locationId": tgt.location, "ids": []string{a, b}, "businessId": nil})
		Expect(detached).To(contract.HaveStatus(http.StatusOK))
		Expect(get(ctx, path+q("locationId", tgt.location)).Get("count")).To(BeEquivalentTo(0))
	}, SpecTimeout(specTimeout))

	It("refuses a business that does not exist with 400, and a non-numeric limit with 422", func(ctx SpecContext) {
		a := createContact(ctx, nil)
		biz := unknownBusinessID()
		Expect(post(ctx, "/contacts/bulk/business", obj{"locationId": tgt.location, "ids": []string{a}, "businessId": biz})).
			To(contract.HaveAPIError(http.StatusBadRequest, notFound("Business", biz)))
		Expect(get(ctx, "/contacts/business/"+biz+q("locationId", tgt.location, "limit", "many"))).To(contract.HaveStatus(http.StatusUnprocessableEntity))
	}, SpecTimeout(specTimeout))

	It("refuses a business id that is not an ObjectId with 400", func(ctx SpecContext) {
		Expect(get(ctx, "/contacts/business/not-a-business"+q("locationId", tgt.location))).
			To(contract.HaveAPIError(http.StatusBadRequest, "Invalid business id not-a-business"))
	}, SpecTimeout(specTimeout))
})
