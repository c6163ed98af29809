// UI suite: the banner and the preferences panel as a visitor meets them. Accessibility (roles,
// names, focus, keyboard, axe-core), languages, themes and layouts, small screens, safety against
// hostile host CSS and hostile texts, a strict CSP, layout stability, the floating settings button
// and reduced motion. Each test asserts the contract, not today's markup: when a feature is not
// there yet, the test fails with a message saying what is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  setupE2E, html, widget, waitReady, storedConsent, events, computed, runAxe, settle, sleep,
  animationsDone,
} from './harness.mjs';

const env = setupE2E();
const T = { timeout: 60_000 };

const DESKTOP = { width: 1280, height: 800 };
const NARROW = { width: 320, height: 640 };

const GA_POLICY = 'https://policies.google.com/privacy';
const CONFIG = {
  revision: 1,
  privacyPolicyUrl: '/privacy.html',
  categories: [
    {
      id: 'necessary',
      required: true,
      services: [{
        id: 'session', name: 'Application session', provider: 'Example Ltd', purpose: 'Keeps you signed in.',
        cookies: [{ name: 'sid', purpose: 'Holds the session id.', duration: 'Session', party: 'first' }],
      }],
    },
    {
      id: 'analytics',
      services: [{
        id: 'ga', name: 'Google Analytics', provider: 'Google', purpose: 'Measures how the site is used.',
        privacyPolicyUrl: GA_POLICY,
        cookies: [
          { name: '_ga', purpose: 'Distinguishes visitors.', duration: '2 years', party: 'first' },
          { name: '_gid', purpose: 'Daily visit statistics.', duration: '24 hours', party: 'first' },
          { name: '_gat', purpose: 'Limits the request rate.', duration: '1 minute', party: 'third' },
        ],
      }],
    },
    { id: 'marketing' },
  ],
};
const cfg = (extra = {}) => ({ ...CONFIG, ...extra });

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

/** Everything the console and the page said, for failure messages. */
function consoleDump(s) {
  return JSON.stringify([
    ...s.consoleMessages.map((m) => `${m.type}: ${m.text}`),
    ...s.pageErrors.map((e) => `pageerror: ${e.message}`),
  ]);
}

/** Register `body` at `path`, open it and wait for the banner (with the console in the error). */
async function openWithBanner(s, path, pageOpts, { headers } = {}) {
  env.server.page(path, typeof pageOpts === 'string' ? pageOpts : html(pageOpts), { headers });
  await s.page.goto(env.server.url(path));
  await bannerShown(s);
}

async function bannerShown(s, { timeout = 10_000 } = {}) {
  try {
    await widget(s.page).banner.waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`the banner did not show within ${timeout} ms; console: ${consoleDump(s)}`);
  }
  await animationsDone(s.page);
}

async function panelShown(s, { timeout = 5_000 } = {}) {
  try {
    await widget(s.page).preferences.waitFor({ state: 'visible', timeout });
  } catch {
    throw new Error(`the preferences panel did not show within ${timeout} ms; console: ${consoleDump(s)}`);
  }
  await animationsDone(s.page);
}

/** The focused element, looking through shadow roots, described. */
function focusInfo(page) {
  return page.evaluate(() => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    if (!a) return null;
    const cs = getComputedStyle(a);
    return {
      tag: a.tagName.toLowerCase(),
      id: a.id || null,
      optin: a.getAttribute('data-optin'),
      category: a.getAttribute('data-optin-category'),
      service: a.getAttribute('data-optin-service'),
      inBanner: !!a.closest('[data-optin="banner"]'),
      inPanel: !!a.closest('[data-optin="preferences"]'),
      isBody: a === document.body || a === document.documentElement,
      checked: 'checked' in a ? a.checked : null,
      focusVisible: a.matches(':focus-visible'),
      outlineStyle: cs.outlineStyle,
      outlineWidth: cs.outlineWidth,
      text: (a.textContent || '').trim().slice(0, 40),
    };
  });
}
const describe = (f) => (f ? `${f.tag}${f.id ? '#' + f.id : ''}${f.optin ? `[data-optin=${f.optin}]` : ''}${
  f.category ? `[data-optin-category=${f.category}]` : ''}${f.service ? `[data-optin-service=${f.service}]` : ''} "${f.text}"` : 'nothing');

/** Press Tab (or Shift+Tab) until `pred(focusInfo)` holds; `each` is checked on every step. */
async function tabUntil(page, pred, { max = 40, shift = false, each } = {}) {
  const seen = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const f = await focusInfo(page);
    seen.push(describe(f));
    if (each) each(f, seen);
    if (pred(f)) return f;
  }
  throw new Error(`Tab never reached the element after ${max} presses; focus went: ${seen.join(' -> ')}`);
}

/** The accessible role and name Playwright computes (first line of the ARIA snapshot). */
async function roleAndName(locator) {
  const snap = await locator.ariaSnapshot();
  const m = /^- ([a-z]+)(?: "((?:[^"\\]|\\.)*)")?/.exec(snap.trim());
  return m ? { role: m[1], name: m[2] ? m[2].replace(/\\(.)/g, '$1') : '' } : { role: null, name: '', snap };
}

/** Colour as [r, g, b, a] whatever the CSS syntax (drawn on a canvas). */
function rgba(page, color) {
  return page.evaluate((c) => {
    const cv = document.createElement('canvas');
    cv.width = cv.height = 1;
    const x = cv.getContext('2d');
    x.fillStyle = c;
    x.fillRect(0, 0, 1, 1);
    return [...x.getImageData(0, 0, 1, 1).data];
  }, color);
}
const luminance = ([r, g, b]) => {
  const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
  return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
};

/** Banner background colour in a fresh context. */
async function bannerBackground({ contextOptions = {}, config = CONFIG, path }) {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP, ...contextOptions } });
  await openWithBanner(s, path, { config });
  const bg = (await computed(widget(s.page).banner, ['background-color']))['background-color'];
  const rgb = await rgba(s.page, bg);
  s.assertNoErrors();
  await s.close();
  return { bg, rgb };
}

const viewportOf = (page) => page.evaluate(() => ({
  width: document.documentElement.clientWidth,
  height: document.documentElement.clientHeight,
}));

function formatAxe(results) {
  return results.violations.map((v) => `${v.id} (${v.impact}): ${v.help}\n${v.nodes.map((n) =>
    `    ${JSON.stringify(n.target)}: ${(n.failureSummary || '').replace(/\s+/g, ' ')}`).join('\n')}`).join('\n');
}

async function assertAxeClean(page, what) {
  const results = await runAxe(page);
  assert.equal(results.violations.length, 0, `axe-core violations with ${what}:\n${formatAxe(results)}`);
}

/** The page without its <html lang>. */
const withoutLang = (doc) => doc.replace(/<html lang="[^"]*">/, '<html>');

const intersects = (a, b) => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

// ---------------------------------------------------------------------------------------------
// Banner
// ---------------------------------------------------------------------------------------------

