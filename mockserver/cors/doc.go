// Package cors owns which cross-origin requests a browser may make to the mock: the origins
// allowed (Config.CORSOrigins, contactsmock serve --cors), preflights answered from the document's
// operations (the methods and request headers it declares for the path), and the headers an answer
// carries so that a page can read it, the rate-limit headers included.
//
// It opens the API and the two paths that serve the document; it never opens the rest of the
// admin API: a page on another origin must not be able to read or change the mock's state.
//
// It imports spec only, never the mock (mockserver) or its other subsystems.
package cors
