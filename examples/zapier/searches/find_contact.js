'use strict';

// Find a contact by e-mail or phone: the API's duplicate lookup (GET /contacts/search/duplicate),
// the same matching the API applies before it creates a contact. It takes one of email or number
// per call; with both given, the e-mail is looked up first, then the phone. The answer is
// {contact} or {contact: null}, both 200. Paired with Create or Update Contact for "create if not
// found" (searchOrCreates in index.js).

const { apiUrl, locationId } = require('../lib/api');
const { contactOutputFields, contactSample } = require('../lib/fields');

const lookup = async (z, bundle, param, value) => {
  const response = await z.request({
    url: apiUrl('/contacts/search/duplicate'),
    params: { locationId: locationId(z, bundle), [param]: value },
  });
  return response.data.contact || null;
};

const perform = async (z, bundle) => {
  const { email, phone } = bundle.inputData;
  if (!email && !phone) {
    throw new z.errors.Error('Give an e-mail or a phone to look the contact up by.', 'missing_input');
  }
  const found = (email && (await lookup(z, bundle, 'email', email))) || (phone && (await lookup(z, bundle, 'number', phone)));
  return found ? [found] : [];
};

module.exports = {
  key: 'find_contact',
  noun: 'Contact',
  display: {
    label: 'Find Contact',
    description: 'Finds a contact by e-mail or phone (the duplicate lookup).',
  },
  operation: {
    inputFields: [
      { key: 'email', label: 'E-mail', required: false },
      { key: 'phone', label: 'Phone', required: false, helpText: 'Looked up when no contact has the e-mail.' },
    ],
    perform,
    sample: contactSample,
    outputFields: contactOutputFields,
  },
};
