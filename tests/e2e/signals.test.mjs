// Signals suite: Google Consent Mode v2 (default and updates in window.dataLayer), Global Privacy
// Control, consent receipts (optin.receipt() and the panel's download) and the consent log
// (config `log.endpoint`, including optin-receiver on SQLite and PostgreSQL when it is built).
//
// The Google tag is a local stand-in (fixtures/gtag-standin.js) that records what dataLayer held
// when it ran. Everything is served from 127.0.0.1.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import http from 'node:http';
import { spawn, spawnSync } from 'node:child_process';
import {
  ROOT, setupE2E, html, gated, widget, waitReady, storedConsent, runs, waitForRuns, waitForEvents,
  assertRecordShape, settle, sleep, bannerReady, ISO_8601, freePort,
} from './harness.mjs';
import { startPostgres } from './pg.mjs';

const env = setupE2E();
const T = { timeout: 60_000 };

const STANDIN = '/fixtures/gtag-standin.js';
const CONSENT_TYPES = [
  'ad_storage', 'analytics_storage', 'ad_user_data', 'ad_personalization',
  'functionality_storage', 'personalization_storage', 'security_storage',
];
const RECEIPT_KEYS = [
  'schema', 'id', 'revision', 'givenAt', 'updatedAt', 'expiresAt', 'method', 'categories',
  'services', 'lang', 'policyUrl', 'gpc', 'site',
].sort();
// Receipt fields that are the stored record's fields, unchanged.
const RECORD_FIELDS = ['schema', 'id', 'revision', 'givenAt', 'updatedAt', 'expiresAt', 'method', 'categories', 'services', 'lang'];

const CATEGORIES = [
  { id: 'necessary', required: true },
  { id: 'analytics', services: [{ id: 'ga', name: 'Google Analytics' }, { id: 'hotjar', name: 'Hotjar' }] },
  { id: 'marketing' },
  { id: 'social' },
];

// Every consent type mapped, none to a required category (the default denies every mapped type).
const ALL_SEVEN = {
  analytics_storage: 'analytics',
  ad_storage: 'marketing',
  ad_user_data: 'marketing',
  ad_personalization: 'marketing',
  functionality_storage: 'social',
  personalization_storage: 'social',
  security_storage: 'analytics',
};
// Five of the seven: functionality_storage and security_storage are left out on purpose.
const FIVE = {
  analytics_storage: 'analytics',
  ad_storage: 'marketing',
  ad_user_data: 'marketing',
  ad_personalization: 'marketing',
  personalization_storage: 'social',
};

const all = (mapping, value) => Object.fromEntries(Object.keys(mapping).map((t) => [t, value]));
const defaultOf = (mapping) => ['consent', 'default', { ...all(mapping, 'denied'), wait_for_update: 500 }];
/** The update expected when exactly the categories in `granted` are granted. */
const updateOf = (mapping, granted) =>
  ['consent', 'update', Object.fromEntries(Object.entries(mapping).map(([t, c]) => [t, granted.includes(c) ? 'granted' : 'denied']))];

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/** Serve `pageHtml` at `pathname`, open a fresh session (init scripts first), goto it. */
async function open(pathname, pageHtml, { init = [], goto = true } = {}) {
  env.server.page(pathname, pageHtml);
  const s = await env.newPage();
  s.page.setDefaultTimeout(10_000);
  for (const fn of [].concat(init)) await s.context.addInitScript(fn);
  if (goto) await s.page.goto(env.server.url(pathname));
  return s;
}

/**
 * Advanced consent mode: inline config, the loader WITHOUT defer, then the Google tag (async).
 * `seed` adds a page script before the loader that already pushed to dataLayer (as GTM snippets do).
 */
function advancedPage({ config, body = '', seed = false }) {
  return html({
    config,
    embed: false,
    head: [
      seed ? `<script>window.dataLayer = window.dataLayer || []; window.dataLayer.push({ event: 'page-seed' });</script>` : '',
      '<script src="/optin/optin.js"></script>',
      `<script async src="${STANDIN}"></script>`,
    ].join('\n'),
    body,
  });
}

/** window.dataLayer now, in the stand-in's snapshot format ({ arguments, value }). */
function dataLayer(page) {
  return page.evaluate(() => Array.prototype.map.call(window.dataLayer || [], (item) => {
    const isArgs = Object.prototype.toString.call(item) === '[object Arguments]';
    const value = isArgs || Array.isArray(item) ? Array.prototype.slice.call(item) : item;
    let json;
    try { json = JSON.parse(JSON.stringify(value)); } catch { json = String(value); }
    return { arguments: isArgs, value: json };
  }));
}

/** What the stand-in Google tag saw in dataLayer when it ran (null if it has not run). */
const gtagSnapshot = (page) => page.evaluate(() => window.__gtagSnapshot || null);

const consentCommands = (entries) => entries.filter((e) => Array.isArray(e.value) && e.value[0] === 'consent');
const updates = (entries) => consentCommands(entries).filter((e) => e.value[1] === 'update');

/** Wait until dataLayer holds at least `n` consent updates, then a little longer (a duplicate would show). */
async function waitForUpdates(page, n, { timeout = 10_000, settleMs = 500 } = {}) {
  try {
    await page.waitForFunction((n) => Array.prototype.filter.call(window.dataLayer || [], (e) =>
      e && e[0] === 'consent' && e[1] === 'update').length >= n, n, { timeout });
  } catch {
    const seen = consentCommands(await dataLayer(page)).map((e) => e.value);
    assert.fail(`expected ${n} gtag('consent','update',…) in dataLayer; consent commands: ${JSON.stringify(seen)}`);
  }
  await sleep(settleMs);
  return dataLayer(page);
}