test('banner: labelled region with title and text, privacy link, three buttons of equal prominence', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  await openWithBanner(s, '/p/banner.html', { config: CONFIG });
  const w = widget(page);

  const parts = await w.banner.evaluate((el) => {
    const root = el.getRootNode();
    const byIds = (attr) => (el.getAttribute(attr) || '').split(/\s+/).filter(Boolean).map((id) => root.getElementById(id));
    const d = (els) => els.map((e) => (e ? { inside: el.contains(e) && e !== el, text: e.textContent.trim() } : null));
    return { labelledby: d(byIds('aria-labelledby')), describedby: d(byIds('aria-describedby')) };
  });
  assert.ok(parts.labelledby.length >= 1, 'the banner has aria-labelledby');
  for (const t of parts.labelledby) {
    assert.ok(t && t.inside && t.text.length > 0, `aria-labelledby points at a non-empty title inside the banner (${JSON.stringify(parts.labelledby)})`);
  }
  assert.ok(parts.describedby.length >= 1, 'the banner has aria-describedby');
  for (const t of parts.describedby) {
    assert.ok(t && t.inside && t.text.length > 0, `aria-describedby points at a non-empty text inside the banner (${JSON.stringify(parts.describedby)})`);
  }
  const { role, name } = await roleAndName(w.banner);
  assert.ok(['region', 'dialog', 'alertdialog'].includes(role), `the banner is exposed as a labelled region (role ${role})`);
  assert.equal(name, parts.labelledby.map((t) => t.text).join(' '), 'its accessible name is the title');

  const policy = w.banner.locator('a[href="/privacy.html"]');
  assert.equal(await policy.count(), 1, 'one privacy-policy link to privacyPolicyUrl in the banner');
  assert.ok(await policy.isVisible(), 'the privacy-policy link is visible');
  assert.ok((await policy.innerText()).trim().length > 0, 'the privacy-policy link has text');

  const buttons = { 'accept-all': w.acceptAll, 'reject-all': w.rejectAll, 'preferences-open': w.preferencesOpen };
  const PROPS = ['font-size', 'font-weight', 'font-family', 'color', 'background-color', 'background-image',
    'border-top-color', 'border-top-width', 'border-top-style', 'text-decoration-line', 'padding-top', 'padding-left'];
  const seen = {};
  for (const [hook, b] of Object.entries(buttons)) {
    assert.equal(await b.count(), 1, `exactly one ${hook} in the banner`);
    assert.ok(await b.isVisible(), `${hook} visible`);
    assert.equal(await b.evaluate((el) => el.tagName), 'BUTTON', `${hook} is a <button>`);
    assert.ok((await b.innerText()).trim().length > 0, `${hook} has a label`);
    seen[hook] = { box: await b.boundingBox(), style: await computed(b, PROPS) };
  }
  const ref = seen['accept-all'];
  for (const [hook, { box, style }] of Object.entries(seen)) {
    assert.ok(Math.abs(box.width - ref.box.width) <= 1 && Math.abs(box.height - ref.box.height) <= 1,
      `${hook} is ${box.width}x${box.height}, accept-all ${ref.box.width}x${ref.box.height}: same size (±1px)`);
    assert.deepEqual(style, ref.style, `${hook} looks like accept-all (font, colours, border)`);
  }
  s.assertNoErrors();

  // Without privacyPolicyUrl: no policy link.
  const { privacyPolicyUrl, ...noPolicy } = CONFIG;
  await openWithBanner(s, '/p/banner-nopolicy.html', { config: noPolicy });
  assert.equal(await w.banner.locator('a[href="/privacy.html"]').count(), 0, 'no privacy-policy link without privacyPolicyUrl');
  s.assertNoErrors();
});

// ---------------------------------------------------------------------------------------------
// Preferences panel
// ---------------------------------------------------------------------------------------------

test('panel: labelled modal dialog, focus moves in, labelled checkboxes, services with cookie tables', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  await openWithBanner(s, '/p/panel.html', { config: CONFIG });
  const w = widget(page);
  await w.preferencesOpen.click();
  await panelShown(s);

  assert.equal(await w.preferences.count(), 1, 'one panel');
  assert.equal(await w.preferences.getAttribute('role'), 'dialog', 'role="dialog"');
  assert.equal(await w.preferences.getAttribute('aria-modal'), 'true', 'aria-modal="true"');
  const { role, name } = await roleAndName(w.preferences);
  assert.equal(role, 'dialog', 'exposed as a dialog');
  assert.ok(name.trim().length > 0, `the dialog has an accessible name (got ${JSON.stringify(name)})`);

  const f = await focusInfo(page);
  assert.ok(f && f.inPanel, `focus moved into the panel on open (focus on ${describe(f)})`);

  // Categories: real, labelled checkboxes; required ones on and locked, the rest off on a first visit.
  const cats = await w.checkboxes.evaluateAll((els) => els.map((el) => ({
    id: el.getAttribute('data-optin-category'),
    tag: el.tagName, type: el.type,
    label: [...(el.labels || [])].map((l) => l.textContent.trim()).join(' '),
    checked: el.checked, disabled: el.disabled,
  })));
  assert.deepEqual(cats.map((c) => c.id), ['necessary', 'analytics', 'marketing'], 'one checkbox per category, config order');
  for (const c of cats) {
    assert.equal(c.tag, 'INPUT', `${c.id}: an <input>`);
    assert.equal(c.type, 'checkbox', `${c.id}: type=checkbox`);
    assert.ok(c.label.length > 0, `${c.id}: has a <label>`);
  }
  assert.deepEqual(cats.map((c) => [c.id, c.checked, c.disabled]),
    [['necessary', true, true], ['analytics', false, false], ['marketing', false, false]],
    'required checked and disabled; optional unchecked and enabled');

  // Services.
  const services = [
    { key: 'necessary/session', svc: CONFIG.categories[0].services[0], required: true },
    { key: 'analytics/ga', svc: CONFIG.categories[1].services[0], required: false },
  ];
  for (const { key, svc, required } of services) {
    const input = w.preferences.locator(`input[data-optin-service="${key}"]`);
    assert.equal(await input.count(), 1, `one input[data-optin-service="${key}"]`);
    const info = await input.evaluate((el) => {
      // The service's own block: the largest ancestor holding this service's input and no other's.
      let box = el;
      while (box.parentElement && box.parentElement.querySelectorAll('[data-optin-service]').length === 1) box = box.parentElement;
      const table = box.querySelector('table');
      let head = [];
      let rows = [];
      if (table) {
        const headRow = table.tHead ? table.tHead.rows[0] : table.rows[0];
        head = [...headRow.cells].map((c) => ({ tag: c.tagName, text: c.textContent.trim() }));
        rows = [...table.rows].filter((r) => r !== headRow && !(r.parentElement && r.parentElement.tagName === 'THEAD'))
          .map((r) => [...r.cells].map((c) => c.textContent.trim()));
      }
      return {
        type: el.type, checked: el.checked, disabled: el.disabled,
        label: [...(el.labels || [])].map((l) => l.textContent.trim()).join(' ') || el.getAttribute('aria-label') || '',
        text: box.textContent.replace(/\s+/g, ' '),
        links: [...box.querySelectorAll('a[href]')].map((a) => a.getAttribute('href')),
        hasTable: !!table, head, rows,
      };
    });
    assert.equal(info.type, 'checkbox', `${key}: a checkbox`);
    assert.ok(info.label.length > 0, `${key}: labelled`);
    if (required) assert.ok(info.checked && info.disabled, `${key}: on and locked in a required category`);
    for (const [field, value] of [['name', svc.name], ['provider', svc.provider], ['purpose', svc.purpose]]) {
      assert.ok(info.text.includes(value), `${key}: shows its ${field} "${value}" (service block text: ${info.text.slice(0, 200)})`);
    }
    if (svc.privacyPolicyUrl) {
      assert.ok(info.links.includes(svc.privacyPolicyUrl), `${key}: links its privacy policy ${svc.privacyPolicyUrl} (links: ${JSON.stringify(info.links)})`);
    } else {
      assert.deepEqual(info.links, [], `${key}: no privacy-policy link when none is configured`);
    }
    assert.ok(info.hasTable, `${key}: a <table> of its cookies`);
    assert.deepEqual(info.head.map((c) => c.text), ['Cookie', 'Purpose', 'Duration', 'Set by'], `${key}: table header`);
    assert.ok(info.head.every((c) => c.tag === 'TH'), `${key}: header cells are <th>`);
    assert.equal(info.rows.length, svc.cookies.length, `${key}: one row per cookie (${JSON.stringify(info.rows)})`);
    svc.cookies.forEach((c, i) => {
      const row = info.rows[i];
      assert.equal(row.length, 4, `${key}: row ${i} has 4 cells`);
      assert.equal(row[0], c.name, `${key}: row ${i} names ${c.name}`);
      assert.ok(row[1].includes(c.purpose), `${key}: row ${i} purpose`);
      assert.ok(row[2].includes(c.duration), `${key}: row ${i} duration`);
      assert.ok(row[3].length > 0, `${key}: row ${i} says who sets it`);
    });
  }
  s.assertNoErrors();
});

