'use strict';

// New task for a contact: GET /contacts/{contactId}/tasks, newest first, keyed on the task's id.
// The API answers the contact's tasks in no documented order, so the poll sorts them: by
// dateAdded (the mock's tasks and the live webhooks carry it; the live task schema does not
// declare it), then by dueDate, newest first.

const { apiUrl, pollLimit } = require('../lib/api');
const { contactId } = require('../lib/fields');

const newestFirst = (a, b) =>
  String(b.dateAdded || '').localeCompare(String(a.dateAdded || '')) ||
  String(b.dueDate || '').localeCompare(String(a.dueDate || ''));

const perform = async (z, bundle) => {
  const id = encodeURIComponent(bundle.inputData.contactId);
  const response = await z.request({ url: apiUrl(`/contacts/${id}/tasks`) });
  return (response.data.tasks || []).slice().sort(newestFirst).slice(0, pollLimit(bundle));
};

module.exports = {
  key: 'new_task',
  noun: 'Task',
  display: {
    label: 'New Task for a Contact',
    description: 'Triggers when a task is added to a contact.',
  },
  operation: {
    inputFields: [contactId],
    perform,
    sample: {
      id: 'Vt7kqfD9x2LmN4pQ8rSw',
      contactId: 'seD4PfOuKoVMLkEZqohJ',
      title: 'Follow up',
      body: 'Call back about the proposal',
      dueDate: '2026-03-02T12:00:00.000Z',
      completed: false,
      dateAdded: '2026-03-01T12:00:00.000Z',
    },
    outputFields: [
      { key: 'id', label: 'Task ID', type: 'string' },
      { key: 'contactId', label: 'Contact ID', type: 'string' },
      { key: 'title', label: 'Title', type: 'string' },
      { key: 'body', label: 'Description', type: 'string' },
      { key: 'dueDate', label: 'Due Date', type: 'datetime' },
      { key: 'completed', label: 'Completed', type: 'boolean' },
      { key: 'assignedTo', label: 'Assigned To (user id)', type: 'string' },
      { key: 'dateAdded', label: 'Date Added', type: 'datetime' },
    ],
  },
};