/** Assert a dataLayer entry is an Arguments object equal to `expected` (as an array). */
function assertCommand(entry, expected, msg) {
  assert.ok(entry, `${msg}: present (expected ${JSON.stringify(expected)})`);
  assert.deepEqual(entry.value, expected, msg);
  assert.equal(entry.arguments, true, `${msg}: pushed as an Arguments object, like gtag()`);
}

const api = (page, call, ...args) =>
  page.evaluate(([call, args]) => window.optin[call](...args), [call, args]);

/** Poll `fn` until it returns a truthy value. */
async function until(fn, { timeout = 10_000, interval = 50, message = 'condition' } = {}) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) assert.fail(`timed out after ${timeout} ms waiting for ${message}`);
    await sleep(interval);
  }
}

/** Wait for a console error containing `text`. */
function waitForConsoleError(s, text) {
  return until(() => s.consoleErrors.find((e) => e.text.includes(text)), {
    message: `a console error naming ${text} (console errors: ${JSON.stringify(s.consoleErrors.map((e) => e.text))})`,
  });
}

/**
 * A consent-log endpoint on the harness server: records every request, answers `ep.status`
 * (201 by default) to POSTs.
 */
function logEndpoint(p = '/log') {
  const ep = { requests: [], status: 201, url: env.server.url(p) };
  env.server.route(p, (req, res) => collect(req, res, ep));
  Object.defineProperty(ep, 'posts', { get: () => ep.requests.filter((r) => r.method === 'POST') });
  return ep;
}

function collect(req, res, ep, extraHeaders = {}) {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (c) => { body += c; });
  req.on('end', () => {
    const status = req.method === 'POST' ? ep.status : 204;
    ep.requests.push({ method: req.method, body, headers: req.headers, status });
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store', ...extraHeaders });
    res.end(req.method === 'POST' ? (status < 300 ? '{"stored":true}' : '{"error":"test endpoint failure"}') : undefined);
  });
}

/** Assert a POST to the log endpoint carried exactly the receipt `expected`, as text/plain. */
function assertLogged(post, expected, msg) {
  assert.match(String(post.headers['content-type'] || ''), /^text\/plain\b/i, `${msg}: Content-Type text/plain (got ${post.headers['content-type']})`);
  let body;
  try { body = JSON.parse(post.body); } catch { assert.fail(`${msg}: body is JSON (got ${JSON.stringify(post.body)})`); }
  assert.deepEqual(Object.keys(body).sort(), RECEIPT_KEYS, `${msg}: body has exactly the receipt's keys (no IP, no user agent)`);
  assert.deepEqual(body, expected, `${msg}: body is the receipt`);
  return body;
}

/**
 * Errors apart from the browser's own "Failed to load resource" line for a request to
 * `endpointUrl` (what Chromium prints for a failed or 500 request; not the page's doing).
 */
function errorsApartFromEndpoint(s, endpointUrl) {
  const consoleErrors = s.consoleErrors.filter((e) =>
    !(/^Failed to load resource/.test(e.text) && String(e.location?.url || '').startsWith(endpointUrl)));
  return [
    ...consoleErrors.map((e) => `console.error: ${e.text}${e.location?.url ? ` (${e.location.url})` : ''}`),
    ...s.pageErrors.map((e) => `pageerror: ${e.stack || e.message}`),
  ];
}

function finish(s, origins = [env.server.origin]) {
  s.assertOnlyOrigins(origins);
  s.assertNoErrors();
}

// GPC signal, as a browser (or extension) exposes it.
function gpcOn() {
  Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true, configurable: true });
}

// ---------------------------------------------------------------------------------------------
// Google Consent Mode v2
// ---------------------------------------------------------------------------------------------

test('consent mode config: an unknown consent type is refused, naming googleConsentMode.<type>; nothing gated runs', T, async () => {
  const config = { categories: CATEGORIES, googleConsentMode: { analytics_storage: 'analytics', ads_storage: 'marketing' } };
  const s = await open('/p/gcm-bad-type.html', html({ config, body: gated('analytics', '/fixtures/analytics.js') }));
  const { page } = s;
  await waitForConsoleError(s, 'googleConsentMode.ads_storage');
  await page.waitForFunction(() => !!(window.optin && window.optin.ready)); // !!: a rejected promise must not fail the wait
  const outcome = await page.evaluate(() => Promise.resolve(window.optin.ready).then(() => 'resolved', () => 'rejected'));
  assert.equal(outcome, 'rejected', 'optin.ready rejects on a broken config');
  await page.waitForTimeout(500);
  assert.equal(await widget(page).banner.isVisible(), false, 'no banner');
  assert.deepEqual(await runs(page), [], 'nothing gated ran');
  assert.equal(env.server.requested('/fixtures/analytics.js'), false, 'gated script not requested');
  assert.ok(!s.consoleErrors.some((e) => e.text.includes('googleConsentMode.analytics_storage')), 'the valid entry is not blamed');
  s.assertOnlyOrigins([env.server.origin]);
});

test('consent mode config: an unknown category or service target is refused, naming googleConsentMode.<type>', T, async () => {
  const cases = [
    { name: 'unknown category', mapping: { analytics_storage: 'analytics', ad_storage: 'adverts' }, field: 'googleConsentMode.ad_storage' },
    { name: 'unknown service', mapping: { analytics_storage: 'analytics/matomo', ad_storage: 'marketing' }, field: 'googleConsentMode.analytics_storage' },
  ];
  for (const [i, c] of cases.entries()) {
    const config = { categories: CATEGORIES, googleConsentMode: c.mapping };
    const s = await open(`/p/gcm-bad-target-${i}.html`, html({ config, body: gated('analytics', '/fixtures/analytics.js') }));
    const { page } = s;
    await waitForConsoleError(s, c.field);
    await page.waitForFunction(() => !!(window.optin && window.optin.ready)); // !!: a rejected promise must not fail the wait
    const outcome = await page.evaluate(() => Promise.resolve(window.optin.ready).then(() => 'resolved', () => 'rejected'));
    assert.equal(outcome, 'rejected', `${c.name}: optin.ready rejects`);
    await page.waitForTimeout(400);
    assert.equal(await widget(page).banner.isVisible(), false, `${c.name}: no banner`);
    assert.deepEqual(await runs(page), [], `${c.name}: nothing gated ran`);
    assert.equal(env.server.requested('/fixtures/analytics.js'), false, `${c.name}: gated script not requested`);
    s.assertOnlyOrigins([env.server.origin]);
    await s.close();
  }
});

