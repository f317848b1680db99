// Package shape owns the comparison of HTTP answers by their shape, never their values: the
// status, which headers are present, the set of JSON pointers of the body (array indexes folded
// into "*"), the JSON types and value formats found at each (date/time forms, id shapes, E.164
// phones, e-mails, URLs with the host rewritten), and the order of the ids of top-level lists.
// It also turns the document validator's *spec.ResponseError into problems with a JSON pointer,
// so that a difference from the document and a difference between two servers can be matched.
//
// shape imports spec and nothing else of this module.
package shape
