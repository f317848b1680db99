// Package coverage owns the counts of what the mock has answered: how many times each operation
// of the document answered each status since the mock started (GET /__admin/coverage), so that a
// developer sees which operations and declared statuses their integration has not exercised yet.
// The counts are state, shared by replicas, so they sit behind the Counts interface; Memory is the
// in-process default.
//
// coverage imports nothing of this module and no HTTP code. It must not import the mock's handlers
// (mockserver) or the admin API.
package coverage