test('consent mode, advanced: the default (all seven types denied, wait_for_update 500) is in dataLayer, as Arguments, first among consent commands, before the Google tag runs', T, async () => {
  const config = { categories: CATEGORIES, googleConsentMode: ALL_SEVEN };
  const s = await open('/p/gcm-advanced.html', advancedPage({ config, seed: true }));
  const { page } = s;
  await waitForRuns(page, 1);
  const snap = await gtagSnapshot(page);
  assert.ok(Array.isArray(snap), 'the stand-in Google tag ran and took its snapshot');
  assert.ok(snap.some((e) => e.value && e.value.event === 'page-seed'), "the page's own dataLayer entries are kept");
  const consent = consentCommands(snap);
  assertCommand(consent[0], defaultOf(ALL_SEVEN), 'first consent command the tag sees: the default, every type denied');
  assert.deepEqual(Object.keys(consent[0].value[2]).sort(), [...CONSENT_TYPES, 'wait_for_update'].sort(), 'all seven types');
  assert.equal(consent.length, 1, 'first visit: the tag sees only the default');

  const w = widget(page);
  await w.banner.waitFor({ state: 'visible' });
  await settle(page, 500);
  const dl = consentCommands(await dataLayer(page));
  assert.equal(dl.length, 1, `no update before a choice (consent commands: ${JSON.stringify(dl.map((e) => e.value))})`);
  assertCommand(dl[0], defaultOf(ALL_SEVEN), 'the default');
  finish(s);
});

test('consent mode, basic: the gated Google tag runs only after consent and finds the default first; one granted update', T, async () => {
  const mapping = { analytics_storage: 'analytics', ad_storage: 'marketing' };
  const config = { categories: CATEGORIES, googleConsentMode: mapping };
  const body = `<script type="text/plain" data-category="analytics" src="${STANDIN}"></script>`;
  const s = await open('/p/gcm-basic.html', html({ config, body }));
  const { page } = s;
  const w = widget(page);
  await w.banner.waitFor({ state: 'visible' });
  await settle(page, 400);
  assert.equal(env.server.requested(STANDIN), false, 'the gated Google tag is not requested before consent');
  assert.deepEqual(await runs(page), []);

  await w.acceptAll.click();
  await waitForRuns(page, 1);
  const snap = await gtagSnapshot(page);
  assert.ok(Array.isArray(snap), 'the stand-in ran after consent');
  assertCommand(consentCommands(snap)[0], defaultOf(mapping), 'first consent command the tag sees: the default');

  const dl = await waitForUpdates(page, 1);
  const cmds = consentCommands(dl);
  assert.equal(cmds.length, 2, `default + exactly one update (got ${JSON.stringify(cmds.map((e) => e.value))})`);
  assertCommand(cmds[0], defaultOf(mapping), 'default first');
  assertCommand(cmds[1], updateOf(mapping, ['analytics', 'marketing']), 'update: every mapped type granted');
  assert.equal(env.server.requestCount(STANDIN), 1, 'the tag was fetched once');
  finish(s);
});

test('consent mode: exactly one update per action (Accept all -> granted, rejectAll -> denied, accept([analytics]) -> mixed)', T, async () => {
  const config = { categories: CATEGORIES, reloadOnWithdraw: false, googleConsentMode: FIVE };
  const s = await open('/p/gcm-updates.html', advancedPage({ config }));
  const { page } = s;
  const w = await bannerReady(page);

  await w.acceptAll.click();
  let cmds = consentCommands(await waitForUpdates(page, 1));
  assert.equal(cmds.length, 2, `after Accept all: default + one update (got ${JSON.stringify(cmds.map((e) => e.value))})`);
  assertCommand(cmds[0], defaultOf(FIVE), 'default (the five mapped types, denied) stays first');
  assertCommand(cmds[1], ['consent', 'update', all(FIVE, 'granted')], 'Accept all: every mapped type granted');

  await api(page, 'rejectAll');
  cmds = consentCommands(await waitForUpdates(page, 2));
  assert.equal(cmds.length, 3, `after rejectAll: one more update (got ${JSON.stringify(cmds.map((e) => e.value))})`);
  assertCommand(cmds[2], ['consent', 'update', all(FIVE, 'denied')], 'rejectAll: every mapped type denied');

  await api(page, 'accept', ['analytics']);
  cmds = consentCommands(await waitForUpdates(page, 3));
  assert.equal(cmds.length, 4, `after accept([analytics]): one more update (got ${JSON.stringify(cmds.map((e) => e.value))})`);
  assertCommand(cmds[3], updateOf(FIVE, ['analytics']), 'accept([analytics]): analytics_storage granted, ad_* and personalization denied');
  assert.equal(cmds[3].value[2].analytics_storage, 'granted');
  assert.equal(cmds[3].value[2].ad_storage, 'denied');
  finish(s);
});

