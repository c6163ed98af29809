// The banner at first paint: the core shows the banner Yew rendered ahead of time before the UI's
// files arrive, it works without them (accept, reject, "Preferences" busy then open, or a notice
// that the settings cannot be loaded), and the UI takes it over with no visible change: the same
// pixels in every layout, theme and direction, the same focus, no layout shift.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  setupE2E, html, widget, waitReady, storedConsent, runAxe, gated, waitForRuns, runs, sleep,
  animationsDone, DIST_DIR,
} from './harness.mjs';

const env = setupE2E();
const T = { timeout: 90_000 };

const UI_FILES = ['/optin/optin-ui.js', '/optin/optin-ui_bg.wasm'];
const CONFIG = {
  revision: 1,
  privacyPolicyUrl: '/privacy.html',
  categories: [{ id: 'necessary', required: true }, { id: 'analytics' }, { id: 'marketing' }],
};

/**
 * Holds the UI's two files until `release()` (or refuses them: `blocked`). Requests are counted,
 * so a test can tell that the banner showed while they were still outstanding.
 */
function holdUi({ blocked = false, files = UI_FILES } = {}) {
  let release;
  const released = new Promise((r) => (release = r));
  const state = { requested: 0, served: 0, release };
  for (const file of files) {
    env.server.route(file, async (req, res) => {
      state.requested++;
      if (blocked) {
        res.writeHead(404, { 'content-type': 'text/plain' });
        return res.end('blocked');
      }
      await released;
      const body = fs.readFileSync(path.join(DIST_DIR, path.basename(file)));
      res.writeHead(200, {
        'content-type': file.endsWith('.wasm') ? 'application/wasm' : 'text/javascript',
        'cache-control': 'no-store',
      });
      res.end(body);
      state.served++;
    });
  }
  return state;
}

async function open(s, { config = CONFIG, body = '', lang = 'en', head = '' } = {}) {
  await s.page.addInitScript(() => {
    // Every layout shift, for the takeover's CLS.
    window.__shifts = 0;
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) if (!e.hadRecentInput) window.__shifts += e.value;
    }).observe({ type: 'layout-shift', buffered: true });
  });
  env.server.page('/p/early.html', html({ config, body, lang, head }));
  await s.page.goto(env.server.url('/p/early.html'));
  const w = widget(s.page);
  await w.banner.waitFor({ state: 'visible', timeout: 10_000 });
  return w;
}

/** The banner on the page is the early one (the UI has not taken it over). */
const isEarly = (page) =>
  page.evaluate(() => {
    const root = document.querySelector('optin-widget')?.shadowRoot;
    return Boolean(root && root.querySelector('.optin[data-early] [data-optin="banner"]'));
  });

/** The UI has taken over: its banner shows and the early one is gone. */
async function takenOver(page) {
  await page.waitForFunction(() => {
    const root = document.querySelector('optin-widget')?.shadowRoot;
    return root && !root.querySelector('.optin[data-early]') && root.querySelector('[data-optin="banner"]');
  }, null, { timeout: 15_000 });
}

test('the banner shows before the UI files arrive, and its choices work without them', T, async () => {
  const hold = holdUi();
  const s = await env.newPage();
  const w = await open(s, { body: gated('analytics', '/fixtures/analytics.js') });
  assert.equal(hold.served, 0, 'no UI file was served yet');
  assert.ok(await isEarly(s.page), 'the banner on screen is the early one');
  assert.deepEqual(await runs(s.page), [], 'nothing gated ran before the choice');
  await w.acceptAll.click();
  const stored = await storedConsent(s.page);
  assert.equal(stored.method, 'accept-all', 'the choice is stored while the UI files are still held');
  await waitForRuns(s.page, 1);
  await w.banner.waitFor({ state: 'detached' });
  assert.equal(hold.served, 0, 'still no UI file served');
  hold.release();
  await sleep(300);
  assert.equal(await w.banner.count(), 0, 'the UI does not bring the banner back after the choice');
  s.assertNoErrors();
});

