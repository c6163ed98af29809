// Screenshots of the widget for the docs: `node scripts/screenshots.mjs`.
//
// Builds nothing: serves the demo site (www/) with the built dist/ mounted at /optin/ (as
// www/index.html expects it, next to the page) from 127.0.0.1, opens it in Debian's headless
// Chromium, and saves the banner and the preferences panel, light and dark, desktop and mobile:
// docs/screenshots/{banner,panel}-{light,dark}-{desktop,mobile}.png. Prints the files it wrote.
//
// OPTIN_DIST overrides dist/, OPTIN_CHROMIUM the browser (see scripts/chromium.mjs).

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { CHROMIUM_PATH, BASE_ARGS, animationsDone } from './chromium.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = process.env.OPTIN_DIST ? path.resolve(process.env.OPTIN_DIST) : path.join(ROOT, 'dist');
const WWW = path.join(ROOT, 'www');
const OUT = path.join(ROOT, 'docs', 'screenshots');

const THEMES = ['light', 'dark'];
const DEVICES = {
  desktop: { viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1 },
  mobile: { viewport: { width: 375, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
};

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

// /optin/* -> dist/, everything else -> www/ (index.html for /).
function serve() {
  const mounts = [['/optin/', DIST], ['/', WWW]];
  const server = http.createServer(async (req, res) => {
    let pathname;
    try { pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname); } catch { pathname = '/'; }
    if (pathname.endsWith('/')) pathname += 'index.html';
    if (pathname === '/favicon.ico') { res.writeHead(204); return res.end(); }
    for (const [prefix, dir] of mounts) {
      if (!pathname.startsWith(prefix)) continue;
      const file = path.resolve(dir, pathname.slice(prefix.length));
      if (!file.startsWith(dir + path.sep)) break;
      try {
        const data = await fs.promises.readFile(file);
        res.writeHead(200, { 'content-type': MIME[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
        return res.end(data);
      } catch { break; }
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('404');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

async function main() {
  if (!fs.existsSync(path.join(DIST, 'optin.js'))) {
    throw new Error(`${path.join(DIST, 'optin.js')} is missing: build the widget first (make dist)`);
  }
  fs.mkdirSync(OUT, { recursive: true });
  const server = await serve();
  const url = `http://127.0.0.1:${server.address().port}/index.html`;
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...BASE_ARGS] });
  const written = [];
  try {
    for (const theme of THEMES) {
      for (const [device, options] of Object.entries(DEVICES)) {
        const context = await browser.newContext({ ...options, colorScheme: theme, reducedMotion: 'reduce' });
        const page = await context.newPage();
        const errors = [];
        page.on('pageerror', (e) => errors.push(e.message));
        page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
        page.on('response', (r) => { if (r.status() >= 400) errors.push(`HTTP ${r.status()} ${r.url()}`); });
        try {
          await page.goto(url);
          const banner = page.locator('[data-optin="banner"]');
          await banner.waitFor({ state: 'visible', timeout: 15_000 });
          await page.evaluate(() => document.fonts.ready);
          await animationsDone(page);
          const shots = [['banner', null]];
          shots.push(['panel', async () => {
            await banner.locator('[data-optin="preferences-open"]').click();
            await page.locator('[data-optin="preferences"]').waitFor({ state: 'visible', timeout: 5_000 });
            await page.mouse.move(0, 0); // no hover state in the picture
            await animationsDone(page);
          }]);
          for (const [view, prepare] of shots) {
            if (prepare) await prepare();
            const file = path.join(OUT, `${view}-${theme}-${device}.png`);
            await page.screenshot({ path: file });
            written.push(path.relative(ROOT, file));
          }
          if (errors.length) throw new Error(`errors on the page: ${errors.join('; ')}`);
        } finally {
          await context.close();
        }
      }
    }
  } finally {
    await browser.close();
    server.close();
  }
  for (const f of written) console.log(f);
}

main().catch((e) => {
  console.error(e && e.stack || e);
  process.exitCode = 1;
});