test('consent mode: a returning visit pushes the stored state as one update, after the default', T, async () => {
  const config = { categories: CATEGORIES, googleConsentMode: FIVE };
  const s = await open('/p/gcm-return.html', advancedPage({ config }));
  const { page } = s;
  await widget(page).banner.waitFor({ state: 'visible' });
  await waitReady(page);
  await api(page, 'accept', ['analytics']);
  await waitForUpdates(page, 1, { settleMs: 0 });
  assert.equal((await storedConsent(page))?.categories?.analytics, true, 'choice stored');

  await page.reload();
  await waitForRuns(page, 1);
  const snap = await gtagSnapshot(page);
  assertCommand(consentCommands(snap)[0], defaultOf(FIVE), 'returning visit: the tag sees the default first');
  await waitReady(page);
  const cmds = consentCommands(await waitForUpdates(page, 1, { settleMs: 600 }));
  assert.equal(cmds.length, 2, `default + exactly one update on load (got ${JSON.stringify(cmds.map((e) => e.value))})`);
  assertCommand(cmds[0], defaultOf(FIVE), 'the default first');
  assertCommand(cmds[1], updateOf(FIVE, ['analytics']), 'then the stored state: analytics granted, the rest denied');
  assert.equal(await widget(page).banner.isVisible(), false, 'no banner on a returning visit');
  finish(s);
});

