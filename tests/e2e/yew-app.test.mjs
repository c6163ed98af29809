// optin-yew in a Yew app: examples/yew-app (built by scripts/build-example.sh into
// target/example/app/, without trunk) in Chromium. The app links optin-core into its own wasm:
// no optin.js, no window.optin. Its banner, use_consent() hook (the analytics stand-in records
// page views only while granted), <Gated> video, settings link and the page's own gated markup;
// a second tab and a reload; the components' accessibility in the app; and the stored record
// read by the standalone widget (dist/) and the other way round.

import { test, beforeEach } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setupE2E, html, widget, waitReady, storedConsent, assertRecordShape, runAxe, ROOT, sleep,
} from './harness.mjs';

const APP = path.join(ROOT, 'target', 'example', 'app');
const env = setupE2E();
const T = { timeout: 60_000 };
const CONFIG = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples/yew-app/optin-config.json'), 'utf8'));

beforeEach(() => {
  if (!fs.existsSync(path.join(APP, 'example_bg.wasm'))) {
    throw new Error(`${APP} is missing: run scripts/build-example.sh (make test does)`);
  }
  const index = fs.readFileSync(path.join(APP, 'index.html'), 'utf8');
  // Every route of the app is its index.html, as trunk serve and any SPA host answer.
  for (const p of ['/', '/video', '/about']) env.server.page(p, index);
  for (const f of ['example.js', 'example_bg.wasm', 'embed.html']) {
    env.server.page(`/${f}`, fs.readFileSync(path.join(APP, f)));
  }
});

/** The app has rendered (its nav is there). */
async function appReady(page) {
  await page.locator('nav a').first().waitFor();
}

const pageViews = (page) => page.evaluate(() => (window.pageViews || []).slice());
const pageScriptRuns = (page) => page.evaluate(() => window.pageScriptRuns || 0);

test('first visit: banner in a shadow root, nothing granted runs; accept all grants and stores', T, async () => {
  const s = await env.newPage();
  await s.page.goto(env.server.url('/'));
  await appReady(s.page);
  const w = widget(s.page);
  await w.banner.waitFor({ state: 'visible' });
  assert.equal(await s.page.evaluate(() => typeof window.optin), 'undefined', 'no JS API: the core is in-process');
  assert.equal(
    await s.page.evaluate(() => !!document.querySelector('optin-widget')?.shadowRoot?.querySelector('[data-optin="banner"]')),
    true, 'the banner renders in the shadow root of <optin-widget>');
  await sleep(300);
  assert.deepEqual(await pageViews(s.page), [], 'no page view before consent');
  assert.equal(await pageScriptRuns(s.page), 0, "the page's gated script waits");
  assert.equal(await storedConsent(s.page), null);

  await w.acceptAll.click();
  await w.banner.waitFor({ state: 'detached' });
  await s.page.waitForFunction(() => (window.pageViews || []).length === 1);
  assert.deepEqual(await pageViews(s.page), ['/'], 'the hook re-ran with the grant: this page is counted');
  await s.page.waitForFunction(() => window.pageScriptRuns === 1);
  const record = await storedConsent(s.page);
  assertRecordShape(record);
  assert.equal(record.method, 'accept-all');
  assert.deepEqual(record.categories, { necessary: true, analytics: true, social: true });

  await s.page.locator('nav a', { hasText: 'About' }).click();
  await s.page.waitForFunction(() => (window.pageViews || []).length === 2);
  assert.deepEqual(await pageViews(s.page), ['/', '/about'], 'router navigation counted while granted');
  s.assertNoErrors();
});

test('reject all: no page views, no gated script, the video stays a placeholder without a request', T, async () => {
  const s = await env.newPage();
  await s.page.goto(env.server.url('/video'));
  await appReady(s.page);
  const w = widget(s.page);
  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'detached' });
  await s.page.locator('nav a', { hasText: 'Home' }).click();
  await s.page.locator('nav a', { hasText: 'Video' }).click();
  await sleep(300);
  assert.deepEqual(await pageViews(s.page), []);
  assert.equal(await pageScriptRuns(s.page), 0);
  assert.equal(await s.page.locator('[data-placeholder="video"]').count(), 1);
  assert.equal(s.requestedPath('/embed.html'), false, 'no request to the embed');
  assert.equal((await storedConsent(s.page)).method, 'reject-all');
  s.assertNoErrors();
});