test('panel: Tab and Shift+Tab stay inside; Escape closes without a choice, banner back, focus on Preferences', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  await openWithBanner(s, '/p/trap.html', {
    config: CONFIG,
    body: '<p><a href="#before" id="before">A page link</a> <button type="button" id="page-btn">Page button</button></p>',
  });
  await waitReady(page);
  const w = widget(page);
  await w.preferencesOpen.focus();
  await page.keyboard.press('Enter');
  await panelShown(s);

  const focusables = await w.preferences.evaluate((panel) => {
    const sel = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
    return [...panel.querySelectorAll(sel)].filter((el) => el.checkVisibility()).length;
  });
  assert.ok(focusables >= 4, `the panel has focusable controls (${focusables})`);
  const indexOfFocus = () => w.preferences.evaluate((panel) => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    if (a === panel) return -1;
    if (!a || !panel.contains(a)) return -2;
    const sel = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), textarea:not([disabled]), summary, [tabindex]:not([tabindex="-1"])';
    return [...panel.querySelectorAll(sel)].filter((el) => el.checkVisibility()).indexOf(a);
  });
  for (const shift of [false, true]) {
    const visited = new Set();
    for (let i = 0; i < focusables + 2; i++) {
      await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
      const idx = await indexOfFocus();
      assert.ok(idx >= -1, `${shift ? 'Shift+Tab' : 'Tab'} #${i + 1} keeps focus in the panel (focus on ${describe(await focusInfo(page))})`);
      visited.add(idx);
    }
    assert.ok(visited.has(0) && visited.has(focusables - 1),
      `${shift ? 'Shift+Tab' : 'Tab'} cycles through the first and the last control (visited ${[...visited].sort((a, b) => a - b)} of 0..${focusables - 1})`);
  }

  await page.keyboard.press('Escape');
  await w.preferences.waitFor({ state: 'hidden', timeout: 5_000 });
  await bannerShown(s);
  assert.equal(await page.evaluate(() => window.optin.consent()), null, 'optin.consent() still null');
  assert.equal(await storedConsent(page), null, 'nothing stored');
  assert.deepEqual(await events(page), [], 'no optin:change');
  const f = await focusInfo(page);
  assert.ok(f && f.inBanner && f.optin === 'preferences-open', `focus back on the banner's Preferences button (on ${describe(f)})`);
  s.assertNoErrors();
});

const OPENER_BODY = '<footer><button type="button" id="cookie-settings" data-optin-open>Cookie settings</button></footer>';

test('panel opened from a page [data-optin-open] button on a first visit: Escape records nothing, banner back, focus on that button', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  await openWithBanner(s, '/p/opener-first.html', { config: CONFIG, body: OPENER_BODY });
  await waitReady(page);
  const w = widget(page);
  await page.locator('#cookie-settings').focus();
  await page.keyboard.press('Enter');
  await panelShown(s);
  let f = await focusInfo(page);
  assert.ok(f && f.inPanel, `focus moved into the panel (on ${describe(f)})`);
  await page.keyboard.press('Escape');
  await w.preferences.waitFor({ state: 'hidden', timeout: 5_000 });
  assert.equal(await page.evaluate(() => window.optin.consent()), null, 'Escape records nothing');
  assert.deepEqual(await events(page), [], 'no optin:change');
  await bannerShown(s);
  f = await focusInfo(page);
  assert.equal(f && f.id, 'cookie-settings', `focus back on the page button that opened the panel (on ${describe(f)})`);
  s.assertNoErrors();
});

test('panel opened from a page [data-optin-open] button after a choice: Escape keeps the record, no banner, focus on that button', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  await openWithBanner(s, '/p/opener-returning.html', { config: CONFIG, body: OPENER_BODY });
  await waitReady(page);
  const w = widget(page);
  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'hidden' });
  const rec = await storedConsent(page);
  assert.ok(rec, 'a choice is stored');
  await page.locator('#cookie-settings').focus();
  await page.keyboard.press('Enter');
  await panelShown(s);
  let f = await focusInfo(page);
  assert.ok(f && f.inPanel, `focus moved into the panel (on ${describe(f)})`);
  await page.keyboard.press('Escape');
  await w.preferences.waitFor({ state: 'hidden', timeout: 5_000 });
  await sleep(200);
  assert.equal(await w.banner.isVisible(), false, 'no banner after Escape');
  assert.deepEqual(await storedConsent(page), rec, 'record unchanged');
  f = await focusInfo(page);
  assert.equal(f && f.id, 'cookie-settings', `focus back on the page button (on ${describe(f)})`);
  s.assertNoErrors();
});

// ---------------------------------------------------------------------------------------------
// Keyboard only
// ---------------------------------------------------------------------------------------------

