// Package selfcheck proves that the contract suites can fail: its tests make the mock drift from
// the document in known ways (suites/internal/breaker) and assert that the contract library, and the
// whole Ginkgo suite run as a subprocess, fail with a message naming the operation and the field or
// header that drifted.
package selfcheck
