// Package requestlog owns the console's request log: one line per API request (method, path,
// operationId, status, duration, the fault that applied, the outcome of an answer not written
// whole, the error message of a refusal), in slog's text or JSON form.
//
// It is written off the request's path: the pipeline hands a Line over (a mutex and an append),
// and the log's goroutine formats the lines waiting and writes them in one write, so a slow
// console never slows the API; past Options.Max lines waiting, lines are dropped and the count is
// reported. A Line never holds a token, a query string or a body.
//
// It must not import the mock (mockserver) or any of its other subsystems, nor HTTP code.
package requestlog