test('consent mode: a category/service target follows that service (acceptService, rejectAll, accept category)', T, async () => {
  const mapping = { analytics_storage: 'analytics/ga', ad_storage: 'marketing' };
  const config = { categories: CATEGORIES, reloadOnWithdraw: false, googleConsentMode: mapping };
  const s = await open('/p/gcm-service.html', advancedPage({ config }));
  const { page } = s;
  await waitForRuns(page, 1);
  assertCommand(consentCommands(await gtagSnapshot(page))[0],
    ['consent', 'default', { analytics_storage: 'denied', ad_storage: 'denied', wait_for_update: 500 }],
    'default: exactly the two mapped types, denied');
  await waitReady(page);

  await api(page, 'acceptService', 'analytics', 'ga');
  let cmds = consentCommands(await waitForUpdates(page, 1));
  assert.equal(cmds.length, 2, `one update for acceptService (got ${JSON.stringify(cmds.map((e) => e.value))})`);
  assertCommand(cmds[1], ['consent', 'update', { analytics_storage: 'granted', ad_storage: 'denied' }], 'the ga service alone grants analytics_storage');

  await api(page, 'rejectAll');
  cmds = consentCommands(await waitForUpdates(page, 2));
  assert.equal(cmds.length, 3, 'one update for rejectAll');
  assertCommand(cmds[2], ['consent', 'update', { analytics_storage: 'denied', ad_storage: 'denied' }], 'rejectAll: both denied');

  await api(page, 'accept', ['analytics']);
  cmds = consentCommands(await waitForUpdates(page, 3));
  assert.equal(cmds.length, 4, 'one update for accept([analytics])');
  assertCommand(cmds[3], ['consent', 'update', { analytics_storage: 'granted', ad_storage: 'denied' }], 'the whole category grants its service');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Global Privacy Control
// ---------------------------------------------------------------------------------------------

const GPC_CATEGORIES = [
  { id: 'necessary', required: true },
  { id: 'analytics' },
  { id: 'marketing', gpc: true },
  { id: 'social' },
];
const GPC_BODY = [
  gated('analytics', '/fixtures/analytics.js'),
  gated('marketing', '/fixtures/marketing.js'),
  gated('social', '/fixtures/social.js'),
].join('\n');
const gpcNotice = (page) => widget(page).banner.locator('[data-optin="gpc-notice"]');

test('GPC: gpc categories start denied, the banner says the signal was honoured, Accept all spares them, only a panel toggle grants them; record gpc true', T, async () => {
  const mapping = { analytics_storage: 'analytics', ad_storage: 'marketing' };
  const config = { categories: GPC_CATEGORIES, reloadOnWithdraw: false, googleConsentMode: mapping };
  const s = await open('/p/gpc.html', html({ config, body: GPC_BODY }), { init: gpcOn });
  const { page } = s;
  assert.equal(await page.evaluate(() => navigator.globalPrivacyControl), true, 'test setup: the GPC signal is on');
  const w = await bannerReady(page);

  const notice = gpcNotice(page);
  assert.equal(await notice.count(), 1, 'one GPC notice in the banner');
  assert.ok(await notice.isVisible(), 'the GPC notice is visible');
  assert.match(await notice.innerText(), /Global Privacy Control|GPC|signal/i, "the notice speaks of the browser's signal");
  const start = await page.evaluate(() => ({ granted: window.optin.granted('marketing'), choices: window.optin.choices() }));
  assert.equal(start.granted, false, 'marketing not granted');
  assert.equal(start.choices?.categories?.marketing, false, 'the panel would start with marketing off');

  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  await waitForEvents(page, 1);
  await waitForRuns(page, 2);
  await settle(page, 500);
  let rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.deepEqual(rec.categories, { necessary: true, analytics: true, marketing: false, social: true },
    'Accept all grants everything except the gpc category');
  assert.equal(rec.gpc, true, 'record gpc: true');
  assert.deepEqual((await runs(page)).sort(), ['analytics', 'social'], 'analytics and social ran, marketing did not');
  assert.equal(env.server.requested('/fixtures/marketing.js'), false, 'marketing script not requested');
  assert.equal(await api(page, 'granted', 'marketing'), false);
  let upd = updates(await dataLayer(page));
  assert.equal(upd.length, 1, 'one consent-mode update');
  assert.deepEqual(upd[0].value, ['consent', 'update', { analytics_storage: 'granted', ad_storage: 'denied' }], 'ad_storage stays denied under GPC');

  // Only an explicit toggle in the panel grants it.
  await page.evaluate(() => window.optin.showPreferences());
  await w.preferences.waitFor({ state: 'visible' });
  assert.equal(await w.checkbox('marketing').isChecked(), false, 'marketing off in the panel');
  await w.checkbox('marketing').check();
  await w.save.click();
  await w.preferences.waitFor({ state: 'hidden' });
  await waitForRuns(page, 3);
  await waitForEvents(page, 2);
  await settle(page, 400);
  const rec2 = await storedConsent(page);
  assertRecordShape(rec2);
  assert.equal(rec2.id, rec.id, 'same consent id');
  assert.equal(rec2.categories.marketing, true, 'explicit toggle grants marketing');
  assert.equal(rec2.gpc, true, 'record still says gpc: true');
  assert.ok((await runs(page)).includes('marketing'), 'marketing script ran after the explicit toggle');
  upd = updates(await dataLayer(page));
  assert.equal(upd.length, 2, 'one more consent-mode update');
  assert.deepEqual(upd[1].value, ['consent', 'update', { analytics_storage: 'granted', ad_storage: 'granted' }]);
  assert.equal((await api(page, 'receipt'))?.gpc, true, 'receipt gpc: true');
  finish(s);
});

test('GPC: honorGpc false ignores the signal (no notice, Accept all grants marketing)', T, async () => {
  const config = { categories: GPC_CATEGORIES, honorGpc: false };
  const s = await open('/p/gpc-off.html', html({ config, body: GPC_BODY }), { init: gpcOn });
  const { page } = s;
  assert.equal(await page.evaluate(() => navigator.globalPrivacyControl), true, 'test setup: the GPC signal is on');
  const w = await bannerReady(page);
  assert.equal(await gpcNotice(page).isVisible(), false, 'no GPC notice');
  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  await waitForRuns(page, 3);
  await settle(page, 400);
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.deepEqual(rec.categories, { necessary: true, analytics: true, marketing: true, social: true }, 'Accept all grants marketing');
  assert.deepEqual((await runs(page)).sort(), ['analytics', 'marketing', 'social']);
  finish(s);
});

test('GPC: without the signal, no notice; Accept all grants gpc categories; record gpc false', T, async () => {
  const config = { categories: GPC_CATEGORIES };
  const s = await open('/p/gpc-none.html', html({ config, body: GPC_BODY }));
  const { page } = s;
  assert.notEqual(await page.evaluate(() => navigator.globalPrivacyControl), true, 'test setup: no GPC signal');
  const w = await bannerReady(page);
  assert.equal(await gpcNotice(page).isVisible(), false, 'no GPC notice');
  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  await waitForRuns(page, 3);
  await settle(page, 400);
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.deepEqual(rec.categories, { necessary: true, analytics: true, marketing: true, social: true });
  assert.equal(rec.gpc, false, 'record gpc: false');
  assert.equal((await api(page, 'receipt'))?.gpc, false, 'receipt gpc: false');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Receipts
// ---------------------------------------------------------------------------------------------

const RECEIPT_CONFIG = { revision: 3, privacyPolicyUrl: '/privacy.html', reloadOnWithdraw: false, categories: CATEGORIES };

/** Assert `receipt` is the stored record `rec` plus policyUrl, gpc and site. */
function assertReceipt(receipt, rec, { gpc = false, msg = 'receipt' } = {}) {
  assert.ok(receipt && typeof receipt === 'object', `${msg}: an object`);
  assert.deepEqual(Object.keys(receipt).sort(), RECEIPT_KEYS, `${msg}: exactly the receipt's keys`);
  assertRecordShape(receipt);
  for (const k of RECORD_FIELDS) assert.deepEqual(receipt[k], rec[k], `${msg}.${k} equals the stored record's`);
  const policy = RECEIPT_CONFIG.privacyPolicyUrl;
  assert.ok(receipt.policyUrl === policy || receipt.policyUrl === new URL(policy, env.server.origin).href,
    `${msg}.policyUrl is the config's privacyPolicyUrl (got ${JSON.stringify(receipt.policyUrl)})`);
  assert.equal(receipt.gpc, gpc, `${msg}.gpc`);
  assert.equal(receipt.site, env.server.origin, `${msg}.site is location.origin`);
}

test('receipt(): null before a choice; then the record plus policyUrl, gpc, site; follows a change (same id)', T, async () => {
  const s = await open('/p/receipt.html', html({ config: RECEIPT_CONFIG }));
  const { page } = s;
  await waitReady(page);
  assert.equal(await page.evaluate(() => typeof window.optin.receipt), 'function', 'optin.receipt is a function');
  assert.equal(await api(page, 'receipt'), null, 'null before a choice');

  await api(page, 'accept', ['analytics']);
  await waitForEvents(page, 1);
  const rec = await storedConsent(page);
  const r1 = await api(page, 'receipt');
  assertReceipt(r1, rec);
  assert.equal(r1.revision, 3);
  assert.equal(r1.method, 'custom');
  assert.equal(r1.lang, 'en');
  assert.deepEqual(r1.categories, { necessary: true, analytics: true, marketing: false, social: false });
  assert.equal(r1.site, await page.evaluate(() => location.origin));

  await sleep(50);
  await api(page, 'rejectAll');
  await waitForEvents(page, 2);
  const rec2 = await storedConsent(page);
  const r2 = await api(page, 'receipt');
  assertReceipt(r2, rec2, { msg: 'receipt after rejectAll' });
  assert.equal(r2.id, r1.id, 'same id');
  assert.equal(r2.givenAt, r1.givenAt, 'givenAt kept');
  assert.ok(Date.parse(r2.updatedAt) > Date.parse(r1.updatedAt), 'updatedAt moved forward');
  assert.equal(r2.method, 'reject-all');

  await page.reload();
  await waitReady(page);
  assert.deepEqual(await api(page, 'receipt'), r2, 'the same receipt after a reload');
  finish(s);
});

test('the panel downloads the receipt as a .json file ([data-optin="download-record"])', T, async () => {
  const s = await open('/p/download.html', html({ config: RECEIPT_CONFIG }));
  const { page } = s;
  const w = await bannerReady(page);
  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  await waitForEvents(page, 1);
  const receipt = await api(page, 'receipt');
  assertReceipt(receipt, await storedConsent(page));

  await page.evaluate(() => window.optin.showPreferences());
  await w.preferences.waitFor({ state: 'visible' });
  const button = w.preferences.locator('[data-optin="download-record"]');
  assert.equal(await button.count(), 1, 'one download button in the panel');
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 10_000 }), button.click()]);
  assert.match(download.suggestedFilename(), /\.json$/, `file name ends with .json (got ${download.suggestedFilename()})`);
  const file = await download.path();
  const content = JSON.parse(await fs.promises.readFile(file, 'utf8'));
  assert.deepEqual(content, receipt, 'the file holds the receipt');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Consent log
// ---------------------------------------------------------------------------------------------

const logConfig = (endpoint) => ({
  privacyPolicyUrl: RECEIPT_CONFIG.privacyPolicyUrl, categories: CATEGORIES, reloadOnWithdraw: false, log: { endpoint },
});
const LOG_BODY = gated('analytics', '/fixtures/analytics.js');

test('consent log: every choice sends the receipt (text/plain, exactly its keys); nothing before a choice or on a plain reload', T, async () => {
  const ep = logEndpoint();
  const s = await open('/p/log.html', html({ config: logConfig(ep.url), body: LOG_BODY }));
  const { page } = s;
  const w = widget(page);
  await w.banner.waitFor({ state: 'visible' });
  await settle(page, 500);
  assert.equal(ep.requests.length, 0, 'nothing sent before a choice');

  await w.acceptAll.click();
  await until(() => ep.posts.length >= 1, { message: 'a POST to the log endpoint after Accept all' });
  const r1 = await api(page, 'receipt');
  const b1 = assertLogged(ep.posts[0], r1, 'Accept all');
  assert.equal(b1.method, 'accept-all');
  await waitForRuns(page, 1);

  await page.reload();
  await settle(page, 800);
  assert.equal(ep.posts.length, 1, 'a reload with a delivered receipt sends nothing');

  await sleep(20);
  await api(page, 'rejectAll');
  await until(() => ep.posts.length >= 2, { message: 'a POST after rejectAll' });
  await sleep(400);
  assert.equal(ep.posts.length, 2, 'one POST per choice');
  const r2 = await api(page, 'receipt');
  const b2 = assertLogged(ep.posts[1], r2, 'rejectAll');
  assert.equal(b2.id, b1.id, 'same consent id');
  assert.equal(b2.method, 'reject-all');
  assert.ok(Date.parse(b2.updatedAt) > Date.parse(b1.updatedAt), 'a new updatedAt');
  finish(s);
});

test('consent log: an endpoint answering 500 breaks nothing; the receipt is sent again on the next load, until 201', T, async () => {
  const ep = logEndpoint();
  ep.status = 500;
  const s = await open('/p/log-500.html', html({ config: logConfig(ep.url), body: LOG_BODY }));
  const { page } = s;
  const w = await bannerReady(page);
  await w.acceptAll.click();
  await until(() => ep.posts.length >= 1, { message: 'a POST to the log endpoint' });
  await waitForRuns(page, 1);
  await settle(page, 500);
  assert.deepEqual(await runs(page), ['analytics'], 'gated script ran despite the failing log');
  const first = assertLogged(ep.posts[0], await api(page, 'receipt'), 'first attempt');
  assert.deepEqual(errorsApartFromEndpoint(s, ep.url), [], 'no page error');

  ep.status = 201;
  const before = ep.posts.length;
  await page.reload();
  await waitReady(page);
  await until(() => ep.posts.length > before, { message: 'the receipt sent again on the next page load' });
  await settle(page, 600);
  const resent = ep.posts.slice(before);
  assert.equal(resent.length, 1, `sent again once (got ${resent.length})`);
  const again = assertLogged(resent[0], first, 'resent receipt');
  assert.equal(again.id, first.id, 'same id');
  assert.equal(resent[0].status, 201);
  assert.deepEqual(await runs(page), ['analytics'], 'gated script ran on the reload');

  const delivered = ep.posts.length;
  await page.reload();
  await settle(page, 800);
  assert.equal(ep.posts.length, delivered, 'once delivered (201), not sent again');
  assert.deepEqual(errorsApartFromEndpoint(s, ep.url), [], 'no page error');
  s.assertOnlyOrigins([env.server.origin]);
});

test('consent log: an unreachable endpoint breaks nothing; the receipt is sent once it answers, on the next load', T, async () => {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}/log`;
  const origin = env.server.origin;
  const s = await open('/p/log-down.html', html({ config: logConfig(endpoint), body: LOG_BODY }));
  const { page } = s;
  const w = widget(page);
  let up;
  try {
    await bannerReady(page);
    await w.acceptAll.click();
    await waitForRuns(page, 1);
    await settle(page, 800);
    assert.deepEqual(await runs(page), ['analytics'], 'gated script ran despite the unreachable log');
    assertRecordShape(await storedConsent(page));
    assert.deepEqual(errorsApartFromEndpoint(s, endpoint), [], 'no page error');
    const receipt = await api(page, 'receipt');

    // The endpoint comes up (cross-origin: it answers CORS like optin-receiver does).
    const ep = { requests: [], status: 201 };
    up = http.createServer((req, res) => {
      if (req.method === 'OPTIONS') {
        ep.requests.push({ method: 'OPTIONS', headers: req.headers, body: '' });
        res.writeHead(204, {
          'access-control-allow-origin': origin,
          'access-control-allow-methods': 'POST',
          'access-control-allow-headers': 'Content-Type',
        });
        return res.end();
      }
      collect(req, res, ep, { 'access-control-allow-origin': origin });
    });
    await new Promise((resolve, reject) => { up.once('error', reject); up.listen(port, '127.0.0.1', resolve); });
    Object.defineProperty(ep, 'posts', { get: () => ep.requests.filter((r) => r.method === 'POST') });

    await page.reload();
    await waitReady(page);
    await until(() => ep.posts.length >= 1, { message: 'the receipt sent on the next load' });
    await settle(page, 600);
    assert.equal(ep.posts.length, 1, 'sent once');
    assertLogged(ep.posts[0], receipt, 'receipt sent after the endpoint came up');
    assert.deepEqual(errorsApartFromEndpoint(s, endpoint), [], 'no page error');
    s.assertOnlyOrigins([origin, `http://127.0.0.1:${port}`]);
  } finally {
    if (up) await new Promise((r) => { up.closeAllConnections?.(); up.close(() => r()); });
  }
});