test('keyboard only: Tab reaches the banner buttons (no focus theft), Enter opens, Space toggles, Enter saves; focus ring', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  await openWithBanner(s, '/p/keyboard.html', {
    config: CONFIG,
    body: '<nav><a href="#one">One</a> <a href="#two">Two</a></nav>',
  });
  await waitReady(page);
  await sleep(300);
  const w = widget(page);
  let f = await focusInfo(page);
  assert.ok(!f || f.isBody, `the banner does not take focus on load (focus on ${describe(f)})`);

  const ring = (f, what) => {
    assert.ok(f.focusVisible, `${what} matches :focus-visible after keyboard focus`);
    assert.notEqual(f.outlineStyle, 'none', `${what} has a focus outline (outline-style ${f.outlineStyle})`);
    assert.ok(parseFloat(f.outlineWidth) > 0, `${what} outline-width > 0 (${f.outlineWidth})`);
  };
  const reached = new Set();
  f = await tabUntil(page, (f) => {
    if (f && f.inBanner && f.optin) { reached.add(f.optin); ring(f, `banner ${f.optin}`); }
    return f && f.inBanner && f.optin === 'preferences-open';
  });
  for (const hook of ['accept-all', 'reject-all', 'preferences-open']) {
    assert.ok(reached.has(hook), `Tab reached the banner's ${hook} (reached ${[...reached]})`);
  }

  await page.keyboard.press('Enter');
  await panelShown(s);
  f = await focusInfo(page);
  assert.ok(f && f.inPanel, `Enter on Preferences opened the panel and focus is in it (on ${describe(f)})`);

  f = await tabUntil(page, (f) => f && f.category === 'analytics', {
    each: (f) => assert.ok(f && f.inPanel, `Tab stays in the panel (on ${describe(f)})`),
  });
  assert.equal(f.checked, false, 'analytics starts unticked');
  await page.keyboard.press('Space');
  assert.equal(await w.checkbox('analytics').isChecked(), true, 'Space ticked analytics');

  f = await tabUntil(page, (f) => f && f.optin === 'save', {
    each: (f) => assert.ok(f && f.inPanel, `Tab stays in the panel (on ${describe(f)})`),
  });
  ring(f, 'panel save');
  await page.keyboard.press('Enter');
  await w.preferences.waitFor({ state: 'hidden', timeout: 5_000 });
  const rec = await storedConsent(page);
  assert.ok(rec, 'Enter on Save recorded a choice');
  assert.equal(rec.method, 'custom');
  assert.deepEqual(rec.categories, { necessary: true, analytics: true, marketing: false });
  s.assertNoErrors();
});

// ---------------------------------------------------------------------------------------------
// axe-core
// ---------------------------------------------------------------------------------------------

const AXE_THEMES = [
  { name: 'light', contextOptions: { colorScheme: 'light' }, config: {} },
  { name: 'dark (prefers-color-scheme)', contextOptions: { colorScheme: 'dark' }, config: {} },
  { name: 'dark (config theme)', contextOptions: { colorScheme: 'light' }, config: { theme: 'dark' } },
];
const AXE_VIEWPORTS = [['1280x800', DESKTOP], ['320x640', NARROW]];
for (const theme of AXE_THEMES) {
  for (const [vpName, viewport] of AXE_VIEWPORTS) {
    test(`axe-core: no violations, banner and open panel, ${theme.name}, ${vpName}`, T, async () => {
      const s = await env.newPage({ contextOptions: { viewport, ...theme.contextOptions } });
      const { page } = s;
      await openWithBanner(s, '/p/axe.html', { config: cfg(theme.config) });
      await assertAxeClean(page, `the banner (${theme.name}, ${vpName})`);
      await widget(page).preferencesOpen.click();
      await panelShown(s);
      await assertAxeClean(page, `the panel open (${theme.name}, ${vpName})`);
      s.assertNoErrors();
    });
  }
}

// ---------------------------------------------------------------------------------------------
// Theme
// ---------------------------------------------------------------------------------------------

test('theme auto (default) follows prefers-color-scheme: dark background is darker', T, async () => {
  const light = await bannerBackground({ contextOptions: { colorScheme: 'light' }, path: '/p/auto-light.html' });
  const dark = await bannerBackground({ contextOptions: { colorScheme: 'dark' }, path: '/p/auto-dark.html' });
  assert.notEqual(dark.bg, light.bg, `background differs (light ${light.bg}, dark ${dark.bg})`);
  assert.ok(luminance(dark.rgb) < luminance(light.rgb), `dark background ${dark.bg} is darker than ${light.bg}`);
});

test('theme "dark" darkens the banner under a light preference', T, async () => {
  const light = await bannerBackground({ contextOptions: { colorScheme: 'light' }, config: cfg({ theme: 'light' }), path: '/p/t-light.html' });
  const dark = await bannerBackground({ contextOptions: { colorScheme: 'light' }, config: cfg({ theme: 'dark' }), path: '/p/t-dark.html' });
  assert.notEqual(dark.bg, light.bg, `background differs (light ${light.bg}, dark ${dark.bg})`);
  assert.ok(luminance(dark.rgb) < luminance(light.rgb), `dark background ${dark.bg} is darker than ${light.bg}`);
});

test('theme "light" stays light under a dark preference', T, async () => {
  const auto = await bannerBackground({ contextOptions: { colorScheme: 'light' }, path: '/p/t-auto.html' });
  const light = await bannerBackground({ contextOptions: { colorScheme: 'dark' }, config: cfg({ theme: 'light' }), path: '/p/t-light-dark.html' });
  assert.equal(light.bg, auto.bg, `theme light under a dark preference has the light background (${light.bg} vs ${auto.bg})`);
});

// ---------------------------------------------------------------------------------------------
// Layout
// ---------------------------------------------------------------------------------------------

const LAYOUTS = [
  ['default (bar-bottom)', undefined],
  ['bar-bottom', 'bar-bottom'],
  ['bar-top', 'bar-top'],
  ['box-bottom-left', 'box-bottom-left'],
  ['box-bottom-right', 'box-bottom-right'],
  ['box-center', 'box-center'],
];
const EDGE = 64; // how far from its corner a box may sit

for (const [name, layout] of LAYOUTS) {
  test(`layout ${name}: banner position`, T, async () => {
    const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
    const { page } = s;
    await openWithBanner(s, `/p/layout-${name.replace(/\W+/g, '-')}.html`, { config: layout ? cfg({ layout }) : CONFIG });
    const vp = await viewportOf(page);
    const b = await widget(page).banner.boundingBox();
    const where = `banner at x=${b.x} y=${b.y} ${b.width}x${b.height} in ${vp.width}x${vp.height}`;
    const left = b.x;
    const right = vp.width - (b.x + b.width);
    const top = b.y;
    const bottom = vp.height - (b.y + b.height);
    const kind = layout || 'bar-bottom';
    if (kind.startsWith('bar-')) {
      assert.ok(Math.abs(left) <= 1 && Math.abs(right) <= 1, `a bar spans the viewport width: ${where}`);
      if (kind === 'bar-bottom') assert.ok(Math.abs(bottom) <= 1, `bar at the bottom: ${where}`);
      else assert.ok(Math.abs(top) <= 1, `bar at the top: ${where}`);
    } else {
      assert.ok(b.width < vp.width * 0.6, `a box is clearly narrower than the viewport: ${where}`);
      assert.ok(left >= 0 && right >= 0 && top >= 0 && bottom >= 0, `the box is inside the viewport: ${where}`);
      if (kind === 'box-center') {
        assert.ok(Math.abs(left - right) <= 2, `centred horizontally: ${where}`);
        assert.ok(Math.abs(top - bottom) <= 2, `centred vertically: ${where}`);
      } else {
        assert.ok(bottom <= EDGE, `in the bottom corner (gap ${bottom}): ${where}`);
        if (kind === 'box-bottom-left') assert.ok(left <= EDGE && right > vp.width * 0.4, `bottom-left corner: ${where}`);
        else assert.ok(right <= EDGE && left > vp.width * 0.4, `bottom-right corner: ${where}`);
      }
    }
    s.assertNoErrors();
  });
}

