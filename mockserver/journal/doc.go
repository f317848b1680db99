// Package journal owns the request journal: the last requests of the API as GET /__admin/requests
// shows them, with what they must never keep (credentials) redacted. The journal is state, shared
// by replicas, so it sits behind the Journal interface; Ring is the in-process default.
//
// journal imports spec (which operations carry credentials) and nothing else of this module. It
// must not import the mock's handlers (mockserver) or the admin API.
package journal
