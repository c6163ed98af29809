// Gating suite: what the engine does with gated markup. Scripts (attributes, order, exactly once,
// services, `!category`), content the page adds later, embeds (iframe + placeholder, img, video,
// audio, stylesheet), withdrawals (iframes go back to their placeholder, scripts that ran reload
// the page) and a strict CSP. Every test watches the network (page requests + server log): no
// request to a gated URL before its grant. Every test ends with no page errors and no unexpected
// console errors.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  setupE2E, html, gated, widget, waitReady, storedConsent, runs, waitForRuns, assertRecordShape,
  settle, sleep, runAxe, FIXTURES_DIR,
} from './harness.mjs';

const env = setupE2E();
const T = { timeout: 60_000 };

const CONFIG = {
  revision: 1,
  categories: [
    { id: 'necessary', required: true },
    { id: 'analytics', services: [{ id: 'ga', name: 'Google Analytics' }, { id: 'hotjar', name: 'Hotjar' }] },
    { id: 'social', services: [{ id: 'youtube', name: 'YouTube' }, { id: 'twitter', name: 'Twitter' }] },
    { id: 'marketing' },
  ],
};
const SERVICE_BOXES = ['analytics/ga', 'analytics/hotjar', 'social/youtube', 'social/twitter'];

// ---------------------------------------------------------------------------------------------
// Markup
// ---------------------------------------------------------------------------------------------

/** An inert script with the given attributes (besides type="text/plain") and body. */
const inert = (attrs, body = '') => `<script type="text/plain" ${attrs}>${body}</script>`;
/** Inline code that records `name` in window.__runs. */
const push = (name) => `(window.__runs = window.__runs || []).push(${JSON.stringify(name)})`;
/** A gated inline script recording `name`; `attrs` e.g. 'data-category="!analytics"'. */
const inline = (attrs, name) => inert(attrs, push(name));

const YOUTUBE = '/fixtures/embed.html';
const YOUTUBE_2 = '/fixtures/embed-2.html';
const TWEET = '/fixtures/tweet.html';
const iframe = ({ service = 'youtube', src = YOUTUBE, id = '', category = 'social' } = {}) =>
  `<iframe${id ? ` id="${id}"` : ''} data-category="${category}" data-service="${service}" data-src="${src}" width="400" height="300" title="Video"></iframe>`;
// Borderless, block-level frames: their box is exactly width x height. (:not([hidden]), or this
// author rule would override the UA's [hidden] { display: none }.)
const FRAME_CSS = '<style>iframe:not([hidden]) { border: 0; display: block; margin: 8px 0; }</style>';

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/**
 * Serve a page (html({ config, body, head, embedAttrs }), or `rawHtml` as is) with response
 * `headers`, open it in a fresh session (after the `init` script, if any), wait for optin.ready.
 */
async function open(pathname, { config = CONFIG, body = '', head = '', headers, embedAttrs, init, rawHtml } = {}) {
  env.server.page(pathname, rawHtml ?? html({ config, body, head, embedAttrs }), { headers });
  const s = await env.newPage();
  if (init) await s.page.addInitScript(init);
  s.response = await s.page.goto(env.server.url(pathname));
  await waitReady(s.page);
  return s;
}

const api = (page, call, ...args) =>
  page.evaluate(([call, args]) => window.optin[call](...args), [call, args]);

function assertNotRequested(s, paths, when = 'before consent') {
  for (const p of [].concat(paths)) {
    assert.equal(s.requestedPath(p), false, `${when}: the page never requested ${p}`);
    assert.equal(env.server.requested(p), false, `${when}: the server never received ${p}`);
  }
}

function assertRequestedOnce(s, paths, when = '') {
  for (const p of [].concat(paths)) {
    assert.equal(s.requestCount(p), 1, `${when}page requested ${p} once`);
    assert.equal(env.server.requestCount(p), 1, `${when}server got ${p} once`);
  }
}

/** Same origin only; no page errors; no console errors but those matching `allow`. */
function finish(s, { allow = [] } = {}) {
  s.assertOnlyOrigins([env.server.origin]);
  if (allow.length === 0) return s.assertNoErrors();
  const unexpected = s.errors().filter((e) => !allow.some((re) => re.test(e)));
  assert.deepEqual(unexpected, [], 'no unexpected console errors or page errors');
}

/** Counts main-frame navigations of `page` from now on (a reload is one). */
function watchNavigations(page) {
  const nav = { count: 0 };
  page.on('framenavigated', (f) => { if (f === page.mainFrame()) nav.count += 1; });
  return nav;
}

/** Marks the current document, so a reload (which drops the mark) can be told apart. */
const mark = (page) => page.evaluate(() => { window.__sameDocument = true; });
const sameDocument = (page) => page.evaluate(() => window.__sameDocument === true);

/** State of the iframe `sel` and of the placeholder right before it. */
function frameState(page, sel = 'iframe') {
  return page.evaluate((sel) => {
    const f = document.querySelector(sel);
    const ph = f.previousElementSibling && f.previousElementSibling.hasAttribute('data-optin-placeholder')
      ? f.previousElementSibling : null;
    let location = null;
    try { location = f.contentWindow.location.href; } catch { location = 'cross-origin'; }
    const phVisible = !!ph && ph.getClientRects().length > 0 && getComputedStyle(ph).visibility !== 'hidden';
    return {
      src: f.getAttribute('src'),
      hidden: f.hidden,
      visible: f.getClientRects().length > 0,
      location,
      embedded: !!(f.contentDocument && f.contentDocument.getElementById('embedded')),
      placeholder: !!ph,
      placeholderVisible: phVisible,
    };
  }, sel);
}

const isBlank = (src) => src === null || src === '' || src === 'about:blank';

async function waitFrameLoaded(page, sel = 'iframe') {
  await page.waitForFunction((sel) => {
    const f = document.querySelector(sel);
    return !!(f && !f.hidden && f.contentDocument && f.contentDocument.getElementById('embedded'));
  }, sel, { timeout: 10_000 });
}

async function assertFrameBlocked(page, sel = 'iframe', when = 'blocked') {
  const st = await frameState(page, sel);
  assert.ok(isBlank(st.src), `${when}: ${sel} has no src (got ${st.src})`);
  assert.ok(st.location === null || st.location === 'about:blank', `${when}: ${sel} shows about:blank (got ${st.location})`);
  assert.equal(st.embedded, false, `${when}: ${sel} shows no embedded content`);
  assert.equal(st.hidden, true, `${when}: ${sel} has the hidden attribute`);
  assert.equal(st.visible, false, `${when}: ${sel} is not rendered`);
  assert.equal(st.placeholder, true, `${when}: a [data-optin-placeholder] sits right before ${sel}`);
  assert.equal(st.placeholderVisible, true, `${when}: the placeholder before ${sel} is visible`);
}

