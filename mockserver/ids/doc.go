// Package ids owns the sequence the mock draws the ids of what it creates from (contacts, tasks,
// notes, and locations, appointments and businesses created without one). The sequence is state —
// seeded, it restarts on reset, and replicas must share it — so it sits behind the Source
// interface; Memory is the in-process default, seeded or random.
//
// ids imports fixtures (the id formats) and nothing else of this module, and no HTTP code.
package ids
