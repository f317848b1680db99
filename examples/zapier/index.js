'use strict';

// A Zapier Platform CLI app for the HighLevel (LeadConnector) Contacts API v2. Every URL comes
// from BASE_URL (lib/api.js): the live API by default, or the contactsmock mock
// (BASE_URL set to the address `make run` prints).

const { version } = require('./package.json');
const { version: platformVersion } = require('zapier-platform-core');

const authentication = require('./authentication');
const { addHeaders, handleErrors } = require('./lib/api');
const { newContact, updatedContact } = require('./triggers/contacts');
const newTask = require('./triggers/new_task');
const { upsertContact, updateContact } = require('./creates/contacts');
const { addNote, createTask, addTags } = require('./creates/children');
const findContact = require('./searches/find_contact');

const byKey = (...items) => Object.fromEntries(items.map((i) => [i.key, i]));

module.exports = {
  version,
  platformVersion,

  authentication,
  beforeRequest: [addHeaders],
  afterResponse: [handleErrors],
  // false: a 429 reaches afterResponse (handleErrors), which reads the delay from the rate-limit
  // headers; core's own early ThrottledError reads only Retry-After, which the live API does not
  // document. (In core 19.1.0 the code reads false this way; the schema's prose says the reverse.)
  flags: { throwForThrottlingEarly: false },

  triggers: byKey(newContact, updatedContact, newTask),
  creates: byKey(upsertContact, updateContact, addNote, createTask, addTags),
  searches: byKey(findContact),
  searchOrCreates: {
    find_contact: {
      key: 'find_contact',
      display: {
        label: 'Find or Create Contact',
        description: 'Finds a contact by e-mail or phone, and creates it when there is none.',
      },
      search: 'find_contact',
      create: 'upsert_contact',
    },
  },
};
