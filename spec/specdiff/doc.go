// Package specdiff owns the comparison of two OpenAPI documents of the Contacts API: what a new
// document (the vendor's next version, or ours after an edit) changes for a client of the old
// one, split into breaking and non-breaking changes, each with its operation and its place. The
// diff and the rules of what breaks a client come from github.com/oasdiff/oasdiff, which works on
// kin-openapi's document model at the version this module pins.
//
// specdiff imports spec (for our embedded document) and nothing else of this module.
package specdiff
