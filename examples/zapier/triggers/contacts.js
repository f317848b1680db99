'use strict';

// The two contact polls. Zapier runs a poll every few minutes, remembers the keys of the items it
// has seen and starts the Zap once for each item with a key it has not: so a poll answers the
// newest items first (Zapier keeps the first 100), and the key says what counts as new.
//   - new contact: newest dateAdded first, keyed on `id` (Zapier's default key);
//   - updated contact: newest dateUpdated first, keyed on `id` + `dateUpdated` (the output fields
//     marked primary), so every change of a contact is a new item. dateUpdated moves on every
//     write, with millisecond precision.
// Both read POST /contacts/search with an explicit sort: the list GET /contacts/ is deprecated
// and its order is not documented. Live search lags writes by a few seconds, which a poll every
// few minutes does not notice.

const { apiUrl, locationId, pollLimit } = require('../lib/api');
const { contactOutputFields, contactSample } = require('../lib/fields');

const newest = (field) => async (z, bundle) => {
  const response = await z.request({
    url: apiUrl('/contacts/search'),
    method: 'POST',
    body: {
      locationId: locationId(z, bundle),
      pageLimit: pollLimit(bundle),
      sort: [{ field, direction: 'desc' }],
    },
  });
  return response.data.contacts || [];
};

const newContact = {
  key: 'new_contact',
  noun: 'Contact',
  display: {
    label: 'New Contact',
    description: 'Triggers when a contact is added to the sub-account.',
  },
  operation: {
    perform: newest('dateAdded'),
    sample: contactSample,
    outputFields: contactOutputFields,
  },
};

const updatedContact = {
  key: 'updated_contact',
  noun: 'Contact',
  display: {
    label: 'New or Updated Contact',
    description: 'Triggers when a contact is added or changed (every change triggers once).',
  },
  operation: {
    perform: newest('dateUpdated'),
    sample: contactSample,
    outputFields: contactOutputFields.map((f) =>
      f.key === 'id' || f.key === 'dateUpdated' ? { ...f, primary: true } : f,
    ),
  },
};

module.exports = { newContact, updatedContact };
