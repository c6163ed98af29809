// SRI suite (issue 14): Subresource Integrity of optin.js and of what it fetches. The build embeds
// the sha384 of optin-ui.js, optin-ui_bg.wasm and each lang/*.json in optin.js and lists them in
// dist/optin.sri.json (scripts/assemble-loader.mjs). A server that sends other bytes for any of
// them is refused by the browser: no banner from a foreign UI (so nothing gated runs), English
// instead of foreign texts, and the console names the file. From another origin (a CDN) the same
// works when the server sends CORS headers, and is refused when it does not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { setupE2E, html, widget, gated, runs, waitForRuns, settle, DIST_DIR } from './harness.mjs';

const MIME = { '.js': 'text/javascript; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json; charset=utf-8' };

const CDN = 'cdn.optin.test';
const env = setupE2E({ hostMap: { [CDN]: '127.0.0.1' } });
const T = { timeout: 60_000 };

const CONFIG = { categories: [{ id: 'necessary', required: true }, { id: 'analytics' }] };
const PAGE = { config: CONFIG, body: gated('analytics', '/fixtures/a.js') };
const sriOf = (bytes) => 'sha384-' + crypto.createHash('sha384').update(bytes).digest('base64');
const distFile = (f) => fs.readFileSync(path.join(DIST_DIR, f));
const sriJson = () => JSON.parse(distFile('optin.sri.json'));

/** Everything the console said, for failure messages. */
const dump = (s) => JSON.stringify(s.consoleMessages.map((m) => `${m.type}: ${m.text}`));

/** Serves other bytes at a widget file's URL (the harness's pages win over its dist/ mount). */
function tamper(file, edit) {
  env.server.page(`/optin/${file}`, edit(distFile(file)), { type: MIME[path.extname(file)] });
}

/** The browser's own refusal names the file; so the visitor's site owner can find it. */
function assertRefused(s, file) {
  assert.ok(
    s.consoleErrors.some((m) => m.text.includes(file) && /integrity/i.test(m.text)),
    `a console error names ${file} and its integrity: ${dump(s)}`,
  );
}

test('optin.sri.json: the sha384 of each dist file, as optin.js (the UI) and optin-ui.js (the language files) embed them', T, () => {
  const sri = sriJson();
  const langs = fs.readdirSync(path.join(DIST_DIR, 'lang')).sort().map((f) => `lang/${f}`);
  assert.deepEqual(Object.keys(sri).sort(), ['optin-ui.js', 'optin-ui_bg.wasm', 'optin.js', ...langs].sort());
  for (const [file, hash] of Object.entries(sri)) assert.equal(hash, sriOf(distFile(file)), `${file}'s hash is of its bytes in dist/`);
  // The language files' hashes travel with the UI (checked itself), not in every visit's optin.js.
  const loader = distFile('optin.js').toString('latin1');
  const ui = distFile('optin-ui.js').toString('utf8');
  for (const [file, hash] of Object.entries(sri)) {
    if (file === 'optin.js') continue;
    const carrier = file.startsWith('lang/') ? ['optin-ui.js', ui] : ['optin.js', loader];
    assert.ok(carrier[1].includes(hash), `${carrier[0]} carries ${file}'s hash`);
    if (file.startsWith('lang/')) assert.ok(!loader.includes(hash), `optin.js does not carry ${file}'s hash`);
  }
});

test('untouched files: optin.js with its integrity, the UI and German load checked, accept all runs the gated script', T, async () => {
  const sri = sriJson();
  const s = await env.newPage();
  env.server.page('/p/ok.html', html({ ...PAGE, lang: 'de', embedAttrs: `integrity="${sri['optin.js']}" crossorigin="anonymous"` }));
  await s.page.goto(env.server.url('/p/ok.html'));
  const w = widget(s.page);
  await w.banner.waitFor({ state: 'visible' });
  assert.equal((await w.acceptAll.textContent()).trim(), 'Alle akzeptieren', 'the checked German file is used');
  const tag = await s.page.evaluate(() => {
    const el = /** @type {HTMLScriptElement} */ (document.querySelector('script[src*="/optin-ui.js?v="]'));
    return el && { integrity: el.integrity, crossOrigin: el.crossOrigin };
  });
  assert.deepEqual(tag, { integrity: sri['optin-ui.js'], crossOrigin: 'anonymous' }, 'the UI script carries its hash');
  assert.deepEqual(await runs(s.page), [], 'nothing gated before the choice');
  await w.acceptAll.click();
  assert.deepEqual(await waitForRuns(s.page, 1), ['a']);
  s.assertNoErrors();
});

/** Only optin.js's own early banner shows: the UI (refused) never took it over. */
const onlyEarlyBanner = (page) =>
  page.evaluate(() => {
    const root = document.querySelector('optin-widget')?.shadowRoot;
    return root ? [...root.querySelectorAll('.optin')].map((el) => el.hasAttribute('data-early')) : [];
  });