// ---------------------------------------------------------------------------------------------
// Small screens
// ---------------------------------------------------------------------------------------------

for (const lang of ['en', 'de']) {
  test(`320 px wide (${lang}): no horizontal scroll with banner or panel; banner buttons fully visible`, T, async () => {
    const s = await env.newPage({ contextOptions: { viewport: NARROW } });
    const { page } = s;
    await openWithBanner(s, `/p/narrow-${lang}.html`, { config: CONFIG, lang });
    const w = widget(page);
    const scrollWidth = () => page.evaluate(() => document.scrollingElement.scrollWidth);
    assert.ok(await scrollWidth() <= NARROW.width, `banner: scrollWidth ${await scrollWidth()} <= ${NARROW.width}`);

    for (const [hook, b] of [['accept-all', w.acceptAll], ['reject-all', w.rejectAll], ['preferences-open', w.preferencesOpen]]) {
      const seen = await b.evaluate((el) => {
        const r = el.getBoundingClientRect();
        const root = el.getRootNode();
        // Middle of each edge (2 px in) and the centre: corners may be rounded, and hit testing
        // follows border-radius.
        const cx = (r.left + r.right) / 2;
        const cy = (r.top + r.bottom) / 2;
        const pts = [[r.left + 2, cy], [r.right - 2, cy], [cx, r.top + 2], [cx, r.bottom - 2], [cx, cy]];
        const hit = pts.map(([x, y]) => { const e = root.elementFromPoint(x, y); return !!e && (e === el || el.contains(e)); });
        return { box: { x: r.x, y: r.y, w: r.width, h: r.height }, hit, vw: innerWidth, vh: innerHeight };
      });
      const { box } = seen;
      assert.ok(box.x >= 0 && box.y >= 0 && box.x + box.w <= NARROW.width && box.y + box.h <= NARROW.height,
        `${hook} inside the 320x640 viewport: ${JSON.stringify(box)}`);
      assert.ok(seen.hit.every(Boolean), `${hook} fully visible, not covered or clipped (left/right/top/bottom/centre hits ${JSON.stringify(seen.hit)})`);
    }

    await w.preferencesOpen.click();
    await panelShown(s);
    assert.ok(await scrollWidth() <= NARROW.width, `panel open: scrollWidth ${await scrollWidth()} <= ${NARROW.width}`);
    const panelBox = await w.preferences.boundingBox();
    assert.ok(panelBox.x >= 0 && panelBox.x + panelBox.width <= NARROW.width, `panel within the width: ${JSON.stringify(panelBox)}`);
    for (const hook of ['save', 'accept-all', 'reject-all']) {
      const b = w.preferences.locator(`[data-optin="${hook}"]`);
      await b.scrollIntoViewIfNeeded();
      const box = await b.boundingBox();
      assert.ok(box && box.x >= 0 && box.x + box.width <= NARROW.width, `panel ${hook} within the width: ${JSON.stringify(box)}`);
    }
    s.assertNoErrors();
  });
}

// ---------------------------------------------------------------------------------------------
// Languages
// ---------------------------------------------------------------------------------------------

async function bannerTexts(s, path, pageHtml) {
  await openWithBanner(s, path, pageHtml);
  await waitReady(s.page);
  const w = widget(s.page);
  return {
    lang: await s.page.evaluate(() => window.optin.language()),
    title: await w.banner.evaluate((el) => {
      const t = el.getRootNode().getElementById((el.getAttribute('aria-labelledby') || '').split(/\s+/)[0]);
      return t ? t.textContent.trim() : null;
    }),
    acceptAll: (await w.acceptAll.innerText()).trim(),
    rejectAll: (await w.rejectAll.innerText()).trim(),
    preferences: (await w.preferencesOpen.innerText()).trim(),
  };
}

for (const [lang, expected] of [['de', 'Alle akzeptieren'], ['hu', 'Összes elfogadása']]) {
  test(`language from <html lang="${lang}">: accept-all reads "${expected}"`, T, async () => {
    const s = await env.newPage();
    const t = await bannerTexts(s, `/p/lang-${lang}.html`, { config: CONFIG, lang });
    assert.equal(t.acceptAll, expected, `accept-all in ${lang}`);
    assert.equal(t.lang, lang, 'optin.language()');
    s.assertNoErrors();
  });
}

test('language from the browser (locale fr-FR, no <html lang>): "Tout accepter"', T, async () => {
  const s = await env.newPage({ contextOptions: { locale: 'fr-FR' } });
  const t = await bannerTexts(s, '/p/lang-browser.html', withoutLang(html({ config: CONFIG })));
  assert.equal(t.acceptAll, 'Tout accepter');
  assert.equal(t.lang, 'fr', 'optin.language()');
  s.assertNoErrors();
});

test('unknown language xx falls back to English', T, async () => {
  const s = await env.newPage({ contextOptions: { locale: 'xx' } });
  const t = await bannerTexts(s, '/p/lang-xx.html', { config: CONFIG, lang: 'xx' });
  assert.equal(t.acceptAll, 'Accept all');
  assert.equal(t.lang, 'en', 'optin.language()');
  s.assertNoErrors();
});

test('config lang wins over <html lang>', T, async () => {
  const s = await env.newPage();
  const t = await bannerTexts(s, '/p/lang-config.html', { config: cfg({ lang: 'fr' }), lang: 'de' });
  assert.equal(t.acceptAll, 'Tout accepter');
  assert.equal(t.lang, 'fr');
  s.assertNoErrors();
});

test('built-in banner texts for en, de, fr, es, it, nl, pl, hu', T, async () => {
  const s = await env.newPage();
  const en = await bannerTexts(s, '/p/builtin-en.html', { config: CONFIG, lang: 'en' });
  assert.equal(en.lang, 'en');
  const missing = [];
  for (const lang of ['de', 'fr', 'es', 'it', 'nl', 'pl', 'hu']) {
    const t = await bannerTexts(s, `/p/builtin-${lang}.html`, { config: CONFIG, lang });
    if (t.lang !== lang) missing.push(`${lang}: optin.language() is ${t.lang}`);
    for (const key of ['title', 'acceptAll', 'rejectAll', 'preferences']) {
      if (!t[key] || t[key] === en[key]) missing.push(`${lang}: ${key} is ${JSON.stringify(t[key])} (English: ${JSON.stringify(en[key])})`);
    }
  }
  assert.deepEqual(missing, [], 'every built-in language has its own banner texts');
  s.assertNoErrors();
});