async function assertFrameLoaded(page, sel = 'iframe', when = 'loaded') {
  const st = await frameState(page, sel);
  assert.equal(st.embedded, true, `${when}: ${sel} shows its content`);
  assert.equal(st.hidden, false, `${when}: ${sel} is not hidden`);
  assert.equal(st.visible, true, `${when}: ${sel} is rendered`);
  assert.equal(st.placeholderVisible, false, `${when}: no visible placeholder before ${sel}`);
}

/** Record of a service grant: `services: {category: {service: bool}}`. */
const serviceIn = (rec, category, service) => rec?.services?.[category]?.[service];

// Service checkboxes in the panel, in DOM order.
const serviceStates = (page) => widget(page).preferences.locator('input[data-optin-service]').evaluateAll((els) =>
  els.map((el) => ({ id: el.getAttribute('data-optin-service'), checked: el.checked })));

// ---------------------------------------------------------------------------------------------
// Every element type: no request before the grant, loaded after it
// ---------------------------------------------------------------------------------------------

const ELEMENT_TYPES = [
  {
    name: 'external script (src)',
    markup: gated('social', '/fixtures/social.js'),
    url: '/fixtures/social.js',
    loaded: () => (window.__runs || []).includes('social'),
  },
  {
    name: 'external script (data-src)',
    markup: inert('data-category="social" data-src="/fixtures/c.js"'),
    url: '/fixtures/c.js',
    loaded: () => (window.__runs || []).includes('c'),
  },
  {
    name: 'iframe',
    markup: iframe(),
    url: YOUTUBE,
    loaded: () => {
      const f = document.querySelector('iframe');
      return !!(f && !f.hidden && f.contentDocument && f.contentDocument.getElementById('embedded'));
    },
  },
  {
    name: 'img',
    markup: '<img data-category="social" data-src="/fixtures/pixel.png" alt="Gated pixel" width="10" height="10">',
    url: '/fixtures/pixel.png',
    loaded: () => {
      const i = document.querySelector('img[data-category]');
      return i.complete && i.naturalWidth === 1;
    },
  },
  {
    // video.wav is an audio-only file, which Chromium plays in <video>: what counts is the request.
    name: 'video',
    markup: '<video data-category="social" data-src="/fixtures/video.wav" preload="auto" muted></video>',
    url: '/fixtures/video.wav',
    loaded: () => document.querySelector('video').readyState >= 1,
  },
  {
    name: 'audio',
    markup: '<audio data-category="social" data-src="/fixtures/audio.wav" preload="auto"></audio>',
    url: '/fixtures/audio.wav',
    loaded: () => document.querySelector('audio').readyState >= 1,
  },
  {
    name: 'stylesheet link',
    head: '<link rel="stylesheet" data-category="social" data-href="/fixtures/gated.css">',
    markup: '<p class="gated-css-probe">Styled by the gated stylesheet</p>',
    url: '/fixtures/gated.css',
    loaded: () => getComputedStyle(document.querySelector('.gated-css-probe')).color === 'rgb(1, 2, 3)',
  },
];

for (const type of ELEMENT_TYPES) {
  test(`${type.name}: no request before consent nor after a rejection; loads once granted`, T, async () => {
    const s = await open(`/p/type-${type.url.replace(/\W/g, '-')}.html`, { body: type.markup, head: type.head || '' });
    const { page } = s;
    await widget(page).banner.waitFor({ state: 'visible' });
    await settle(page, 500);
    assertNotRequested(s, type.url);
    assert.equal(await page.evaluate(type.loaded), false, 'not loaded before consent');

    await api(page, 'rejectAll');
    await settle(page, 500);
    assertNotRequested(s, type.url, 'after reject all');
    assert.equal(await page.evaluate(type.loaded), false, 'not loaded after reject all');

    await api(page, 'accept', ['social']);
    await page.waitForFunction(type.loaded, null, { timeout: 10_000 });
    assert.ok(s.requestedPath(type.url) && env.server.requested(type.url), `${type.url} requested once granted`);
    if (type.url.endsWith('.js')) {
      await sleep(300);
      assertRequestedOnce(s, type.url);
    }
    finish(s);
  });
}

// ---------------------------------------------------------------------------------------------
// Scripts: attributes, type, order
// ---------------------------------------------------------------------------------------------

test('scripts: every other attribute carries over to the live script (async, defer, crossorigin, integrity, referrerpolicy, id, class, data-*)', T, async () => {
  const source = fs.readFileSync(path.join(FIXTURES_DIR, 'attrs.js'));
  const integrity = `sha384-${crypto.createHash('sha384').update(source).digest('base64')}`;
  const headers = [];
  env.server.route('/fixtures/attrs.js', (req, res) => {
    headers.push(req.headers);
    res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'no-store' });
    res.end(source);
  });
  const s = await open('/p/attrs.html', {
    body: inert(`data-category="analytics" src="/fixtures/attrs.js" id="tracker" class="tracker third-party" async defer
      crossorigin="anonymous" integrity="${integrity}" referrerpolicy="no-referrer" data-foo="bar" data-json='{"a":1}'`),
  });
  const { page } = s;
  await settle(page, 300);
  assert.equal(headers.length, 0, 'attrs.js not requested before consent');

  await api(page, 'acceptAll');
  await waitForRuns(page, 1);
  await sleep(300);
  assert.deepEqual(await runs(page), ['attrs'], 'ran once (so the integrity hash was accepted)');
  const attrs = await page.evaluate(() => window.__attrs);
  assert.ok(attrs, 'document.currentScript was the live script');
  assert.equal(attrs.tag, 'SCRIPT');
  assert.ok(attrs.type === null || /^(text|application)\/(java|ecma)script$/i.test(attrs.type), `live type is JavaScript (got ${attrs.type})`);
  assert.equal(attrs.src, '/fixtures/attrs.js', 'src');
  assert.equal(attrs.id, 'tracker', 'id');
  assert.equal(attrs.className, 'tracker third-party', 'class');
  assert.equal(attrs.hasAsync, true, 'async attribute');
  assert.equal(attrs.async, true, 'async property');
  assert.equal(attrs.hasDefer, true, 'defer attribute');
  assert.equal(attrs.crossorigin, 'anonymous', 'crossorigin');
  assert.equal(attrs.integrity, integrity, 'integrity');
  assert.equal(attrs.referrerpolicy, 'no-referrer', 'referrerpolicy');
  assert.equal(attrs.dataFoo, 'bar', 'data-foo');
  assert.equal(attrs.dataJson, '{"a":1}', 'data-json');
  assert.equal(await page.locator('script[type="text/plain"]#tracker').count(), 0, 'the inert copy is gone');
  assert.equal(await page.locator('script#tracker').count(), 1, 'exactly one script#tracker');

  // The attributes were there when the request was made, not added afterwards.
  assert.equal(headers.length, 1, 'attrs.js requested once');
  assert.equal(headers[0].referer, undefined, 'referrerpolicy=no-referrer applied: no Referer header');
  assert.equal(headers[0]['sec-fetch-mode'], 'cors', 'crossorigin applied: fetched in CORS mode');
  finish(s);
});

