'use strict';

// 429s: the mock's real limiter after a small burst, and 429s shaped like the live API's (no
// Retry-After) through the mock's fault injection. Zapier retries a step that raised
// ThrottledError after its delay (seconds).

const { after, before, describe, it } = require('node:test');
const assert = require('node:assert/strict');

const { startMock } = require('./helpers/mock');
const { connect, failure, trigger, useMock } = require('./helpers/zapier');
const { throttleDelaySeconds } = require('../lib/api');

const clock = async (mock) => Date.parse((await mock.admin('GET', '/clock')).now);
const nextMidnightUTC = (ms) => {
  const d = new Date(ms);
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1);
};

describe('rate limits', () => {
  let mock;
  let connection;
  before(async () => {
    mock = await startMock(['--contacts', '3']);
    useMock(mock);
    ({ connection } = await connect());
  });
  after(() => mock.stop());

  it('a live-shaped burst 429 (no Retry-After) waits one X-RateLimit-Interval-Milliseconds window', async () => {
    await mock.admin('PUT', '/ratelimit', { window: '7s' });
    await mock.admin('POST', '/clock', { advance: '1m' }); // a new window opens with the next call
    assert.ok((await trigger(connection, 'new_contact')).length > 0);
    await mock.admin('POST', '/clock', { advance: '4s' }); // the limiter would say Retry-After: 3
    await mock.admin('POST', '/faults', { status: 429, count: 1, headers: { 'Retry-After': '' } });
    const err = await failure(trigger(connection, 'new_contact'));
    assert.equal(err.name, 'ThrottledError');
    assert.equal(err.details.delay, 7);
    assert.ok((await trigger(connection, 'new_contact')).length > 0, 'the fault was for one request');
  });

  it('a live-shaped daily 429 (X-RateLimit-Daily-Remaining 0) waits until X-RateLimit-Daily-Reset', async () => {
    await mock.admin('POST', '/faults', {
      status: 429,
      count: 1,
      headers: { 'Retry-After': '', 'X-RateLimit-Daily-Remaining': '0' },
    });
    const [mockBefore, realBefore] = [await clock(mock), Date.now()];
    const err = await failure(trigger(connection, 'new_contact'));
    const [mockAfter, realAfter] = [await clock(mock), Date.now()];
    assert.equal(err.name, 'ThrottledError');
    // The reset is the mock's next 00:00 UTC; the app counts from its own clock.
    const lowest = Math.ceil((nextMidnightUTC(mockBefore) - realAfter) / 1000);
    const highest = Math.ceil((nextMidnightUTC(mockAfter) - realBefore) / 1000);
    assert.ok(err.details.delay >= lowest && err.details.delay <= highest, `${err.details.delay} in [${lowest}, ${highest}]`);
    assert.ok(err.details.delay > 7, 'not the burst window');
  });

  it('the real limiter: after a burst of 3 the next poll is throttled with the Retry-After delay, and works after it', async () => {
    await mock.admin('PUT', '/ratelimit', { burst: 3, window: '1h' });
    await mock.admin('POST', '/clock', { advance: '2h' }); // close the window the earlier calls opened
    await mock.admin('DELETE', '/requests');
    const opened = await clock(mock);
    for (let i = 0; i < 3; i++) await trigger(connection, 'new_contact');
    const err = await failure(trigger(connection, 'new_contact'));
    const refused = await clock(mock);

    assert.equal(err.name, 'ThrottledError');
    assert.match(err.details.message, /rate limit was reached: Too Many Requests - Rate limit exceeded/);
    // Retry-After is the rest of the hour the first of the three opened, in whole seconds.
    const lowest = Math.ceil((opened + 3600 * 1000 - refused) / 1000);
    assert.ok(Number.isInteger(err.details.delay));
    assert.ok(err.details.delay >= lowest && err.details.delay <= 3600, `${err.details.delay} in [${lowest}, 3600]`);

    const journal = (await mock.admin('GET', '/requests')).requests;
    assert.deepEqual(journal.map((r) => r.status), [429, 200, 200, 200], 'three served, the fourth refused (newest first)');

    // Zapier waits the delay and runs the step again: the window has reopened.
    await mock.admin('POST', '/clock', { advance: `${err.details.delay}s` });
    assert.ok((await trigger(connection, 'new_contact')).length > 0);
    await mock.admin('PUT', '/ratelimit', { burst: 100, window: '10s' });
  });
});

describe('throttleDelaySeconds (the delay from a 429\'s headers)', () => {
  const now = Date.UTC(2026, 2, 1, 12, 0, 0);
  const h = (o) => new Headers(o);

  it('takes Retry-After in seconds or as an HTTP date', () => {
    assert.equal(throttleDelaySeconds(h({ 'retry-after': '8', 'x-ratelimit-interval-milliseconds': '10000' }), now), 8);
    assert.equal(throttleDelaySeconds(h({ 'retry-after': new Date(now + 4500).toUTCString() }), now), 4);
    assert.equal(throttleDelaySeconds(h({ 'retry-after': '0' }), now), 1, 'at least a second');
  });

  it('without Retry-After: the daily reset when the day is spent, else one window', () => {
    const reset = String(now + 90 * 60 * 1000);
    const daily = { 'x-ratelimit-daily-remaining': '0', 'x-ratelimit-daily-reset': reset, 'x-ratelimit-interval-milliseconds': '10000' };
    assert.equal(throttleDelaySeconds(h(daily), now), 5400, 'epoch milliseconds');
    assert.equal(throttleDelaySeconds(h({ ...daily, 'x-ratelimit-daily-reset': '61000' }), now), 61, 'a duration in milliseconds');
    assert.equal(throttleDelaySeconds(h({ ...daily, 'x-ratelimit-daily-remaining': '5' }), now), 10, 'a burst refusal');
    assert.equal(throttleDelaySeconds(h({ 'x-ratelimit-interval-milliseconds': '2500' }), now), 3);
    assert.equal(throttleDelaySeconds(h({}), now), 10, 'the live window when nothing is said');
  });
});
