// Package inspector owns the inspector page's files (static/: HTML, CSS, JavaScript and an icon),
// embedded in the binary so that the page works offline: it loads nothing from anywhere but the
// mock it is served by, and the admin API serves it at /__admin/ui/ with a Content-Security-Policy
// that holds it to that. The page is a client of the admin API like any other: it reads and
// changes the mock only through it.
//
// inspector imports nothing of this module. The admin API imports it; nothing else may.
package inspector
