// The consent-log outbox (loader/src/outbox.js): a bounded queue of receipts in localStorage,
// each acknowledged on its own (consent id + updatedAt), refused ones dropped, the rest sent
// again on the next page load; storage that is corrupt, old or throwing never breaks anything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModules, plain, drain, memoryStorage, scriptedFetch, recordingConsole } from './context.mjs';

const KEY = 'optin.outbox';
const ENDPOINT = 'https://log.example/receipts';
const NAMES = ['logReceipt', 'flushOutbox', 'readOutbox'];

const receipt = (id, updatedAt, extra = {}) => ({
  schema: 1, id, revision: 1, givenAt: '2026-11-25T13:00:00.000Z', updatedAt,
  expiresAt: '2027-05-26T13:00:00.000Z', categories: { necessary: true }, services: {},
  method: 'accept-all', lang: 'en', gpc: false, policyUrl: null, site: 'https://www.example.com', ...extra,
});
const A = receipt('a1', '2026-11-25T13:00:00.000Z');
const B = receipt('a1', '2026-11-25T13:05:00.000Z', { method: 'reject-all' });
const C = receipt('c3', '2026-11-25T13:06:00.000Z');

/** A page: the outbox module with fake storage, fetch, console and navigator. */
function page({ storage = memoryStorage(), fetch = scriptedFetch(), beacons = [] } = {}) {
  const console = recordingConsole();
  const navigator = { sendBeacon: (url, body) => beacons.push({ url, body }) };
  const mod = loadModules(['outbox.js'], NAMES, { localStorage: storage, fetch: fetch.fetch, console, navigator });
  return { ...mod, storage, fetch, calls: fetch.calls, console, beacons };
}
const stored = (storage) => (storage.data.has(KEY) ? JSON.parse(storage.data.get(KEY)) : null);
const ids = (list) => list.map((r) => `${r.id}@${r.updatedAt}`);

test('a receipt is queued, POSTed as text/plain with keepalive, and leaves the queue on 201', async () => {
  const p = page();
  p.logReceipt(ENDPOINT, A);
  assert.deepEqual(stored(p.storage), [A], 'queued before any answer');
  assert.equal(p.calls.length, 1);
  const [call] = p.calls;
  assert.equal(call.url, ENDPOINT);
  assert.equal(call.init.method, 'POST');
  assert.equal(call.init.keepalive, true);
  assert.match(call.init.headers['Content-Type'], /^text\/plain\b/);
  assert.deepEqual(call.receipt, A, 'the body is the receipt');
  call.answer(201);
  await drain();
  assert.equal(stored(p.storage), null, 'acknowledged: the queue is empty and the key gone');
  assert.deepEqual(p.console.warnings, []);
});

test('A acknowledged after B was chosen, B failing: only A leaves the queue, and B is sent on the next page', async () => {
  const storage = memoryStorage();
  const first = page({ storage });
  first.logReceipt(ENDPOINT, A);
  first.logReceipt(ENDPOINT, B);
  assert.deepEqual(ids(stored(storage)), ids([A, B]));
  first.calls[1].fail();
  first.calls[0].answer(201);
  await drain();
  assert.deepEqual(stored(storage), [B], "A's acknowledgement leaves B queued");

  const next = page({ storage });
  next.flushOutbox(ENDPOINT);
  assert.deepEqual(next.calls.map((c) => c.receipt), [B], 'the next page sends B again');
  next.calls[0].answer(201);
  await drain();
  assert.equal(stored(storage), null);
});

test('acknowledgement is by consent id and updatedAt: the same id with another updatedAt stays', async () => {
  const p = page();
  p.logReceipt(ENDPOINT, A);
  p.logReceipt(ENDPOINT, B); // same id as A, a later change of mind
  p.logReceipt(ENDPOINT, C);
  p.calls[1].answer(200);
  await drain();
  assert.deepEqual(ids(stored(p.storage)), ids([A, C]));
  p.calls[2].answer(409); // already stored
  await drain();
  assert.deepEqual(ids(stored(p.storage)), ids([A]));
});

test('a permanent refusal (4xx but 408 and 429) drops that receipt with a warning naming the status', async () => {
  for (const status of [400, 401, 403, 404, 413, 415, 422]) {
    const p = page();
    p.logReceipt(ENDPOINT, A);
    p.logReceipt(ENDPOINT, C);
    p.calls[0].answer(status);
    await drain();
    assert.deepEqual(ids(stored(p.storage)), ids([C]), `${status}: only the refused receipt leaves`);
    assert.equal(p.console.warnings.length, 1, `${status}: one warning`);
    assert.match(p.console.warnings[0], new RegExp(`^optin: .*\\b${status}\\b`), `${status}: the warning names it`);
    assert.match(p.console.warnings[0], /a1/, `${status}: the warning names the receipt`);
  }
});