// optin-receiver, when built: the newer of receiver/target/{release,debug}/optin-receiver (`make
// receiver` builds debug; a stale release binary must not shadow it).
const RECEIVER = ['release', 'debug']
  .map((p) => path.join(ROOT, 'receiver', 'target', p, 'optin-receiver'))
  .filter((p) => fs.existsSync(p))
  .sort((a, b) => fs.statSync(b).mtimeMs - fs.statSync(a).mtimeMs)[0];
const RECEIVER_SKIP = RECEIVER ? false : 'optin-receiver is not built (receiver/target/{release,debug}/optin-receiver missing; make receiver)';
const HAS_SQLITE3 = spawnSync('sqlite3', ['-version'], { encoding: 'utf8' }).status === 0;
// The receipts table's columns (receiver/README.md "Schema"), in SQLite and PostgreSQL alike.
const RECEIPT_COLUMNS = ['row_id', 'consent_id', 'updated_at', 'received_at', 'site', 'revision', 'method', 'receipt_json'];

/**
 * Start optin-receiver on a free port of 127.0.0.1 with `--db db` (a SQLite file or a
 * postgres:// URL), allowing the harness server's origin; resolves once /health answers.
 * Returns { origin, stderr(), stop() }; stop() (SIGTERM, then SIGKILL after 3 s) never throws.
 */
