// Package mocktest starts a contactsmock inside another project's Go test, in the spirit of
// net/http/httptest: a mock of the Contacts API on a loopback port with seeded data, its base URL,
// a location, a full and a read-only token, and a client of its admin API, removed by t.Cleanup.
//
//	func TestSync(t *testing.T) {
//		m := mocktest.New(t, mocktest.WithContacts(3))
//		client := myapp.NewClient(m.URL, m.Token) // what the test is about
//		...
//	}
//
// Options choose the data (a seed, a number of contacts, a fixtures document or file), the rate
// limits, faults in force from the start and webhook receivers; WithConfig reaches every other
// setting of mockserver.Config.
//
// It imports the mock (mockserver), fixtures and contract/adminclient; never the contract
// library's matchers, Ginkgo or Gomega, so a test that uses it links none of them.
package mocktest
