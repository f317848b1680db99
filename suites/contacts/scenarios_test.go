package contacts_test

import (
	"context"
	"fmt"
	"net/http"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
)

// documentViewed is what an integration does when an outside system reports that a person viewed a
// shared document: upsert the person by email, log a note, create a follow-up task. It returns the
// contact id and whether the contact is new.
func documentViewed(ctx context.Context, email, document, tag string) (string, bool) {
	GinkgoHelper()
	up := post(ctx, "/contacts/upsert", obj{
		"locationId": tgt.location, "email": email, "firstName": "Viewer", "source": "document tracker",
		"tags": []string{tgt.names.RunTag(), tgt.names.ProcTag(), tag, "viewed-document"},
	})
	Expect(up).To(contract.HaveStatus(http.StatusOK))
	id := up.Str("contact.id")
	Expect(id).NotTo(BeEmpty())
	isNew, _ := up.Get("new").(bool)

	note := post(ctx, "/contacts/"+id+"/notes", obj{"body": "Viewed the shared document \"" + document + "\"", "title": "Document viewed"})
	Expect(note).To(contract.HaveStatus(http.StatusCreated))
	due := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
	task := post(ctx, "/contacts/"+id+"/tasks", obj{"title": "Follow up on " + document, "dueDate": due, "completed": false})
	Expect(task).To(contract.HaveStatus(http.StatusCreated))
	return id, isNew
}

// newestUpdated is the integration's "new or updated contact" poll: search sorted by dateUpdated,
// newest first, restricted to the scenario's tag.
func newestUpdated(ctx context.Context, tag string) *contract.Exchange {
	GinkgoHelper()
	return searchTagged(ctx, tag, obj{"pageLimit": 10, "sort": []any{obj{"field": "dateUpdated", "direction": "desc"}}})
}

// dateUpdated returns the dateUpdated of a contact in a list response ("" if absent).
func dateUpdated(ex *contract.Exchange, id string) string {
	for _, it := range ex.Items("contacts") {
		if contract.Lookup(it, "id") == id {
			s, _ := contract.Lookup(it, "dateUpdated").(string)
			return s
		}
	}
	return ""
}

// newestFirst checks a poll's answer: exactly the contacts given, sorted by dateUpdated newest
// first, with newest among the most recently updated (contacts updated within one millisecond tie,
// so the order of ties is not asserted).
func newestFirst(ex *contract.Exchange, newest string, others ...string) error {
	got := ids(ex, "contacts")
	if !sameSet(got, append([]string{newest}, others...)) {
		return fmt.Errorf("the poll answered %v, want %s and %v", got, newest, others)
	}
	prev := ""
	for _, id := range got {
		at := dateUpdated(ex, id)
		if prev != "" && at > prev {
			return fmt.Errorf("the poll is not sorted by dateUpdated, newest first: %s after %s", at, prev)
		}
		prev = at
	}
	if top := dateUpdated(ex, got[0]); dateUpdated(ex, newest) != top {
		return fmt.Errorf("%s (updated %s) is not among the newest (%s)", newest, dateUpdated(ex, newest), top)
	}
	return nil
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	seen := map[string]int{}
	for _, s := range a {
		seen[s]++
	}
	for _, s := range b {
		seen[s]--
	}
	for _, n := range seen {
		if n != 0 {
			return false
		}
	}
	return true
}

