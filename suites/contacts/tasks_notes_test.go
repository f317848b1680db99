package contacts_test

import (
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
)

var _ = Describe("Tasks", contract.Mutating(contract.LabelTasks), func() {
	It("creates, reads, lists, updates, completes and deletes a task", func(ctx SpecContext) {
		contact := createContact(ctx, nil)
		base := "/contacts/" + contact + "/tasks"
		due := time.Now().UTC().Add(48 * time.Hour).Truncate(time.Second).Format(time.RFC3339)

		created := post(ctx, base, obj{"title": "Call back about the quote", "body": "Asked for a discount", "dueDate": due, "completed": false})
		Expect(created).To(contract.HaveStatus(http.StatusCreated))
		id := created.Str("task.id")
		Expect(id).NotTo(BeEmpty())
		Expect(created.Str("task.contactId")).To(Equal(contact))
		Expect(created.Get("task.completed")).To(BeFalse())

		read := get(ctx, base+"/"+id)
		Expect(read).To(contract.HaveStatus(http.StatusOK))
		Expect(read.Str("task.title")).To(Equal("Call back about the quote"))

		list := get(ctx, base)
		Expect(list).To(contract.HaveStatus(http.StatusOK))
		Expect(ids(list, "tasks")).To(ConsistOf(id))

		updated := put(ctx, base+"/"+id, obj{"title": "Call back today"})
		Expect(updated).To(contract.HaveStatus(http.StatusOK))
		Expect(updated.Str("task.title")).To(Equal("Call back today"))
		Expect(updated.Str("task.body")).To(Equal("Asked for a discount"), "fields not sent are left alone")

		done := put(ctx, base+"/"+id+"/completed", obj{"completed": true})
		Expect(done).To(contract.HaveStatus(http.StatusOK))
		Expect(done.Get("task.completed")).To(BeTrue())
		Expect(get(ctx, base+"/"+id).Get("task.completed")).To(BeTrue())

		deleted := del(ctx, base+"/"+id, nil)
		Expect(deleted).To(contract.HaveStatus(http.StatusOK))
		Expect(deleted.Get("succeded")).To(BeTrue())
		Expect(get(ctx, base+"/"+id)).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Task", id)))
		Expect(ids(get(ctx, base), "tasks")).To(BeEmpty())
	}, SpecTimeout(specTimeout))

	It("refuses a task without its required fields with 422, naming them", func(ctx SpecContext) {
		contact := createContact(ctx, nil)
		ex := post(ctx, "/contacts/"+contact+"/tasks", obj{"body": "no title"})
		Expect(ex).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "title should not be empty"))
		Expect(ex).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "dueDate should not be empty"))
		Expect(put(ctx, "/contacts/"+contact+"/tasks/"+unknownID()+"/completed", obj{})).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "completed should not be empty"))
	}, SpecTimeout(specTimeout))

	It("answers 400 for a task id that names nothing", func(ctx SpecContext) {
		contact := createContact(ctx, nil)
		id := unknownID()
		base := "/contacts/" + contact + "/tasks/" + id
		Expect(get(ctx, base)).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Task", id)))
		Expect(put(ctx, base, obj{"title": "x"})).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Task", id)))
		Expect(put(ctx, base+"/completed", obj{"completed": true})).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Task", id)))
		Expect(del(ctx, base, nil)).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Task", id)))
	}, SpecTimeout(specTimeout))
})

var _ = Describe("Notes", contract.Mutating(contract.LabelNotes), func() {
	It("creates, reads, lists, updates and deletes a note", func(ctx SpecContext) {
		contact := createContact(ctx, nil)
		base := "/contacts/" + contact + "/notes"

		created := post(ctx, base, obj{"body": "Met at the spring fair", "title": "First contact", "color": "#FFAA00", "pinned": true})
		Expect(created).To(contract.HaveStatus(http.StatusCreated))
		id := created.Str("note.id")
		Expect(id).NotTo(BeEmpty())
		Expect(created.Str("note.contactId")).To(Equal(contact))

		read := get(ctx, base+"/"+id)
		Expect(read).To(contract.HaveStatus(http.StatusOK))
		Expect(read.Str("note.body")).To(Equal("Met at the spring fair"))
		Expect(read.Get("note.pinned")).To(BeTrue())

		Expect(ids(get(ctx, base), "notes")).To(ConsistOf(id))

		updated := put(ctx, base+"/"+id, obj{"body": "Met at the spring fair; wants a quote"})
		Expect(updated).To(contract.HaveStatus(http.StatusOK))
		Expect(updated.Str("note.body")).To(Equal("Met at the spring fair; wants a quote"))
		Expect(updated.Str("note.title")).To(Equal("First contact"))

		deleted := del(ctx, base+"/"+id, nil)
		Expect(deleted).To(contract.HaveStatus(http.StatusOK))
		Expect(deleted.Get("succeded")).To(BeTrue())
		Expect(get(ctx, base+"/"+id)).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Note", id)))
	}, SpecTimeout(specTimeout))

	It("refuses a note without a body with 422, and answers 400 for a note id that names nothing", func(ctx SpecContext) {
		contact := createContact(ctx, nil)
		Expect(post(ctx, "/contacts/"+contact+"/notes", obj{"title": "no body"})).To(contract.HaveAPIError(http.StatusUnprocessableEntity, "body should not be empty"))
		id := unknownID()
		base := "/contacts/" + contact + "/notes/" + id
		Expect(get(ctx, base)).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Note", id)))
		Expect(put(ctx, base, obj{"body": "x"})).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Note", id)))
		Expect(del(ctx, base, nil)).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Note", id)))
	}, SpecTimeout(specTimeout))

	It("goes with its contact: deleting the contact deletes its tasks and notes", func(ctx SpecContext) {
		contact := createContact(ctx, nil)
		Expect(post(ctx, "/contacts/"+contact+"/notes", obj{"body": "cascade"})).To(contract.HaveStatus(http.StatusCreated))
		Expect(del(ctx, "/contacts/"+contact, nil)).To(contract.HaveStatus(http.StatusOK))
		Expect(get(ctx, "/contacts/"+contact+"/notes")).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Contact", contact)))
		Expect(get(ctx, "/contacts/"+contact+"/tasks")).To(contract.HaveAPIError(http.StatusBadRequest, notFound("Contact", contact)))
	}, SpecTimeout(specTimeout))
})
