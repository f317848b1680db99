'use strict';

// What hangs off a contact: notes, tasks and tags.

const { apiUrl, compact, isoDate } = require('../lib/api');
const { contactId } = require('../lib/fields');

const contactPath = (bundle, rest) => `/contacts/${encodeURIComponent(bundle.inputData.contactId)}${rest}`;

const addNote = {
  key: 'add_note',
  noun: 'Note',
  display: { label: 'Add Note to Contact', description: 'Logs a note on a contact.' },
  operation: {
    inputFields: [
      contactId,
      { key: 'body', label: 'Note', type: 'text', required: true },
      { key: 'title', label: 'Title', required: false },
    ],
    perform: async (z, bundle) => {
      const response = await z.request({
        url: apiUrl(contactPath(bundle, '/notes')),
        method: 'POST',
        body: compact({ body: bundle.inputData.body, title: bundle.inputData.title }),
      });
      return response.data.note;
    },
    sample: {
      id: 'Nq3xLw8ZkT5mRb2cYp7D',
      contactId: 'seD4PfOuKoVMLkEZqohJ',
      body: 'Viewed the proposal',
      title: 'Document viewed',
      dateAdded: '2026-03-01T12:00:00.000Z',
    },
    outputFields: [
      { key: 'id', label: 'Note ID' },
      { key: 'contactId', label: 'Contact ID' },
      { key: 'body', label: 'Note' },
      { key: 'title', label: 'Title' },
      { key: 'dateAdded', label: 'Date Added', type: 'datetime' },
    ],
  },
};

// POST /contacts/{id}/tasks requires title, dueDate and completed.
const createTask = {
  key: 'create_task',
  noun: 'Task',
  display: { label: 'Create Task for Contact', description: 'Adds a task, with a due date, to a contact.' },
  operation: {
    inputFields: [
      contactId,
      { key: 'title', label: 'Title', required: true },
      { key: 'body', label: 'Description', type: 'text', required: false },
      { key: 'dueDate', label: 'Due Date', type: 'datetime', required: true },
      {
        key: 'status',
        label: 'Status',
        required: false,
        choices: { open: 'Open', completed: 'Completed' },
        default: 'open',
      },
      { key: 'assignedTo', label: 'Assigned To (user id)', required: false },
    ],
    perform: async (z, bundle) => {
      const { title, body, dueDate, status, assignedTo } = bundle.inputData;
      const response = await z.request({
        url: apiUrl(contactPath(bundle, '/tasks')),
        method: 'POST',
        body: {
          ...compact({ title, body, assignedTo }),
          dueDate: isoDate(dueDate),
          completed: status === 'completed',
        },
      });
      return response.data.task;
    },
    sample: {
      id: 'Vt7kqfD9x2LmN4pQ8rSw',
      contactId: 'seD4PfOuKoVMLkEZqohJ',
      title: 'Follow up',
      dueDate: '2026-03-02T12:00:00.000Z',
      completed: false,
    },
    outputFields: [
      { key: 'id', label: 'Task ID' },
      { key: 'contactId', label: 'Contact ID' },
      { key: 'title', label: 'Title' },
      { key: 'dueDate', label: 'Due Date', type: 'datetime' },
      { key: 'completed', label: 'Completed', type: 'boolean' },
    ],
  },
};

// POST /contacts/{id}/tags adds to the contact's tags (a set: tags it has already are no
// change; the API stores tags lower-cased) and answers the resulting list.
const addTags = {
  key: 'add_tags',
  noun: 'Tags',
  display: { label: 'Add Tags to Contact', description: 'Adds tags to a contact, keeping the ones it has.' },
  operation: {
    inputFields: [contactId, { key: 'tags', label: 'Tags', list: true, required: true }],
    perform: async (z, bundle) => {
      const response = await z.request({
        url: apiUrl(contactPath(bundle, '/tags')),
        method: 'POST',
        body: { tags: [].concat(bundle.inputData.tags) },
      });
      return { id: bundle.inputData.contactId, tags: response.data.tags };
    },
    sample: { id: 'seD4PfOuKoVMLkEZqohJ', tags: ['lead', 'viewed-document'] },
    outputFields: [
      { key: 'id', label: 'Contact ID' },
      { key: 'tags[]', label: 'Tags' },
    ],
  },
};

module.exports = { addNote, createTask, addTags };