test('scripts: data-src gives the real src; data-type="module" restores the module type (external and inline)', T, async () => {
  const s = await open('/p/module.html', {
    body: [
      inert('data-category="analytics" data-src="/fixtures/c.js" id="classic"'),
      inert('data-category="analytics" data-src="/fixtures/module.js" data-type="module" id="mod"'),
      inert('data-category="analytics" data-type="module" id="inline-mod"',
        `${push('inline-module')}; window.__inlineModuleUrl = import.meta.url;`),
    ].join('\n'),
  });
  const { page } = s;
  await settle(page, 400);
  assertNotRequested(s, ['/fixtures/c.js', '/fixtures/module.js']);
  assert.deepEqual(await runs(page), []);

  await api(page, 'acceptAll');
  await waitForRuns(page, 3);
  await sleep(300);
  assert.deepEqual(await runs(page), ['c', 'module', 'inline-module'], 'all three ran once, in document order');
  assert.equal(await page.evaluate(() => window.__moduleUrl), env.server.url('/fixtures/module.js'), 'external module: import.meta.url');
  assert.equal(await page.evaluate(() => window.__inlineModuleUrl), env.server.url('/p/module.html'), 'inline module: import.meta.url');
  const live = await page.evaluate(() => ['classic', 'mod', 'inline-mod'].map((id) => {
    const el = document.getElementById(id);
    return { id, type: el.getAttribute('type'), src: el.getAttribute('src'), dataSrc: el.hasAttribute('data-src') };
  }));
  assert.ok(live[0].type === null || /javascript/i.test(live[0].type), `classic live type (got ${live[0].type})`);
  assert.equal(live[0].src, '/fixtures/c.js', 'classic: data-src became src');
  assert.equal(live[1].type, 'module', 'external module: type=module');
  assert.equal(live[1].src, '/fixtures/module.js', 'external module: data-src became src');
  assert.equal(live[2].type, 'module', 'inline module: type=module');
  assertRequestedOnce(s, ['/fixtures/c.js', '/fixtures/module.js'], 'after consent: ');
  finish(s);
});

test('order: a sync external script waits for the previous one to load (delayed), in document order', T, async () => {
  env.server.delay('/fixtures/a.js', 500);
  env.server.delay('/fixtures/b.js', 200);
  const s = await open('/p/order.html', {
    body: [gated('analytics', '/fixtures/a.js'), inline('data-category="analytics"', 'inline'),
      gated('analytics', '/fixtures/b.js'), gated('analytics', '/fixtures/c.js')].join('\n'),
  });
  const { page } = s;
  await api(page, 'acceptAll');
  await waitForRuns(page, 4);
  await sleep(700);
  assert.deepEqual(await runs(page), ['a', 'inline', 'b', 'c'], 'document order, each once');
  finish(s);
});

test('order: a 404 script between two good ones does not stop the later one', T, async () => {
  env.server.delay('/fixtures/missing.js', 300);
  const s = await open('/p/order-404.html', {
    body: [gated('analytics', '/fixtures/a.js'), gated('analytics', '/fixtures/missing.js'),
      inline('data-category="analytics"', 'after-404'), gated('analytics', '/fixtures/b.js')].join('\n'),
  });
  const { page } = s;
  await settle(page, 300);
  assertNotRequested(s, ['/fixtures/a.js', '/fixtures/missing.js', '/fixtures/b.js']);
  await api(page, 'acceptAll');
  await waitForRuns(page, 3);
  await sleep(500);
  assert.deepEqual(await runs(page), ['a', 'after-404', 'b'], 'the scripts after the 404 ran, in order');
  assert.equal(env.server.requestCount('/fixtures/missing.js'), 1, 'the 404 script was tried once');
  finish(s, { allow: [/status of 404.*missing\.js/s] });
});

test('order: a script that throws between two good ones does not stop the later one', T, async () => {
  const s = await open('/p/order-throws.html', {
    body: [gated('analytics', '/fixtures/a.js'), gated('analytics', '/fixtures/throws.js'),
      gated('analytics', '/fixtures/b.js')].join('\n'),
  });
  const { page } = s;
  await api(page, 'acceptAll');
  await waitForRuns(page, 3);
  await sleep(400);
  assert.deepEqual(await runs(page), ['a', 'throws', 'b']);
  assert.equal(s.pageErrors.length, 1, 'the throw surfaced as the page error it is');
  finish(s, { allow: [/throws\.js threw on purpose/] });
});

