// Lifecycle suite: what happens to a choice over time and across places. Defensive reads of the
// stored record (corrupt, foreign, future, unknown categories), config revisions, expiry (seeded
// records and a controlled clock), sharing a choice across subdomains with a cookie, storage that
// fails, withdrawal clearing a service's cookies and localStorage keys, two tabs, the JS API
// (reset, on, choices, show/hide), the pre-load queue and the document events.
// Every test watches the network where gated content is involved and ends with no console errors
// and no page errors ("optin:" console *warnings* are expected where a stored value is refused;
// Session.assertNoErrors only counts console.error and uncaught page errors).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  setupE2E, html, gated, gatedInline, widget, waitReady, storedConsent, runs, events,
  waitForRuns, waitForEvents, categoryStates, assertRecordShape, settle, sleep, STORAGE_KEY, bannerReady,
} from './harness.mjs';

const env = setupE2E({ hostMap: { '*.optin.test': '127.0.0.1' } });
const T = { timeout: 60_000 };
const DAY = 86_400_000;

const CONFIG = {
  revision: 1,
  categories: [
    { id: 'necessary', required: true },
    { id: 'analytics', services: [{ id: 'ga', name: 'Google Analytics' }, { id: 'hotjar', name: 'Hotjar' }] },
    { id: 'marketing' },
  ],
};
// Analytics: a.js + one inline script; marketing: b.js.
const BODY = [
  gated('analytics', '/fixtures/a.js'),
  gatedInline('analytics', 'inline'),
  gated('marketing', '/fixtures/b.js'),
].join('\n');
const GATED_SRCS = ['/fixtures/a.js', '/fixtures/b.js'];
const ANALYTICS_RUNS = ['a', 'inline'];
const ALL_RUNS = ['a', 'inline', 'b'];
const RECORD_KEYS = ['schema', 'id', 'revision', 'givenAt', 'updatedAt', 'expiresAt', 'categories', 'services', 'method', 'lang', 'gpc'];

const A_HOST = 'a.optin.test';
const B_HOST = 'b.optin.test';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

const sorted = (a) => [...a].sort();
const iso = (ms) => new Date(ms).toISOString();

/**
 * A schema-1 record, timestamps relative to now in days (negative: in the past):
 * given/updated default to 10 days ago, expires to updated + 182 days.
 */
function record({
  revision = 1, method = 'accept-all', categories, services = {}, lang = 'en', gpc = false,
  givenDays = -10, updatedDays = givenDays, expiresDays = updatedDays + 182, now = Date.now(), id = crypto.randomUUID(),
} = {}) {
  const cats = categories || {
    'accept-all': { necessary: true, analytics: true, marketing: true },
    'reject-all': { necessary: true, analytics: false, marketing: false },
    custom: { necessary: true, analytics: true, marketing: false },
  }[method];
  return {
    schema: 1,
    id,
    revision,
    givenAt: iso(now + givenDays * DAY),
    updatedAt: iso(now + updatedDays * DAY),
    expiresAt: iso(now + expiresDays * DAY),
    categories: cats,
    services,
    method,
    lang,
    gpc,
  };
}

/**
 * Seed the origin's storage before the widget's page loads: a first navigation to a blank page
 * of the same origin sets localStorage items (raw strings) and runs `cookies` (document.cookie
 * assignments, e.g. '_ga=1; domain=.optin.test; path=/'). Request logs are cleared afterwards.
 */
async function seed(s, { host, items = {}, cookies = [] } = {}) {
  env.server.page('/__seed.html', '<!doctype html><html lang="en"><head><link rel="icon" href="data:,"><title>seed</title></head><body></body></html>');
  await s.page.goto(env.server.url('/__seed.html', { host }));
  await s.page.evaluate(({ items, cookies }) => {
    for (const [k, v] of Object.entries(items)) localStorage.setItem(k, v);
    for (const c of cookies) document.cookie = c;
  }, { items, cookies });
  s.clearRequests();
  env.server.clearRequests();
}

/** Serve `body` under `config` at `pathname`, open a fresh session (optionally seeded), goto it. */
async function open(pathname, { config = CONFIG, body = BODY, host, seedItems, seedCookies, init, page: pageHtml } = {}) {
  env.server.page(pathname, pageHtml ?? html({ config, body }));
  const s = await env.newPage();
  if (init) await s.context.addInitScript(init);
  if (seedItems || seedCookies) await seed(s, { host, items: seedItems, cookies: seedCookies });
  await s.page.goto(env.server.url(pathname, { host }));
  return s;
}

const api = (page, call, ...args) =>
  page.evaluate(([call, args]) => window.optin[call](...args), [call, args]);

const optinWarnings = (s) =>
  s.consoleMessages.filter((m) => m.type === 'warning' && m.text.startsWith('optin:')).map((m) => m.text);

/** Wait (console events arrive asynchronously) for an "optin:" console.warn matching `re`. */
async function waitForWarning(s, re, { timeout = 3000 } = {}) {
  const t0 = Date.now();
  for (;;) {
    const hit = optinWarnings(s).find((t) => re.test(t));
    if (hit) return hit;
    if (Date.now() - t0 > timeout) break;
    await sleep(50);
  }
  assert.fail(`expected a console.warn starting with "optin:" and matching ${re}; console was: ${
    JSON.stringify(s.consoleMessages.map((m) => `${m.type}: ${m.text}`))}`);
}

function assertNotRequested(s, paths, when = '') {
  for (const p of [].concat(paths)) {
    assert.equal(s.requestedPath(p), false, `${when}the page never requested ${p}`);
    assert.equal(env.server.requested(p), false, `${when}the server never received ${p}`);
  }
}

/** Nothing gated ran, nothing gated was requested, nothing is granted. */
async function assertNothingGated(s, page = s.page, when = '') {
  assert.deepEqual(await runs(page), [], `${when}no gated script ran`);
  assertNotRequested(s, GATED_SRCS, when);
  const st = await page.evaluate(() => ({
    analytics: window.optin.granted('analytics'),
    marketing: window.optin.granted('marketing'),
    consent: window.optin.consent(),
  }));
  assert.deepEqual(st, { analytics: false, marketing: false, consent: null }, `${when}nothing granted, consent() null`);
}

function assertDetail(detail, { granted, denied, changed }, msg = 'optin:change detail') {
  assert.ok(detail && Array.isArray(detail.granted) && Array.isArray(detail.denied) && Array.isArray(detail.changed),
    `${msg}: has granted/denied/changed arrays (got ${JSON.stringify(detail)})`);
  assert.deepEqual(sorted(detail.granted), sorted(granted), `${msg}: granted`);
  assert.deepEqual(sorted(detail.denied), sorted(denied), `${msg}: denied`);
  assert.deepEqual(sorted(detail.changed), sorted(changed), `${msg}: changed`);
}

