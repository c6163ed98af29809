// Foundation suite: first visit, accept/reject/custom choices, re-opening, config sources, JS API.
// Every test watches the network (page requests + server log) and ends with no console/page errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  setupE2E, html, gated, gatedInline, widget, waitReady, storedConsent, runs, events,
  waitForRuns, waitForEvents, categoryStates, computed, assertRecordShape, settle, sleep, bannerReady,
} from './harness.mjs';

const env = setupE2E();
const T = { timeout: 60_000 };

const CONFIG = {
  revision: 1,
  privacyPolicyUrl: '/privacy',
  categories: [
    { id: 'necessary', required: true },
    { id: 'analytics', services: [{ id: 'ga', name: 'Google Analytics', cookies: [{ name: '_ga' }] }] },
    { id: 'marketing' },
    { id: 'social' },
  ],
};
const ALL = ['necessary', 'analytics', 'marketing', 'social'];
const OPTIONAL = ['analytics', 'marketing', 'social'];

// One gated script per category, with an inline analytics one.
const MIXED_BODY = [
  gated('analytics', '/fixtures/analytics.js'),
  gatedInline('analytics', 'inline'),
  gated('marketing', '/fixtures/marketing.js'),
  gated('social', '/fixtures/social.js'),
].join('\n');
const MIXED_SRCS = ['/fixtures/analytics.js', '/fixtures/marketing.js', '/fixtures/social.js'];

const sorted = (a) => [...a].sort();

function assertDetail(detail, { granted, denied, changed }, msg = 'optin:change detail') {
  assert.ok(detail && Array.isArray(detail.granted) && Array.isArray(detail.denied) && Array.isArray(detail.changed),
    `${msg}: has granted/denied/changed arrays (got ${JSON.stringify(detail)})`);
  assert.deepEqual(sorted(detail.granted), sorted(granted), `${msg}: granted`);
  assert.deepEqual(sorted(detail.denied), sorted(denied), `${msg}: denied`);
  assert.deepEqual(sorted(detail.changed), sorted(changed), `${msg}: changed`);
}

function assertNotRequested(s, server, paths) {
  for (const p of paths) {
    assert.equal(s.requestedPath(p), false, `page never requested ${p}`);
    assert.equal(server.requested(p), false, `server never received ${p}`);
  }
}

function finish(s) {
  s.assertOnlyOrigins([env.server.origin]);
  s.assertNoErrors();
}

async function gaCookie(s) {
  return (await s.context.cookies()).find((c) => c.name === '_ga');
}

test('first visit: banner with three equal buttons; nothing gated runs or is requested', T, async () => {
  const { server } = env;
  server.page('/p/first.html', html({ config: CONFIG, body: MIXED_BODY }));
  const s = await env.newPage();
  const { page } = s;
  await page.goto(server.url('/p/first.html'));
  const w = await bannerReady(page);

  const buttons = { acceptAll: w.acceptAll, rejectAll: w.rejectAll, preferencesOpen: w.preferencesOpen };
  const boxes = {};
  const styles = {};
  for (const [name, b] of Object.entries(buttons)) {
    assert.equal(await b.count(), 1, `exactly one ${name} button in the banner`);
    assert.ok(await b.isVisible(), `${name} visible`);
    assert.ok((await b.innerText()).trim().length > 0, `${name} has a label`);
    boxes[name] = await b.boundingBox();
    assert.ok(boxes[name] && boxes[name].width > 0 && boxes[name].height > 0, `${name} has a box`);
    styles[name] = await computed(b, ['font-weight', 'background-color', 'background-image']);
  }
  const ref = boxes.acceptAll;
  for (const [name, box] of Object.entries(boxes)) {
    assert.ok(Math.abs(box.width - ref.width) <= 1, `${name} width ${box.width} = accept-all width ${ref.width} (±1px)`);
    assert.ok(Math.abs(box.height - ref.height) <= 1, `${name} height ${box.height} = accept-all height ${ref.height} (±1px)`);
    assert.deepEqual(styles[name], styles.acceptAll, `${name} font-weight/background equal accept-all's`);
  }

  await settle(page, 500);
  assert.deepEqual(await runs(page), [], 'no gated script ran');
  assertNotRequested(s, server, MIXED_SRCS);
  assert.equal(await storedConsent(page), null, 'nothing stored before a choice');
  assert.equal(await gaCookie(s), undefined, 'no _ga cookie');
  assert.deepEqual(await events(page), [], 'no optin:change before a choice');
  finish(s);
});

