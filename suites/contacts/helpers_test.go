package contacts_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
)

// call sends a request through a client and fails the spec on a transport error. Conformance is
// checked by the client itself (failNonConforming). A request of an operation the document under
// test lacks is not sent: the spec stops there, skipped (see documented).
func call(ctx context.Context, c *contract.Client, method, path string, body any, opts ...contract.RequestOption) *contract.Exchange {
	GinkgoHelper()
	documented(method, path)
	ex, err := c.Do(ctx, method, path, body, opts...)
	Expect(err).NotTo(HaveOccurred())
	return ex
}

// documented skips the running spec when its request is of an operation that the suite knows but
// the document under test (--contract.spec) lacks: such an operation gets no spec, and the coverage
// report lists it as not in the document.
func documented(method, path string) {
	GinkgoHelper()
	p, _, _ := strings.Cut(path, "?")
	op, _, err := known.Find(method, p)
	if err != nil || document.Operation(op.ID) != nil {
		return
	}
	Skip(fmt.Sprintf("%s is not in the document under test (%s)", op.ID, cfg.SpecFile))
}

// eventually polls a check of the run's own writes as seen through search and the duplicate lookup
// until it holds, for at most --contract.search-wait: the live search index lags writes by
// seconds, and so does a mock started with --search-lag.
func eventually(ctx context.Context, check func(g Gomega)) {
	GinkgoHelper()
	Eventually(check).WithContext(ctx).WithTimeout(cfg.SearchWait).WithPolling(250 * time.Millisecond).Should(Succeed())
}

func get(ctx context.Context, path string, opts ...contract.RequestOption) *contract.Exchange {
	GinkgoHelper()
	return call(ctx, tgt.full, http.MethodGet, path, nil, opts...)
}

func post(ctx context.Context, path string, body any, opts ...contract.RequestOption) *contract.Exchange {
	GinkgoHelper()
	return call(ctx, tgt.full, http.MethodPost, path, body, opts...)
}

func put(ctx context.Context, path string, body any, opts ...contract.RequestOption) *contract.Exchange {
	GinkgoHelper()
	return call(ctx, tgt.full, http.MethodPut, path, body, opts...)
}

func del(ctx context.Context, path string, body any, opts ...contract.RequestOption) *contract.Exchange {
	GinkgoHelper()
	return call(ctx, tgt.full, http.MethodDelete, path, body, opts...)
}

// q builds a query string from pairs: q("locationId", id, "limit", "5") → "?limit=5&locationId=…".
func q(kv ...string) string {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Set(kv[i], kv[i+1])
	}
	return "?" + v.Encode()
}

// obj is a JSON object literal.
type obj = map[string]any

// contactBody is a create body with this run's unique email and tags: the run tag (proves cleanup),
// the process tag (scopes list and search specs to this process's data) and any extra tags.
func contactBody(fields obj, tags ...string) obj {
	b := obj{
		"locationId": tgt.location,
		"firstName":  "Casey",
		"lastName":   tgt.names.Name("Contract"),
		"email":      tgt.names.Email(),
		"source":     "contract suite",
		"tags":       append([]string{tgt.names.RunTag(), tgt.names.ProcTag()}, tags...),
	}
	for k, v := range fields {
		b[k] = v
	}
	return b
}

// createContact creates a contact of this run and registers its deletion. It returns the id.
func createContact(ctx context.Context, fields obj, tags ...string) string {
	GinkgoHelper()
	ex := post(ctx, "/contacts/", contactBody(fields, tags...))
	Expect(ex).To(contract.HaveStatus(http.StatusCreated))
	id := ex.Str("contact.id")
	Expect(id).NotTo(BeEmpty())
	cleanUpContact(id)
	return id
}

// cleanUpContact deletes a contact of this run at the end of the spec (or container, when called
// from BeforeAll). A contact the spec deleted itself answers 400 not found, which is fine.
func cleanUpContact(id string) {
	DeferCleanup(func(ctx SpecContext) {
		ex := del(ctx, "/contacts/"+id, nil)
		Expect(ex.Status).To(BeElementOf(http.StatusOK, http.StatusBadRequest), "cleanup of contact %s:\n%s", id, ex)
	}, NodeTimeout(15*time.Second))
}

// notFound is the live API's message for an unknown contact id.
func notFound(kind, id string) string { return kind + " with id " + id + " not found" }

// searchTagged runs an advanced search restricted to contacts carrying tag (so it never sees data
// the run did not create), with extra filters ANDed, and returns the exchange.
func searchTagged(ctx context.Context, tag string, extra obj, filters ...any) *contract.Exchange {
	GinkgoHelper()
	body := obj{
		"locationId": tgt.location,
		"pageLimit":  100,
		"filters":    append([]any{obj{"field": "tags", "operator": "eq", "value": tag}}, filters...),
	}
	for k, v := range extra {
		body[k] = v
	}
	ex := post(ctx, "/contacts/search", body)
	Expect(ex).To(contract.HaveStatus(http.StatusOK))
	return ex
}

// ids returns the "id" of every item of a list in the body.
func ids(ex *contract.Exchange, path string) []string {
	var out []string
	for _, it := range ex.Items(path) {
		if m, ok := it.(map[string]any); ok {
			if id, ok := m["id"].(string); ok {
				out = append(out, id)
			}
		}
	}
	return out
}

// unknownID is a well-formed id that names nothing.
func unknownID() string { return newID() }

// unknownBusinessID is a well-formed business id that names nothing.
func unknownBusinessID() string { return "ffffffffffffffffffffffff" }

func itoa(i int) string { return strconv.Itoa(i) }