function finish(s, origins = [env.server.origin]) {
  s.assertOnlyOrigins(origins);
  s.assertNoErrors();
}

/** Records every optin:* document event ({type, detail}) in window.__evlog (init script). */
function recordAllEvents() {
  window.__evlog = [];
  for (const type of ['optin:ready', 'optin:consent', 'optin:change']) {
    document.addEventListener(type, (e) => {
      let detail;
      try { detail = JSON.parse(JSON.stringify(e.detail === undefined ? null : e.detail)); } catch { detail = 'unserializable'; }
      window.__evlog.push({ type, detail });
    });
  }
}
const evlog = (page) => page.evaluate(() => (window.__evlog || []).slice());
const count = (log, type) => log.filter((e) => e.type === type).length;

/** Marks the current document, so a reload (which drops the mark) can be told apart. */
const mark = (page) => page.evaluate(() => { window.__sameDocument = true; });
const sameDocument = (page) => page.evaluate(() => window.__sameDocument === true);

/** Names of the cookies the browser would send to `url`, with domain and path. */
async function cookiesAt(s, url) {
  return (await s.context.cookies(url)).map((c) => ({ name: c.name, domain: c.domain, path: c.path, value: c.value }));
}

// ---------------------------------------------------------------------------------------------
// Defensive reads
// ---------------------------------------------------------------------------------------------

test('control: a valid seeded accept-all record (10 days old) applies: no banner, gated scripts run, no warning', T, async () => {
  const rec = record({ method: 'accept-all' });
  const s = await open('/p/valid.html', { seedItems: { [STORAGE_KEY]: JSON.stringify(rec) } });
  const { page } = s;
  await waitReady(page);
  await waitForRuns(page, 3);
  await settle(page, 500);
  assert.deepEqual(await runs(page), ALL_RUNS, 'every gated script ran once, in order');
  assert.equal(await widget(page).banner.isVisible(), false, 'no banner');
  assert.deepEqual(await api(page, 'consent'), rec, 'consent() is the seeded record');
  assert.deepEqual(optinWarnings(s), [], 'no "optin:" warning for a valid record');
  finish(s);
});

const VALID = () => record({ method: 'accept-all' });
const DEFENSIVE = [
  { name: 'invalid JSON', raw: () => '{"schema":1,"id":"x",', warn: /json/i },
  { name: 'not an object (a JSON array)', raw: () => JSON.stringify([VALID()]), warn: /record|object|consent/i },
  { name: 'a wrong type: a category grant "yes" instead of true', raw: () => {
    const r = VALID(); r.categories.analytics = 'yes'; r.categories.marketing = 'yes'; return JSON.stringify(r);
  }, warn: /record|field|categor/i },
  { name: 'a wrong type: revision as a string', raw: () => JSON.stringify({ ...VALID(), revision: '1' }), warn: /record|field|revision/i },
  { name: 'a missing field (no id)', raw: () => { const r = VALID(); delete r.id; return JSON.stringify(r); }, warn: /record|field|id/i },
  { name: 'an unknown schema version (2)', raw: () => JSON.stringify({ ...VALID(), schema: 2 }), warn: /schema|version/i },
  { name: 'timestamps in the future (given 30 days ahead)', raw: () => JSON.stringify(record({ givenDays: 30 })), warn: /future|impossible|timestamp/i },
  { name: 'timestamps out of order (givenAt after updatedAt)', raw: () => JSON.stringify({
    ...VALID(), givenAt: iso(Date.now() - 2 * DAY), updatedAt: iso(Date.now() - 5 * DAY),
  }), warn: /order|impossible|timestamp/i },
  { name: 'a record of another revision (3; the config is at 1)', raw: () => JSON.stringify(record({ revision: 3 })), warn: /revision/i },
];

for (const c of DEFENSIVE) {
  test(`defensive read: ${c.name} -> banner, nothing gated runs, an "optin:" warning, no error`, T, async () => {
    const s = await open('/p/defensive.html', { seedItems: { [STORAGE_KEY]: c.raw() } });
    const { page } = s;
    const w = await bannerReady(page);
    await settle(page, 500);
    await assertNothingGated(s);
    await waitForWarning(s, c.warn);
    assert.deepEqual(await events(page), [], 'no optin:change');
    finish(s);
  });
}