async function startReceiver(db) {
  const port = await freePort();
  const origin = `http://127.0.0.1:${port}`;
  let stderr = '';
  const child = spawn(RECEIVER, ['--listen', `127.0.0.1:${port}`, '--db', db, '--origin', env.server.origin],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = new Promise((r) => child.once('exit', r));
  const receiver = {
    origin,
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (child.exitCode === null && child.signalCode === null) { child.kill('SIGKILL'); await exited; }
    },
  };
  try {
    await until(async () => {
      if (child.exitCode !== null) assert.fail(`optin-receiver --db ${db} exited (${child.exitCode}): ${stderr}`);
      try { return (await fetch(`${origin}/health`, { signal: AbortSignal.timeout(2000) })).ok; } catch { return false; }
    }, { timeout: 20_000, message: `optin-receiver --db ${db}: /health (stderr so far: ${stderr})` });
  } catch (err) {
    await receiver.stop();
    throw err;
  }
  return receiver;
}

/**
 * Poll `read()` (resolving the receipts table's rows) until it holds `n` rows; then no more.
 * `what()` names the table (and the receiver's stderr) in a failure.
 */
async function waitForRows(read, n, what) {
  let last;
  const rows = await until(async () => {
    last = await read();
    return last && last.length >= n ? last : null;
  }, { message: `${n} row(s)` }).catch((err) => {
    throw new Error(`${err.message} in ${what()}; rows: ${JSON.stringify(last)}`);
  });
  await sleep(300);
  const again = await read();
  assert.equal(again.length, n, `${n} row(s), no more (got ${again.length}) in ${what()}`);
  assert.deepEqual(again, rows, `the rows did not change in ${what()}`);
  return again;
}

/**
 * Assert a receipts row stores `receipt` as sent: its columns, the body byte for byte as JSON,
 * received_at set (ISO 8601, within the test's run), and neither the client's IP address nor the
 * browser's user agent anywhere in it (the site column is an origin on 127.0.0.1, so the site's
 * origin is taken out before the address is looked for).
 */
function assertReceiptRow(row, receipt, { since, userAgent, msg }) {
  for (const c of RECEIPT_COLUMNS) assert.ok(c in row, `${msg}: column ${c} (row: ${JSON.stringify(row)})`);
  const extra = Object.keys(row).filter((c) => !RECEIPT_COLUMNS.includes(c));
  assert.deepEqual(extra.filter((c) => /ip|addr|agent|ua$|client|host/i.test(c)), [], `${msg}: no address or user-agent column`);
  assert.equal(row.consent_id, receipt.id, `${msg}: consent_id is the receipt's id`);
  assert.equal(row.site, env.server.origin, `${msg}: site`);
  assert.equal(row.method, receipt.method, `${msg}: method`);
  assert.equal(Number(row.revision), receipt.revision, `${msg}: revision`);
  assert.equal(Date.parse(row.updated_at), Date.parse(receipt.updatedAt), `${msg}: updated_at is the receipt's updatedAt`);
  assert.match(String(row.received_at), ISO_8601, `${msg}: received_at is ISO 8601`);
  const received = Date.parse(row.received_at);
  assert.ok(received >= since - 1000 && received <= Date.now() + 1000,
    `${msg}: received_at ${row.received_at} is within the test's run`);
  const body = JSON.parse(row.receipt_json);
  assert.deepEqual(body, receipt, `${msg}: receipt_json is the receipt`);
  assert.deepEqual(Object.keys(body).sort(), RECEIPT_KEYS, `${msg}: receipt_json has exactly the receipt's keys`);
  const text = JSON.stringify(row).split(env.server.origin).join('<site>');
  for (const needle of ['127.0.0.1', '::1', userAgent, 'HeadlessChrome', 'Mozilla/']) {
    assert.ok(!text.includes(needle), `${msg}: ${JSON.stringify(needle)} is nowhere in the row: ${text}`);
  }
}

const ALL_GRANTED = { necessary: true, analytics: true, marketing: true, social: true };
const ALL_DENIED = { necessary: true, analytics: false, marketing: false, social: false };
const OPENER = '<footer><button type="button" id="cookie-settings" data-optin-open>Cookie settings</button></footer>';

