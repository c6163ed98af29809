// The demo site (www/) as `make demo` serves it: the privacy statement's cookie landscape gated
// by the real widget, with the network watched.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { setupE2E, ROOT, DIST_DIR, widget, waitReady, storedConsent } from './harness.mjs';

const env = setupE2E();
const VENDOR = /^\/www\/vendor\//;

// As deployed: the site at /www/, dist/ copied to its optin/ folder.
function mountDemo() {
  if (!env.server.mounts.some((m) => m.prefix === '/www/')) {
    env.server.mounts.unshift(
      { prefix: '/www/optin/', dir: DIST_DIR },
      { prefix: '/www/', dir: path.join(ROOT, 'www') },
    );
  }
}

const demoRuns = (page) => page.evaluate(() => ({ ...(window.__optinDemoRuns || {}) }));

test('demo home: nothing third-party before consent; accept all runs every stand-in once', async () => {
  mountDemo();
  const s = await env.newPage();
  const w = widget(s.page);
  await s.page.goto(env.server.url('/www/index.html'));
  await w.banner.waitFor();
  assert.equal(env.server.requested(VENDOR), false, 'no stand-in requested before consent');
  assert.deepEqual(await demoRuns(s.page), {});
  assert.equal(await s.page.locator('#newsletter-optin').isChecked(), false, 'newsletter opt-in unticked');

  await w.acceptAll.click();
  await s.page.waitForFunction(() => Object.keys(window.__optinDemoRuns || {}).length >= 6);
  const runs = await demoRuns(s.page);
  for (const name of ['ga', 'linkedin', 'twitter', 'facebook', 'disqus', 'analytics-inline']) {
    assert.equal(runs[name], 1, `${name} ran once: ${JSON.stringify(runs)}`);
  }
  const cookies = (await s.context.cookies()).map((c) => c.name);
  for (const name of ['_ga', '_gid', 'session']) assert.ok(cookies.includes(name), `${name} in ${cookies}`);
  assert.equal((await storedConsent(s.page)).method, 'accept-all');
  s.assertNoErrors();
});

test('demo privacy page: config by URL; Cookie settings opens the panel; reject keeps analytics off', async () => {
  mountDemo();
  const s = await env.newPage();
  const w = widget(s.page);
  await s.page.goto(env.server.url('/www/privacy.html'));
  await w.banner.waitFor();
  await w.rejectAll.click();
  await waitReady(s.page);
  await s.page.waitForFunction(() => window.optin.consent() !== null);
  await s.page.locator('button[data-optin-open]').first().click();
  await w.preferences.waitFor();
  assert.equal(await w.checkbox('analytics').isChecked(), false);
  assert.equal(await w.checkbox('necessary').isChecked(), true);
  assert.equal(await w.checkbox('necessary').isDisabled(), true);
  assert.equal(env.server.requested(VENDOR), false, 'rejected: no stand-in ever requested');
  s.assertNoErrors();
});