test('language files: English fetches none, German fetches lang/de.json once (banner and panel)', T, async () => {
  const s = await env.newPage();
  await bannerTexts(s, '/p/files-en.html', { config: CONFIG, lang: 'en' });
  const langFiles = () => s.requests.filter((u) => /\/optin\/lang\//.test(new URL(u).pathname));
  assert.deepEqual(langFiles(), [], 'English is compiled in');
  const de = await bannerTexts(s, '/p/files-de.html', { config: CONFIG, lang: 'de' });
  assert.equal(de.acceptAll, 'Alle akzeptieren');
  await s.page.evaluate(() => window.optin.showPreferences());
  await widget(s.page).preferences.waitFor({ state: 'visible' });
  assert.deepEqual(langFiles().map((u) => new URL(u).pathname), ['/optin/lang/de.json'], 'one request, for German only');
  s.assertNoErrors();
});

test('a language file that fails to load: the banner shows in English and still works', T, async () => {
  const s = await env.newPage();
  await s.page.route('**/optin/lang/de.json?v=*', (route) => route.fulfill({ status: 404, body: 'not found' }));
  const t = await bannerTexts(s, '/p/files-404.html', { config: CONFIG, lang: 'de' });
  assert.equal(t.acceptAll, 'Accept all', 'English in place of the missing German');
  assert.equal(t.lang, 'de', 'the record still says which language the visitor was asked in');
  assert.ok(
    s.consoleMessages.some((m) => m.type === 'warning' && /lang\/de\.json/.test(m.text)),
    'the console says which file was missing',
  );
  await widget(s.page).acceptAll.click();
  await s.page.waitForFunction(() => window.optin.consent() !== null);
  assert.deepEqual(s.pageErrors, [], 'no page errors');
});

test('site texts override the built-in ones per key', T, async () => {
  const s = await env.newPage();
  const builtin = await bannerTexts(s, '/p/override-base.html', { config: CONFIG, lang: 'de' });
  const t = await bannerTexts(s, '/p/override.html', {
    config: cfg({ texts: { de: { acceptAll: 'Ja, gerne' } } }), lang: 'de',
  });
  assert.equal(t.acceptAll, 'Ja, gerne', 'the site text replaces accept-all');
  assert.equal(t.rejectAll, builtin.rejectAll, 'reject-all keeps the built-in text');
  assert.equal(t.preferences, builtin.preferences, 'preferences keeps the built-in text');
  assert.equal(t.title, builtin.title, 'the title keeps the built-in text');
  s.assertNoErrors();
});

test('right-to-left: site texts for ar with <html lang="ar"> render the widget rtl (ltr for de)', T, async () => {
  const s = await env.newPage();
  const ar = {
    bannerTitle: 'نستخدم ملفات تعريف الارتباط', bannerDescription: 'نص تجريبي.', acceptAll: 'قبول الكل',
    rejectAll: 'رفض الكل', preferences: 'التفضيلات',
  };
  const t = await bannerTexts(s, '/p/rtl.html', { config: cfg({ texts: { ar } }), lang: 'ar' });
  assert.equal(t.lang, 'ar');
  assert.equal(t.acceptAll, ar.acceptAll);
  const dir = await widget(s.page).banner.evaluate((el) => {
    const root = el.getRootNode();
    const host = root.host || null;
    return {
      direction: getComputedStyle(el).direction,
      dirAttr: (el.closest('[dir]') || (host && host.closest('[dir]')) || { getAttribute: () => null }).getAttribute('dir'),
    };
  });
  assert.equal(dir.direction, 'rtl', 'the banner\'s computed direction is rtl');
  assert.equal(dir.dirAttr, 'rtl', 'the widget root carries dir="rtl"');

  const ltr = await bannerTexts(s, '/p/ltr.html', { config: cfg({ texts: { ar } }), lang: 'de' });
  assert.notEqual(ltr.lang, 'ar');
  assert.equal(await widget(s.page).banner.evaluate((el) => getComputedStyle(el).direction), 'ltr', 'ltr for a left-to-right language');
  s.assertNoErrors();
});

// ---------------------------------------------------------------------------------------------
// Hostile host CSS, and no leaks
// ---------------------------------------------------------------------------------------------

// The hostile stylesheet of the contract, word for word.
const HOSTILE_CSS_BASIC = `<style>
* { all: unset !important; font-size: 40px !important; color: red !important }
button { display:none !important }
div, section { display:none !important }
</style>`;
// The same, plus the other inherited text properties a page may force on every element (the host
// element included): they must not reach the widget either.
const HOSTILE_CSS = `<style>
* { all: unset !important; font-size: 40px !important; color: red !important; font-family: serif !important;
    line-height: 3 !important; letter-spacing: 4px !important; word-spacing: 12px !important;
    text-transform: uppercase !important; font-style: italic !important; text-align: right !important; }
button { display: none !important; }
div, section { display: none !important; }
</style>`;
const STYLE_PROPS = ['display', 'visibility', 'opacity', 'position', 'z-index', 'font-family', 'font-size', 'font-weight',
  'font-style', 'color', 'background-color', 'line-height', 'letter-spacing', 'word-spacing', 'text-transform',
  'text-align', 'padding-top', 'padding-left', 'border-top-width', 'border-top-style'];

async function widgetStyles(page) {
  const w = widget(page);
  const out = {};
  for (const [name, loc] of [['banner', w.banner], ['accept-all', w.acceptAll], ['reject-all', w.rejectAll],
    ['preferences-open', w.preferencesOpen]]) {
    out[name] = await computed(loc, STYLE_PROPS);
    const b = await loc.boundingBox();
    out[name].box = b && `${Math.round(b.x)},${Math.round(b.y)} ${Math.round(b.width)}x${Math.round(b.height)}`;
  }
  for (const [name, attr] of [['title', 'aria-labelledby'], ['text', 'aria-describedby']]) {
    out[name] = await w.banner.evaluate((el, { attr, props }) => {
      const t = el.getRootNode().getElementById((el.getAttribute(attr) || '').split(/\s+/)[0]);
      if (!t) return null;
      const cs = getComputedStyle(t);
      return Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]));
    }, { attr, props: STYLE_PROPS });
  }
  return out;
}

for (const [name, css] of [
  ['the contract\'s example', HOSTILE_CSS_BASIC],
  ['all inherited text properties forced', HOSTILE_CSS],
  ['an everyday root font-size of 62.5%', '<style>html { font-size: 62.5%; }</style>'],
]) {
  test(`hostile host CSS (${name}) does not change the widget`, T, async () => {
    const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
    const { page } = s;
    await openWithBanner(s, '/p/plain.html', { config: CONFIG });
    const plain = await widgetStyles(page);
    await openWithBanner(s, '/p/hostile.html', { config: CONFIG, head: css });
    const w = widget(page);
    for (const [el, loc] of [['banner', w.banner], ['accept-all', w.acceptAll], ['reject-all', w.rejectAll], ['preferences-open', w.preferencesOpen]]) {
      assert.ok(await loc.isVisible(), `${el} visible under hostile CSS`);
    }
    const hostile = await widgetStyles(page);
    const diffs = [];
    for (const [el, props] of Object.entries(plain)) {
      for (const [p, v] of Object.entries(props || {})) {
        if (hostile[el]?.[p] !== v) diffs.push(`${el} ${p}: ${JSON.stringify(v)} -> ${JSON.stringify(hostile[el]?.[p])}`);
      }
    }
    assert.deepEqual(diffs, [], 'computed styles equal with and without the hostile CSS');
    s.assertNoErrors();
  });
}