/** Open a page logging to `receiver`, click the banner's Accept all; resolves { s, receipt, userAgent }. */
async function acceptAllLoggedTo(receiver, pathname) {
  const s = await open(pathname, html({ config: logConfig(`${receiver.origin}/receipts`), body: `${OPENER}\n${LOG_BODY}` }));
  const { page } = s;
  const userAgent = await page.evaluate(() => navigator.userAgent);
  const w = await bannerReady(page);
  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  await waitForRuns(page, 1);
  const receipt = await api(page, 'receipt');
  assertReceipt(receipt, await storedConsent(page), { msg: 'receipt after Accept all' });
  assert.equal(receipt.method, 'accept-all');
  assert.deepEqual(receipt.categories, ALL_GRANTED, 'Accept all granted every category');
  return { s, receipt, userAgent };
}

test('consent log: optin-receiver stores the banner\'s Accept all in SQLite', { ...T, skip: RECEIVER_SKIP }, async () => {
  const since = Date.now();
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'optin-receiver-e2e-'));
  const db = path.join(dir, 'r.sqlite');
  let receiver;
  try {
    receiver = await startReceiver(db);
    const { s, receipt, userAgent } = await acceptAllLoggedTo(receiver, '/p/log-receiver.html');

    if (HAS_SQLITE3) {
      const read = () => {
        const q = spawnSync('sqlite3', ['-json', db, 'SELECT * FROM receipts ORDER BY row_id'], { encoding: 'utf8', timeout: 10_000 });
        if (q.status !== 0) return null;
        const out = q.stdout.trim();
        return out ? JSON.parse(out) : [];
      };
      const [row] = await waitForRows(read, 1, () => `${db} (receiver stderr: ${receiver.stderr()})`);
      assertReceiptRow(row, receipt, { since, userAgent, msg: 'SQLite row' });
    } else {
      // No sqlite3 CLI: ask the receiver. A replay of a stored receipt is answered 409.
      const replay = await until(async () => {
        const r = await fetch(`${receiver.origin}/receipts`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(receipt) });
        return r.status === 409 ? r : null;
      }, { message: 'the receiver to report the receipt as already stored (409)' });
      assert.equal(replay.status, 409);
    }
    assert.deepEqual(s.pageErrors, [], 'no page error');
    finish(s, [env.server.origin, receiver.origin]);
  } finally {
    await receiver?.stop();
    await fs.promises.rm(dir, { recursive: true, force: true });
  }
});

test('consent log: optin-receiver stores the banner\'s Accept all, then a change to Reject all, in PostgreSQL', {
  timeout: 120_000, skip: RECEIVER_SKIP,
}, async () => {
  const since = Date.now();
  // A throwaway server of our own (tests/e2e/pg.mjs); no PostgreSQL fails the test, naming `make test`.
  const pg = await startPostgres();
  let receiver;
  try {
    await pg.createDatabase('optin_e2e');
    receiver = await startReceiver(pg.url('optin_e2e'));
    const read = async () => JSON.parse(await pg.query('optin_e2e',
      'SELECT COALESCE(json_agg(r ORDER BY r.row_id), \'[]\'::json) FROM receipts r'));
    const what = () => `PostgreSQL table receipts (receiver stderr: ${receiver.stderr()})`;

    // First visit: the banner's Accept all.
    const { s, receipt: accepted, userAgent } = await acceptAllLoggedTo(receiver, '/p/log-receiver-pg.html');
    const { page } = s;
    const [first] = await waitForRows(read, 1, what);
    assertReceiptRow(first, accepted, { since, userAgent, msg: 'row 1 (Accept all)' });
    assert.deepEqual(JSON.parse(first.receipt_json).categories, ALL_GRANTED, 'row 1: every category granted');

    // Second visit: a change of mind, from the page's "Cookie settings" to the panel's Reject all.
    await sleep(20); // the clock moves: a new updatedAt
    await page.reload();
    await waitReady(page);
    const w = widget(page);
    assert.equal(await w.banner.isVisible(), false, 'no banner on the second visit');
    await page.locator('#cookie-settings').click();
    await w.preferences.waitFor({ state: 'visible' });
    await w.prefsRejectAll.click();
    await w.preferences.waitFor({ state: 'hidden' });
    await until(async () => (await storedConsent(page))?.method === 'reject-all', { message: 'the stored choice to be reject-all' });
    const rejected = await api(page, 'receipt');
    assertReceipt(rejected, await storedConsent(page), { msg: 'receipt after Reject all' });
    assert.equal(rejected.id, accepted.id, 'same consent id');
    assert.ok(Date.parse(rejected.updatedAt) > Date.parse(accepted.updatedAt), 'a new updatedAt');
    assert.deepEqual(rejected.categories, ALL_DENIED, 'Reject all denied every optional category');

    const rows = await waitForRows(read, 2, what);
    assert.deepEqual(rows[0], first, 'row 1 unchanged');
    assertReceiptRow(rows[1], rejected, { since, userAgent, msg: 'row 2 (Reject all)' });
    assert.equal(rows[1].consent_id, first.consent_id, 'row 2: the same consent id as row 1');
    assert.equal(rows[1].method, 'reject-all', 'row 2: method reject-all');
    assert.deepEqual(JSON.parse(rows[1].receipt_json).categories, ALL_DENIED, 'row 2: every optional category denied');
    assert.ok(Number(rows[1].row_id) > Number(first.row_id), 'row 2 after row 1');
    assert.ok(rows[1].received_at >= first.received_at, 'row 2 received after row 1');

    assert.deepEqual(s.pageErrors, [], 'no page error');
    finish(s, [env.server.origin, receiver.origin]);
  } finally {
    await receiver?.stop();
    await pg.stop();
  }
});
