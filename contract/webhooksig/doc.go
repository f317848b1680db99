// Package webhooksig verifies the signatures of Contacts API webhooks: the Ed25519 signature, base64,
// that the sender puts in the x-ghl-signature header over the exact bytes of the request body.
//
// It works the same against the contactsmock mock (whose public key is served at
// GET /__admin/webhooks/public-key) and against the live API (whose published key is LivePublicKey),
// so a receiver's production code and its tests can share it.
//
// webhooksig imports only the standard library.
package webhooksig
