package contacts_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
)

var _ = Describe("Tags", contract.Mutating(contract.LabelTags), func() {
	It("adds and removes tags as sets, stored lowercased", func(ctx SpecContext) {
		id := createContact(ctx, nil)
		base := "/contacts/" + id + "/tags"
		own := []any{tgt.names.RunTag(), tgt.names.ProcTag()}

		added := post(ctx, base, obj{"tags": []string{"VIP", "Hot Lead", "vip"}})
		Expect(added).To(contract.HaveStatus(http.StatusCreated))
		Expect(added.Get("tags")).To(ConsistOf(append(own, "vip", "hot lead")...))

		again := post(ctx, base, obj{"tags": []string{"hot lead"}})
		Expect(again).To(contract.HaveStatus(http.StatusCreated))
		Expect(again.Get("tags")).To(ConsistOf(append(own, "vip", "hot lead")...), "adding a present tag changes nothing")

		removed := del(ctx, base, obj{"tags": []string{"HOT LEAD", "never-there"}})
		Expect(removed).To(contract.HaveStatus(http.StatusOK))
		Expect(removed.Get("tags")).To(ConsistOf(append(own, "vip")...))
		Expect(get(ctx, "/contacts/"+id).Get("contact.tags")).To(ConsistOf(append(own, "vip")...))
	}, SpecTimeout(specTimeout))

	It("replaces the whole list when tags are sent on update", func(ctx SpecContext) {
		id := createContact(ctx, nil, "before")
		tags := []string{tgt.names.RunTag(), tgt.names.ProcTag(), "After"}
		ex := put(ctx, "/contacts/"+id, obj{"tags": tags})
		Expect(ex).To(contract.HaveStatus(http.StatusOK))
		Expect(ex.Strings("contact.tags")).To(ConsistOf(tgt.names.RunTag(), tgt.names.ProcTag(), "after"))
	}, SpecTimeout(specTimeout))

	It("refuses a tag body without tags with 422", func(ctx SpecContext) {
		id := createContact(ctx, nil)
		Expect(post(ctx, "/contacts/"+id+"/tags", obj{})).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "tags should not be empty"))
		Expect(del(ctx, "/contacts/"+id+"/tags", obj{"tags": "vip"})).To(contract.HaveStatus(http.StatusUnprocessableEntity))
	}, SpecTimeout(specTimeout))
})
