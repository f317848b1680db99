'use strict';

// The seed's flow, as in the suites' document-viewed scenario, through the app's own steps: an
// outside system reports that a person viewed a shared document; the Zap upserts the person, logs
// a note and creates a follow-up task. A second Zap polls New Contact: two consecutive polls
// answer the contact first with the same id, so Zapier starts that Zap once. The mock's webhooks
// report the same events a live location would send.

const { after, before, describe, it } = require('node:test');
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const http = require('node:http');

const { startMock } = require('./helpers/mock');
const { Poller, connect, create, useMock } = require('./helpers/zapier');

// documentViewed is the Zap's three action steps for one outside event.
const documentViewed = async (connection, email, document, dueDate) => {
  const contact = await create(connection, 'upsert_contact', {
    email,
    firstName: 'Viewer',
    source: 'document tracker',
    tags: ['viewed-document'],
  });
  const note = await create(connection, 'add_note', {
    contactId: contact.id,
    title: 'Document viewed',
    body: `Viewed the shared document "${document}"`,
  });
  const task = await create(connection, 'create_task', { contactId: contact.id, title: `Follow up on ${document}`, dueDate });
  return { contact, note, task };
};

// receiver is a webhook endpoint on loopback that keeps what it is sent.
const receiver = async () => {
  const got = [];
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      got.push({ body: Buffer.concat(chunks), signature: req.headers['x-ghl-signature'] });
      res.writeHead(200).end();
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { got, url: `http://127.0.0.1:${server.address().port}/hooks`, close: () => new Promise((r) => server.close(r)) };
};

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scenario: a shared document was viewed', () => {
  let mock;
  let connection;
  let hooks;
  before(async () => {
    mock = await startMock(['--contacts', '10']);
    useMock(mock);
    ({ connection } = await connect());
    hooks = await receiver();
    await mock.admin('POST', '/webhooks', { url: hooks.url, events: ['ContactCreate', 'NoteCreate', 'TaskCreate'] });
  });
  after(async () => {
    await mock.stop();
    await hooks.close();
  });

  it('upserts the contact, logs a note, creates a follow-up task; New Contact fires once for it', async () => {
    const newContacts = new Poller(connection, 'new_contact');
    const updates = new Poller(connection, 'updated_contact');
    await newContacts.poll(); // the Zap is turned on: what exists now is not new
    await updates.poll();

    const email = `viewer.${Date.now().toString(36)}@example.com`;
    const first = await documentViewed(connection, email, 'Spring proposal', '2031-03-02T09:00:00Z');
    assert.equal(first.contact.new, true, 'the first view creates the contact');
    assert.equal(first.note.contactId, first.contact.id);
    assert.equal(first.task.contactId, first.contact.id);
    assert.equal(first.task.completed, false);

    const poll1 = await newContacts.poll();
    const poll2 = await newContacts.poll();
    assert.equal(poll1.items[0].id, first.contact.id, 'first poll: the contact first');
    assert.equal(poll2.items[0].id, first.contact.id, 'second poll: the same contact first, same id');
    assert.deepEqual(poll1.fresh.map((c) => c.id), [first.contact.id], 'the Zap starts for it ...');
    assert.deepEqual(poll2.fresh, [], '... once');

    const tasks = new Poller(connection, 'new_task', { contactId: first.contact.id });
    assert.deepEqual((await tasks.poll()).items.map((t) => t.id), [first.task.id]);

    // The person views the next version: same contact (new: false), a second note and task.
    const second = await documentViewed(connection, email, 'Spring proposal, v2', '2031-03-09T09:00:00Z');
    assert.equal(second.contact.new, false);
    assert.equal(second.contact.id, first.contact.id);
    assert.deepEqual((await newContacts.poll()).fresh, [], 'not a new contact');
    const changed = (await updates.poll()).fresh;
    assert.deepEqual([...new Set(changed.map((c) => c.id))], [first.contact.id], 'New or Updated Contact fires for it');
    assert.deepEqual((await tasks.poll()).fresh.map((t) => t.id), [second.task.id]);

    // What the location's webhooks said meanwhile (the mock delivers them in order, signed).
    const want = ['ContactCreate', 'NoteCreate', 'TaskCreate', 'NoteCreate', 'TaskCreate'];
    for (let i = 0; i < 500 && hooks.got.length < want.length; i++) await sleep(20);
    const events = hooks.got.map((d) => JSON.parse(d.body));
    assert.deepEqual(events.map((e) => e.type), want);
    assert.ok(events.every((e) => (e.type === 'ContactCreate' ? e.id : e.contactId) === first.contact.id));
    const { pem } = await (await fetch(`${mock.baseUrl}/__admin/webhooks/public-key`, { headers: { Accept: 'application/json' } })).json();
    for (const d of hooks.got) {
      assert.ok(crypto.verify(null, d.body, pem, Buffer.from(d.signature, 'base64')), 'x-ghl-signature verifies');
    }
  });
});
