'use strict';

// Create or update a contact (upsert) and update a contact.

const { apiUrl, compact, locationId } = require('../lib/api');
const { contactId, contactFields, contactOutputFields, contactSample, updateFields } = require('../lib/fields');

const pick = (inputData, fields) => {
  const out = {};
  for (const f of fields) out[f.key] = inputData[f.key];
  return compact(out);
};

// POST /contacts/upsert matches an existing contact by e-mail, then phone (the location's
// duplicate settings decide) and updates it, or creates one. `tags` here replaces the contact's
// tags, as it does on create and update; Add Tags adds to them.
const upsert = async (z, bundle) => {
  const response = await z.request({
    url: apiUrl('/contacts/upsert'),
    method: 'POST',
    body: {
      ...pick(bundle.inputData, contactFields),
      ...compact({ tags: bundle.inputData.tags }),
      locationId: locationId(z, bundle),
    },
  });
  const { contact, new: isNew } = response.data;
  return { ...contact, new: isNew };
};

const update = async (z, bundle) => {
  const id = encodeURIComponent(bundle.inputData.contactId);
  const body = pick(bundle.inputData, updateFields);
  const response = await z.request({ url: apiUrl(`/contacts/${id}`), method: 'PUT', body });
  return response.data.contact;
};

const upsertContact = {
  key: 'upsert_contact',
  noun: 'Contact',
  display: {
    label: 'Create or Update Contact',
    description: 'Updates the contact with this e-mail or phone, or creates it (upsert).',
  },
  operation: {
    inputFields: [
      ...contactFields,
      {
        key: 'tags',
        label: 'Tags',
        list: true,
        required: false,
        helpText: 'Replaces the contact\'s tags. To add tags to the ones it has, use Add Tags.',
      },
    ],
    perform: upsert,
    sample: { ...contactSample, new: true },
    outputFields: [...contactOutputFields, { key: 'new', label: 'Created (not updated)', type: 'boolean' }],
  },
};

const updateContact = {
  key: 'update_contact',
  noun: 'Contact',
  display: {
    label: 'Update Contact',
    description: 'Changes fields of an existing contact.',
  },
  operation: {
    inputFields: [contactId, ...updateFields],
    perform: update,
    sample: contactSample,
    outputFields: contactOutputFields,
  },
};

module.exports = { upsertContact, updateContact };