test('accept all: gated scripts run once each in document order (delayed srcs); stored; reload re-runs them', T, async () => {
  const { server } = env;
  const order = ['a', 'inline', 'b', 'c'];
  const srcs = ['/fixtures/a.js', '/fixtures/b.js', '/fixtures/c.js'];
  server.delay('/fixtures/a.js', 300);
  server.delay('/fixtures/b.js', 100);
  server.page('/p/accept.html', html({
    config: CONFIG,
    body: [
      gated('analytics', '/fixtures/a.js'),
      gatedInline('analytics', 'inline'),
      gated('analytics', '/fixtures/b.js'),
      gated('analytics', '/fixtures/c.js'),
    ].join('\n'),
  }));
  const s = await env.newPage();
  const { page } = s;
  await page.goto(server.url('/p/accept.html'));
  const w = await bannerReady(page);
  await settle(page, 200);
  assertNotRequested(s, server, srcs);

  await w.acceptAll.click();
  await waitForRuns(page, 4);
  await sleep(600); // longer than the delays: a duplicate run would show up now
  assert.deepEqual(await runs(page), order, 'document order, each exactly once');
  for (const p of srcs) {
    assert.equal(s.requestCount(p), 1, `page requested ${p} once`);
    assert.equal(server.requestCount(p), 1, `server got ${p} once`);
  }

  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.equal(rec.method, 'accept-all');
  assert.equal(rec.revision, 1);
  assert.equal(rec.lang, 'en');
  assert.deepEqual(rec.categories, Object.fromEntries(ALL.map((c) => [c, true])), 'every category true');
  await w.banner.waitFor({ state: 'hidden' });

  const ev = await events(page);
  assert.equal(ev.length, 1, 'optin:change fired once');
  assertDetail(ev[0], { granted: ALL, denied: [], changed: OPTIONAL });

  // Reload: no banner, scripts run again on load, in order, exactly once.
  server.clearRequests();
  s.clearRequests();
  await page.reload();
  await waitReady(page);
  await waitForRuns(page, 4);
  await sleep(600);
  assert.deepEqual(await runs(page), order, 'after reload: document order, each exactly once');
  for (const p of srcs) {
    assert.equal(s.requestCount(p), 1, `after reload: page requested ${p} once`);
    assert.equal(server.requestCount(p), 1, `after reload: server got ${p} once`);
  }
  assert.equal(await w.banner.isVisible(), false, 'no banner after reload');
  assert.deepEqual(await storedConsent(page), rec, 'record unchanged by the reload');
  assert.deepEqual(await events(page), [], 'a reload is not a change: no optin:change');
  finish(s);
});

test('reject all: nothing gated runs or is requested; stored; reload keeps it so', T, async () => {
  const { server } = env;
  server.page('/p/reject.html', html({ config: CONFIG, body: MIXED_BODY }));
  const s = await env.newPage();
  const { page } = s;
  await page.goto(server.url('/p/reject.html'));
  const w = await bannerReady(page);

  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  await waitForEvents(page, 1);
  await settle(page, 500);
  assert.deepEqual(await runs(page), [], 'nothing gated ran');
  assertNotRequested(s, server, MIXED_SRCS);

  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.equal(rec.method, 'reject-all');
  assert.deepEqual(rec.categories, { necessary: true, analytics: false, marketing: false, social: false });
  const ev = await events(page);
  assert.equal(ev.length, 1, 'optin:change fired once');
  assert.deepEqual(sorted(ev[0].granted), ['necessary']);
  assert.deepEqual(sorted(ev[0].denied), sorted(OPTIONAL));

  await page.reload();
  await waitReady(page);
  await settle(page, 500);
  assert.equal(await w.banner.isVisible(), false, 'no banner after reload');
  assert.deepEqual(await runs(page), [], 'after reload: nothing gated ran');
  assertNotRequested(s, server, MIXED_SRCS);
  assert.equal(await gaCookie(s), undefined, 'no _ga cookie');
  finish(s);
});

