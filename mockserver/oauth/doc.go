// Package oauth is the mock's OAuth 2.0 authorization server: clients and their redirect URIs, the
// consent step's decision, authorization codes, grants (refresh-token chains with rotation),
// access tokens, and the token endpoint's grant types (authorization code, refresh token, client
// credentials, location tokens). Access tokens are minted and verified here (Server.Verify).
//
// Clients, codes, grants, tokens and the consent settings are state, shared by replicas, so they
// sit behind the Store interface (its parts: Clients, Codes, Grants, Tokens, Consents); MemoryStore
// is the in-process default. The HTTP side (parsing the token endpoint's form, redirecting the
// consent step, the wire errors) is the mock's handlers': this package returns values and *Error.
//
// oauth imports fixtures, spec and state (its error codes) and nothing else of this module. It must not import the mock's
// handlers (mockserver) or the admin API, and takes no HTTP request.
package oauth