test('reject all works before the UI files arrive, and fires the events', T, async () => {
  const hold = holdUi();
  const s = await env.newPage();
  const w = await open(s);
  await w.rejectAll.click();
  const stored = await storedConsent(s.page);
  assert.equal(stored.method, 'reject-all');
  assert.equal(stored.categories.analytics, false);
  await s.page.waitForFunction(() => (window.__optinEvents || []).length >= 1);
  assert.equal(hold.served, 0);
  hold.release();
  s.assertNoErrors();
});

test('Preferences clicked early is busy, then opens the panel once the UI arrives', T, async () => {
  const hold = holdUi();
  const s = await env.newPage();
  const w = await open(s);
  await w.preferencesOpen.click();
  assert.equal(await w.preferencesOpen.getAttribute('aria-busy'), 'true', 'Preferences says it is busy');
  const spinner = await w.preferencesOpen.evaluate((el) => getComputedStyle(el, '::after').content);
  assert.notEqual(spinner, 'none', 'and shows it');
  assert.equal(await w.preferences.count(), 0, 'no panel yet');
  await sleep(4000);
  hold.release();
  await w.preferences.waitFor({ state: 'visible', timeout: 15_000 });
  // Closing the panel goes back to the banner, now the UI's, with focus on its Preferences.
  await s.page.keyboard.press('Escape');
  await w.banner.waitFor({ state: 'visible' });
  assert.equal(await isEarly(s.page), false, 'the UI took the banner over');
  const focused = await s.page.evaluate(() =>
    document.querySelector('optin-widget').shadowRoot.activeElement?.getAttribute('data-optin'));
  assert.equal(focused, 'preferences-open', 'focus is back on Preferences');
  s.assertNoErrors();
});

test('without the UI files the banner still works, and Preferences says the settings cannot load', T, async () => {
  holdUi({ blocked: true });
  const s = await env.newPage();
  const w = await open(s, { body: gated('analytics', '/fixtures/analytics.js') });
  await w.preferencesOpen.focus();
  await s.page.keyboard.press('Enter');
  const notice = s.page.locator('[data-optin="settings-unavailable"]');
  await notice.waitFor({ state: 'visible', timeout: 10_000 });
  assert.equal(await notice.getAttribute('role'), 'alert', 'announced');
  assert.match(await notice.innerText(), /could not be loaded/);
  const focused = await s.page.evaluate(() =>
    document.querySelector('optin-widget').shadowRoot.activeElement?.getAttribute('data-optin'));
  assert.equal(focused, 'preferences-open', 'focus stays on Preferences');
  assert.equal(await w.preferencesOpen.getAttribute('aria-busy'), null, 'no longer busy');
  await w.acceptAll.click();
  await waitForRuns(s.page, 1);
  assert.equal((await storedConsent(s.page)).method, 'accept-all');
  // The blocked files are the only errors: the browser reports their 404s.
  const other = s.errors().filter((e) => !/optin-ui|404|could not load/i.test(e));
  assert.deepEqual(other, [], 'no other error');
});

/** Site texts in Arabic, for a right-to-left banner (no language file ships for it). */
const AR = {
  bannerTitle: 'نستخدم ملفات تعريف الارتباط',
  bannerDescription: 'نستخدم ملفات تعريف الارتباط لتشغيل هذا الموقع، وبموافقتك لقياس استخدامه.',
  acceptAll: 'قبول الكل',
  rejectAll: 'رفض الكل',
  preferences: 'التفضيلات',
  privacyPolicy: 'سياسة الخصوصية',
};

test('the takeover changes no pixel: every layout, light and dark, ltr and rtl, 320 px wide', { timeout: 240_000 }, async () => {
  const layouts = ['bar-bottom', 'bar-top', 'box-bottom-left', 'box-bottom-right', 'box-center'];
  const differ = [];
  for (const layout of layouts) {
    for (const theme of ['light', 'dark']) {
      for (const lang of ['en', 'ar']) {
        const hold = holdUi();
        const s = await env.newPage({ contextOptions: { viewport: { width: 320, height: 640 }, reducedMotion: 'reduce' } });
        const config = { ...CONFIG, layout, theme, texts: { ar: AR } };
        await open(s, { config, lang });
        await animationsDone(s.page);
        assert.ok(await isEarly(s.page), `${layout} ${theme} ${lang}: early banner first`);
        const before = await s.page.screenshot();
        hold.release();
        await takenOver(s.page);
        await animationsDone(s.page);
        const after = await s.page.screenshot();
        if (!before.equals(after)) differ.push(`${layout}/${theme}/${lang}`);
        assert.equal(await s.page.evaluate(() => window.__shifts), 0, `${layout} ${theme} ${lang}: no layout shift`);
        s.assertNoErrors();
        await s.close();
        env.server.reset();
      }
    }
  }
  assert.deepEqual(differ, [], 'screenshots before and after the takeover are identical');
});