test('the widget leaks no styles: a page button looks the same with and without it', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  const body = '<p><button type="button" id="page-btn">Page button</button> <a id="page-link" href="#x">link</a></p>';
  const PROPS = ['display', 'font-family', 'font-size', 'font-weight', 'color', 'background-color', 'border-top-width',
    'border-top-style', 'border-top-color', 'border-radius', 'padding-top', 'padding-left', 'line-height', 'cursor',
    'box-sizing', 'outline-style', 'outline-width', 'outline-color', 'margin-top', 'text-decoration-line'];
  const look = async () => {
    const out = {
      button: await computed(page.locator('#page-btn'), PROPS),
      link: await computed(page.locator('#page-link'), PROPS),
      body: await computed(page.locator('body'), PROPS),
      buttonBox: await page.locator('#page-btn').boundingBox(),
    };
    await page.keyboard.press('Tab'); // keyboard focus on the page button: its own focus ring
    out.focused = await computed(page.locator('#page-btn'), PROPS);
    out.focusedIs = await page.evaluate(() => document.activeElement && document.activeElement.id);
    return out;
  };
  env.server.page('/p/without.html', html({ embed: false, body }));
  await page.goto(env.server.url('/p/without.html'));
  const without = await look();
  assert.equal(without.focusedIs, 'page-btn');
  await openWithBanner(s, '/p/with.html', { config: CONFIG, body });
  const withWidget = await look();
  assert.deepEqual(withWidget, without, 'page button, link and body look the same with the widget loaded');
  s.assertNoErrors();
});

// ---------------------------------------------------------------------------------------------
// Safe texts
// ---------------------------------------------------------------------------------------------

test('texts are text: HTML in the banner title and description shows literally and runs nothing', T, async () => {
  const { server } = env;
  const s = await env.newPage();
  const { page } = s;
  const desc = 'Hi <img src=x onerror="window.__xss=1"> there';
  const title = '<b>Bold</b> cookies';
  await openWithBanner(s, '/p/xss.html', { config: cfg({ texts: { en: { bannerTitle: title, bannerDescription: desc } } }) });
  await settle(page, 400);
  const w = widget(page);
  const got = await w.banner.evaluate((el) => ({
    text: el.textContent,
    imgs: el.querySelectorAll('img').length,
    bolds: el.querySelectorAll('b').length,
  }));
  assert.ok(got.text.includes(desc), `the description shows literally (banner text: ${got.text})`);
  assert.ok(got.text.includes(title), 'the title shows literally');
  assert.equal(got.imgs, 0, 'no <img> in the banner');
  assert.equal(got.bolds, 0, 'no <b> in the banner');
  assert.equal(await page.evaluate(() => window.__xss), undefined, 'onerror never ran');
  assert.equal(server.requested('/p/x'), false, 'the img src was never requested');
  s.assertNoErrors();
});

test('a [text](https://…) link in the description renders as a link', T, async () => {
  const s = await env.newPage();
  const { page } = s;
  await openWithBanner(s, '/p/md-link.html', {
    config: cfg({ texts: { en: { bannerDescription: 'Read [our policy](https://example.com/p) first.' } } }),
  });
  const w = widget(page);
  const got = await w.banner.evaluate((el) => {
    const t = el.getRootNode().getElementById((el.getAttribute('aria-describedby') || '').split(/\s+/)[0]);
    return t && {
      text: t.textContent.replace(/\s+/g, ' ').trim(),
      links: [...t.querySelectorAll('a')].map((a) => ({ href: a.getAttribute('href'), text: a.textContent.trim() })),
    };
  });
  assert.ok(got, 'the banner text element exists');
  assert.ok(got.links.some((l) => l.href === 'https://example.com/p' && l.text === 'our policy'),
    `an <a href="https://example.com/p">our policy</a> in the banner text (links: ${JSON.stringify(got.links)}, text: ${got.text})`);
  assert.ok(got.text.startsWith('Read our policy first.'), `no markdown syntax left in the text (${got.text})`);
  s.assertNoErrors();
});

test('a [text](javascript:…) link renders as plain text with an "optin:" warning', T, async () => {
  const s = await env.newPage();
  const { page } = s;
  await openWithBanner(s, '/p/md-bad.html', {
    config: cfg({ texts: { en: { bannerDescription: 'Click [bad](javascript:alert(1)) now.' } } }),
  });
  await settle(page, 200);
  const w = widget(page);
  const got = await w.banner.evaluate((el) => {
    const t = el.getRootNode().getElementById((el.getAttribute('aria-describedby') || '').split(/\s+/)[0]);
    return t && {
      text: t.textContent.replace(/\s+/g, ' ').trim(),
      hrefs: [...el.querySelectorAll('a')].map((a) => a.getAttribute('href')),
    };
  });
  assert.ok(got, 'the banner text element exists');
  const problems = [];
  if (got.hrefs.some((h) => /^\s*javascript:/i.test(h || ''))) problems.push(`a javascript: link (hrefs ${JSON.stringify(got.hrefs)})`);
  if (!got.text.startsWith('Click bad now.')) problems.push(`text is not just "bad" without markdown or URL: ${JSON.stringify(got.text)}`);
  const warnings = s.consoleMessages.filter((m) => m.type === 'warning' && m.text.startsWith('optin:'));
  if (warnings.length === 0) problems.push(`no console warning starting with "optin:" (console: ${consoleDump(s)})`);
  assert.deepEqual(problems, [], 'javascript: link refused cleanly');
  s.assertNoErrors();
});

// ---------------------------------------------------------------------------------------------
// Strict CSP
// ---------------------------------------------------------------------------------------------

test('strict CSP (no inline scripts or styles): banner and panel styled, no violations, no errors', T, async () => {
  const { server } = env;
  const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";
  server.json('/p/csp-config.json', CONFIG);
  const doc = html({ configUrl: '/p/csp-config.json' }).replace('<link rel="icon" href="data:,">', '');
  const s = await env.newPage();
  const { page } = s;
  await s.context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__csp.push({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile, sample: e.sample });
    }, true);
  });
  await openWithBanner(s, '/p/csp.html', doc, { headers: { 'content-security-policy': CSP } });
  await waitReady(page);
  const w = widget(page);
  const banner = await computed(w.banner, ['position', 'background-color']);
  assert.equal(banner.position, 'fixed', 'the banner is styled (position: fixed)');
  const buttonBg = (await computed(w.acceptAll, ['background-color']))['background-color'];
  assert.notEqual(buttonBg, 'rgba(0, 0, 0, 0)', 'buttons are styled');

  await w.preferencesOpen.click();
  await panelShown(s);
  const panel = await computed(w.preferences, ['background-color']);
  assert.notEqual(panel['background-color'], 'rgba(0, 0, 0, 0)', 'the panel is styled');
  await w.prefsRejectAll.click();
  await w.preferences.waitFor({ state: 'hidden' });
  assert.equal((await storedConsent(page)).method, 'reject-all', 'a choice works under the CSP');
  await sleep(200);

  assert.deepEqual(await page.evaluate(() => window.__csp), [], 'no securitypolicyviolation events');
  s.assertNoErrors();
});

