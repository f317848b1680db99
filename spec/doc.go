// Package spec owns the project's OpenAPI document of the Contacts API (HighLevel / LeadConnector
// API v2): the YAML file embedded in the binary, its loading and validation, an index of its
// operations (method, path template, operationId, scopes, token type, declared statuses), a router
// that resolves a request to an operation on any host and port, and request and response validation
// against the document.
//
// Everything else in the module derives from this package: the mock's routes, its parameter and
// body validation and its scope checks; the contract suites' response validation and coverage.
//
// spec imports nothing of this module.
package spec