test('defensive read: a record with an unknown category (oldcat) still applies to the known ones', T, async () => {
  const rec = record({ method: 'custom', categories: { necessary: true, analytics: true, marketing: false, oldcat: true } });
  const s = await open('/p/unknown-category.html', { seedItems: { [STORAGE_KEY]: JSON.stringify(rec) } });
  const { page } = s;
  await waitReady(page);
  await waitForRuns(page, 2);
  await settle(page, 500);
  assert.deepEqual(await runs(page), ANALYTICS_RUNS, 'the analytics scripts ran (granted in the record)');
  assertNotRequested(s, '/fixtures/b.js');
  assert.equal(await widget(page).banner.isVisible(), false, 'no banner');
  const st = await page.evaluate(() => ({
    analytics: window.optin.granted('analytics'), marketing: window.optin.granted('marketing'), oldcat: window.optin.granted('oldcat'),
  }));
  assert.deepEqual(st, { analytics: true, marketing: false, oldcat: false }, 'granted(): known categories from the record; unknown one not granted');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Revision
// ---------------------------------------------------------------------------------------------

const REV2 = {
  revision: 2,
  categories: [
    { id: 'necessary', required: true },
    { id: 'analytics' },
    { id: 'social' },
    { id: 'marketing' }, // new in revision 2
  ],
};
const REV2_BODY = [
  gated('analytics', '/fixtures/a.js'),
  gated('social', '/fixtures/social.js'),
  gated('marketing', '/fixtures/b.js'),
].join('\n');
// What revision 1 stored: accept-all over the categories it had (oldcat is gone in revision 2).
const rev1Record = () => record({
  revision: 1, method: 'accept-all', categories: { necessary: true, analytics: true, social: true, oldcat: true },
});

test('revision: a revision-1 accept-all record under revision 2 -> banner, nothing gated runs, warning', T, async () => {
  const s = await open('/p/rev2.html', { config: REV2, body: REV2_BODY, seedItems: { [STORAGE_KEY]: JSON.stringify(rev1Record()) } });
  const { page } = s;
  await widget(page).banner.waitFor({ state: 'visible' });
  await waitReady(page);
  await settle(page, 600);
  assert.deepEqual(await runs(page), [], 'nothing gated ran');
  assertNotRequested(s, ['/fixtures/a.js', '/fixtures/social.js', '/fixtures/b.js']);
  assert.equal(await api(page, 'consent'), null, 'consent() null until a new choice');
  assert.equal(await api(page, 'granted', 'analytics'), false, 'analytics not granted until a new choice');
  await waitForWarning(s, /revision/i);
  finish(s);
});

test('revision: the panel starts from the previous choices; a category new in revision 2 is off', T, async () => {
  const prev = rev1Record();
  const s = await open('/p/rev2-panel.html', { config: REV2, body: REV2_BODY, seedItems: { [STORAGE_KEY]: JSON.stringify(prev) } });
  const { page } = s;
  const w = await bannerReady(page);

  const choices = await page.evaluate(() => (typeof window.optin.choices === 'function' ? window.optin.choices() : 'missing'));
  assert.notEqual(choices, 'missing', 'optin.choices() exists');
  assert.deepEqual(choices.categories, { necessary: true, analytics: true, social: true, marketing: false },
    'choices(): previous choices for categories that still exist, the new one off, the removed one gone');

  await w.preferencesOpen.click();
  await w.preferences.waitFor({ state: 'visible' });
  const states = Object.fromEntries((await categoryStates(page)).map((c) => [c.id, c.checked]));
  assert.deepEqual(states, { necessary: true, analytics: true, social: true, marketing: false },
    'panel: analytics and social as before, marketing (new) off, no oldcat');
  await settle(page, 300);
  assert.deepEqual(await runs(page), [], 'opening the panel runs nothing');

  await w.save.click();
  await w.preferences.waitFor({ state: 'hidden' });
  await waitForRuns(page, 2);
  await settle(page, 500);
  assert.deepEqual(await runs(page), ['a', 'social'], 'after saving: analytics and social ran, marketing did not');
  assertNotRequested(s, '/fixtures/b.js');
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.equal(rec.revision, 2, 'the new record is for revision 2');
  assert.deepEqual(rec.categories, { necessary: true, analytics: true, social: true, marketing: false });
  finish(s);
});

test('revision: texts.en.revisionNotice is shown in the banner when asking again after a revision', T, async () => {
  const config = { ...REV2, texts: { en: { revisionNotice: 'We added a category' } } };
  const s = await open('/p/rev2-notice.html', { config, body: REV2_BODY, seedItems: { [STORAGE_KEY]: JSON.stringify(rev1Record()) } });
  const { page } = s;
  const w = await bannerReady(page);
  assert.match(await w.banner.innerText(), /We added a category/, 'the revision notice is in the banner');
  finish(s);
});

test('revision: the revisionNotice is not shown on a first visit (nothing stored)', T, async () => {
  const config = { ...REV2, texts: { en: { revisionNotice: 'We added a category' } } };
  const s = await open('/p/rev2-first.html', { config, body: REV2_BODY });
  const { page } = s;
  const w = await bannerReady(page);
  await settle(page, 300);
  assert.doesNotMatch(await w.banner.innerText(), /We added a category/, 'no revision notice for a first visit');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Expiry
// ---------------------------------------------------------------------------------------------

test('expiry: a record updated 200 days ago that expired 18 days ago -> banner, nothing gated runs, warning', T, async () => {
  const rec = record({ method: 'accept-all', givenDays: -250, updatedDays: -200, expiresDays: -18 });
  const s = await open('/p/expired.html', { seedItems: { [STORAGE_KEY]: JSON.stringify(rec) } });
  const { page } = s;
  await widget(page).banner.waitFor({ state: 'visible' });
  await waitReady(page);
  await settle(page, 500);
  await assertNothingGated(s);
  await waitForWarning(s, /expire/i);
  finish(s);
});

test('expiry: a reject-all record 10 days old is remembered (no banner, nothing runs)', T, async () => {
  const rec = record({ method: 'reject-all', givenDays: -10 });
  const s = await open('/p/remembered.html', { seedItems: { [STORAGE_KEY]: JSON.stringify(rec) } });
  const { page } = s;
  await waitReady(page);
  await settle(page, 700);
  assert.equal(await widget(page).banner.isVisible(), false, 'no banner');
  assert.deepEqual(await runs(page), [], 'nothing gated ran');
  assertNotRequested(s, GATED_SRCS);
  assert.deepEqual(await api(page, 'consent'), rec, 'consent() is the stored reject-all record');
  assert.deepEqual(optinWarnings(s), [], 'no "optin:" warning');
  finish(s);
});

test('expiry: a config that shortens the lifetime (expiresAfterDays 30) asks again for a record updated 40 days ago', T, async () => {
  // Written under the default lifetime: expiresAt is still 142 days ahead.
  const rec = record({ method: 'accept-all', givenDays: -40 });
  const s = await open('/p/shortened.html', {
    config: { ...CONFIG, expiresAfterDays: 30 },
    seedItems: { [STORAGE_KEY]: JSON.stringify(rec) },
  });
  const { page } = s;
  await widget(page).banner.waitFor({ state: 'visible' });
  await waitReady(page);
  await settle(page, 500);
  await assertNothingGated(s);
  await waitForWarning(s, /expire/i);
  finish(s);
});

test('expiry: a new record expires after the default 182 days', T, async () => {
  const s = await open('/p/default-expiry.html');
  const { page } = s;
  const w = await bannerReady(page);
  await w.acceptAll.click();
  await waitForEvents(page, 1);
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  const days = (Date.parse(rec.expiresAt) - Date.parse(rec.updatedAt)) / DAY;
  assert.ok(Math.abs(days - 182) < 1 / 24, `expiresAt - updatedAt = ${days} days, expected 182`);
  finish(s);
});

test('expiry: expiresAfterDays above 395 is capped at 395 with an "optin:" warning', T, async () => {
  const s = await open('/p/capped-expiry.html', { config: { ...CONFIG, expiresAfterDays: 1000 } });
  const { page } = s;
  const w = await bannerReady(page);
  await waitForWarning(s, /395/);
  await w.acceptAll.click();
  await waitForEvents(page, 1);
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  const days = (Date.parse(rec.expiresAt) - Date.parse(rec.updatedAt)) / DAY;
  assert.ok(Math.abs(days - 395) < 1 / 24, `expiresAt - updatedAt = ${days} days, expected 395`);
  finish(s);
});

test('expiry (controlled clock): a choice holds 181 days later and is asked again 183 days later', T, async () => {
  const s = await open('/p/clock.html');
  const { page } = s;
  const w = await bannerReady(page);
  await w.acceptAll.click();
  await waitForRuns(page, 3);
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  const given = Date.parse(rec.updatedAt);

  await page.clock.setFixedTime(given + 181 * DAY);
  env.server.clearRequests();
  await page.reload();
  await waitReady(page);
  assert.equal(await page.evaluate(() => Date.now()), given + 181 * DAY, 'the page sees the fake clock');
  await waitForRuns(page, 3);
  await settle(page, 400);
  assert.equal(await w.banner.isVisible(), false, '181 days later: no banner');
  assert.deepEqual(await runs(page), ALL_RUNS, '181 days later: the granted scripts run');

  await page.clock.setFixedTime(given + 183 * DAY);
  env.server.clearRequests();
  s.clearRequests();
  await page.reload();
  await bannerReady(page);
  await settle(page, 500);
  await assertNothingGated(s, page, '183 days later: ');
  await waitForWarning(s, /expire/i);
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Subdomains (cookieDomain)
// ---------------------------------------------------------------------------------------------

const DOMAIN_CONFIG = { ...CONFIG, cookieDomain: '.optin.test' };

/** A session whose first tab accepted all on a.optin.test (the gated scripts ran). */
async function acceptAllOnA() {
  const s = await open('/page', { config: DOMAIN_CONFIG, host: A_HOST });
  const w = await bannerReady(s.page);
  await w.acceptAll.click();
  await waitForRuns(s.page, 3);
  return s;
}

test('subdomains: accept all on a.optin.test stores the record in a first-party cookie on .optin.test (SameSite=Lax, < 4 KB)', T, async () => {
  const s = await acceptAllOnA();
  const { page } = s;
  const rec = await storedConsent(page);
  assertRecordShape(rec);

  const cookie = (await s.context.cookies(env.server.url('/page', { host: A_HOST }))).find((c) => c.name === STORAGE_KEY);
  assert.ok(cookie, `a cookie named ${STORAGE_KEY} is set (cookies: ${JSON.stringify(await cookiesAt(s, env.server.url('/page', { host: A_HOST })))})`);
  assert.equal(cookie.domain, '.optin.test', 'on the parent domain');
  assert.equal(cookie.path, '/', 'for every path of the site');
  assert.equal(cookie.sameSite, 'Lax', 'SameSite=Lax');
  assert.equal(cookie.httpOnly, false, 'readable by the widget');
  const size = cookie.name.length + 1 + cookie.value.length;
  assert.ok(size < 4096, `compact: name=value is ${size} bytes (< 4096)`);
  assert.ok(cookie.value.length > 0, 'the cookie has a value');
  finish(s, [env.server.originFor(A_HOST)]);
});

test('subdomains: the choice made on a.optin.test applies on b.optin.test (no banner, granted script runs, same id)', T, async () => {
  const s = await acceptAllOnA();
  const { page } = s;
  const idA = (await api(page, 'consent'))?.id;
  assert.ok(idA, 'a has a consent id');

  env.server.clearRequests();
  s.clearRequests();
  const pageB = await s.newTab();
  // Measured before any page script (the widget may copy the record into b's localStorage).
  await pageB.addInitScript(() => { window.__localStorageAtStart = window.localStorage.length; });
  await pageB.goto(env.server.url('/page', { host: B_HOST }));
  assert.equal(await pageB.evaluate(() => window.__localStorageAtStart), 0, 'b starts with an empty localStorage (another origin)');
  await waitReady(pageB);
  await waitForRuns(pageB, 3);
  await settle(pageB, 500);
  assert.deepEqual(await runs(pageB), ALL_RUNS, 'on b the granted scripts ran, once each');
  assert.equal(await widget(pageB).banner.isVisible(), false, 'no banner on b');
  const recB = await api(pageB, 'consent');
  assert.ok(recB, 'consent() on b is the shared record');
  assert.equal(recB.id, idA, 'the same consent id on b as on a');
  assert.equal(recB.method, 'accept-all');
  assert.equal(env.server.requested('/optin/optin-ui_bg.wasm'), false, 'b never fetched the UI: the loader saw the cookie');
  finish(s, [env.server.originFor(A_HOST), env.server.originFor(B_HOST)]);
});

test('subdomains: a withdrawal made on b.optin.test reaches the open tab on a.optin.test when it is shown again', T, async () => {
  const s = await acceptAllOnA();
  const { page } = s;

  const pageB = await s.newTab();
  await pageB.goto(env.server.url('/page', { host: B_HOST }));
  await waitReady(pageB);
  await waitForRuns(pageB, 3);
  // b's scripts ran, so the withdrawal reloads b.
  await Promise.all([pageB.waitForNavigation(), api(pageB, 'rejectAll')]);
  await waitReady(pageB);
  assert.equal((await api(pageB, 'consent')).method, 'reject-all', 'b holds the refusal');

  // No storage event crosses hosts: a still runs under the old choice ...
  await settle(page, 300);
  assert.equal((await api(page, 'consent')).method, 'accept-all', 'a has not heard of it yet');
  // ... until the visitor comes back to it. (Headless Chromium keeps every tab visible, so the
  // event a tab switch fires is fired here by hand.)
  await Promise.all([
    page.waitForNavigation(),
    page.evaluate(() => document.dispatchEvent(new Event('visibilitychange'))),
  ]);
  await waitReady(page);
  await settle(page, 300);
  assert.equal((await api(page, 'consent')).method, 'reject-all', 'a took up the refusal (and reloaded: its scripts had run)');
  assert.deepEqual(await runs(page), [], 'nothing gated ran after the reload');
  finish(s, [env.server.originFor(A_HOST), env.server.originFor(B_HOST)]);
});

// ---------------------------------------------------------------------------------------------
// Storage that fails
// ---------------------------------------------------------------------------------------------

function breakStorage() {
  const boom = function () { throw new DOMException('The operation is insecure.', 'SecurityError'); };
  Storage.prototype.getItem = boom;
  Storage.prototype.setItem = boom;
}

function breakStorageAndCookies() {
  const boom = function () { throw new DOMException('The operation is insecure.', 'SecurityError'); };
  Storage.prototype.getItem = boom;
  Storage.prototype.setItem = boom;
  Object.defineProperty(Document.prototype, 'cookie', { configurable: true, get: boom, set: boom });
}

test('storage throws: the banner shows and accept all runs the gated scripts on the page', T, async () => {
  const s = await open('/p/broken-storage.html', { init: breakStorage });
  const { page } = s;
  const w = await bannerReady(page);
  await settle(page, 300);
  assertNotRequested(s, GATED_SRCS, 'before consent: ');
  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  await waitForRuns(page, 3);
  await settle(page, 400);
  assert.deepEqual(await runs(page), ALL_RUNS, 'every gated script ran once, in order');
  const rec = await api(page, 'consent');
  assertRecordShape(rec);
  assert.equal(rec.method, 'accept-all');
  await waitForWarning(s, /localStorage|storage/i);
  finish(s);
});

test('storage throws: the choice survives a reload through the first-party cookie fallback', T, async () => {
  const s = await open('/p/broken-storage-reload.html', { init: breakStorage });
  const { page } = s;
  const w = await bannerReady(page);
  await w.acceptAll.click();
  await waitForRuns(page, 3);
  const id = (await api(page, 'consent'))?.id;
  const cookie = (await s.context.cookies(env.server.url('/'))).find((c) => c.name === STORAGE_KEY);
  assert.ok(cookie, `the record fell back to a first-party cookie named ${STORAGE_KEY}`);

  env.server.clearRequests();
  s.clearRequests();
  await page.reload();
  await waitReady(page);
  await waitForRuns(page, 3);
  await settle(page, 500);
  assert.equal(await w.banner.isVisible(), false, 'no banner after the reload');
  assert.deepEqual(await runs(page), ALL_RUNS, 'after the reload the granted scripts ran');
  const rec = await api(page, 'consent');
  assert.equal(rec?.id, id, 'the same record (id) after the reload');
  finish(s);
});

test('storage and cookies both throw: the choice applies for the page (memory) and is asked again after a reload', T, async () => {
  const s = await open('/p/memory-only.html', { init: breakStorageAndCookies });
  const { page } = s;
  const w = await bannerReady(page);
  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  await waitForRuns(page, 3);
  await settle(page, 300);
  assert.deepEqual(await runs(page), ALL_RUNS, 'the gated scripts ran on this page');
  assert.equal((await api(page, 'consent'))?.method, 'accept-all', 'consent() answers from memory');

  s.clearRequests();
  env.server.clearRequests();
  await page.reload();
  await bannerReady(page);
  await settle(page, 500);
  await assertNothingGated(s, page, 'after the reload: ');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Withdrawal clears the service's cookies and localStorage keys
// ---------------------------------------------------------------------------------------------

const gaService = {
  id: 'ga',
  name: 'Google Analytics',
  cookies: [{ name: '_ga' }, { name: '_ga_*' }, { name: '_ga', path: '/sub' }, { name: '_ga_*', path: '/sub' }],
  localStorage: ['ga_key'],
};
const clearConfig = (extra = {}) => ({
  categories: [{ id: 'necessary', required: true }, { id: 'analytics', services: [gaService] }],
  ...extra,
});
const SEED_COOKIES = [
  // The service's cookies, wherever a tag may have put them.
  '_ga=host; path=/', '_ga_ABC=host; path=/',
  '_ga=parent; domain=.optin.test; path=/', '_ga_ABC=parent; domain=.optin.test; path=/',
  '_ga=sub; path=/sub', '_ga_ABC=sub; path=/sub',
  // Not listed: must stay.
  '_gid=host; path=/', 'keep_parent=1; domain=.optin.test; path=/', 'keep_sub=1; path=/sub',
];
const KEEPERS = [
  { name: '_gid', domain: A_HOST, path: '/' },
  { name: 'keep_parent', domain: '.optin.test', path: '/' },
  { name: 'keep_sub', domain: A_HOST, path: '/sub' },
];

const WITHDRAWALS = [
  { name: 'rejectAll (reloadOnWithdraw false)', extra: { reloadOnWithdraw: false }, withdraw: (p) => api(p, 'rejectAll'), reloads: false },
  { name: 'accept([]) (reloadOnWithdraw false)', extra: { reloadOnWithdraw: false }, withdraw: (p) => api(p, 'accept', []), reloads: false },
  { name: 'rejectAll with the default reload', extra: {}, withdraw: (p) => p.evaluate(() => { window.optin.rejectAll(); }), reloads: true },
];

for (const c of WITHDRAWALS) {
  test(`withdrawal clears cookies: ${c.name} removes _ga/_ga_* on host, parent domain and /sub, and ga_key; others stay`, T, async () => {
    const pageUrl = env.server.url('/page', { host: A_HOST });
    const subUrl = env.server.url('/sub/', { host: A_HOST });
    const s = await open('/page', {
      config: clearConfig(c.extra),
      body: gated('analytics', '/fixtures/a.js'),
      host: A_HOST,
      seedItems: { ga_key: 'x', keep_key: 'y' },
      seedCookies: SEED_COOKIES,
    });
    const { page } = s;
    // The seeding itself: every cookie is where the test means it to be.
    const seeded = [...await cookiesAt(s, pageUrl), ...await cookiesAt(s, subUrl)];
    for (const want of [
      { name: '_ga', domain: A_HOST, path: '/' }, { name: '_ga_ABC', domain: A_HOST, path: '/' },
      { name: '_ga', domain: '.optin.test', path: '/' }, { name: '_ga_ABC', domain: '.optin.test', path: '/' },
      { name: '_ga', domain: A_HOST, path: '/sub' }, { name: '_ga_ABC', domain: A_HOST, path: '/sub' }, ...KEEPERS,
    ]) {
      assert.ok(seeded.some((k) => k.name === want.name && k.domain === want.domain && k.path === want.path),
        `seeded ${JSON.stringify(want)} (have ${JSON.stringify(seeded)})`);
    }

    await waitReady(page);
    await api(page, 'acceptAll');
    await waitForRuns(page, 1);
    assert.equal((await cookiesAt(s, subUrl)).filter((k) => k.name.startsWith('_ga')).length, 6, 'accepting clears nothing');

    if (c.reloads) {
      const loaded = page.waitForEvent('load', { timeout: 10_000 });
      await c.withdraw(page);
      await loaded;
      await waitReady(page);
    } else {
      await c.withdraw(page);
    }
    await settle(page, 500);
    assert.equal((await storedConsent(page))?.categories?.analytics, false, 'the withdrawal is stored');

    const after = [...await cookiesAt(s, pageUrl), ...await cookiesAt(s, subUrl)];
    const left = after.filter((k) => /^_ga(_|$)/.test(k.name));
    assert.deepEqual(left, [], 'every _ga / _ga_* cookie is gone (host, .optin.test, /sub)');
    for (const k of KEEPERS) {
      assert.ok(after.some((a) => a.name === k.name && a.domain === k.domain && a.path === k.path),
        `unlisted cookie ${JSON.stringify(k)} stays (have ${JSON.stringify(after)})`);
    }
    const ls = await page.evaluate(() => ({ ga: localStorage.getItem('ga_key'), keep: localStorage.getItem('keep_key') }));
    assert.deepEqual(ls, { ga: null, keep: 'y' }, 'ga_key removed from localStorage, keep_key stays');
    finish(s, [env.server.originFor(A_HOST)]);
  });
}

// ---------------------------------------------------------------------------------------------
// Tabs
// ---------------------------------------------------------------------------------------------

async function twoTabs(pathname, config = CONFIG) {
  env.server.page(pathname, html({ config, body: BODY }));
  const s = await env.newPage();
  const tab1 = s.page;
  const tab2 = await s.newTab();
  for (const p of [tab1, tab2]) {
    await p.goto(env.server.url(pathname));
    await widget(p).banner.waitFor({ state: 'visible' });
    await waitReady(p);
  }
  return { s, tab1, tab2 };
}

test('tabs: accept all in tab 1 -> tab 2 hides its banner and runs its gated scripts without a reload', T, async () => {
  const { s, tab1, tab2 } = await twoTabs('/p/tabs-accept.html');
  await mark(tab2);
  await settle(tab2, 300);
  assert.deepEqual(await runs(tab2), [], 'tab 2: nothing ran before the choice');
  await widget(tab1).acceptAll.click();
  await waitForRuns(tab1, 3);
  await widget(tab2).banner.waitFor({ state: 'hidden', timeout: 10_000 });
  await waitForRuns(tab2, 3);
  await sleep(500);
  assert.deepEqual(await runs(tab2), ALL_RUNS, 'tab 2: the gated scripts ran once each, in order');
  assert.equal(await sameDocument(tab2), true, 'tab 2 was not reloaded');
  assert.equal((await api(tab2, 'consent'))?.method, 'accept-all', 'tab 2: consent() is the new record');
  assert.equal(await api(tab2, 'granted', 'analytics'), true, 'tab 2: analytics granted');
  finish(s);
});

test('tabs: reject all in tab 1 after accepting -> tab 2 reloads (default reloadOnWithdraw) and runs nothing', T, async () => {
  const { s, tab1, tab2 } = await twoTabs('/p/tabs-withdraw.html');
  await widget(tab1).acceptAll.click();
  await waitForRuns(tab1, 3);
  await waitForRuns(tab2, 3);
  await mark(tab2);
  const tab2Loaded = tab2.waitForEvent('load', { timeout: 10_000 });
  await tab1.evaluate(() => { window.optin.rejectAll(); });
  await tab2Loaded;
  assert.equal(await sameDocument(tab2), false, 'tab 2 reloaded');
  await waitReady(tab2);
  await settle(tab2, 500);
  assert.deepEqual(await runs(tab2), [], 'tab 2 after its reload: nothing gated ran');
  assert.equal(await widget(tab2).banner.isVisible(), false, 'tab 2: no banner (the choice is known)');
  assert.equal((await api(tab2, 'consent'))?.method, 'reject-all', 'tab 2: the record reads reject-all');
  finish(s);
});

test('tabs: with reloadOnWithdraw false, tab 2 applies a withdrawal in tab 1 without reloading', T, async () => {
  const { s, tab1, tab2 } = await twoTabs('/p/tabs-withdraw-noreload.html', { ...CONFIG, reloadOnWithdraw: false });
  await widget(tab1).acceptAll.click();
  await waitForRuns(tab2, 3);
  assert.equal(await api(tab2, 'granted', 'analytics'), true, 'tab 2: analytics granted after tab 1 accepted');
  await mark(tab2);
  await api(tab1, 'rejectAll');
  await tab2.waitForFunction(() => window.optin.consent()?.method === 'reject-all', null, { timeout: 10_000 });
  await sleep(500);
  assert.equal(await sameDocument(tab2), true, 'tab 2 was not reloaded');
  assert.equal(await api(tab2, 'granted', 'analytics'), false, 'tab 2: analytics no longer granted');
  assert.equal(await api(tab2, 'granted', 'marketing'), false, 'tab 2: marketing no longer granted');
  assert.deepEqual(await runs(tab2), ALL_RUNS, 'tab 2: nothing ran again');
  assert.equal(await widget(tab2).banner.isVisible(), false, 'tab 2: no banner');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// JS API
// ---------------------------------------------------------------------------------------------

test('JS API: surface (ready resolves with the API; granted, grantedService, consent, accept*, show*, hide, reset, on, choices)', T, async () => {
  const s = await open('/p/api-surface.html');
  const { page } = s;
  await waitReady(page);
  const surface = await page.evaluate(async () => {
    const o = window.optin;
    const names = ['granted', 'grantedService', 'consent', 'acceptAll', 'rejectAll', 'accept', 'acceptService',
      'show', 'showPreferences', 'hide', 'reset', 'on', 'choices'];
    return {
      readyIsPromise: o.ready instanceof Promise,
      resolvesWithApi: (await o.ready) === o,
      types: Object.fromEntries(names.map((k) => [k, typeof o[k]])),
    };
  });
  assert.equal(surface.readyIsPromise, true, 'optin.ready is a promise');
  assert.equal(surface.resolvesWithApi, true, 'optin.ready resolves with window.optin');
  for (const [k, t] of Object.entries(surface.types)) assert.equal(t, 'function', `optin.${k} is a function`);
  finish(s);
});

test('JS API: reset() forgets the record (localStorage key removed) and shows the banner again', T, async () => {
  const s = await open('/p/reset.html', { config: { ...CONFIG, reloadOnWithdraw: false }, body: '' });
  const { page } = s;
  const w = await bannerReady(page);
  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  assertRecordShape(await storedConsent(page));

  await api(page, 'reset');
  await w.banner.waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), STORAGE_KEY), null, 'localStorage key removed');
  assert.equal(await api(page, 'consent'), null, 'consent() is null');
  assert.equal(await api(page, 'granted', 'analytics'), false, 'analytics no longer granted');

  await page.reload();
  await bannerReady(page);
  assert.equal(await api(page, 'consent'), null, 'after a reload: still nothing stored');
  finish(s);
});

test('JS API: reset() also removes the record cookie (cookieDomain)', T, async () => {
  const s = await open('/page', { config: { ...DOMAIN_CONFIG, reloadOnWithdraw: false }, body: '', host: A_HOST });
  const { page } = s;
  const w = widget(page);
  const url = env.server.url('/page', { host: A_HOST });
  await bannerReady(page);
  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  assert.ok((await s.context.cookies(url)).some((c) => c.name === STORAGE_KEY), 'the record cookie is set after accepting');

  await api(page, 'reset');
  await w.banner.waitFor({ state: 'visible', timeout: 10_000 });
  assert.deepEqual((await s.context.cookies(url)).filter((c) => c.name === STORAGE_KEY), [], 'the record cookie is gone');
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), STORAGE_KEY), null, 'localStorage key removed');
  assert.equal(await api(page, 'consent'), null, 'consent() is null');
  finish(s, [env.server.originFor(A_HOST)]);
});

test('JS API: on(ready|consent|change) calls back with the document events\' details; the returned function unsubscribes', T, async () => {
  const listen = `<script>
  window.__on = []; window.__unsub = {};
  if (typeof window.optin.on === 'function') {
    ['ready', 'consent', 'change'].forEach(function (type) {
      window.__unsub[type] = window.optin.on(type, function (detail) {
        window.__on.push({ type: type, detail: type === 'ready' ? null : JSON.parse(JSON.stringify(detail === undefined ? null : detail)) });
      });
    });
  }
</script>`;
  // A synchronous tag at the end of <body>, then the listeners: registered before the widget starts.
  env.server.page('/p/on.html', html({
    config: { ...CONFIG, reloadOnWithdraw: false }, embed: false,
    body: `${BODY}\n<script src="/optin/optin.js"></script>\n${listen}`,
  }));
  const s = await env.newPage();
  await s.context.addInitScript(recordAllEvents);
  const { page } = s;
  await page.goto(env.server.url('/p/on.html'));
  await waitReady(page);
  assert.equal(await page.evaluate(() => typeof window.optin.on), 'function', 'optin.on is a function');
  const unsubTypes = await page.evaluate(() => Object.fromEntries(Object.entries(window.__unsub).map(([k, v]) => [k, typeof v])));
  assert.deepEqual(unsubTypes, { ready: 'function', consent: 'function', change: 'function' }, 'on() returns an unsubscribe function');
  await sleep(200);
  let on = await page.evaluate(() => window.__on.slice());
  assert.deepEqual(on.map((e) => e.type), ['ready'], 'ready called back once before any choice');

  await api(page, 'accept', ['analytics']);
  await waitForEvents(page, 1);
  await sleep(300);
  on = await page.evaluate(() => window.__on.slice());
  const doc = await evlog(page);
  assert.deepEqual(on.map((e) => e.type), ['ready', 'consent', 'change'], 'first choice: consent and change called back once each');
  assert.deepEqual(on[1].detail, doc.find((e) => e.type === 'optin:consent')?.detail, 'consent detail = optin:consent detail');
  assert.deepEqual(on[2].detail, doc.find((e) => e.type === 'optin:change')?.detail, 'change detail = optin:change detail');
  assertDetail(on[2].detail, { granted: ['necessary', 'analytics'], denied: ['marketing'], changed: ['analytics'] }, 'on(change)');

  await page.evaluate(() => window.__unsub.change());
  await api(page, 'acceptAll');
  await waitForEvents(page, 2);
  await sleep(300);
  on = await page.evaluate(() => window.__on.slice());
  assert.deepEqual(on.map((e) => e.type), ['ready', 'consent', 'change'], 'after unsubscribing: change not called back again');
  assert.equal((await events(page)).length, 2, 'the document event still fired');
  finish(s);
});

test('JS API: choices() before a choice, after acceptService(analytics, ga), after acceptAll; grantedService agrees', T, async () => {
  const s = await open('/p/choices.html', { config: { ...CONFIG, reloadOnWithdraw: false }, body: '' });
  const { page } = s;
  await waitReady(page);
  const snap = () => page.evaluate(() => ({
    choices: window.optin.choices(),
    analytics: window.optin.granted('analytics'),
    ga: window.optin.grantedService('analytics', 'ga'),
    hotjar: window.optin.grantedService('analytics', 'hotjar'),
  }));

  let st = await snap();
  assert.deepEqual(st.choices.categories, { necessary: true, analytics: false, marketing: false }, 'before: only required on');
  assert.deepEqual(st.choices.services?.analytics, { ga: false, hotjar: false }, 'before: services off');
  assert.deepEqual([st.analytics, st.ga, st.hotjar], [false, false, false]);

  await api(page, 'acceptService', 'analytics', 'ga');
  await waitForEvents(page, 1);
  st = await snap();
  assert.deepEqual(st.choices.categories, { necessary: true, analytics: false, marketing: false }, 'acceptService: category stays off');
  assert.deepEqual(st.choices.services?.analytics, { ga: true, hotjar: false }, 'acceptService: ga on, hotjar off');
  assert.deepEqual([st.analytics, st.ga, st.hotjar], [false, true, false], 'granted/grantedService after acceptService');
  assert.deepEqual((await storedConsent(page)).services, { analytics: { ga: true } }, 'stored as services.analytics.ga');

  await api(page, 'acceptAll');
  await waitForEvents(page, 2);
  st = await snap();
  assert.deepEqual(st.choices.categories, { necessary: true, analytics: true, marketing: true }, 'acceptAll: every category on');
  assert.deepEqual(st.choices.services?.analytics, { ga: true, hotjar: true }, 'acceptAll: every service on');
  assert.deepEqual([st.analytics, st.ga, st.hotjar], [true, true, true]);
  finish(s);
});

test('JS API: show(), showPreferences() and hide() open and close the banner and panel without recording anything', T, async () => {
  const rec = record({ method: 'custom' });
  const s = await open('/p/show-hide.html', { config: { ...CONFIG, reloadOnWithdraw: false }, seedItems: { [STORAGE_KEY]: JSON.stringify(rec) } });
  const { page } = s;
  const w = widget(page);
  await waitReady(page);
  await waitForRuns(page, 2);
  await settle(page, 300);
  assert.equal(await w.banner.isVisible(), false, 'returning visitor: no banner');

  await api(page, 'show');
  await w.banner.waitFor({ state: 'visible', timeout: 10_000 });
  await api(page, 'hide');
  await w.banner.waitFor({ state: 'hidden' });

  await api(page, 'showPreferences');
  await w.preferences.waitFor({ state: 'visible', timeout: 10_000 });
  const states = Object.fromEntries((await categoryStates(page)).map((c) => [c.id, c.checked]));
  assert.deepEqual(states, { necessary: true, analytics: true, marketing: false }, 'the panel starts from the stored choice');
  await api(page, 'hide');
  await w.preferences.waitFor({ state: 'hidden' });

  await sleep(300);
  assert.deepEqual(await storedConsent(page), rec, 'the record is unchanged');
  assert.deepEqual(await events(page), [], 'no optin:change');
  assert.deepEqual(await runs(page), ANALYTICS_RUNS, 'nothing else ran');
  assertNotRequested(s, '/fixtures/b.js');
  finish(s);
});

test('record: accept all stores exactly the documented fields; consent() returns it', T, async () => {
  const s = await open('/p/record-fields.html');
  const { page } = s;
  const w = await bannerReady(page);
  await w.acceptAll.click();
  await waitForEvents(page, 1);
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.deepEqual(sorted(Object.keys(rec)), sorted(RECORD_KEYS), 'exactly the documented fields');
  assert.ok(rec.services && typeof rec.services === 'object' && !Array.isArray(rec.services), 'services is an object');
  assert.deepEqual(await api(page, 'consent'), rec, 'consent() equals the stored record');
  finish(s);
});

test('storageKey: the record is stored under the configured key (and not under optin.consent) and remembered', T, async () => {
  const s = await open('/p/storage-key.html', { config: { ...CONFIG, storageKey: 'site.cookie-choice' } });
  const { page } = s;
  const w = await bannerReady(page);
  await w.rejectAll.click();
  await waitForEvents(page, 1);
  const raw = await page.evaluate(() => ({ mine: localStorage.getItem('site.cookie-choice'), def: localStorage.getItem('optin.consent') }));
  assert.equal(raw.def, null, 'nothing under optin.consent');
  assertRecordShape(JSON.parse(raw.mine));
  env.server.clearRequests();
  await page.reload();
  await waitReady(page);
  await settle(page, 500);
  assert.equal(await w.banner.isVisible(), false, 'remembered after a reload');
  assert.equal((await api(page, 'consent'))?.method, 'reject-all');
  assert.equal(env.server.requested('/optin/optin-ui_bg.wasm'), false, 'the returning visit never fetched the UI');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Pre-load queue
// ---------------------------------------------------------------------------------------------

const QUEUE = `<script>(window.optin = window.optin || []).push(function (optin) { window.__queuedWith = typeof optin.accept; optin.accept(['analytics']); });</script>`;
/** A page whose inline script queues optin.accept(['analytics']) before optin.js (deferred) loads. */
const queuePage = () => html({ config: CONFIG, embed: false, head: `${QUEUE}\n<script src="/optin/optin.js" defer></script>`, body: BODY });

test('pre-load queue: optin.accept([analytics]) pushed before optin.js is recorded and the analytics scripts run', T, async () => {
  const s = await open('/p/queue.html', { page: queuePage() });
  const { page } = s;
  await waitReady(page);
  await waitForRuns(page, 2);
  await settle(page, 600);
  assert.equal(await page.evaluate(() => window.__queuedWith), 'function', 'the queued function got the API');
  assert.deepEqual(await runs(page), ANALYTICS_RUNS, 'the analytics scripts ran, marketing did not');
  assertNotRequested(s, '/fixtures/b.js');
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.equal(rec.method, 'custom');
  assert.deepEqual(rec.categories, { necessary: true, analytics: true, marketing: false });
  assert.equal((await events(page)).length, 1, 'one optin:change');
  finish(s);
});

test('pre-load queue: after a choice made from the queue no banner is left asking for it', T, async () => {
  const s = await open('/p/queue-banner.html', { page: queuePage() });
  const { page } = s;
  await waitReady(page);
  await waitForRuns(page, 2);
  await settle(page, 600);
  assert.equal((await api(page, 'consent'))?.method, 'custom', 'the queued choice is recorded');
  await widget(page).banner.waitFor({ state: 'hidden', timeout: 5000 });
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Document events
// ---------------------------------------------------------------------------------------------

async function openWithEventLog(pathname, opts = {}) {
  env.server.page(pathname, html({ config: opts.config || { ...CONFIG, reloadOnWithdraw: false }, body: opts.body ?? BODY }));
  const s = await env.newPage();
  await s.context.addInitScript(recordAllEvents);
  if (opts.seedItems) await seed(s, { items: opts.seedItems });
  await s.page.goto(env.server.url(pathname));
  await waitReady(s.page);
  return s;
}

test('events: optin:ready fires once per page load (first visit and returning visit)', T, async () => {
  const s = await openWithEventLog('/p/ev-ready.html');
  const { page } = s;
  await settle(page, 400);
  assert.equal(count(await evlog(page), 'optin:ready'), 1, 'first visit: optin:ready once');
  await api(page, 'acceptAll');
  await waitForEvents(page, 1);
  await sleep(200);
  assert.equal(count(await evlog(page), 'optin:ready'), 1, 'a choice does not fire optin:ready again');
  await page.reload();
  await waitReady(page);
  await settle(page, 400);
  assert.equal(count(await evlog(page), 'optin:ready'), 1, 'returning visit: optin:ready once');
  finish(s);
});

test('events: optin:consent fires only for the first choice; optin:change once per API action with its detail', T, async () => {
  const s = await openWithEventLog('/p/ev-consent.html');
  const { page } = s;
  await api(page, 'acceptAll');
  await sleep(300);
  let log = await evlog(page);
  assert.equal(count(log, 'optin:consent'), 1, 'first choice: one optin:consent');
  assert.equal(count(log, 'optin:change'), 1, 'first choice: one optin:change');
  assertDetail(log.find((e) => e.type === 'optin:consent').detail,
    { granted: ['necessary', 'analytics', 'marketing'], denied: [], changed: ['analytics', 'marketing'] }, 'optin:consent');
  assertDetail(log.find((e) => e.type === 'optin:change').detail,
    { granted: ['necessary', 'analytics', 'marketing'], denied: [], changed: ['analytics', 'marketing'] }, 'first optin:change');

  await api(page, 'rejectAll');
  await sleep(300);
  log = await evlog(page);
  assert.equal(count(log, 'optin:consent'), 1, 'second choice: no optin:consent');
  assert.equal(count(log, 'optin:change'), 2, 'second choice: one more optin:change');
  assertDetail(log.filter((e) => e.type === 'optin:change')[1].detail,
    { granted: ['necessary'], denied: ['analytics', 'marketing'], changed: ['analytics', 'marketing'] }, 'rejectAll change');

  await api(page, 'accept', ['marketing']);
  await sleep(300);
  log = await evlog(page);
  assert.equal(count(log, 'optin:consent'), 1, 'third choice: no optin:consent');
  assert.equal(count(log, 'optin:change'), 3, 'third choice: one more optin:change');
  assertDetail(log.filter((e) => e.type === 'optin:change')[2].detail,
    { granted: ['necessary', 'marketing'], denied: ['analytics'], changed: ['marketing'] }, 'accept([marketing]) change');

  // A returning visitor's first change on a later page load is not a first choice.
  await page.reload();
  await waitReady(page);
  await api(page, 'acceptAll');
  await sleep(300);
  log = await evlog(page);
  assert.equal(count(log, 'optin:consent'), 0, 'returning visitor: no optin:consent');
  assert.equal(count(log, 'optin:change'), 1, 'returning visitor: one optin:change');
  finish(s);
});

test('events: one UI action fires each event once (banner accept all, panel save, panel reject all)', T, async () => {
  const s = await openWithEventLog('/p/ev-ui.html');
  const { page } = s;
  const w = widget(page);
  await w.banner.waitFor({ state: 'visible' });

  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  await sleep(400);
  let log = await evlog(page);
  assert.deepEqual(log.map((e) => e.type).filter((t) => t !== 'optin:ready').sort(), ['optin:change', 'optin:consent'],
    'banner accept all: one optin:consent, one optin:change');

  await api(page, 'showPreferences');
  await w.preferences.waitFor({ state: 'visible' });
  await w.checkbox('marketing').uncheck();
  await w.save.click();
  await w.preferences.waitFor({ state: 'hidden' });
  await sleep(400);
  log = await evlog(page);
  assert.equal(count(log, 'optin:change'), 2, 'panel save: one more optin:change');
  assert.equal(count(log, 'optin:consent'), 1, 'panel save: no optin:consent');
  assertDetail(log.filter((e) => e.type === 'optin:change')[1].detail,
    { granted: ['necessary', 'analytics'], denied: ['marketing'], changed: ['marketing'] }, 'panel save');

  await api(page, 'showPreferences');
  await w.preferences.waitFor({ state: 'visible' });
  await w.prefsRejectAll.click();
  await w.preferences.waitFor({ state: 'hidden' });
  await sleep(400);
  log = await evlog(page);
  assert.equal(count(log, 'optin:change'), 3, 'panel reject all: one more optin:change');
  assert.equal(count(log, 'optin:consent'), 1, 'panel reject all: no optin:consent');
  assert.equal(count(log, 'optin:ready'), 1, 'optin:ready once');
  finish(s);
});
