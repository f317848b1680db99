package contacts_test

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/contactsmock/contactsmock/contract"
)

// The search specs share four contacts created once (BeforeAll) and tagged with a tag of their own;
// every search is restricted to that tag, so it never sees data this run did not create.
var _ = Describe("Advanced search", Ordered, contract.Mutating(contract.LabelSearch), func() {
	var (
		set     string
		byName  map[string]string // "ana" → id
		firstAt string            // dateAdded of the first contact created
	)

	BeforeAll(func(ctx SpecContext) {
		set = tgt.names.Tag("search")
		byName = map[string]string{}
		for _, c := range []struct {
			name    string
			company string
			dnd     bool
			tags    []string
		}{
			{"Ana", "Acme Anvils", false, []string{"vip"}},
			{"Bo", "Bolt Brothers", true, nil},
			{"Cy", "", false, []string{"vip"}},
			{"Di", "Acme Two", true, []string{"lead-x"}},
		} {
			fields := obj{"firstName": c.name, "dnd": c.dnd}
			if c.company != "" {
				fields["companyName"] = c.company
			}
			ex := post(ctx, "/contacts/", contactBody(fields, append([]string{set}, c.tags...)...))
			Expect(ex).To(contract.HaveStatus(http.StatusCreated))
			id := ex.Str("contact.id")
			cleanUpContact(id)
			byName[c.name] = id
			if firstAt == "" {
				firstAt = ex.Str("contact.dateAdded")
			}
		}
		// The specs below read the four through search, which may lag writes: wait until it
		// has them all.
		eventually(ctx, func(g Gomega) {
			g.Expect(searchTagged(ctx, set, nil).Get("total")).To(BeEquivalentTo(4))
		})
	}, NodeTimeout(specTimeout+cfg.SearchWait))

	// named maps names to ids.
	named := func(names ...string) []string {
		out := make([]string, len(names))
		for i, n := range names {
			out[i] = byName[n]
		}
		return out
	}
	f := func(field, op string, value any) obj {
		m := obj{"field": field, "operator": op}
		if value != nil {
			m["value"] = value
		}
		return m
	}

	DescribeTable("filters with each operator",
		func(ctx SpecContext, filter func() obj, want []string) {
			ex := searchTagged(ctx, set, nil, filter())
			Expect(ids(ex, "contacts")).To(ConsistOf(named(want...)))
			Expect(ex.Get("total")).To(BeEquivalentTo(len(want)))
		},
		Entry("eq", func() obj { return f("firstNameLowerCase", "eq", "ana") }, []string{"Ana"}),
		Entry("not_eq", func() obj { return f("firstNameLowerCase", "not_eq", "ana") }, []string{"Bo", "Cy", "Di"}),
		Entry("contains", func() obj { return f("companyName", "contains", "acme") }, []string{"Ana", "Di"}),
		Entry("not_contains", func() obj { return f("companyName", "not_contains", "acme") }, []string{"Bo", "Cy"}),
		Entry("exists", func() obj { return f("companyName", "exists", nil) }, []string{"Ana", "Bo", "Di"}),
		Entry("not_exists", func() obj { return f("companyName", "not_exists", nil) }, []string{"Cy"}),
		Entry("eq on a boolean", func() obj { return f("dnd", "eq", true) }, []string{"Bo", "Di"}),
		Entry("range that holds everything", func() obj { return f("dateAdded", "range", obj{"gte": firstAt}) }, []string{"Ana", "Bo", "Cy", "Di"}),
		Entry("range that holds nothing", func() obj { return f("dateAdded", "range", obj{"lt": firstAt}) }, []string{}),
		Entry("OR group", func() obj {
			return obj{"group": "OR", "filters": []any{f("firstNameLowerCase", "eq", "ana"), f("firstNameLowerCase", "eq", "bo")}}
		}, []string{"Ana", "Bo"}),
		Entry("AND group", func() obj {
			return obj{"group": "AND", "filters": []any{f("tags", "eq", "vip"), f("dnd", "eq", false)}}
		}, []string{"Ana", "Cy"}),
		Entry("nested groups", func() obj {
			return obj{"group": "OR", "filters": []any{
				obj{"group": "AND", "filters": []any{f("tags", "eq", "vip"), f("companyName", "exists", nil)}},
				f("firstNameLowerCase", "eq", "di"),
			}}
		}, []string{"Ana", "Di"}),
	)

	asc := obj{"sort": []any{obj{"field": "firstNameLowerCase", "direction": "asc"}}}

	It("sorts", func(ctx SpecContext) {
		Expect(ids(searchTagged(ctx, set, asc), "contacts")).To(Equal(named("Ana", "Bo", "Cy", "Di")))
		desc := obj{"sort": []any{obj{"field": "firstNameLowerCase", "direction": "desc"}}}
		Expect(ids(searchTagged(ctx, set, desc), "contacts")).To(Equal(named("Di", "Cy", "Bo", "Ana")))
	}, SpecTimeout(specTimeout))

	It("pages with page and pageLimit", func(ctx SpecContext) {
		one := searchTagged(ctx, set, obj{"sort": asc["sort"], "pageLimit": 2, "page": 1})
		two := searchTagged(ctx, set, obj{"sort": asc["sort"], "pageLimit": 2, "page": 2})
		three := searchTagged(ctx, set, obj{"sort": asc["sort"], "pageLimit": 2, "page": 3})
		Expect(ids(one, "contacts")).To(Equal(named("Ana", "Bo")))
		Expect(ids(two, "contacts")).To(Equal(named("Cy", "Di")))
		Expect(ids(three, "contacts")).To(BeEmpty())
		Expect(one.Get("total")).To(BeEquivalentTo(4))
	}, SpecTimeout(specTimeout))

	It("pages deep with searchAfter, the cursor of the previous page's last item", func(ctx SpecContext) {
		one := searchTagged(ctx, set, obj{"sort": asc["sort"], "pageLimit": 2})
		Expect(ids(one, "contacts")).To(Equal(named("Ana", "Bo")))
		cursor := one.Get("contacts.1.searchAfter")
		Expect(cursor).NotTo(BeEmpty())
		two := searchTagged(ctx, set, obj{"sort": asc["sort"], "pageLimit": 2, "searchAfter": cursor})
		Expect(ids(two, "contacts")).To(Equal(named("Cy", "Di")))
		last := two.Get("contacts.1.searchAfter")
		Expect(ids(searchTagged(ctx, set, obj{"sort": asc["sort"], "pageLimit": 2, "searchAfter": last}), "contacts")).To(BeEmpty())
	}, SpecTimeout(specTimeout))

	It("refuses a pageLimit outside 1..500 with 422", func(ctx SpecContext) {
		ex := post(ctx, "/contacts/search", obj{"locationId": tgt.location, "pageLimit": 0})
		Expect(ex).To(contract.HaveStatus(http.StatusUnprocessableEntity))
		ex = post(ctx, "/contacts/search", obj{"locationId": tgt.location, "pageLimit": 501})
		Expect(ex).To(contract.HaveStatus(http.StatusUnprocessableEntity))
	}, SpecTimeout(specTimeout))
})