test('focus on an early button moves to the same button of the UI\'s banner', T, async () => {
  const hold = holdUi();
  const s = await env.newPage();
  const w = await open(s);
  await w.rejectAll.focus();
  hold.release();
  await takenOver(s.page);
  const focused = await s.page.evaluate(() => {
    const a = document.querySelector('optin-widget').shadowRoot.activeElement;
    return a && { hook: a.getAttribute('data-optin'), early: Boolean(a.closest('[data-early]')) };
  });
  assert.deepEqual(focused, { hook: 'reject-all', early: false });
  // The UI's banner does not slide in a second time.
  assert.equal(await w.banner.evaluate((el) => getComputedStyle(el).animationName), 'none');
  s.assertNoErrors();
});

test('axe finds nothing in the early banner, in light and dark', T, async () => {
  for (const theme of ['light', 'dark']) {
    const hold = holdUi();
    const s = await env.newPage({ contextOptions: { reducedMotion: 'reduce' } });
    await open(s, { config: { ...CONFIG, theme } });
    assert.ok(await isEarly(s.page));
    const result = await runAxe(s.page);
    assert.deepEqual(result.violations.map((v) => `${v.id}: ${v.help}`), [], `axe (${theme})`);
    hold.release();
    await s.close();
    env.server.reset();
  }
});

test('each language: the early banner speaks it before the UI\'s wasm arrives', { timeout: 120_000 }, async () => {
  const files = fs.readdirSync(path.join(DIST_DIR, 'lang')).map((f) => f.replace('.json', ''));
  assert.ok(files.length >= 7, 'the language files are built');
  for (const lang of ['en', ...files]) {
    const texts = lang === 'en' ? null : JSON.parse(fs.readFileSync(path.join(DIST_DIR, 'lang', `${lang}.json`), 'utf8'));
    const hold = holdUi({ files: ['/optin/optin-ui_bg.wasm'] });
    const s = await env.newPage();
    const w = await open(s, { lang });
    assert.ok(await isEarly(s.page), `${lang}: early`);
    assert.equal(hold.served, 0, `${lang}: the UI's wasm is still held`);
    const title = await w.banner.locator('#optin-banner-title').innerText();
    assert.equal(await w.banner.getAttribute('lang'), lang);
    if (texts) {
      assert.equal(title, texts.bannerTitle, `${lang}: its title`);
      assert.equal(await w.acceptAll.innerText(), texts.acceptAll, `${lang}: its accept button`);
    } else {
      assert.equal(title, 'We use cookies');
    }
    hold.release();
    await takenOver(s.page);
    assert.equal(await w.banner.locator('#optin-banner-title').innerText(), title, `${lang}: the UI says the same`);
    s.assertNoErrors();
    await s.close();
    env.server.reset();
  }
});

test('a config text with markup shows as text in the early banner', T, async () => {
  holdUi();
  const s = await env.newPage();
  const evil = '<img src=x onerror="window.__pwned=1"><b>bold</b>';
  const w = await open(s, { config: { ...CONFIG, texts: { en: { bannerTitle: evil } } } });
  assert.equal(await w.banner.locator('#optin-banner-title').innerText(), evil);
  assert.equal(await w.banner.locator('img, b').count(), 0, 'no element made from a text');
  assert.equal(await s.page.evaluate(() => window.__pwned), undefined);
});

