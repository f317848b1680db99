// Package record owns recordings: it collects the contacts, tasks, notes, appointments and
// businesses that answers of the Contacts API carried (as the proxy sees them pass) and writes
// them as a fixtures document the mock can serve. Unless told to keep them raw, personal data —
// names, e-mails, phones, street, city and postal code, websites, company names, dates of birth,
// IP addresses and click ids, and free text (notes, task and appointment text, custom field
// strings) — is replaced by fake values drawn from an explicit seed, consistently: the same
// original always becomes the same fake, so duplicates and searches behave as they did. Ids and
// timestamps are kept, so stored cursors and references still work.
//
// record imports spec and fixtures and nothing else of this module.
package record
