'use strict';

// The actions and the search against the mock, and the API's errors as the Zap user sees them.

const { after, before, describe, it } = require('node:test');
const assert = require('node:assert/strict');

const { startMock } = require('./helpers/mock');
const { connect, create, failure, search, trigger, useMock } = require('./helpers/zapier');

const unique = (n) => `${n}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;

describe('actions and search', () => {
  let mock;
  let connection;
  let api; // a direct API call with the connection's token, to check what the actions stored
  before(async () => {
    mock = await startMock(['--contacts', '5']);
    useMock(mock);
    ({ connection } = await connect());
    api = async (path) => {
      const res = await fetch(`${mock.baseUrl}${path}`, {
        headers: { Authorization: `Bearer ${connection.authData.access_token}`, Version: '2021-07-28' },
      });
      assert.equal(res.status, 200, `GET ${path}`);
      return res.json();
    };
  });
  after(() => mock.stop());

  it('create or update contact: creates, then updates the contact with the same e-mail', async () => {
    const email = unique('ada');
    const made = await create(connection, 'upsert_contact', {
      email,
      firstName: 'Ada',
      lastName: 'Lovelace',
      phone: '+14155550123',
      tags: ['Lead', 'Zapier'],
      source: 'zapier example',
    });
    assert.equal(made.new, true);
    assert.equal(made.email, email);
    assert.deepEqual(made.tags.slice().sort(), ['lead', 'zapier'], 'stored lower-cased');
    assert.equal(made.locationId, connection.authData.locationId);

    const again = await create(connection, 'upsert_contact', { email, city: 'London', tags: ['Customer'] });
    assert.equal(again.new, false);
    assert.equal(again.id, made.id, 'the same contact');
    assert.equal(again.firstName, 'Ada', 'fields not sent are kept');
    assert.equal(again.city, 'London');
    assert.deepEqual(again.tags, ['customer'], 'tags on upsert replace the list');
  });

  it('update contact changes the fields given and keeps the rest', async () => {
    const made = await create(connection, 'upsert_contact', { email: unique('grace'), firstName: 'Grace' });
    const updated = await create(connection, 'update_contact', { contactId: made.id, lastName: 'Hopper', city: 'Arlington' });
    assert.equal(updated.id, made.id);
    assert.equal(updated.lastName, 'Hopper');
    assert.equal(updated.firstName, 'Grace');
    const stored = (await api(`/contacts/${made.id}`)).contact;
    assert.equal(stored.city, 'Arlington');
    assert.ok(stored.dateUpdated > made.dateUpdated);
  });

  it('add note, create task (due date, status), add tags: stored on the contact', async () => {
    const c = await create(connection, 'upsert_contact', { email: unique('alan'), tags: ['lead'] });

    const note = await create(connection, 'add_note', { contactId: c.id, body: 'Asked for a demo', title: 'Call' });
    assert.equal(note.contactId, c.id);
    assert.equal(note.body, 'Asked for a demo');

    // A Zapier datetime arrives with an offset; the API stores UTC.
    const open = await create(connection, 'create_task', {
      contactId: c.id,
      title: 'Send the demo link',
      dueDate: '2031-01-02T09:00:00-06:00',
    });
    assert.equal(open.dueDate, '2031-01-02T15:00:00.000Z');
    assert.equal(open.completed, false, 'open by default');
    const done = await create(connection, 'create_task', {
      contactId: c.id,
      title: 'Log the call',
      body: 'Done during the call',
      dueDate: '2031-01-01T10:00:00Z',
      status: 'completed',
    });
    assert.equal(done.completed, true);

    const tagged = await create(connection, 'add_tags', { contactId: c.id, tags: ['VIP', 'lead'] });
    assert.deepEqual(tagged.tags.slice().sort(), ['lead', 'vip'], 'added to the set, lower-cased');

    assert.deepEqual((await api(`/contacts/${c.id}/notes`)).notes.map((n) => n.id), [note.id]);
    const tasks = (await api(`/contacts/${c.id}/tasks`)).tasks;
    assert.deepEqual(tasks.map((t) => t.id).sort(), [open.id, done.id].sort());
    assert.deepEqual((await api(`/contacts/${c.id}`)).contact.tags.slice().sort(), ['lead', 'vip']);
  });

  it('find contact by e-mail or by phone (the duplicate lookup); none found is an empty result', async () => {
    const email = unique('katherine');
    const phone = '+12025550147';
    const c = await create(connection, 'upsert_contact', { email, phone, firstName: 'Katherine' });

    assert.deepEqual((await search(connection, 'find_contact', { email })).map((x) => x.id), [c.id]);
    assert.deepEqual((await search(connection, 'find_contact', { phone })).map((x) => x.id), [c.id], 'the + survives the query string');
    assert.deepEqual(
      (await search(connection, 'find_contact', { email: unique('nobody'), phone })).map((x) => x.id),
      [c.id],
      'no contact has the e-mail: the phone is looked up',
    );
    assert.deepEqual(await search(connection, 'find_contact', { email: unique('nobody') }), []);

    const err = await failure(search(connection, 'find_contact', {}));
    assert.equal(err.details.code, 'missing_input');
  });

  it('find or create: nothing found, the create runs, and the next search finds it', async () => {
    // What Zapier does with searchOrCreates.find_contact: search; when empty, run the create
    // with the same input.
    const input = { email: unique('dorothy'), firstName: 'Dorothy' };
    assert.deepEqual(await search(connection, 'find_contact', input), []);
    const made = await create(connection, 'upsert_contact', input);
    assert.equal(made.new, true);
    assert.deepEqual((await search(connection, 'find_contact', input)).map((x) => x.id), [made.id]);
    const newest = await trigger(connection, 'new_contact', {}, { limit: 1 });
    assert.equal(newest[0].id, made.id);
  });

  it('422: every message of the API\'s list reaches the Zap user', async () => {
    const c = await create(connection, 'upsert_contact', { email: unique('edsger') });
    const err = await failure(create(connection, 'update_contact', { contactId: c.id, email: 'not-an-email', phone: '12' }));
    assert.equal(err.name, 'AppError');
    assert.equal(err.details.status, 422);
    assert.equal(err.details.code, 'unprocessable_entity');
    assert.match(err.details.message, /^The Contacts API answered 422 Unprocessable Entity: /);
    assert.match(err.details.message, /email must be an email/);
    assert.match(err.details.message, /phone must be a valid phone number/);

    const bad = await failure(create(connection, 'create_task', { contactId: c.id, title: 'x', dueDate: 'next week-ish' }));
    assert.equal(bad.details.status, 422);
    assert.match(bad.details.message, /dueDate must be a valid ISO 8601 date string/);
  });

  it('400: an unknown contact shows the API\'s message', async () => {
    const err = await failure(create(connection, 'add_note', { contactId: 'AAAAAAAAAAAAAAAAAAAA', body: 'x' }));
    assert.equal(err.details.status, 400);
    assert.match(err.details.message, /Contact with id AAAAAAAAAAAAAAAAAAAA not found/);
  });
});
