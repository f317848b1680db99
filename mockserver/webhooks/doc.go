// Package webhooks owns webhook delivery: registrations, the payloads of the live API's events
// (payload.go), their Ed25519 signatures (x-ghl-signature, signed in deliver.go with the key of
// key.go), one ordered queue and delivery goroutine per registration, retries, and the delivery
// log. The handlers and the admin API use it through the Hooks interface, which Config can replace;
// Dispatcher keeps registrations, queues and the log in this process. Sending is apart from
// keeping: Sender signs, POSTs and retries one delivery (CheckRegistration, Payload and
// DeliveryFilter are the other shared parts), so that a Hooks over a shared store (mockserver/redis)
// delivers exactly as the Dispatcher does.
//
// webhooks imports fixtures, state (the events), clock and ids and nothing else of this module. It
// must not import the mock's handlers (mockserver) or the admin API.
package webhooks