test('<Gated>: the placeholder grants the service; withdrawing in the panel takes the embed away', T, async () => {
  const s = await env.newPage();
  await s.page.goto(env.server.url('/video'));
  await appReady(s.page);
  const w = widget(s.page);
  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'detached' });

  await s.page.locator('[data-placeholder="video"] button').click();
  await s.page.locator('iframe.video').waitFor();
  await s.page.waitForFunction(() => document.querySelector('iframe.video')?.contentDocument?.getElementById('player'));
  assert.ok(s.requestedPath('/embed.html'), 'the embed loads once granted');
  assert.equal(await s.page.locator('[data-placeholder="video"]').count(), 0);
  const record = await storedConsent(s.page);
  assert.deepEqual(record.services, { social: { video: true } }, 'the one service is stored');
  assert.equal(record.categories.analytics, false);

  await s.page.locator('[data-settings]').click();
  await w.preferences.waitFor({ state: 'visible' });
  const video = w.preferences.locator('input[data-optin-service="social/video"]');
  assert.equal(await video.isChecked(), true, 'the panel starts from the grant');
  await video.click();
  await w.save.click();
  await w.preferences.waitFor({ state: 'detached' });
  await s.page.locator('[data-placeholder="video"]').waitFor();
  assert.equal(await s.page.locator('iframe.video').count(), 0, 'withdrawn: the embed is gone, without a reload');
  s.assertNoErrors();
});

test('a second tab follows a choice made in the first, and a reload keeps it', T, async () => {
  const s = await env.newPage();
  await s.page.goto(env.server.url('/'));
  await appReady(s.page);
  const other = await s.newTab();
  await other.goto(env.server.url('/about'));
  await appReady(other);
  await widget(other).banner.waitFor({ state: 'visible' });

  await widget(s.page).acceptAll.click();
  await widget(other).banner.waitFor({ state: 'detached' });
  await other.waitForFunction(() => (window.pageViews || []).length === 1);
  assert.deepEqual(await pageViews(other), ['/about'], 'use_consent re-rendered on the storage event');
  await other.waitForFunction(() => window.pageScriptRuns === 1);

  await other.reload();
  await appReady(other);
  await other.waitForFunction(() => (window.pageViews || []).length === 1);
  assert.deepEqual(await pageViews(other), ['/about'], 'granted from the first render after a reload');
  assert.equal(await other.evaluate(() => window.pageScriptRuns), 1);
  await sleep(300);
  assert.equal(await widget(other).banner.count(), 0, 'no banner for a returning visitor');
  s.assertNoErrors();
});

test('one record format: the standalone widget reads the app\'s choice, and the app reads the widget\'s', T, async () => {
  env.server.page('/standalone.html', html({ config: CONFIG }));
  const s = await env.newPage();
  await s.page.goto(env.server.url('/'));
  await appReady(s.page);
  await widget(s.page).acceptAll.click();
  await widget(s.page).banner.waitFor({ state: 'detached' });
  const fromApp = await storedConsent(s.page);

  await s.page.goto(env.server.url('/standalone.html'));
  await waitReady(s.page);
  assert.deepEqual(await s.page.evaluate(() => window.optin.consent()), fromApp, 'optin.js takes the app\'s record as valid');
  assert.equal(await s.page.evaluate(() => window.optin.granted('analytics')), true);
  await sleep(300);
  assert.equal(await widget(s.page).banner.count(), 0, 'and asks nothing');

  await s.page.evaluate(() => window.optin.rejectAll());
  const fromWidget = await storedConsent(s.page);
  assert.equal(fromWidget.method, 'reject-all');
  await s.page.goto(env.server.url('/'));
  await appReady(s.page);
  await sleep(500);
  assert.equal(await widget(s.page).banner.count(), 0, "the app takes the widget's record as valid");
  assert.deepEqual(await pageViews(s.page), [], "and the widget's refusal holds");
  assert.deepEqual(await storedConsent(s.page), fromWidget, 'untouched');
  s.assertNoErrors();
});

test('in the app, banner and panel keep the widget\'s accessibility: axe-clean, focus in and back out', T, async () => {
  const s = await env.newPage();
  await s.page.goto(env.server.url('/'));
  await appReady(s.page);
  const w = widget(s.page);
  await w.banner.waitFor({ state: 'visible' });
  const axe = async (what) => {
    const results = await runAxe(s.page);
    assert.deepEqual(results.violations.map((v) => `${v.id}: ${v.help}`), [], `axe-core with ${what}`);
  };
  await axe('the banner');
  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'detached' });

  const settings = s.page.locator('[data-settings]');
  await settings.focus();
  await settings.press('Enter');
  await w.preferences.waitFor({ state: 'visible' });
  assert.equal(await w.preferences.evaluate((el) => el.getRootNode().activeElement === el), true,
    'focus moves into the dialog');
  await axe('the panel');
  await s.page.keyboard.press('Escape');
  await w.preferences.waitFor({ state: 'detached' });
  assert.equal(await settings.evaluate((el) => document.activeElement === el), true,
    'focus returns to the settings link');
  s.assertNoErrors();
});
