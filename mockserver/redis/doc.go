// Package redis keeps all of the mock's state in Redis, so that any number of replicas behind a
// load balancer behave as one mock: it implements state.Store, oauth.Store, ratelimit.Settings and
// Counter, faults.Store, journal.Journal, webhooks.Hooks, clock.Offset and ids.Source over one
// Redis server or a Redis Cluster (github.com/redis/rueidis), and the mock's Prefetcher, which
// reads what a request needs in one round trip.
//
// The key layout (docs/replicas.md says it for users): every key starts with a hash tag, so that
// Redis Cluster keeps what one script touches in one slot. "{P}" (P the prefix) holds what is
// global: settings and their revision, locations, OAuth clients, codes, grants and tokens,
// rate-limit counts, faults, the journal, webhook registrations, queues and the delivery log.
// "{P:L}" holds location L's change log: a stream of the writes made to it, each numbered.
//
// Contacts are kept as the change log of their location: a write is appended (one script) and
// then applied, in log order, to an in-memory view of the location (mockserver/state/memory),
// which every replica keeps and brings up to date before each read (a round trip that fetches the
// changes since its last one). Applying a change is deterministic (its time and the seed of its
// ids travel with it), so every replica computes the same contacts, the same refusals and the same
// events; the log is also the outbox of webhook events.
//
// redis imports the subsystems whose interfaces it implements, fixtures and jsonwire; it must not
// import the mock's handlers (mockserver) or the admin API, and it makes no HTTP request itself
// (webhooks.Sender does).
package redis
