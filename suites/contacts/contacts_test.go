package contacts_test

import (
	"net/http"
	"strconv"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
)

var _ = Describe("Contacts", contract.Area(contract.LabelContacts), func() {
	It("goes through its whole life: create, read, update, list, search, delete, gone", contract.Mutating(contract.LabelSearch), func(ctx SpecContext) {
		tag := tgt.names.Tag("life")
		p := tgt.names.Phone() // +1555NNNNNNN, sent the way people type it
		body := contactBody(obj{"firstName": "Lifecycle", "phone": "+1 555-" + p[5:8] + "-" + p[8:]}, "Spring-Promo", tag)
		created := post(ctx, "/contacts/", body)
		Expect(created).To(contract.HaveStatus(http.StatusCreated))
		id := created.Str("contact.id")
		cleanUpContact(id)
		Expect(created.Str("contact.locationId")).To(Equal(tgt.location))
		Expect(created.Str("contact.email")).To(Equal(body["email"]))
		Expect(created.Strings("contact.tags")).To(ContainElements("spring-promo", tag, tgt.names.RunTag()), "tags are stored lowercased")
		Expect(created.Str("contact.phone")).To(Equal(p), "phones are stored in E.164")

		read := get(ctx, "/contacts/"+id)
		Expect(read).To(contract.HaveStatus(http.StatusOK))
		Expect(read.Str("contact.id")).To(Equal(id))
		Expect(read.Str("contact.firstName")).To(Equal("Lifecycle"))

		updated := put(ctx, "/contacts/"+id, obj{"firstName": "Renamed", "city": "Springfield"})
		Expect(updated).To(contract.HaveStatus(http.StatusOK))
		Expect(updated.Get("succeded")).To(BeTrue(), "the live spelling is succeded")
		Expect(updated.Str("contact.firstName")).To(Equal("Renamed"))
		Expect(updated.Str("contact.city")).To(Equal("Springfield"))
		Expect(updated.Str("contact.email")).To(Equal(body["email"]), "fields not sent are left alone")
		Expect(get(ctx, "/contacts/"+id).Str("contact.firstName")).To(Equal("Renamed"))

		listed := get(ctx, "/contacts/"+q("locationId", tgt.location, "query", body["email"].(string), "limit", "5"))
		Expect(listed).To(contract.HaveStatus(http.StatusOK))
		Expect(ids(listed, "contacts")).To(ContainElement(id))

		eventually(ctx, func(g Gomega) {
			found := searchTagged(ctx, tag, nil)
			g.Expect(ids(found, "contacts")).To(ConsistOf(id))
			g.Expect(found.Get("total")).To(BeEquivalentTo(1))
			g.Expect(found.Str("contacts.0.firstName")).To(Equal("Renamed"), "search sees the update")
		})

		deleted := del(ctx, "/contacts/"+id, nil)
		Expect(deleted).To(contract.HaveStatus(http.StatusOK))
		Expect(deleted.Get("succeded")).To(BeTrue())

		Expect(get(ctx, "/contacts/"+id)).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Contact", id)))
		Expect(del(ctx, "/contacts/"+id, nil)).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Contact", id)))
		Expect(put(ctx, "/contacts/"+id, obj{"firstName": "Ghost"})).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Contact", id)))
		eventually(ctx, func(g Gomega) {
			g.Expect(ids(searchTagged(ctx, tag, nil), "contacts")).To(BeEmpty(), "search forgets the deleted contact")
		})
	}, SpecTimeout(specTimeout))

	It("refuses an unknown property on update with 422, as the DTO whitelist does", contract.Mutating(), func(ctx SpecContext) {
		id := createContact(ctx, nil)
		Expect(put(ctx, "/contacts/"+id, obj{"gender": "female"})).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "property gender should not exist"))
		Expect(put(ctx, "/contacts/"+id, obj{"locationId": tgt.location})).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "property locationId should not exist"))
	}, SpecTimeout(specTimeout))

	It("refuses an unknown property on create with 422 and creates nothing", contract.Mutating(), func(ctx SpecContext) {
		body := contactBody(obj{"favouriteColour": "teal"})
		Expect(post(ctx, "/contacts/", body)).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "property favouriteColour should not exist"))
		// The list reads writes at once (search may lag them), so an empty answer means nothing
		// was created.
		listed := get(ctx, "/contacts/"+q("locationId", tgt.location, "query", body["email"].(string), "limit", "5"))
		Expect(listed).To(contract.HaveStatus(http.StatusOK))
		Expect(listed.Items("contacts")).To(BeEmpty())
	}, SpecTimeout(specTimeout))

	Describe("duplicates", func() {
		It("refuses a create that matches an existing email when the location disallows duplicates", contract.Mutating(), contract.MockOnly(), func(ctx SpecContext) {
			loc, err := needsAdmin().Location(ctx, tgt.location)
			Expect(err).NotTo(HaveOccurred())
			Expect(loc.AllowDuplicateContact).To(BeFalse(), "this spec needs a location that disallows duplicates")
			first := contactBody(nil)
			ex := post(ctx, "/contacts/", first)
			Expect(ex).To(contract.HaveStatus(http.StatusCreated))
			id := ex.Str("contact.id")
			cleanUpContact(id)

			again := post(ctx, "/contacts/", contactBody(obj{"email": first["email"]}))
			Expect(again).To(contract.HaveAPIError(http.StatusBadRequest, "This location does not allow duplicated contacts."))
			Expect(again.Str("meta.contactId")).To(Equal(id))
			Expect(again.Str("meta.matchingField")).To(Equal("email"))
		}, SpecTimeout(specTimeout))

		It("refuses a create that matches an existing phone, naming the phone", contract.Mutating(), contract.MockOnly(), func(ctx SpecContext) {
			phone := tgt.names.Phone()
			id := createContact(ctx, obj{"phone": phone})
			again := post(ctx, "/contacts/", contactBody(obj{"phone": phone}))
			Expect(again).To(contract.HaveAPIError(http.StatusBadRequest, "This location does not allow duplicated contacts."))
			Expect(again.Str("meta.contactId")).To(Equal(id))
			Expect(again.Str("meta.matchingField")).To(Equal("phone"))
		}, SpecTimeout(specTimeout))

		It("looks a duplicate up by email and by number, and answers {contact: null} when there is none", contract.Mutating(), func(ctx SpecContext) {
			phone := tgt.names.Phone()
			body := contactBody(obj{"phone": phone})
			ex := post(ctx, "/contacts/", body)
			Expect(ex).To(contract.HaveStatus(http.StatusCreated))
			id := ex.Str("contact.id")
			cleanUpContact(id)

			eventually(ctx, func(g Gomega) {
				byEmail := get(ctx, "/contacts/search/duplicate"+q("locationId", tgt.location, "email", body["email"].(string)))
				g.Expect(byEmail).To(contract.HaveStatus(http.StatusOK))
				g.Expect(byEmail.Str("contact.id")).To(Equal(id))

				byNumber := get(ctx, "/contacts/search/duplicate"+q("locationId", tgt.location, "number", phone))
				g.Expect(byNumber).To(contract.HaveStatus(http.StatusOK))
				g.Expect(byNumber.Str("contact.id")).To(Equal(id), "the number is URL-encoded with + as %%2B")
			})

			none := get(ctx, "/contacts/search/duplicate"+q("locationId", tgt.location, "email", tgt.names.Email()))
			Expect(none).To(contract.HaveStatus(http.StatusOK))
			Expect(none.JSON()).To(HaveKeyWithValue("contact", BeNil()))
		}, SpecTimeout(specTimeout))

		It("answers 400 to a duplicate lookup with neither email nor number", func(ctx SpecContext) {
			ex := get(ctx, "/contacts/search/duplicate"+q("locationId", tgt.location))
			Expect(ex).To(contract.HaveAPIError(http.StatusBadRequest, ContainSubstring("number, email")))
		}, SpecTimeout(specTimeout))
	})

	Describe("upsert", func() {
		It("creates a new contact (new: true), then updates it (new: false), both with 200", contract.Mutating(), func(ctx SpecContext) {
			body := contactBody(obj{"firstName": "Upsy"})
			first := post(ctx, "/contacts/upsert", body)
			Expect(first).To(contract.HaveStatus(http.StatusOK))
			Expect(first.Get("new")).To(BeTrue())
			Expect(first.Str("traceId")).NotTo(BeEmpty())
			id := first.Str("contact.id")
			cleanUpContact(id)

			second := post(ctx, "/contacts/upsert", obj{"locationId": tgt.location, "email": body["email"], "lastName": "Updated"})
			Expect(second).To(contract.HaveStatus(http.StatusOK))
			Expect(second.Get("new")).To(BeFalse())
			Expect(second.Str("contact.id")).To(Equal(id))
			Expect(second.Str("contact.lastName")).To(Equal("Updated"))
			Expect(second.Str("contact.firstName")).To(Equal("Upsy"))
		}, SpecTimeout(specTimeout))
	})

	Describe("list paging (GET /contacts/, deprecated)", func() {
		It("pages newest first by echoing meta.startAfter and meta.startAfterId, without duplicates or gaps", contract.Mutating(), func(ctx SpecContext) {
			tag := tgt.names.Tag("page")
			var created []string
			for range 5 {
				created = append(created, createContact(ctx, obj{"companyName": tag}, tag))
			}
			// The free-text query narrows the list to this spec's contacts (companyName is unique).
			var seen []string
			last := ""
			path := "/contacts/" + q("locationId", tgt.location, "query", tag, "limit", "2")
			for pages := 0; ; pages++ {
				Expect(pages).To(BeNumerically("<", 10), "paging does not end")
				page := get(ctx, path)
				Expect(page).To(contract.HaveStatus(http.StatusOK))
				got := ids(page, "contacts")
				Expect(len(got)).To(BeNumerically("<=", 2))
				for _, it := range page.Items("contacts") {
					at := contract.Lookup(it, "dateAdded").(string)
					if last != "" {
						Expect(at <= last).To(BeTrue(), "contacts come newest first: %s after %s", at, last)
					}
					last = at
				}
				seen = append(seen, got...)
				Expect(page.Get("meta.total")).To(BeEquivalentTo(5))
				if len(got) < 2 || page.Get("meta.nextPageUrl") == nil {
					break
				}
				Expect(page.Str("meta.startAfterId")).To(Equal(got[len(got)-1]))
				after, ok := page.Get("meta.startAfter").(float64)
				Expect(ok).To(BeTrue(), "meta.startAfter is epoch milliseconds")
				path = "/contacts/" + q("locationId", tgt.location, "query", tag, "limit", "2",
					"startAfter", strconv.FormatInt(int64(after), 10), "startAfterId", page.Str("meta.startAfterId"))
			}
			Expect(seen).To(HaveLen(5), "no duplicates, no gaps")
			Expect(seen).To(ConsistOf(created))
		}, SpecTimeout(specTimeout))

		It("refuses a limit above 100 with 422", func(ctx SpecContext) {
			Expect(get(ctx, "/contacts/"+q("locationId", tgt.location, "limit", "101"))).To(contract.HaveStatus(http.StatusUnprocessableEntity))
		}, SpecTimeout(specTimeout))

		It("answers 400 to a startAfterId that names no contact", func(ctx SpecContext) {
			id := unknownID()
			Expect(get(ctx, "/contacts/"+q("locationId", tgt.location, "startAfterId", id))).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Contact", id)))
		}, SpecTimeout(specTimeout))
	})

	It("sends the rate-limit headers on every counted response", contract.Area(contract.LabelRateLimit), contract.Mutating(), func(ctx SpecContext) {
		id := createContact(ctx, nil)
		for _, ex := range []*contract.Exchange{
			get(ctx, "/contacts/"+id),
			get(ctx, "/contacts/"+unknownID()),
			put(ctx, "/contacts/"+id, obj{"gender": "x"}),
			get(ctx, "/contacts/"+q("locationId", tgt.location, "limit", "1")),
		} {
			Expect(ex).To(contract.HaveRateLimitHeaders())
		}
	}, SpecTimeout(specTimeout))
})