test('order: an async script (served 1500 ms late) placed first does not hold up a later sync script', T, async () => {
  env.server.delay('/fixtures/slow-async.js', 1500);
  const s = await open('/p/order-async.html', {
    body: [inert('data-category="analytics" src="/fixtures/slow-async.js" async'),
      gated('analytics', '/fixtures/a.js'), inline('data-category="analytics"', 'inline')].join('\n'),
  });
  const { page } = s;
  await settle(page, 300);
  assertNotRequested(s, ['/fixtures/slow-async.js', '/fixtures/a.js']);
  const t0 = Date.now();
  await api(page, 'acceptAll');
  await waitForRuns(page, 2, { timeout: 1200 }).catch(() => {});
  const early = await runs(page);
  const elapsed = Date.now() - t0;
  assert.deepEqual(early, ['a', 'inline'], `the sync scripts ran before the async one arrived (after ${elapsed} ms)`);
  await waitForRuns(page, 3);
  await sleep(300);
  assert.deepEqual(await runs(page), ['a', 'inline', 'slow-async'], 'the async script ran once, when it arrived');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Exactly once
// ---------------------------------------------------------------------------------------------

test('exactly once: acceptAll twice, accept([analytics]), panel save, and a second tab accepting run nothing twice', T, async () => {
  const body = [gated('analytics', '/fixtures/a.js'), inline('data-category="analytics"', 'inline'),
    inert('data-category="analytics" data-src="/fixtures/b.js"')].join('\n');
  const order = ['a', 'inline', 'b'];
  const s = await open('/p/once.html', { body });
  const tab1 = s.page;
  const tab2 = await s.newTab();
  await tab2.goto(env.server.url('/p/once.html'));
  await waitReady(tab2);
  await settle(tab1, 300);
  assertNotRequested(s, ['/fixtures/a.js', '/fixtures/b.js']);

  await api(tab1, 'acceptAll');
  await waitForRuns(tab1, 3);
  await api(tab1, 'acceptAll');
  await api(tab1, 'accept', ['analytics']);
  await sleep(300);
  await api(tab1, 'showPreferences');
  const w = widget(tab1);
  await w.preferences.waitFor({ state: 'visible' });
  await w.save.click();
  await w.preferences.waitFor({ state: 'hidden' });
  await sleep(500);
  assert.deepEqual(await runs(tab1), order, 'tab 1: each script ran once');

  await api(tab2, 'acceptAll');
  await waitForRuns(tab2, 3);
  await api(tab2, 'acceptAll');
  await api(tab2, 'accept', ['analytics']);
  await sleep(800);
  assert.deepEqual(await runs(tab2), order, 'tab 2: each script ran once');
  assert.deepEqual(await runs(tab1), order, 'tab 1: still once each after tab 2 accepted');
  for (const p of ['/fixtures/a.js', '/fixtures/b.js']) {
    assert.equal(env.server.requestCount(p), 2, `${p} fetched once per page load (two tabs)`);
  }
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Services
// ---------------------------------------------------------------------------------------------

const SERVICE_BODY = [
  inert('data-category="analytics" data-service="ga" src="/fixtures/ga.js"'),
  inert('data-category="analytics" data-service="hotjar" src="/fixtures/hotjar.js"'),
  inline('data-category="analytics"', 'analytics-any'),
].join('\n');

test('services: acceptService(analytics, ga) runs only the ga scripts; stored as services.analytics.ga', T, async () => {
  const s = await open('/p/service.html', { body: SERVICE_BODY });
  const { page } = s;
  await settle(page, 300);
  assertNotRequested(s, ['/fixtures/ga.js', '/fixtures/hotjar.js']);
  assert.equal(await page.evaluate(() => typeof window.optin.acceptService), 'function', 'optin.acceptService exists');
  assert.equal(await page.evaluate(() => typeof window.optin.grantedService), 'function', 'optin.grantedService exists');

  await api(page, 'acceptService', 'analytics', 'ga');
  await waitForRuns(page, 1);
  await sleep(400);
  assert.deepEqual(await runs(page), ['ga'], 'only the ga script ran');
  assertNotRequested(s, '/fixtures/hotjar.js', 'after granting ga only');
  const grants = await page.evaluate(() => ({
    ga: window.optin.grantedService('analytics', 'ga'),
    hotjar: window.optin.grantedService('analytics', 'hotjar'),
    analytics: window.optin.granted('analytics'),
  }));
  assert.deepEqual(grants, { ga: true, hotjar: false, analytics: false }, 'grantedService/granted');
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.equal(serviceIn(rec, 'analytics', 'ga'), true, 'record.services.analytics.ga is true');
  assert.notEqual(serviceIn(rec, 'analytics', 'hotjar'), true, 'hotjar not granted in the record');
  assert.equal(rec.categories.analytics, false, 'record.categories.analytics stays false');

  await page.reload();
  await waitReady(page);
  await waitForRuns(page, 1);
  await sleep(500);
  assert.deepEqual(await runs(page), ['ga'], 'after reload: still only ga');
  assertNotRequested(s, '/fixtures/hotjar.js', 'after reload');
  finish(s);
});

test('services: granting a category grants each of its services', T, async () => {
  const s = await open('/p/service-category.html', { body: SERVICE_BODY });
  const { page } = s;
  await api(page, 'accept', ['analytics']);
  await waitForRuns(page, 3);
  await sleep(300);
  assert.deepEqual(await runs(page), ['ga', 'hotjar', 'analytics-any'], 'every analytics script ran once, in order');
  const grants = await page.evaluate(() => ({
    ga: window.optin.grantedService('analytics', 'ga'),
    hotjar: window.optin.grantedService('analytics', 'hotjar'),
    youtube: window.optin.grantedService('social', 'youtube'),
  }));
  assert.deepEqual(grants, { ga: true, hotjar: true, youtube: false });
  finish(s);
});

test('services: the panel has one checkbox per service; ticking only ga runs only ga', T, async () => {
  const s = await open('/p/service-panel.html', { body: SERVICE_BODY });
  const { page } = s;
  const w = widget(page);
  await w.banner.waitFor({ state: 'visible' });
  await w.preferencesOpen.click();
  await w.preferences.waitFor({ state: 'visible' });
  assert.deepEqual(await serviceStates(page), SERVICE_BOXES.map((id) => ({ id, checked: false })),
    'one unticked input[data-optin-service="<category>/<service>"] per service, in config order');

  await w.preferences.locator('input[data-optin-service="analytics/ga"]').check();
  await w.save.click();
  await w.preferences.waitFor({ state: 'hidden' });
  await waitForRuns(page, 1);
  await sleep(400);
  assert.deepEqual(await runs(page), ['ga'], 'only the ga script ran');
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.equal(serviceIn(rec, 'analytics', 'ga'), true, 'services.analytics.ga stored');
  assert.equal(rec.categories.analytics, false, 'categories.analytics stays false');

  await api(page, 'showPreferences');
  await w.preferences.waitFor({ state: 'visible' });
  const states = Object.fromEntries((await serviceStates(page)).map((x) => [x.id, x.checked]));
  assert.equal(states['analytics/ga'], true, 'reopened: ga ticked');
  assert.equal(states['analytics/hotjar'], false, 'reopened: hotjar not ticked');
  assert.equal(await w.checkbox('analytics').isChecked(), false, 'reopened: the analytics category is not ticked');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// On rejection: !category / !service
// ---------------------------------------------------------------------------------------------

const NEGATED_BODY = [
  inline('data-category="analytics"', 'analytics'),
  inline('data-category="!analytics"', 'not-analytics'),
  inline('data-category="analytics" data-service="ga"', 'ga'),
  inline('data-category="analytics" data-service="!ga"', 'not-ga'),
].join('\n');

test('!category / !service: run once when analytics is rejected; the granted ones do not', T, async () => {
  const s = await open('/p/negated-reject.html', { body: NEGATED_BODY });
  const { page } = s;
  await api(page, 'rejectAll');
  await waitForRuns(page, 2);
  await sleep(400);
  assert.deepEqual(await runs(page), ['not-analytics', 'not-ga'], 'the clean-up scripts ran once each, nothing else');
  await page.reload();
  await waitReady(page);
  await waitForRuns(page, 2);
  await sleep(400);
  assert.deepEqual(await runs(page), ['not-analytics', 'not-ga'], 'after reload: the same');
  finish(s);
});

test('!category / !service: never run when analytics is granted', T, async () => {
  const s = await open('/p/negated-grant.html', { body: NEGATED_BODY });
  const { page } = s;
  await settle(page, 300);
  const before = await runs(page);
  await api(page, 'acceptAll');
  await waitForRuns(page, before.length + 2);
  await sleep(400);
  const added = (await runs(page)).slice(before.length);
  assert.deepEqual(added, ['analytics', 'ga'], 'granting ran the analytics scripts and no clean-up script');
  await page.reload();
  await waitReady(page);
  await waitForRuns(page, 2);
  await sleep(400);
  assert.deepEqual(await runs(page), ['analytics', 'ga'], 'after reload with analytics granted: no clean-up script');
  finish(s);
});

test('!category: runs when analytics is withdrawn (after the withdrawal reload)', T, async () => {
  const s = await open('/p/negated-withdraw.html', { body: NEGATED_BODY });
  const { page } = s;
  await settle(page, 300);
  const before = (await runs(page)).length;
  await api(page, 'acceptAll');
  await waitForRuns(page, before + 2);
  const loaded = page.waitForEvent('load', { timeout: 10_000 });
  await page.evaluate(() => { window.optin.rejectAll(); });
  await loaded;
  await waitReady(page);
  await waitForRuns(page, 2);
  await sleep(400);
  assert.deepEqual(await runs(page), ['not-analytics', 'not-ga'], 'after the withdrawal: the clean-up scripts, once');
  finish(s);
});

test('!category: with reloadOnWithdraw false, runs at once when analytics is withdrawn', T, async () => {
  const s = await open('/p/negated-withdraw-noreload.html', { config: { ...CONFIG, reloadOnWithdraw: false }, body: NEGATED_BODY });
  const { page } = s;
  await settle(page, 300);
  const beforeChoice = await runs(page);
  await api(page, 'acceptAll');
  await waitForRuns(page, beforeChoice.length + 2);
  const afterGrant = await runs(page);
  await mark(page);
  await api(page, 'rejectAll');
  await waitForRuns(page, afterGrant.length + 1, { timeout: 3000 }).catch(() => {});
  await sleep(400);
  assert.equal(await sameDocument(page), true, 'no reload');
  const added = (await runs(page)).slice(afterGrant.length);
  const cleanUps = (await runs(page)).filter((r) => r.startsWith('not-'));
  assert.ok(added.includes('not-analytics'), `!analytics ran on the withdrawal (ran before any choice: ${
    JSON.stringify(beforeChoice)}; on accept all: ${JSON.stringify(afterGrant.slice(beforeChoice.length))}; on the withdrawal: ${JSON.stringify(added)})`);
  assert.ok(added.every((r) => r.startsWith('not-')), 'only clean-up scripts ran on the withdrawal');
  assert.equal(new Set(cleanUps).size, cleanUps.length, 'each clean-up script ran at most once');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Content added later
// ---------------------------------------------------------------------------------------------

/** Page code inserting a gated external script, a gated inline script and a gated iframe. */
function insertLater(page, suffix = '') {
  return page.evaluate((suffix) => {
    const s = document.createElement('script');
    s.type = 'text/plain';
    s.setAttribute('data-category', 'analytics');
    s.src = '/fixtures/late.js';
    document.body.appendChild(s);
    const i = document.createElement('script');
    i.type = 'text/plain';
    i.setAttribute('data-category', 'analytics');
    i.textContent = `(window.__runs = window.__runs || []).push('late-inline${suffix}')`;
    document.body.appendChild(i);
    const f = document.createElement('iframe');
    f.id = 'late-frame';
    f.setAttribute('data-category', 'social');
    f.setAttribute('data-service', 'youtube');
    f.setAttribute('data-src', '/fixtures/embed.html');
    f.width = '400';
    f.height = '300';
    f.title = 'Video';
    const box = document.createElement('div');
    box.appendChild(f);
    document.body.appendChild(box);
  }, suffix);
}

test('content added later, before consent: stays inert (no request, placeholder); runs once after consent', T, async () => {
  const s = await open('/p/late-before.html', { head: FRAME_CSS });
  const { page } = s;
  await insertLater(page);
  await settle(page, 600);
  assertNotRequested(s, ['/fixtures/late.js', YOUTUBE]);
  assert.deepEqual(await runs(page), [], 'nothing ran');
  await assertFrameBlocked(page, '#late-frame', 'inserted before consent');

  await api(page, 'acceptAll');
  await waitForRuns(page, 2);
  await waitFrameLoaded(page, '#late-frame');
  await sleep(400);
  assert.deepEqual(await runs(page), ['late', 'late-inline'], 'the inserted scripts ran once, in order');
  await assertFrameLoaded(page, '#late-frame');
  assertRequestedOnce(s, ['/fixtures/late.js', YOUTUBE], 'after consent: ');
  finish(s);
});

test('content added later, after consent: a new gated script runs once and a new iframe loads', T, async () => {
  const s = await open('/p/late-after.html', { head: FRAME_CSS });
  const { page } = s;
  await api(page, 'acceptAll');
  await sleep(200);
  await insertLater(page);
  await waitForRuns(page, 2);
  await waitFrameLoaded(page, '#late-frame');
  await api(page, 'acceptAll');
  await sleep(500);
  assert.deepEqual(await runs(page), ['late', 'late-inline'], 'the inserted scripts ran once each');
  await assertFrameLoaded(page, '#late-frame');
  assertRequestedOnce(s, ['/fixtures/late.js', YOUTUBE], 'after consent: ');
  finish(s);
});

test('while parsing (optin.js without defer): an inline gated script that arrives in two network chunks runs once, whole, and before the gated script after it', T, async () => {
  // A returning visitor who granted analytics.
  const s = await open('/p/parsing-seed.html');
  const { page } = s;
  await api(page, 'acceptAll');
  const cfg = `<script type="application/json" id="optin-config">${JSON.stringify(CONFIG)}</script>`;
  // Proves the precondition: the core starts while the parser is still at work.
  const probe = "<script>optin.ready.then(function () { window.__startedWhileParsing = document.readyState === 'loading'; });</script>";
  const first = `<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">${cfg}
<script src="/optin/optin.js"></script>${probe}</head><body><p>before</p>
<script type="text/plain" data-category="analytics">window.__parts = ['first'];
/* ${'x'.repeat(20_000)} */
`;
  const second = `window.__parts.push('second'); ${push('inline')}</script>
${gated('analytics', '/fixtures/a.js')}
<p>end</p></body></html>`;
  env.server.route('/p/parsing.html', async (req, res) => {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' });
    res.write(first);
    await sleep(600);
    res.end(second);
  });
  await page.goto(env.server.url('/p/parsing.html'));
  await waitForRuns(page, 2);
  await sleep(300);
  assert.equal(await page.evaluate(() => window.__startedWhileParsing), true, 'the core started during parsing');
  assert.deepEqual(await page.evaluate(() => window.__parts), ['first', 'second'], 'the script ran whole');
  assert.deepEqual(await runs(page), ['inline', 'a'], 'once each, in document order');
  assertRequestedOnce(s, '/fixtures/a.js');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Iframes: placeholder, load content, always allow, withdrawal
// ---------------------------------------------------------------------------------------------

test('iframe placeholder: right before the hidden iframe, same size, named region, reason, two buttons', T, async () => {
  const s = await open('/p/placeholder.html', { head: FRAME_CSS, body: iframe() });
  const { page } = s;
  await settle(page, 400);
  assertNotRequested(s, YOUTUBE);
  await assertFrameBlocked(page);

  const ph = page.locator('[data-optin-placeholder]');
  assert.equal(await ph.count(), 1, 'one placeholder');
  const box = await ph.boundingBox();
  assert.ok(Math.abs(box.width - 400) <= 2, `placeholder width ${box.width} ≈ 400`);
  assert.ok(Math.abs(box.height - 300) <= 2, `placeholder height ${box.height} ≈ 300`);

  const namedRegion = await ph.and(page.getByRole('region', { name: /youtube/i })).count();
  const namedHeading = await ph.getByRole('heading', { name: /youtube/i }).count();
  assert.ok(namedRegion === 1 || namedHeading >= 1,
    'accessible name naming the service: role=region + aria-label, or a heading');
  const reason = await ph.evaluate((el) => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('button, [role="button"]').forEach((b) => b.remove());
    return copy.textContent.replace(/\s+/g, ' ').trim();
  });
  assert.match(reason, /block|consent|allow|accept|cookie/i, `text says why it is blocked (got "${reason}")`);
  assert.match(reason, /youtube|social/i, `the reason names the service or its category (got "${reason}")`);

  for (const hook of ['load-content', 'always-allow']) {
    const b = ph.locator(`[data-optin="${hook}"]`);
    assert.equal(await b.count(), 1, `one ${hook} button`);
    assert.ok(await b.isVisible(), `${hook} visible`);
    assert.ok(await b.evaluate((el) => el.tagName === 'BUTTON' || el.getAttribute('role') === 'button'), `${hook} is a button`);
    assert.ok((await b.innerText()).trim().length > 0, `${hook} has a label`);
  }

  // Once granted, the iframe takes the placeholder's place with the same box.
  await api(page, 'accept', ['social']);
  await waitFrameLoaded(page);
  await assertFrameLoaded(page);
  const frameBox = await page.locator('iframe').boundingBox();
  assert.ok(Math.abs(frameBox.width - box.width) <= 2 && Math.abs(frameBox.height - box.height) <= 2,
    `iframe box ${frameBox.width}x${frameBox.height} ≈ placeholder box ${box.width}x${box.height}`);
  finish(s);
});

test('iframe placeholder: no axe violations', T, async () => {
  const s = await open('/p/placeholder-axe.html', { head: FRAME_CSS, body: iframe() });
  const { page } = s;
  await page.locator('[data-optin-placeholder]').waitFor({ state: 'visible' });
  const result = await runAxe(page, { context: '[data-optin-placeholder]' });
  assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.length})`), [], 'axe violations in the placeholder');
  finish(s);
});

const THREE_FRAMES = [
  iframe({ id: 'yt1' }),
  iframe({ id: 'yt2', src: YOUTUBE_2 }),
  iframe({ id: 'tw', service: 'twitter', src: TWEET }),
].join('\n');

test('iframe "Load content": loads that service\'s iframes for this page view only; nothing stored', T, async () => {
  const s = await open('/p/load-content.html', { head: FRAME_CSS, body: THREE_FRAMES });
  const { page } = s;
  await settle(page, 400);
  assertNotRequested(s, [YOUTUBE, YOUTUBE_2, TWEET]);
  assert.equal(await page.locator('[data-optin-placeholder]').count(), 3, 'one placeholder per iframe');

  await page.locator('#yt1').locator('xpath=preceding-sibling::*[1]').locator('[data-optin="load-content"]').click();
  await waitFrameLoaded(page, '#yt1');
  await waitFrameLoaded(page, '#yt2');
  await settle(page, 400);
  await assertFrameLoaded(page, '#yt1', 'youtube 1');
  await assertFrameLoaded(page, '#yt2', 'youtube 2 (same service)');
  await assertFrameBlocked(page, '#tw', 'twitter (another service)');
  assertNotRequested(s, TWEET, 'after loading youtube');
  assert.equal(await page.evaluate(() => window.optin.grantedService('social', 'youtube')), true, 'youtube granted for the page view');
  assert.equal(await page.evaluate(() => window.optin.granted('social')), false, 'social is not granted');
  assert.equal(await storedConsent(page), null, 'nothing stored');

  s.clearRequests();
  env.server.clearRequests();
  await page.reload();
  await waitReady(page);
  await settle(page, 500);
  assertNotRequested(s, [YOUTUBE, YOUTUBE_2, TWEET], 'after reload');
  for (const sel of ['#yt1', '#yt2', '#tw']) await assertFrameBlocked(page, sel, `after reload ${sel}`);
  assert.equal(await page.evaluate(() => window.optin.grantedService('social', 'youtube')), false, 'after reload: youtube not granted');
  finish(s);
});

test('iframe "Always allow": loads that service\'s iframes and stores services.social.youtube', T, async () => {
  const s = await open('/p/always-allow.html', { head: FRAME_CSS, body: THREE_FRAMES });
  const { page } = s;
  await settle(page, 400);
  assertNotRequested(s, [YOUTUBE, YOUTUBE_2, TWEET]);

  await page.locator('#yt1').locator('xpath=preceding-sibling::*[1]').locator('[data-optin="always-allow"]').click();
  await waitFrameLoaded(page, '#yt1');
  await waitFrameLoaded(page, '#yt2');
  await settle(page, 400);
  await assertFrameBlocked(page, '#tw', 'twitter (another service)');
  assertNotRequested(s, TWEET, 'after allowing youtube');
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.equal(serviceIn(rec, 'social', 'youtube'), true, 'record.services.social.youtube is true');
  assert.notEqual(serviceIn(rec, 'social', 'twitter'), true, 'twitter not granted in the record');
  assert.equal(rec.categories.social, false, 'record.categories.social stays false');

  s.clearRequests();
  env.server.clearRequests();
  await page.reload();
  await waitReady(page);
  await waitFrameLoaded(page, '#yt1');
  await waitFrameLoaded(page, '#yt2');
  await settle(page, 400);
  await assertFrameLoaded(page, '#yt1', 'after reload youtube 1');
  await assertFrameLoaded(page, '#yt2', 'after reload youtube 2');
  await assertFrameBlocked(page, '#tw', 'after reload twitter');
  assertNotRequested(s, TWEET, 'after reload');
  finish(s);
});

test('iframe withdrawal: accept([]) and rejectAll put iframes back behind their placeholder without a reload', T, async () => {
  const s = await open('/p/frame-withdraw.html', { head: FRAME_CSS, body: iframe() });
  const { page } = s;
  const nav = watchNavigations(page);
  await mark(page);

  await api(page, 'acceptAll');
  await waitFrameLoaded(page);
  await assertFrameLoaded(page, 'iframe', 'after accept all');

  await api(page, 'accept', []);
  await page.waitForFunction(() => document.querySelector('iframe').hidden, null, { timeout: 5000 }).catch(() => {});
  await sleep(300);
  await assertFrameBlocked(page, 'iframe', 'after accept([])');

  await api(page, 'acceptAll');
  await waitFrameLoaded(page);
  await assertFrameLoaded(page, 'iframe', 'after accept all again');

  await api(page, 'rejectAll');
  await page.waitForFunction(() => document.querySelector('iframe').hidden, null, { timeout: 5000 }).catch(() => {});
  await sleep(300);
  await assertFrameBlocked(page, 'iframe', 'after reject all');

  assert.equal(nav.count, 0, 'no navigation');
  assert.equal(await sameDocument(page), true, 'same document: no reload');
  assert.equal(env.server.requestCount('/p/frame-withdraw.html'), 1, 'page fetched once');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Withdrawal of scripts that ran
// ---------------------------------------------------------------------------------------------

const WITHDRAW_BODY = [gated('analytics', '/fixtures/a.js'), inline('data-category="analytics"', 'inline')].join('\n');

test('withdrawal: rejecting a category whose scripts ran reloads the page after storing the choice', T, async () => {
  const s = await open('/p/withdraw.html', { body: WITHDRAW_BODY });
  const { page } = s;
  await api(page, 'acceptAll');
  await waitForRuns(page, 2);
  await mark(page);
  const loaded = page.waitForEvent('load', { timeout: 10_000 });
  await page.evaluate(() => { window.optin.rejectAll(); });
  await loaded;
  assert.equal(await sameDocument(page), false, 'the page reloaded');
  await waitReady(page);
  await settle(page, 600);
  const rec = await storedConsent(page);
  assertRecordShape(rec);
  assert.equal(rec.method, 'reject-all', 'the new choice was stored before the reload');
  assert.equal(rec.categories.analytics, false);
  assert.deepEqual(await runs(page), [], 'after the reload the analytics scripts do not run');
  assert.equal(env.server.requestCount('/fixtures/a.js'), 1, 'a.js fetched only before the withdrawal');
  assert.equal(env.server.requestCount('/p/withdraw.html'), 2, 'the page was loaded twice');
  assert.equal(await widget(page).banner.isVisible(), false, 'no banner after the reload');
  finish(s);
});

test('withdrawal: with reloadOnWithdraw false there is no reload', T, async () => {
  const s = await open('/p/withdraw-noreload.html', { config: { ...CONFIG, reloadOnWithdraw: false }, body: WITHDRAW_BODY });
  const { page } = s;
  const nav = watchNavigations(page);
  await api(page, 'acceptAll');
  await waitForRuns(page, 2);
  await mark(page);
  await api(page, 'rejectAll');
  await sleep(1500);
  assert.equal(nav.count, 0, 'no navigation');
  assert.equal(await sameDocument(page), true, 'same document');
  const rec = await storedConsent(page);
  assert.equal(rec.method, 'reject-all', 'choice stored');
  assert.deepEqual(await runs(page), ['a', 'inline'], 'nothing ran again');
  assert.equal(env.server.requestCount('/p/withdraw-noreload.html'), 1, 'page fetched once');
  finish(s);
});

test('withdrawal: withdrawing a category none of whose scripts ran does not reload', T, async () => {
  const s = await open('/p/withdraw-unused.html', { head: FRAME_CSS, body: `${WITHDRAW_BODY}\n${iframe()}` });
  const { page } = s;
  const nav = watchNavigations(page);
  await api(page, 'acceptAll');
  await waitForRuns(page, 2);
  await waitFrameLoaded(page);
  await mark(page);
  await api(page, 'accept', ['analytics']); // withdraws social and marketing: no script of theirs ran
  await sleep(1500);
  assert.equal(nav.count, 0, 'no navigation');
  assert.equal(await sameDocument(page), true, 'same document');
  const rec = await storedConsent(page);
  assert.equal(rec.method, 'custom');
  assert.equal(rec.categories.social, false, 'social withdrawn');
  assert.deepEqual(await runs(page), ['a', 'inline'], 'nothing ran again');
  await assertFrameBlocked(page, 'iframe', 'social iframe after the withdrawal');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Strict CSP
// ---------------------------------------------------------------------------------------------

const NONCE = 'abc123';
const STRICT_CSP = `script-src 'nonce-${NONCE}' 'wasm-unsafe-eval'; style-src 'self'; default-src 'self'`;

/** Open `body` in a page served with STRICT_CSP, the loader tag carrying the nonce; violations recorded. */
async function openStrict(pathname, body) {
  // html() without its data: favicon, which default-src 'self' would (rightly) refuse.
  const rawHtml = html({ config: CONFIG, embedAttrs: `nonce="${NONCE}"`, body }).replace('<link rel="icon" href="data:,">', '');
  const s = await open(pathname, {
    rawHtml,
    headers: { 'content-security-policy': STRICT_CSP },
    init: () => {
      window.__cspViolations = [];
      document.addEventListener('securitypolicyviolation', (e) => {
        window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample || ''}`);
      }, true);
    },
  });
  assert.equal(s.response.headers()['content-security-policy'], STRICT_CSP, 'the page was served with the strict policy');
  return s;
}

const cspViolations = (page) => page.evaluate(() => window.__cspViolations);

test('strict CSP (nonce): gated inline and external scripts run after accept all; no violation', T, async () => {
  const s = await openStrict('/p/csp.html', [
    inert(`data-category="analytics" src="/fixtures/a.js" nonce="${NONCE}"`),
    inline(`data-category="analytics" nonce="${NONCE}" id="csp-inline"`, 'inline'),
    inert(`data-category="analytics" data-src="/fixtures/b.js" id="csp-b" nonce="${NONCE}"`),
  ].join('\n'));
  const { page } = s;
  const w = widget(page);
  await w.banner.waitFor({ state: 'visible' });
  await settle(page, 300);
  assertNotRequested(s, ['/fixtures/a.js', '/fixtures/b.js']);

  await w.acceptAll.click();
  await waitForRuns(page, 3);
  await sleep(400);
  assert.deepEqual(await runs(page), ['a', 'inline', 'b'], 'inline and external gated scripts ran once, in order');
  const nonces = await page.evaluate(() => ['csp-inline', 'csp-b'].map((id) => document.getElementById(id)?.nonce));
  assert.deepEqual(nonces, [NONCE, NONCE], 'the live scripts carry the nonce (property)');
  assert.deepEqual(await cspViolations(page), [], 'no securitypolicyviolation event');
  finish(s);
});

test('strict CSP (nonce): the iframe placeholder is styled to the iframe\'s size; the iframe loads once granted; no violation', T, async () => {
  const s = await openStrict('/p/csp-frame.html', iframe());
  const { page } = s;
  await settle(page, 400);
  assertNotRequested(s, YOUTUBE);
  await assertFrameBlocked(page);
  const box = await page.locator('[data-optin-placeholder]').boundingBox();
  assert.ok(Math.abs(box.width - 400) <= 2 && Math.abs(box.height - 300) <= 2,
    `placeholder box ${box.width}x${box.height} ≈ 400x300 under style-src 'self'`);

  await api(page, 'accept', ['social']);
  await waitFrameLoaded(page);
  await assertFrameLoaded(page);
  assert.deepEqual(await cspViolations(page), [], 'no securitypolicyviolation event');
  finish(s);
});

// ---------------------------------------------------------------------------------------------
// Hardening (issue 12): each of these failed before its fix
// ---------------------------------------------------------------------------------------------

test('iframe gated by a category alone, in a category with services: "Load content" loads it for this page view', T, async () => {
  const body = `<iframe id="cat" data-category="social" data-src="${YOUTUBE}" width="400" height="300" title="Video"></iframe>`;
  const s = await open('/p/load-category.html', { head: FRAME_CSS, body });
  const { page } = s;
  await settle(page, 400);
  assertNotRequested(s, YOUTUBE);
  await page.locator('#cat').locator('xpath=preceding-sibling::*[1]').locator('[data-optin="load-content"]').click();
  await waitFrameLoaded(page, '#cat');
  await assertFrameLoaded(page, '#cat', 'the category-only iframe');
  assert.equal(await api(page, 'granted', 'social'), true, 'social allowed for the page view');
  assert.equal(await api(page, 'grantedService', 'social', 'youtube'), true, 'and each of its services');
  assert.equal(await storedConsent(page), null, 'nothing stored');
  finish(s);
});

test('placeholder buttons: markup that only looks like a placeholder (user content) grants nothing', T, async () => {
  const fake = `<div id="ugc" data-optin-placeholder="social"><p>Comment</p>
    <button type="button" data-optin="always-allow">Always allow</button>
    <button type="button" data-optin="load-content">Load content</button></div>
    <div class="ugc" data-optin-placeholder="social/youtube"><button type="button" data-optin="load-content">Load</button></div>`;
  const s = await open('/p/fake-placeholder.html', { head: FRAME_CSS, body: fake + iframe({ id: 'yt1' }) });
  const { page } = s;
  await page.locator('#yt1').locator('xpath=preceding-sibling::*[1]').waitFor();
  // The second look-alike sits right before the iframe, where the real placeholder goes.
  for (const b of await page.locator('#ugc button, .ugc button').all()) {
    await b.click();
  }
  await settle(page, 600);
  assert.equal(await storedConsent(page), null, 'no choice stored');
  assert.equal(await api(page, 'granted', 'social'), false, 'social not granted');
  assert.equal(await api(page, 'grantedService', 'social', 'youtube'), false, 'youtube not allowed');
  assertNotRequested(s, YOUTUBE, 'after clicking the look-alike buttons');
  await assertFrameBlocked(page, '#yt1', 'the real iframe');

  // The widget's own placeholder still works.
  await page.locator('#yt1').locator('xpath=preceding-sibling::*[1]').locator('[data-optin="always-allow"]').click();
  await waitFrameLoaded(page, '#yt1');
  assert.equal(serviceIn(await storedConsent(page), 'social', 'youtube'), true, 'the real button stored the grant');
  finish(s);
});

// A page whose storage and console hooks call the API while optin is storing a choice: once on
// every setItem, and from console.warn. The first write of the consent record throws, so the core
// warns (its fallback to a cookie) while the choice is being stored.
const REENTRANT_HOOKS = () => {
  window.__hookAnswers = [];
  const ask = () => {
    try {
      const api = window.optin;
      window.__hookAnswers.push(api && typeof api.granted === 'function'
        ? [api.granted('analytics'), api.consent() !== null] : 'no api');
    } catch (e) {
      window.__hookAnswers.push(`threw: ${e}`);
    }
  };
  const setItem = Storage.prototype.setItem;
  let thrown = false;
  Storage.prototype.setItem = function (key, value) {
    ask();
    if (key === 'optin.consent' && !thrown) {
      thrown = true;
      throw new DOMException('full', 'QuotaExceededError');
    }
    return setItem.call(this, key, value);
  };
  const warn = console.warn;
  console.warn = function (...args) {
    ask();
    return warn.apply(this, args);
  };
};

test('re-entry: storage and console hooks that call the API while a choice is stored get answers, and gating goes on', T, async () => {
  const body = inline('data-category="analytics"', 'a1');
  const s = await open('/p/reentrant.html', { config: { ...CONFIG, reloadOnWithdraw: false }, body, init: REENTRANT_HOOKS });
  const { page } = s;
  const w = widget(page);
  await w.acceptAll.click();
  await waitForRuns(page, 1);
  const answers = await page.evaluate(() => window.__hookAnswers);
  assert.ok(answers.every((a) => Array.isArray(a)), `every hook call got an answer: ${JSON.stringify(answers)}`);
  assert.ok(answers.some(([granted, chosen]) => granted === true && chosen === true),
    `inside the hooks the new choice was already in force: ${JSON.stringify(answers)}`);
  assert.ok(s.consoleMessages.some((m) => /localStorage refused/.test(m.text)), 'the fallback was reported');

  // Gating goes on: content added now is gated and run under the choice.
  await page.evaluate(() => {
    const el = document.createElement('script');
    el.type = 'text/plain';
    el.setAttribute('data-category', 'analytics');
    el.textContent = "(window.__runs = window.__runs || []).push('a2')";
    document.body.appendChild(el);
  });
  await waitForRuns(page, 2);
  assert.deepEqual(await runs(page), ['a1', 'a2']);
  assert.equal(await api(page, 'granted', 'analytics'), true);
  await api(page, 'rejectAll');
  assert.equal(await api(page, 'granted', 'analytics'), false, 'a later choice still applies');
  finish(s);
});
