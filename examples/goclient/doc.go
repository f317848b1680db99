// Package goclient is an example of code under test in another project: a minimal client of the
// Contacts API (create, get, add tags, waiting out 429s the way the live API asks) whose tests
// (client_test.go) run it against the mock through github.com/contactsmock/contactsmock/mocktest,
// as any project would, through the exported API alone.
//
// It imports only the standard library; its tests import mocktest and contract/webhooksig.
package goclient