test('under a strict CSP the early banner is styled and the takeover violates nothing', T, async () => {
  const hold = holdUi();
  const CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'";
  env.server.json('/p/csp-config.json', CONFIG);
  const doc = html({ configUrl: '/p/csp-config.json' }).replace('<link rel="icon" href="data:,">', '');
  env.server.page('/p/csp.html', doc, { headers: { 'content-security-policy': CSP } });
  const s = await env.newPage();
  await s.context.addInitScript(() => {
    window.__csp = [];
    document.addEventListener('securitypolicyviolation', (e) => window.__csp.push(e.violatedDirective), true);
  });
  await s.page.goto(env.server.url('/p/csp.html'));
  const w = widget(s.page);
  await w.banner.waitFor({ state: 'visible' });
  assert.ok(await isEarly(s.page));
  assert.equal(await w.banner.evaluate((el) => getComputedStyle(el).position), 'fixed', 'styled');
  const padding = await s.page.evaluate(() => document.documentElement.style.getPropertyValue('scroll-padding-bottom'));
  assert.match(padding, /^\d+px$/, 'the page scrolls focused elements clear of the early banner');
  hold.release();
  await takenOver(s.page);
  await w.rejectAll.click();
  await w.banner.waitFor({ state: 'detached' });
  assert.deepEqual(await s.page.evaluate(() => window.__csp), [], 'no securitypolicyviolation events');
  s.assertNoErrors();
});

test('a [data-optin-open] control is busy until the panel opens', T, async () => {
  const hold = holdUi();
  const s = await env.newPage();
  await open(s, { body: '<footer><a href="#" id="settings" data-optin-open>Cookie settings</a></footer>' });
  const link = s.page.locator('#settings');
  await link.click();
  assert.equal(await link.getAttribute('aria-busy'), 'true', 'busy to assistive technology');
  assert.equal(await link.evaluate((el) => getComputedStyle(el).cursor), 'progress', 'and to the eye');
  hold.release();
  await widget(s.page).preferences.waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await link.getAttribute('aria-busy'), null, 'not busy once open');
  assert.equal(await link.evaluate((el) => el.style.cursor), '', 'its own cursor back');
  s.assertNoErrors();
});

test('a choice made early takes away the banner and its scroll padding', T, async () => {
  holdUi();
  const s = await env.newPage();
  const w = await open(s, { config: { ...CONFIG, layout: 'bar-top' } });
  await s.page.waitForFunction(() => document.documentElement.style.getPropertyValue('scroll-padding-top') !== '');
  await s.page.evaluate(() => window.optin.rejectAll());
  await w.banner.waitFor({ state: 'detached' });
  const left = await s.page.evaluate(() => document.documentElement.style.cssText);
  assert.equal(left, '', 'no padding left behind');
  s.assertNoErrors();
});

test('optin.hide() takes the early banner away, and the UI does not bring it back', T, async () => {
  const hold = holdUi();
  const s = await env.newPage();
  const w = await open(s);
  // Its promise settles once the UI, still loading, has nothing showing either.
  await s.page.evaluate(() => {
    window.__hidden = window.optin.hide().then(() => 'hidden');
  });
  await w.banner.waitFor({ state: 'detached' });
  hold.release();
  assert.equal(await s.page.evaluate(() => window.__hidden), 'hidden');
  await sleep(300);
  assert.equal(await w.banner.count(), 0, 'still hidden');
  s.assertNoErrors();
});

test('a choice made before the UI arrived stops its download; the panel still opens later', T, async () => {
  const hold = holdUi({ files: ['/optin/optin-ui_bg.wasm'] });
  const s = await env.newPage();
  const w = await open(s, { body: gated('analytics', '/fixtures/analytics.js') });
  await s.page.waitForFunction(() => performance.getEntriesByType('resource').length >= 0);
  await w.acceptAll.click();
  await waitForRuns(s.page, 1);
  hold.release();
  await sleep(500);
  assert.equal(await s.page.evaluate(() => document.querySelector('optin-widget').shadowRoot.querySelectorAll('.optin').length), 0,
    'no UI rendered for a choice already made');
  await s.page.evaluate(() => window.optin.showPreferences());
  await w.preferences.waitFor({ state: 'visible', timeout: 15_000 });
  assert.ok(hold.requested >= 2, `the wasm was asked for again (${hold.requested} requests)`);
  s.assertNoErrors();
});
