package contacts_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
	"github.com/contactsmock/contactsmock/contract/webhooksig"
)

// delivered is one webhook request a receiver accepted.
type delivered struct {
	event, webhookID, contactID, deliveryID, signature string
	body                                               []byte
	payload                                            map[string]any
}

// receiver is a spec's webhook receiver: an HTTP server on 127.0.0.1 that checks each delivery the
// way a careful integration would (the x-ghl-signature against the mock's public key, the payload
// against the document's schema for its event) and records it. A delivery that fails a check is
// answered 400 (not retried by the mock) and recorded as a problem.
type receiver struct {
	srv *httptest.Server
	pub ed25519.PublicKey

	mu       sync.Mutex // guards got and problems
	got      []delivered
	problems []string
}

func newReceiver(pub ed25519.PublicKey) *receiver {
	r := &receiver{pub: pub}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	return r
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	fail := func(format string, args ...any) {
		r.mu.Lock()
		r.problems = append(r.problems, req.Header.Get("X-Contactsmock-Delivery")+": "+strings.TrimSpace(fmt.Sprintf(format, args...)))
		r.mu.Unlock()
		http.Error(w, "refused", http.StatusBadRequest)
	}
	body, err := webhooksig.VerifyRequest(r.pub, req)
	if err != nil {
		fail("signature: %v", err)
		return
	}
	env, err := webhooksig.ParseEnvelope(body)
	if err != nil {
		fail("%v", err)
		return
	}
	if err := tgt.spec.ValidateWebhook(env.Type, body); err != nil {
		fail("%v", err)
		return
	}
	d := delivered{event: env.Type, webhookID: env.WebhookID, body: body,
		deliveryID: req.Header.Get("X-Contactsmock-Delivery"), signature: req.Header.Get(webhooksig.SignatureHeader)}
	_ = json.Unmarshal(body, &d.payload)
	d.contactID, _ = d.payload["contactId"].(string)
	if strings.HasPrefix(env.Type, "Contact") {
		d.contactID, _ = d.payload["id"].(string)
	}
	r.mu.Lock()
	r.got = append(r.got, d)
	r.mu.Unlock()
	w.WriteHeader(http.StatusOK)
}

// received returns what the receiver accepted for a contact, in arrival order.
func (r *receiver) received(contactID string) []delivered {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []delivered
	for _, d := range r.got {
		if d.contactID == contactID {
			out = append(out, d)
		}
	}
	return out
}

func (r *receiver) problemList() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.problems)
}

// await waits until the receiver has accepted n deliveries for the contact and returns them; a
// delivery it refused (bad signature, payload the document does not declare) ends the wait at once.
func (r *receiver) await(ctx SpecContext, contactID string, n int) []delivered {
	GinkgoHelper()
	var got []delivered
	Eventually(func(g Gomega) {
		if p := r.problemList(); len(p) > 0 {
			StopTrying("the receiver refused deliveries:\n" + strings.Join(p, "\n")).Now()
		}
		got = r.received(contactID)
		g.Expect(len(got)).To(BeNumerically(">=", n), "deliveries so far: %v", events(got))
	}).WithContext(ctx).WithTimeout(5 * time.Second).WithPolling(10 * time.Millisecond).Should(Succeed())
	return got
}

func events(ds []delivered) []string {
	out := make([]string, len(ds))
	for i, d := range ds {
		out[i] = d.event
	}
	return out
}

// listenWebhooks starts a receiver, registers it for this process's location and removes both when
// the spec ends. A mock in another process must reach 127.0.0.1, so it must run on this host.
func listenWebhooks(ctx SpecContext) (*receiver, contract.AdminWebhook) {
	GinkgoHelper()
	admin := needsAdmin()
	if u, err := url.Parse(admin.BaseURL); err == nil && !isLoopback(u.Hostname()) {
		Skip("the webhook receiver listens on 127.0.0.1, which a mock at " + u.Host + " cannot reach")
	}
	pem, err := admin.WebhookPublicKey(ctx)
	Expect(err).NotTo(HaveOccurred())
	pub, err := webhooksig.ParsePublicKey(pem)
	Expect(err).NotTo(HaveOccurred())
	recv := newReceiver(pub)
	DeferCleanup(recv.srv.Close)
	reg, err := admin.RegisterWebhook(ctx, contract.AdminWebhook{URL: recv.srv.URL + "/hooks", LocationID: tgt.location})
	Expect(err).NotTo(HaveOccurred())
	Expect(reg.ID).NotTo(BeEmpty())
	Expect(reg.LocationID).To(Equal(tgt.location))
	DeferCleanup(func(ctx SpecContext) {
		Expect(admin.DeleteWebhook(ctx, reg.ID)).To(Succeed())
	}, NodeTimeout(10*time.Second))
	return recv, reg
}