// ---------------------------------------------------------------------------------------------
// Layout stability and focus not obscured
// ---------------------------------------------------------------------------------------------

const LONG_TEXT = Array.from({ length: 12 }, (_, i) =>
  `<p>Paragraph ${i + 1}. Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua.</p>`).join('\n');

test('no layout shift: CLS 0 from load until 1 s after the banner shows', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  await s.context.addInitScript(() => {
    window.__shifts = [];
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        window.__shifts.push({ value: e.value, hadRecentInput: e.hadRecentInput,
          sources: (e.sources || []).map((src) => (src.node ? src.node.nodeName + (src.node.id ? '#' + src.node.id : '') : '?')) });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await openWithBanner(s, '/p/cls.html', { config: CONFIG, body: LONG_TEXT });
  await sleep(1000);
  const shifts = await page.evaluate(() => window.__shifts);
  const cls = shifts.filter((e) => !e.hadRecentInput).reduce((a, e) => a + e.value, 0);
  assert.equal(cls, 0, `CLS ${cls}; shifts ${JSON.stringify(shifts)}`);
  s.assertNoErrors();
});

test('focus not obscured: a link under the banner\'s area, focused by Tab, is scrolled clear of it', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  // The link sits 40 px above the bottom of the first screen; the page goes on below it.
  const body = `<div style="height:${DESKTOP.height - 40 - 100}px"></div><p><a id="low" href="#x">A link low on the screen</a></p>
<div style="height:2000px"></div><p>End.</p>`;
  await openWithBanner(s, '/p/obscured-low.html', { config: CONFIG, body });
  const low = page.locator('#low');
  const before = await low.boundingBox();
  const bannerBefore = await widget(page).banner.boundingBox();
  assert.ok(intersects(before, bannerBefore), `precondition: the link starts under the banner (${JSON.stringify(before)} vs ${JSON.stringify(bannerBefore)})`);
  await tabUntil(page, (f) => f && f.id === 'low', { max: 5 });
  await sleep(300);
  const link = await low.boundingBox();
  const banner = await widget(page).banner.boundingBox();
  assert.ok(!intersects(link, banner), `the focused link ${JSON.stringify(link)} is clear of the banner ${JSON.stringify(banner)}`);
  s.assertNoErrors();
});

test('focus not obscured: the last link of a long page, focused by Tab, is scrolled clear of the banner', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  const body = `${LONG_TEXT}<div style="height:2000px"></div><p><a id="last" href="#x">The last link</a></p>`;
  await openWithBanner(s, '/p/obscured-last.html', { config: CONFIG, body });
  await tabUntil(page, (f) => f && f.id === 'last', { max: 5 });
  await sleep(300);
  const link = await page.locator('#last').boundingBox();
  const banner = await widget(page).banner.boundingBox();
  assert.ok(!intersects(link, banner), `the focused link ${JSON.stringify(link)} is clear of the banner ${JSON.stringify(banner)}`);
  s.assertNoErrors();
});

// ---------------------------------------------------------------------------------------------
// Floating settings button
// ---------------------------------------------------------------------------------------------

for (const corner of ['bottom-left', 'bottom-right']) {
  test(`settings button ${corner}: after a choice, in its corner, named, opens the panel; there again after reload`, T, async () => {
    const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
    const { page } = s;
    await openWithBanner(s, `/p/settings-${corner}.html`, { config: cfg({ settingsButton: corner }) });
    const w = widget(page);
    await w.acceptAll.click();
    await w.banner.waitFor({ state: 'hidden' });
    const btn = page.locator('[data-optin="settings"]');

    const check = async (when) => {
      try {
        await btn.waitFor({ state: 'visible', timeout: 5_000 });
      } catch {
        throw new Error(`${when}: no visible [data-optin="settings"]; console: ${consoleDump(s)}`);
      }
      await animationsDone(page);
      assert.equal(await btn.count(), 1, `${when}: one settings button`);
      const { role, name } = await roleAndName(btn);
      assert.equal(role, 'button', `${when}: exposed as a button`);
      assert.ok(name.trim().length > 0, `${when}: has an accessible name`);
      const vp = await viewportOf(page);
      const b = await btn.boundingBox();
      const where = `${when}: button at x=${b.x} y=${b.y} ${b.width}x${b.height} in ${vp.width}x${vp.height}`;
      const bottom = vp.height - (b.y + b.height);
      assert.ok(bottom >= 0 && bottom <= EDGE, `${where}: at the bottom`);
      if (corner === 'bottom-left') assert.ok(b.x >= 0 && b.x <= EDGE, `${where}: at the left`);
      else assert.ok(vp.width - (b.x + b.width) >= 0 && vp.width - (b.x + b.width) <= EDGE, `${where}: at the right`);
      await btn.click();
      await panelShown(s);
      await page.keyboard.press('Escape');
      await w.preferences.waitFor({ state: 'hidden', timeout: 5_000 });
      const f = await focusInfo(page);
      assert.equal(f && f.optin, 'settings', `${when}: Escape returns focus to the settings button (on ${describe(f)})`);
    };
    await check('after the choice');
    await page.reload();
    await waitReady(page);
    await check('after a reload');
    s.assertNoErrors();
  });
}

test('settings button is off by default', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP } });
  const { page } = s;
  await openWithBanner(s, '/p/settings-off.html', { config: CONFIG });
  await widget(page).acceptAll.click();
  await widget(page).banner.waitFor({ state: 'hidden' });
  await sleep(500);
  assert.equal(await page.locator('[data-optin="settings"]').count(), 0, 'no settings button');
  s.assertNoErrors();
});

// ---------------------------------------------------------------------------------------------
// Reduced motion
// ---------------------------------------------------------------------------------------------

test('reduced motion: banner and panel do not animate', T, async () => {
  const s = await env.newPage({ contextOptions: { viewport: DESKTOP, reducedMotion: 'reduce' } });
  const { page } = s;
  await openWithBanner(s, '/p/motion.html', { config: CONFIG });
  const still = (st) => st['animation-name'] === 'none' || st['animation-duration'].split(',').every((d) => parseFloat(d) === 0);
  const w = widget(page);
  const b = await computed(w.banner, ['animation-name', 'animation-duration']);
  assert.ok(still(b), `banner animation ${JSON.stringify(b)}`);
  await w.preferencesOpen.click();
  await panelShown(s);
  const p = await computed(w.preferences, ['animation-name', 'animation-duration']);
  assert.ok(still(p), `panel animation ${JSON.stringify(p)}`);
  s.assertNoErrors();
});
