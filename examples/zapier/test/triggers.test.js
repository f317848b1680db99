'use strict';

// The polling triggers, polled the way Zapier polls them (helpers/zapier.js Poller): newest first,
// and the keys Zapier deduplicates on fire each new contact, each change and each task once.

const { after, before, describe, it } = require('node:test');
const assert = require('node:assert/strict');

const { startMock } = require('./helpers/mock');
const { Poller, connect, create, primaryKeys, trigger, useMock } = require('./helpers/zapier');

const sortedDesc = (items, field) => items.every((it, i) => i === 0 || items[i - 1][field] >= it[field]);
const unique = (n) => `${n}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}@example.com`;

describe('polling triggers', () => {
  let mock;
  let connection;
  before(async () => {
    mock = await startMock(['--contacts', '25']);
    useMock(mock);
    ({ connection } = await connect());
  });
  after(() => mock.stop());

  it('new contact: newest dateAdded first, keyed on id; a new contact fires once, an update never', async () => {
    assert.deepEqual(primaryKeys('new_contact'), ['id']);
    const zap = new Poller(connection, 'new_contact');
    const first = await zap.poll();
    assert.equal(first.items.length, 25, 'every seeded contact, in one page');
    assert.ok(sortedDesc(first.items, 'dateAdded'), 'newest dateAdded first');
    assert.equal(new Set(first.items.map((c) => c.id)).size, 25);

    const created = await create(connection, 'upsert_contact', { email: unique('new'), firstName: 'Nova' });
    assert.equal(created.new, true);
    const second = await zap.poll();
    assert.equal(second.items[0].id, created.id, 'the new contact comes first');
    assert.deepEqual(second.fresh.map((c) => c.id), [created.id], 'and is the only new item');

    // An update moves dateUpdated, not dateAdded: nothing new for this trigger.
    await create(connection, 'update_contact', { contactId: first.items[5].id, city: 'Lisbon' });
    const third = await zap.poll();
    assert.deepEqual(third.fresh, []);
    assert.equal(third.items[0].id, created.id);
  });

  it('new contact honours bundle.meta.limit', async () => {
    const all = await trigger(connection, 'new_contact');
    const three = await trigger(connection, 'new_contact', {}, { limit: 3 });
    assert.deepEqual(three.map((c) => c.id), all.slice(0, 3).map((c) => c.id));
  });

  it('updated contact: newest dateUpdated first, keyed on id + dateUpdated; every change fires once', async () => {
    assert.deepEqual(primaryKeys('updated_contact'), ['id', 'dateUpdated']);
    const zap = new Poller(connection, 'updated_contact');
    const first = await zap.poll();
    assert.ok(sortedDesc(first.items, 'dateUpdated'), 'newest dateUpdated first');
    const target = first.items[first.items.length - 1]; // the contact changed longest ago

    const changed = await create(connection, 'update_contact', { contactId: target.id, city: 'Porto' });
    assert.equal(changed.city, 'Porto');
    assert.ok(changed.dateUpdated > target.dateUpdated);
    const second = await zap.poll();
    assert.equal(second.items[0].id, target.id, 'the changed contact comes first');
    assert.deepEqual(second.fresh.map((c) => [c.id, c.dateUpdated]), [[target.id, changed.dateUpdated]]);
    assert.equal(second.items.filter((c) => c.id === target.id).length, 1, 'one item per contact');

    // The same contact changed again is a new item again, with the same id.
    const again = await create(connection, 'update_contact', { contactId: target.id, city: 'Braga' });
    const third = await zap.poll();
    assert.deepEqual(third.fresh.map((c) => [c.id, c.dateUpdated]), [[target.id, again.dateUpdated]]);
    assert.ok(again.dateUpdated > changed.dateUpdated);

    // A poll with no change fires nothing.
    assert.deepEqual((await zap.poll()).fresh, []);
  });

  it('new task for a contact: newest first, keyed on id; a new task fires once', async () => {
    const contact = (await trigger(connection, 'new_contact'))[3];
    const zap = new Poller(connection, 'new_task', { contactId: contact.id });
    const first = await zap.poll();
    assert.ok(first.items.every((t) => t.contactId === contact.id));

    const due = '2031-05-04T09:30:00Z';
    const task = await create(connection, 'create_task', { contactId: contact.id, title: 'Call back', dueDate: due });
    const second = await zap.poll();
    assert.equal(second.items[0].id, task.id, 'the new task comes first');
    assert.deepEqual(second.fresh.map((t) => t.id), [task.id]);
    assert.equal(second.items.length, first.items.length + 1);
    assert.ok(sortedDesc(second.items, 'dateAdded'));
    assert.deepEqual((await zap.poll()).fresh, []);
  });
});