test('preferences: only required pre-ticked; analytics only -> only analytics runs; method custom', T, async () => {
  const { server } = env;
  server.page('/p/prefs.html', html({ config: CONFIG, body: MIXED_BODY }));
  const s = await env.newPage();
  const { page } = s;
  await page.goto(server.url('/p/prefs.html'));
  const w = await bannerReady(page);

  await w.preferencesOpen.click();
  await w.preferences.waitFor({ state: 'visible' });
  assert.equal(await w.preferences.getAttribute('role'), 'dialog', 'panel has role=dialog');
  assert.deepEqual(await categoryStates(page), [
    { id: 'necessary', checked: true, disabled: true },
    { id: 'analytics', checked: false, disabled: false },
    { id: 'marketing', checked: false, disabled: false },
    { id: 'social', checked: false, disabled: false },
  ], 'one checkbox per category, in config order; only the required one ticked (and disabled)');

  await w.checkbox('analytics').check();
  assert.equal(await w.checkbox('analytics').isChecked(), true);
  await w.save.click();
  await w.preferences.waitFor({ state: 'hidden' });
  await waitForRuns(page, 2);
  await settle(page, 500);
  assert.deepEqual(await runs(page), ['analytics', 'inline'], 'only the analytics scripts ran, in order');
  assertNotRequested(s, server, ['/fixtures/marketing.js', '/fixtures/social.js']);
  assert.equal(server.requestCount('/fixtures/analytics.js'), 1);
  assert.ok(await gaCookie(s), 'the analytics stand-in set _ga');
  assert.equal(await w.banner.isVisible(), false, 'banner gone after saving');

  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.equal(rec.method, 'custom');
  assert.deepEqual(rec.categories, { necessary: true, analytics: true, marketing: false, social: false });
  const ev = await events(page);
  assert.equal(ev.length, 1, 'optin:change fired once');
  assertDetail(ev[0], { granted: ['necessary', 'analytics'], denied: ['marketing', 'social'], changed: ['analytics'] });
  finish(s);
});

test('data-optin-open re-opens the panel; a changed choice updates the record (same id, new updatedAt)', T, async () => {
  const { server } = env;
  server.page('/p/reopen.html', html({
    config: CONFIG,
    body: `<footer><button type="button" id="cookie-settings" data-optin-open>Cookie settings</button></footer>\n${MIXED_BODY}`,
  }));
  const s = await env.newPage();
  const { page } = s;
  await page.goto(server.url('/p/reopen.html'));
  const w = await bannerReady(page);
  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  await waitForEvents(page, 1);
  const before = await storedConsent(page);
  assertRecordShape(before);
  assert.equal(before.method, 'reject-all');
  assert.equal(await w.preferences.isVisible(), false, 'panel closed');

  await sleep(50); // make sure the clock moves
  await page.locator('#cookie-settings').click();
  await w.preferences.waitFor({ state: 'visible' });
  assert.deepEqual(await categoryStates(page), [
    { id: 'necessary', checked: true, disabled: true },
    { id: 'analytics', checked: false, disabled: false },
    { id: 'marketing', checked: false, disabled: false },
    { id: 'social', checked: false, disabled: false },
  ], 'panel reflects the stored (rejected) choice');
  await w.checkbox('analytics').check();
  await w.save.click();
  await w.preferences.waitFor({ state: 'hidden' });
  await waitForEvents(page, 2);
  await waitForRuns(page, 2);
  await settle(page, 400);

  const afterRec = await storedConsent(page);
  assertRecordShape(afterRec);
  assert.equal(afterRec.id, before.id, 'same consent id');
  assert.equal(afterRec.givenAt, before.givenAt, 'givenAt kept');
  assert.notEqual(afterRec.updatedAt, before.updatedAt, 'updatedAt changed');
  assert.ok(Date.parse(afterRec.updatedAt) > Date.parse(before.updatedAt), 'updatedAt moved forward');
  assert.equal(afterRec.method, 'custom');
  assert.deepEqual(afterRec.categories, { necessary: true, analytics: true, marketing: false, social: false });
  assert.deepEqual(await runs(page), ['analytics', 'inline'], 'newly granted scripts ran without a reload');
  assertNotRequested(s, server, ['/fixtures/marketing.js', '/fixtures/social.js']);

  const ev = await events(page);
  assert.equal(ev.length, 2, 'one optin:change per choice');
  assertDetail(ev[1], { granted: ['necessary', 'analytics'], denied: ['marketing', 'social'], changed: ['analytics'] }, 'second change');
  finish(s);
});