func isLoopback(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

var _ = Describe("Webhooks", contract.Mutating(contract.LabelWebhooks), contract.MockOnly(), func() {
	It("delivers each change of a contact once, in order, signed, with a payload the document declares, and logs the deliveries", func(ctx SpecContext) {
		recv, reg := listenWebhooks(ctx)
		admin := needsAdmin()
		tag := tgt.names.Tag("hook")

		id := createContact(ctx, nil)
		Expect(put(ctx, "/contacts/"+id, obj{"city": "Webhookville"})).To(contract.HaveStatus(http.StatusOK))
		Expect(post(ctx, "/contacts/"+id+"/tags", obj{"tags": []string{tag}})).To(contract.HaveStatus(http.StatusCreated))
		Expect(post(ctx, "/contacts/"+id+"/notes", obj{"body": "Called about the webhook"})).To(contract.HaveStatus(http.StatusCreated))
		due := time.Now().UTC().Add(24 * time.Hour).Truncate(time.Second).Format(time.RFC3339)
		task := post(ctx, "/contacts/"+id+"/tasks", obj{"title": "Hook follow-up", "dueDate": due, "completed": false})
		Expect(task).To(contract.HaveStatus(http.StatusCreated))
		Expect(put(ctx, "/contacts/"+id+"/tasks/"+task.Str("task.id")+"/completed", obj{"completed": true})).To(contract.HaveStatus(http.StatusOK))
		Expect(del(ctx, "/contacts/"+id, nil)).To(contract.HaveStatus(http.StatusOK))

		want := []string{"ContactCreate", "ContactUpdate", "ContactTagUpdate", "NoteCreate", "TaskCreate", "TaskComplete", "ContactDelete"}
		got := recv.await(ctx, id, len(want))
		Expect(events(got)).To(Equal(want), "each event once, in the order of the changes")
		var hookIDs []string
		for _, d := range got {
			Expect(d.payload["locationId"]).To(Equal(tgt.location), "%s", d.event)
			hookIDs = append(hookIDs, d.webhookID)
		}
		Expect(slices.Compact(slices.Sorted(slices.Values(hookIDs)))).To(HaveLen(len(want)), "one webhookId per event")
		Expect(got[1].payload["city"]).To(Equal("Webhookville"))
		Expect(got[2].payload["tags"]).To(ContainElement(tag))
		Expect(got[3].payload["body"]).To(Equal("Called about the webhook"))
		Expect(got[4].payload["title"]).To(Equal("Hook follow-up"))
		Expect(got[5].payload["completed"]).To(BeTrue())

		By("the delivery log lists them, newest first, delivered at the first attempt")
		// The receiver sees a delivery before the mock has read the answer and logged it: wait
		// for the log to catch up.
		Eventually(func(g Gomega) {
			log, err := admin.WebhookDeliveries(ctx, url.Values{"registrationId": {reg.ID}})
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(log).To(HaveLen(len(want)))
			for i, d := range log {
				r := got[len(got)-1-i]
				g.Expect(d.EventType).To(Equal(r.event))
				g.Expect(d.ID).To(Equal(r.deliveryID))
				g.Expect(d.WebhookID).To(Equal(r.webhookID))
				g.Expect(d.ContactID).To(Equal(id))
				g.Expect(d.LocationID).To(Equal(tgt.location))
				g.Expect(d.State).To(Equal("delivered"))
				g.Expect(d.Statuses).To(Equal([]int{http.StatusOK}))
				g.Expect(d.Signature).To(Equal(r.signature))
			}
		}).WithContext(ctx).WithTimeout(5 * time.Second).WithPolling(10 * time.Millisecond).Should(Succeed())
		Eventually(func(g Gomega) {
			now, err := admin.Webhook(ctx, reg.ID)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(now.Stats).To(Equal(contract.AdminWebhookStats{Delivered: len(want)}), "nothing pending: no event comes twice")
		}).WithContext(ctx).WithTimeout(5 * time.Second).WithPolling(10 * time.Millisecond).Should(Succeed())
	}, SpecTimeout(specTimeout))

	It("replays a delivery byte for byte: same webhookId, same signature, a new delivery that says what it replays", func(ctx SpecContext) {
		recv, reg := listenWebhooks(ctx)
		admin := needsAdmin()
		id := createContact(ctx, nil)
		first := recv.await(ctx, id, 1)[0]
		Expect(first.event).To(Equal("ContactCreate"))

		replay, err := admin.ReplayWebhook(ctx, first.deliveryID)
		Expect(err).NotTo(HaveOccurred())
		Expect(replay.ReplayOf).To(Equal(first.deliveryID))
		Expect(replay.ID).NotTo(Equal(first.deliveryID))
		got := recv.await(ctx, id, 2)
		Expect(got).To(HaveLen(2))
		again := got[1]
		Expect(again.deliveryID).To(Equal(replay.ID))
		Expect(again.webhookID).To(Equal(first.webhookID), "a receiver that dedupes on webhookId ignores it")
		Expect(again.signature).To(Equal(first.signature))
		Expect(bytes.Equal(again.body, first.body)).To(BeTrue(), "the same bytes")

		log, err := admin.WebhookDeliveries(ctx, url.Values{"registrationId": {reg.ID}, "contactId": {id}})
		Expect(err).NotTo(HaveOccurred())
		Expect(log).To(HaveLen(2))
		Expect(log[0].ReplayOf).To(Equal(first.deliveryID))
	}, SpecTimeout(specTimeout))
})
