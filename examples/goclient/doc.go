// Package goclient is an example of code under test in another project: a minimal client of the
// Contacts API (create, get, add tags, waiting out 429s the way the live API asks) and a webhook
// receiver (verify, refuse stale events, hand each on once), whose tests run them against the mock
// through github.com/contactsmock/contactsmock/mocktest, as any project would, through the
// exported API alone.
//
// It imports the standard library and contract/webhooksig (itself the standard library only);
// its tests import mocktest.
package goclient