test('a tampered optin-ui.js is refused: only the early banner, nothing gated runs, the console names the file', T, async () => {
  const s = await env.newPage();
  tamper('optin-ui.js', (b) => Buffer.concat([b, Buffer.from('\nwindow.__tampered = true;\n')]));
  env.server.page('/p/ui.html', html(PAGE));
  await s.page.goto(env.server.url('/p/ui.html'));
  await settle(s.page, 800);
  assert.deepEqual(await onlyEarlyBanner(s.page), [true], 'the banner optin.js shows itself, no UI');
  assert.equal(await s.page.evaluate(() => window.__tampered), undefined, 'the foreign code never ran');
  assert.deepEqual(await runs(s.page), [], 'nothing gated ran');
  assertRefused(s, 'optin-ui.js');
  await assert.rejects(s.page.evaluate(() => window.optin.showPreferences()), 'the panel cannot open either');
  assert.deepEqual(await runs(s.page), []);
});

test('a tampered optin-ui_bg.wasm is refused: only the early banner, nothing gated runs, the console names the file', T, async () => {
  const s = await env.newPage();
  tamper('optin-ui_bg.wasm', (b) => {
    const c = Buffer.from(b);
    c[c.length - 1] ^= 1;
    return c;
  });
  env.server.page('/p/wasm.html', html(PAGE));
  await s.page.goto(env.server.url('/p/wasm.html'));
  await settle(s.page, 800);
  assert.deepEqual(await onlyEarlyBanner(s.page), [true], 'the banner optin.js shows itself, no UI');
  assert.deepEqual(await runs(s.page), [], 'nothing gated ran');
  assertRefused(s, 'optin-ui_bg.wasm');
});

test('a tampered language file is refused: English, never the foreign texts, nothing gated before the choice', T, async () => {
  const s = await env.newPage();
  tamper('lang/de.json', (b) => Buffer.from(b.toString('utf8').replace('Alle akzeptieren', 'TAMPERED')));
  env.server.page('/p/lang.html', html({ ...PAGE, lang: 'de' }));
  await s.page.goto(env.server.url('/p/lang.html'));
  const w = widget(s.page);
  await w.banner.waitFor({ state: 'visible' });
  assert.equal((await w.acceptAll.textContent()).trim(), 'Accept all', 'English in place of the refused file');
  assert.ok(!(await w.banner.textContent()).includes('TAMPERED'), 'the foreign text never shows');
  assertRefused(s, 'lang/de.json');
  await settle(s.page);
  assert.deepEqual(await runs(s.page), [], 'nothing gated before the choice');
});

test('optin.js with a wrong integrity is not run at all', T, async () => {
  const s = await env.newPage();
  const wrong = sriOf(Buffer.from('not optin.js'));
  env.server.page('/p/wrong.html', html({ ...PAGE, embedAttrs: `integrity="${wrong}" crossorigin="anonymous"` }));
  await s.page.goto(env.server.url('/p/wrong.html'));
  await s.page.waitForTimeout(800);
  assert.equal(await s.page.evaluate(() => typeof window.optin), 'undefined', 'no window.optin');
  assert.deepEqual(await runs(s.page), [], 'nothing gated ran');
  assertRefused(s, 'optin.js');
});

/** Serves dist/ at http://cdn.optin.test:PORT/cdn/…, with or without CORS. */
function cdn({ cors }) {
  for (const f of ['optin.js', 'optin-ui.js', 'optin-ui_bg.wasm', 'lang/de.json']) {
    env.server.route(`/cdn/${f}`, (req, res) => {
      res.writeHead(200, {
        'content-type': MIME[path.extname(f)],
        'cache-control': 'no-store',
        ...(cors ? { 'access-control-allow-origin': '*' } : {}),
      });
      res.end(distFile(f));
    });
  }
  return `http://${CDN}:${env.server.port}/cdn/optin.js`;
}

test('from a CDN that sends CORS headers: optin.js and its files load checked, German, accept all runs', T, async () => {
  const s = await env.newPage();
  const src = cdn({ cors: true });
  env.server.page('/p/cdn.html', html({
    ...PAGE, lang: 'de', embed: false,
    head: `<script src="${src}" integrity="${sriJson()['optin.js']}" crossorigin="anonymous" defer></script>`,
  }));
  await s.page.goto(env.server.url('/p/cdn.html'));
  const w = widget(s.page);
  await w.banner.waitFor({ state: 'visible' });
  assert.equal((await w.acceptAll.textContent()).trim(), 'Alle akzeptieren');
  await w.acceptAll.click();
  assert.deepEqual(await waitForRuns(s.page, 1), ['a']);
  assert.ok(s.requestedPath('/cdn/optin-ui_bg.wasm') && s.requestedPath('/cdn/lang/de.json'), 'the files came from the CDN');
  s.assertNoErrors();
});

test('from a CDN without CORS headers the checked files are refused (README: a CDN must send them)', T, async () => {
  const s = await env.newPage();
  const src = cdn({ cors: false });
  env.server.page('/p/nocors.html', html({ ...PAGE, embed: false, head: `<script src="${src}" integrity="${sriJson()['optin.js']}" crossorigin="anonymous" defer></script>` }));
  await s.page.goto(env.server.url('/p/nocors.html'));
  await s.page.waitForTimeout(800);
  assert.equal(await s.page.evaluate(() => typeof window.optin), 'undefined', 'a checked cross-origin script needs CORS');
  assert.equal(await widget(s.page).banner.count(), 0);
  assert.deepEqual(await runs(s.page), []);
  assert.ok(s.consoleErrors.some((m) => /CORS|Access-Control-Allow-Origin/i.test(m.text)), `the console says why: ${dump(s)}`);
});