test('config source: data-config URL', T, async () => {
  const { server } = env;
  server.page('/p/data-config.html', html({ configUrl: '/fixtures/config.json', body: gated('analytics', '/fixtures/a.js') }));
  const s = await env.newPage();
  const { page } = s;
  await page.goto(server.url('/p/data-config.html'));
  const w = await bannerReady(page);
  assert.ok(server.requested('/fixtures/config.json'), 'config fetched from the data-config URL');
  assert.match(await w.banner.innerText(), /Fixture config title/, 'bannerTitle from the fetched config');

  await w.preferencesOpen.click();
  await w.preferences.waitFor({ state: 'visible' });
  assert.deepEqual((await categoryStates(page)).map((c) => c.id), ['necessary', 'analytics', 'social'],
    'categories from the fetched config');
  assert.match(await w.preferences.innerText(), /Social media/, 'category title from the fetched config');
  await settle(page, 300);
  assertNotRequested(s, server, ['/fixtures/a.js']);
  finish(s);
});

test('config source: built-in defaults with a bare tag', T, async () => {
  const { server } = env;
  server.page('/p/bare.html', html({ body: gated('analytics', '/fixtures/a.js') }));
  const s = await env.newPage();
  const { page } = s;
  await page.goto(server.url('/p/bare.html'));
  const w = await bannerReady(page);
  assert.ok((await w.banner.innerText()).trim().length > 0, 'banner has (English) text');

  await w.preferencesOpen.click();
  await w.preferences.waitFor({ state: 'visible' });
  assert.deepEqual(await categoryStates(page), [
    { id: 'necessary', checked: true, disabled: true },
    { id: 'analytics', checked: false, disabled: false },
    { id: 'marketing', checked: false, disabled: false },
  ], 'default categories');
  await settle(page, 300);
  const stray = server.requests.filter((r) => r.path !== '/p/bare.html' && !r.path.startsWith('/optin/'));
  assert.deepEqual(stray, [], 'with no config, only the page and the widget assets were fetched');
  finish(s);
});

test('config source: inline JSON; texts override, built-in English fills the gaps', T, async () => {
  const { server } = env;
  const config = { ...CONFIG, texts: { en: { acceptAll: 'Yes to everything' } } };
  server.page('/p/inline-config.html', html({ config, body: gated('analytics', '/fixtures/a.js') }));
  const s = await env.newPage();
  const { page } = s;
  await page.goto(server.url('/p/inline-config.html'));
  const w = await bannerReady(page);
  assert.equal((await w.acceptAll.innerText()).trim(), 'Yes to everything', 'acceptAll text from the inline config');
  for (const b of [w.rejectAll, w.preferencesOpen]) assert.ok((await b.innerText()).trim().length > 0, 'built-in label');
  await w.preferencesOpen.click();
  await w.preferences.waitFor({ state: 'visible' });
  assert.deepEqual((await categoryStates(page)).map((c) => c.id), ALL, 'categories from the inline config');
  finish(s);
});

test('included twice: the second copy warns and does nothing; one banner, one record, each script runs once', T, async () => {
  const { server } = env;
  server.page('/p/twice.html', html({
    config: CONFIG, body: MIXED_BODY, head: '<script src="/optin/optin.js?copy=2" defer></script>',
  }));
  const s = await env.newPage();
  const { page } = s;
  await page.goto(server.url('/p/twice.html'));
  const w = await bannerReady(page);
  assert.equal(await page.locator('optin-widget').count(), 1, 'one widget host');
  await w.acceptAll.click();
  await waitForRuns(page, 4);
  await settle(page, 500);
  assert.deepEqual(sorted(await runs(page)), sorted(['analytics', 'inline', 'marketing', 'social']), 'each gated script ran once');
  assert.equal((await events(page)).length, 1, 'one optin:change event');
  const warnings = s.consoleMessages.filter((m) => m.type === 'warning').map((m) => m.text);
  assert.ok(warnings.some((t) => /included more than once.*copy=2/.test(t)), `a warning names the extra copy (console: ${JSON.stringify(warnings)})`);
  finish(s);
});

