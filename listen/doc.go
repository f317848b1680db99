// Package listen is the receiving end of the mock's webhooks in a developer's loop (the
// contactsmock listen command, in the spirit of stripe listen): it registers a receiver with a
// running mock through the admin API, verifies each delivery's x-ghl-signature against the mock's
// public key, describes each event in one line (its type, its ids and the fields that changed) or
// passes its payload on as JSON, forwards it unchanged to another receiver when asked, answers the
// mock (a chosen status, such as 429, exercises the mock's retries) and unregisters when it stops.
//
// It reaches the mock over HTTP only (contract/adminclient, contract/webhooksig): it must not
// import mockserver, the contract library's matchers, Ginkgo or Gomega.
package listen