test('retryable answers (5xx, 408, 429) and network errors keep the receipt for the next page, silently', async () => {
  for (const outcome of [500, 502, 503, 408, 429, 'network error']) {
    const p = page();
    p.logReceipt(ENDPOINT, A);
    if (outcome === 'network error') p.calls[0].fail();
    else p.calls[0].answer(outcome);
    await drain();
    assert.deepEqual(stored(p.storage), [A], `${outcome}: still queued`);
    assert.deepEqual(p.console.warnings, [], `${outcome}: no warning`);
  }
});

test('the queue holds at most 20 receipts: the oldest is dropped with a warning', () => {
  const p = page();
  const all = Array.from({ length: 21 }, (_, i) => receipt(`id-${i}`, `2026-11-25T13:00:${String(i).padStart(2, '0')}.000Z`));
  all.forEach((r) => p.logReceipt(ENDPOINT, r));
  const queue = stored(p.storage);
  assert.equal(queue.length, 20);
  assert.deepEqual(ids(queue), ids(all.slice(1)), 'the oldest went, the order is kept');
  assert.equal(p.console.warnings.length, 1);
  assert.match(p.console.warnings[0], /^optin: .*dropped.*id-0/);
});

test('a receipt already queued is not queued twice', () => {
  const p = page();
  p.logReceipt(ENDPOINT, A);
  p.logReceipt(ENDPOINT, A);
  assert.deepEqual(stored(p.storage), [A]);
});

test('on start, every queued receipt is sent, in order; without an endpoint, nothing', () => {
  const storage = memoryStorage({ [KEY]: JSON.stringify([A, B, C]) });
  const p = page({ storage });
  p.flushOutbox(undefined);
  assert.equal(p.calls.length, 0, 'no endpoint configured: nothing sent');
  p.flushOutbox(ENDPOINT);
  assert.deepEqual(p.calls.map((c) => c.receipt), [A, B, C]);
  assert.deepEqual(stored(storage), [A, B, C], 'still queued until answered');
});

test('a value from before the queue (one receipt) is read as a queue of one', () => {
  const storage = memoryStorage({ [KEY]: JSON.stringify(A) });
  const p = page({ storage });
  assert.deepEqual(plain(p.readOutbox()), [A]);
  p.flushOutbox(ENDPOINT);
  assert.deepEqual(p.calls.map((c) => c.receipt), [A]);
  assert.deepEqual(p.console.warnings, []);
});

test('a corrupt outbox starts empty, with a warning, and is cleaned up', () => {
  const cases = ['{not json', 'null', '42', '"text"', '{"id":1}', '[{"id":"x"}]'];
  for (const raw of cases) {
    const storage = memoryStorage({ [KEY]: raw });
    const p = page({ storage });
    p.flushOutbox(ENDPOINT);
    assert.equal(p.calls.length, 0, `${raw}: nothing sent`);
    assert.equal(p.console.warnings.length, 1, `${raw}: one warning`);
    assert.match(p.console.warnings[0], /^optin: .*outbox/, raw);
    assert.equal(stored(storage), null, `${raw}: the unreadable value is removed`);
  }
  // Readable receipts next to unreadable entries are kept.
  const storage = memoryStorage({ [KEY]: JSON.stringify([A, 7, { id: 'x' }, C]) });
  const p = page({ storage });
  p.flushOutbox(ENDPOINT);
  assert.deepEqual(p.calls.map((c) => c.receipt), [A, C]);
  assert.equal(p.console.warnings.length, 1);
  assert.deepEqual(stored(storage), [A, C]);
});

test('storage that throws breaks nothing: the receipt is still sent, and answers are harmless', async () => {
  const p = page({ storage: memoryStorage({}, { failing: true }) });
  assert.doesNotThrow(() => p.logReceipt(ENDPOINT, A));
  assert.deepEqual(p.calls.map((c) => c.receipt), [A]);
  p.calls[0].answer(201);
  await drain();
  assert.doesNotThrow(() => p.flushOutbox(ENDPOINT));
  assert.equal(p.calls.length, 1, 'nothing queued to send');

  // A full storage: the receipt is sent, just not kept.
  const full = page({ storage: memoryStorage({}, { full: true }) });
  assert.doesNotThrow(() => full.logReceipt(ENDPOINT, A));
  assert.equal(full.calls.length, 1);

  // A localStorage getter that throws (sandboxed frames).
  const fetch = scriptedFetch();
  const mod = loadModules(['outbox.js'], NAMES, { fetch: fetch.fetch, console: recordingConsole(), navigator: {} });
  Object.defineProperty(mod.context, 'localStorage', { get() { throw new Error('SecurityError'); } });
  assert.doesNotThrow(() => mod.logReceipt(ENDPOINT, A));
  assert.equal(fetch.calls.length, 1);
});

test('where fetch throws, the receipt goes by sendBeacon and stays queued (no answer to go by)', () => {
  const beacons = [];
  const broken = { fetch: () => { throw new TypeError('fetch is not a function'); }, calls: [] };
  const p = page({ fetch: broken, beacons });
  p.logReceipt(ENDPOINT, A);
  assert.equal(beacons.length, 1);
  assert.equal(beacons[0].url, ENDPOINT);
  assert.deepEqual(JSON.parse(beacons[0].body), A);
  assert.deepEqual(stored(p.storage), [A]);
});