test('JS API: ready, granted(), consent(), accept(), acceptAll(), rejectAll(), showPreferences(), event details', T, async () => {
  const { server } = env;
  // The built-in categories, without the reload that withdrawing a script that ran causes
  // (gating.test.mjs covers that): this test follows one page through every API call.
  server.page('/p/api.html', html({
    config: {
      reloadOnWithdraw: false,
      categories: [{ id: 'necessary', required: true }, { id: 'analytics' }, { id: 'marketing' }],
    },
    body: [gated('analytics', '/fixtures/a.js'), gated('marketing', '/fixtures/marketing.js')].join('\n'),
  }));
  const s = await env.newPage();
  const { page } = s;
  await page.goto(server.url('/p/api.html'));
  await waitReady(page); // optin.ready resolves
  const w = widget(page);

  const api = await page.evaluate(() => ({
    ready: typeof window.optin.ready?.then,
    ...Object.fromEntries(['granted', 'consent', 'acceptAll', 'rejectAll', 'accept', 'showPreferences']
      .map((k) => [k, typeof window.optin[k]])),
  }));
  assert.deepEqual(api, {
    ready: 'function', granted: 'function', consent: 'function', acceptAll: 'function',
    rejectAll: 'function', accept: 'function', showPreferences: 'function',
  }, 'window.optin API surface');

  const state = () => page.evaluate(() => ({
    consent: window.optin.consent(),
    necessary: window.optin.granted('necessary'),
    analytics: window.optin.granted('analytics'),
    marketing: window.optin.granted('marketing'),
  }));

  let st = await state();
  assert.equal(st.consent, null, 'consent() is null before a choice');
  assert.deepEqual([st.necessary, st.analytics, st.marketing], [true, false, false], 'granted() before a choice');

  // accept(['analytics'])
  await page.evaluate(() => window.optin.accept(['analytics']));
  let ev = await waitForEvents(page, 1);
  await waitForRuns(page, 1);
  await sleep(300);
  ev = await events(page);
  assert.equal(ev.length, 1, 'one event for accept()');
  assertDetail(ev[0], { granted: ['necessary', 'analytics'], denied: ['marketing'], changed: ['analytics'] }, 'accept([analytics])');
  st = await state();
  assertRecordShape(st.consent);
  assert.deepEqual(st.consent, await storedConsent(page), 'consent() equals the stored record');
  assert.equal(st.consent.method, 'custom');
  assert.deepEqual(st.consent.categories, { necessary: true, analytics: true, marketing: false });
  assert.deepEqual([st.necessary, st.analytics, st.marketing], [true, true, false]);
  assert.deepEqual(await runs(page), ['a']);
  assert.equal(server.requested('/fixtures/marketing.js'), false, 'marketing not requested');
  await w.banner.waitFor({ state: 'hidden' });
  const id = st.consent.id;

  // acceptAll()
  await page.evaluate(() => window.optin.acceptAll());
  await waitForEvents(page, 2);
  await waitForRuns(page, 2);
  await sleep(300);
  ev = await events(page);
  assert.equal(ev.length, 2, 'one event for acceptAll()');
  assertDetail(ev[1], { granted: ['necessary', 'analytics', 'marketing'], denied: [], changed: ['marketing'] }, 'acceptAll()');
  st = await state();
  assert.equal(st.consent.method, 'accept-all');
  assert.equal(st.consent.id, id, 'same consent id');
  assert.deepEqual([st.necessary, st.analytics, st.marketing], [true, true, true]);
  assert.deepEqual(await runs(page), ['a', 'marketing'], 'each script ran once');

  // rejectAll()
  await page.evaluate(() => window.optin.rejectAll());
  await waitForEvents(page, 3);
  await sleep(300);
  ev = await events(page);
  assert.equal(ev.length, 3, 'one event for rejectAll()');
  assertDetail(ev[2], { granted: ['necessary'], denied: ['analytics', 'marketing'], changed: ['analytics', 'marketing'] }, 'rejectAll()');
  st = await state();
  assert.equal(st.consent.method, 'reject-all');
  assert.deepEqual(st.consent.categories, { necessary: true, analytics: false, marketing: false });
  assert.deepEqual([st.necessary, st.analytics, st.marketing], [true, false, false]);
  assert.deepEqual(st.consent, await storedConsent(page));

  // showPreferences()
  await page.evaluate(() => window.optin.showPreferences());
  await w.preferences.waitFor({ state: 'visible' });
  assert.deepEqual(await categoryStates(page), [
    { id: 'necessary', checked: true, disabled: true },
    { id: 'analytics', checked: false, disabled: false },
    { id: 'marketing', checked: false, disabled: false },
  ], 'panel reflects the current choice');
  finish(s);
});