var _ = Describe("Scenarios", contract.Mutating(contract.LabelScenario), func() {
	It("an outside event (a shared document was viewed) upserts the contact, logs a note, adds a follow-up task, and the poll sees it", func(ctx SpecContext) {
		tag := tgt.names.Tag("viewed")
		email := tgt.names.Email()
		other := createContact(ctx, nil, tag) // an older contact the poll must rank below

		id, isNew := documentViewed(ctx, email, "Spring proposal", tag)
		cleanUpContact(id)
		Expect(isNew).To(BeTrue(), "the first view creates the contact")
		// Search may lag writes on a live deployment: poll as an integration would.
		Eventually(func(g Gomega) {
			g.Expect(newestFirst(newestUpdated(ctx, tag), id, other)).To(Succeed())
		}).WithContext(ctx).WithTimeout(cfg.SearchWait).WithPolling(250 * time.Millisecond).Should(Succeed())
		firstSeen := get(ctx, "/contacts/"+id).Str("contact.dateUpdated")

		// The older contact changes, then the viewer views again: the poll ranks the viewer first
		// again, with a later dateUpdated, and the contact is the same (new: false).
		Expect(put(ctx, "/contacts/"+other, obj{"city": "Elsewhere"})).To(contract.HaveStatus(http.StatusOK))
		again, isNew := documentViewed(ctx, email, "Spring proposal, v2", tag)
		Expect(isNew).To(BeFalse())
		Expect(again).To(Equal(id))
		Eventually(func(g Gomega) {
			poll := newestUpdated(ctx, tag)
			g.Expect(newestFirst(poll, id, other)).To(Succeed())
			g.Expect(dateUpdated(poll, id) > firstSeen).To(BeTrue(), "dateUpdated moved on")
		}).WithContext(ctx).WithTimeout(cfg.SearchWait).WithPolling(250 * time.Millisecond).Should(Succeed())

		// The "newest first" list sees the contact too, and its notes and tasks hold both events.
		Expect(ids(get(ctx, "/contacts/"+q("locationId", tgt.location, "query", email, "limit", "5")), "contacts")).To(ConsistOf(id))
		Expect(get(ctx, "/contacts/"+id+"/notes").Items("notes")).To(HaveLen(2))
		Expect(get(ctx, "/contacts/"+id+"/tasks").Items("tasks")).To(HaveLen(2))
	}, SpecTimeout(60*time.Second))

	It("a scheduled batch job tags many contacts with the bulk endpoint and pages through the result with search", contract.Area(contract.LabelBulk, contract.LabelSearch), func(ctx SpecContext) {
		const n, chunk, pageLimit = 12, 5, 5
		source, campaign := tgt.names.Tag("batch-src"), tgt.names.Tag("nurture")
		var created []string
		for range n {
			created = append(created, createContact(ctx, nil, source))
		}
		// The job reads its input with search, then tags in chunks, as a batch job over a large
		// list would.
		var input []string
		eventually(ctx, func(g Gomega) {
			input = ids(searchTagged(ctx, source, nil), "contacts")
			g.Expect(input).To(ConsistOf(created))
		})
		for start := 0; start < len(input); start += chunk {
			part := input[start:min(start+chunk, len(input))]
			ex := post(ctx, "/contacts/bulk/tags/update/add", obj{"locationId": tgt.location, "contacts": part, "tags": []string{campaign}})
			Expect(ex).To(contract.HaveStatus(http.StatusCreated))
			Expect(ex.Get("errorCount")).To(BeEquivalentTo(0))
			Expect(ex.Items("responses")).To(HaveLen(len(part)))
		}
		// Page through everything tagged, deep-paging with searchAfter, until a short page.
		Eventually(func(g Gomega) {
			var seen []string
			body := obj{"pageLimit": pageLimit, "sort": []any{obj{"field": "dateAdded", "direction": "asc"}}}
			for pages := 0; pages < 10; pages++ {
				page := searchTagged(ctx, campaign, body)
				got := ids(page, "contacts")
				seen = append(seen, got...)
				g.Expect(page.Get("total")).To(BeEquivalentTo(n))
				if len(got) < pageLimit {
					break
				}
				body["searchAfter"] = page.Get("contacts." + itoa(len(got)-1) + ".searchAfter")
			}
			g.Expect(seen).To(HaveLen(n), "no duplicates, no gaps")
			g.Expect(seen).To(ConsistOf(created))
		}).WithContext(ctx).WithTimeout(cfg.SearchWait).WithPolling(250 * time.Millisecond).Should(Succeed())
	}, SpecTimeout(60*time.Second))
})
