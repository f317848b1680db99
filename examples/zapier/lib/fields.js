'use strict';

// Input and output fields shared by several triggers, actions and the search.

// contactId lets the user pick a contact (a dynamic dropdown fed by the new-contact trigger) or
// map one from an earlier step.
const contactId = {
  key: 'contactId',
  label: 'Contact',
  required: true,
  dynamic: 'new_contact.id.name',
  helpText: 'The contact (its id, e.g. from the trigger or the Find Contact search).',
};

// The contact fields the create and upsert DTOs take (all optional strings).
const contactFields = [
  { key: 'firstName', label: 'First Name' },
  { key: 'lastName', label: 'Last Name' },
  { key: 'name', label: 'Full Name' },
  { key: 'email', label: 'E-mail' },
  { key: 'phone', label: 'Phone', helpText: 'E.164 is safest, e.g. +14155550123.' },
  { key: 'companyName', label: 'Company Name' },
  { key: 'address1', label: 'Address' },
  { key: 'city', label: 'City' },
  { key: 'state', label: 'State' },
  { key: 'postalCode', label: 'Postal Code' },
  { key: 'country', label: 'Country', helpText: 'A two-letter code, e.g. US.' },
  { key: 'website', label: 'Website' },
  { key: 'timezone', label: 'Time Zone', helpText: 'An IANA name, e.g. America/Chicago.' },
  { key: 'source', label: 'Source' },
].map((f) => ({ type: 'string', required: false, ...f }));

// The update DTO has the create's fields less locationId, gender and companyName: the live API
// refuses properties it does not declare with 422 ("property X should not exist").
const updateFields = contactFields.filter((f) => f.key !== 'companyName');

const contactOutputFields = [
  { key: 'id', label: 'Contact ID', type: 'string' },
  { key: 'name', label: 'Full Name', type: 'string' },
  { key: 'firstName', label: 'First Name', type: 'string' },
  { key: 'lastName', label: 'Last Name', type: 'string' },
  { key: 'email', label: 'E-mail', type: 'string' },
  { key: 'phone', label: 'Phone', type: 'string' },
  { key: 'companyName', label: 'Company Name', type: 'string' },
  { key: 'tags[]', label: 'Tags', type: 'string' },
  { key: 'source', label: 'Source', type: 'string' },
  { key: 'locationId', label: 'Location ID', type: 'string' },
  { key: 'dateAdded', label: 'Date Added', type: 'datetime' },
  { key: 'dateUpdated', label: 'Date Updated', type: 'datetime' },
];

const contactSample = {
  id: 'seD4PfOuKoVMLkEZqohJ',
  locationId: 've9EPM428h8vShlRW1KT',
  name: 'Ada Lovelace',
  firstName: 'Ada',
  lastName: 'Lovelace',
  email: 'ada@example.com',
  phone: '+14155550123',
  companyName: 'Analytical Engines',
  tags: ['lead'],
  source: 'zapier',
  dateAdded: '2026-03-01T12:00:00.000Z',
  dateUpdated: '2026-03-01T12:00:00.000Z',
};

module.exports = { contactId, contactFields, updateFields, contactOutputFields, contactSample };
