// Package bridge is the root of the tools that connect the toolkit to the live Contacts API: a
// validating, recording proxy (bridge/proxy), pseudonymised recordings that the mock can serve
// (bridge/record), a drift report of live against our document and the mock (bridge/drift), a
// "live stand-in" that changes the mock's wire in known ways for testing them (bridge/standin),
// an in-process mock seeded from a fixtures document (bridge/inprocess), and the shape
// comparison they share (bridge/shape).
//
// This package holds no code. Its subpackages never import contract or suites (they are tools, not
// tests); only bridge/inprocess imports mockserver, and it uses mockserver's exported entry points
// alone (New, Config, MintToken), so that the mock can change inside without breaking the bridge.
package bridge
