#!/usr/bin/env node
// Side-by-side benchmark of optin, vanilla-cookieconsent and Klaro. See bench/README.md.
//
//   node bench/run.mjs [--runs N] [--profiles fast,phone] [--widgets optin,vanilla,klaro]
//                      [--kinds main,stress] [--json out.json] [--name latest] [--smoke]
//
// Every run uses a fresh browser context; widgets are interleaved (A B C A B C …) so that drift
// in the machine's speed spreads over all of them. Raw runs go to bench/results/<name>.json, the
// table to stdout and bench/results/<name>.md (name: latest, smoke runs smoke; `make bench-floor`
// names its run floor and adds the widget optin-floor).

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

import { startServer } from './server.mjs';
import { WIDGETS, EXTRA_WIDGETS, BASELINE, GATED, STRESS_COUNT, FIXTURES_DIR, DIST_DIR, pagePath } from './pages.mjs';
import {
  benchInit,
  collectInPage,
  applyProfile,
  trackNetwork,
  pageSignals,
  PROFILES,
  TRACE_CATEGORIES,
  longestTask,
  totalBlockingTime,
  cumulativeLayoutShift,
  longestLongtask,
} from './measure.mjs';
import { CHROMIUM_PATH, BASE_ARGS as CHROMIUM_ARGS } from '../scripts/chromium.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const RESULTS_DIR = path.join(HERE, 'results');
const VIEWPORT = { width: 1280, height: 720 };
let BANNER_TIMEOUT = 30_000; // 10 s in --smoke, so that a broken widget still fails fast
const SETTLE_MS = 1000; // after the banner is visible (CLS window) and after accept-all
const FIXTURE_PATHS = new Set(Object.values(GATED));

// The figures in the table, in order. `of(run)` reads one run's value (undefined: not measured).
const FIGURES = [
  { key: 'firstBytes', label: 'first visit: widget bytes (br)', unit: 'bytes', kind: 'main' },
  { key: 'returnBytes', label: 'returning visit: widget bytes (br)', unit: 'bytes', kind: 'main' },
  { key: 'bannerMs', label: 'banner visible (ms from nav start)', unit: 'ms', kind: 'main' },
  { key: 'tbtMs', label: 'TBT until banner visible (ms)', unit: 'ms', kind: 'main' },
  { key: 'firstAcceptMs', label: 'accept all in the banner\'s first frame → granted script ran (ms)', unit: 'ms', kind: 'main' },
  { key: 'gatedReturnMs', label: 'returning visit: granted script ran (ms)', unit: 'ms', kind: 'main' },
  { key: 'warmBytes', label: 'returning, warm cache: widget bytes (br)', unit: 'bytes', kind: 'main' },
  { key: 'gatedWarmMs', label: 'returning, warm cache: granted script ran (ms)', unit: 'ms', kind: 'main' },
  { key: 'cls', label: 'CLS until banner + 1 s', unit: 'cls', kind: 'main' },
  { key: 'leaks', label: 'gated leaks before consent (count)', unit: 'count', kind: 'main' },
  { key: 'stressLoadTaskMs', label: '500 gated: longest widget task at load (ms)', unit: 'ms', kind: 'stress' },
  { key: 'stressAcceptTaskMs', label: '500 gated: longest widget task at accept (ms)', unit: 'ms', kind: 'stress' },
  { key: 'stressLoadAnyMs', label: '500 gated: longest task of any kind at load (ms)', unit: 'ms', kind: 'stress' },
  { key: 'stressAcceptAnyMs', label: '500 gated: longest task of any kind at accept (ms)', unit: 'ms', kind: 'stress' },
  { key: 'stressAcceptDoneMs', label: '500 gated: click → all 500 ran (ms)', unit: 'ms', kind: 'stress' },
  { key: 'stressLeaks', label: '500 gated: leaks before consent (count)', unit: 'count', kind: 'stress' },
];

// ---------------------------------------------------------------------------------------------------
// Options

function options() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string' },
      profiles: { type: 'string' },
      widgets: { type: 'string' },
      kinds: { type: 'string' },
      json: { type: 'string' },
      name: { type: 'string' },
      smoke: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: node bench/run.mjs [--runs N] [--profiles fast,phone] [--widgets optin,vanilla,klaro,optin-floor] [--kinds main,stress] [--json out.json] [--name latest] [--smoke]');
    process.exit(0);
  }
  const smoke = values.smoke;
  const runs = smoke ? 1 : Number(values.runs ?? 7);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${values.runs}`);
  const profiles = smoke ? ['fast'] : (values.profiles ?? 'fast,phone').split(',').map((s) => s.trim()).filter(Boolean);
  for (const p of profiles) if (!PROFILES[p]) throw new Error(`unknown profile ${p} (known: ${Object.keys(PROFILES).join(', ')})`);
  const ids = (values.widgets ?? WIDGETS.map((w) => w.id).join(',')).split(',').map((s) => s.trim());
  const widgets = ids.map((id) => [...WIDGETS, ...EXTRA_WIDGETS].find((w) => w.id === id) || fail(`unknown widget ${id}`));
  // Only the stress run, for instance, when tuning the core's activation slice (bench/README.md).
  const kinds = (values.kinds ?? 'main,stress').split(',').map((k) => ({ main: mainRun, stress: stressRun })[k.trim()] || fail(`unknown kind ${k}`));
  const name = values.name ?? (smoke ? 'smoke' : 'latest');
  if (!/^[a-z0-9-]+$/.test(name)) throw new Error(`--name must be a plain file name, not ${name}`);
  return { smoke, runs, profiles, widgets, kinds, json: values.json, name };
}

function fail(msg) {
  throw new Error(msg);
}

// ---------------------------------------------------------------------------------------------------
// One session: fresh context, init script, CDP profile, network and error watchers.

/** A fresh context and page with the init script, signals, CDP and the profile; page errors go to `errors`. */
async function openSession(browser, widget, profile, errors = []) {
  const context = await browser.newContext({ viewport: VIEWPORT });
  await context.addInitScript(benchInit, { banner: widget.banner, stressCount: STRESS_COUNT });
  const signals = await pageSignals(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(`console.error: ${m.text()}`);
  });
  const cdp = await context.newCDPSession(page);
  const net = trackNetwork(cdp);
  await applyProfile(cdp, profile);
  return { context, page, cdp, net, errors, signals };
}

const isOwn = (widget, p) => widget.ownPrefixes.some((prefix) => p.startsWith(prefix));

/** The widget's own files in a slice of the server log: total body bytes and the list. */
function ownBytes(widget, log) {
  const files = log.filter((e) => isOwn(widget, e.path)).map((e) => ({ path: e.path, bytes: e.bytes, raw: e.rawBytes, status: e.status }));
  return { bytes: files.reduce((s, f) => s + f.bytes, 0), files };
}

/** Same from CDP: transfer sizes (encodedDataLength, headers included). */
function ownTransfer(widget, requests) {
  return requests.filter((r) => isOwn(widget, r.path)).reduce((s, r) => s + (r.transfer || 0), 0);
}

/**
 * Clicks the widget's accept-all button as a visitor would: a plain mouse click at its centre.
 * (Playwright's `click` also runs its own hit-target listeners in the page, inside the very task
 * whose length is measured.)
 */
async function clickAccept(page, widget) {
  const button = page.locator(widget.accept);
  // A widget may swap its banner for an identical one (optin's UI takes its early banner over):
  // the button found may be gone when measured, and the next look finds its successor.
  for (let attempt = 0; attempt < 3; attempt++) {
    await button.waitFor({ state: 'visible', timeout: 10_000 });
    const box = await button.boundingBox();
    if (box) return page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  }
  throw new Error(`the accept-all button (${widget.accept}) has no box`);
}

/** Opens `url` in the session's page, its signals from an earlier page forgotten. */
async function visit(s, url, waitUntil = 'commit') {
  s.signals.clear();
  await s.page.goto(url, { waitUntil, timeout: BANNER_TIMEOUT });
}

/** Until the named gated fixtures have all run (signals, the page untouched). */
function gatedRan(s, names, timeout = BANNER_TIMEOUT) {
  return Promise.all(names.map((name) => s.signals.wait(`ran:${name}`, timeout)));
}

/** Banner visible, the `load` event, then SETTLE_MS more. */
async function waitBanner(s) {
  await s.signals.wait('banner', BANNER_TIMEOUT);
  await s.page.waitForLoadState('load');
  await s.page.waitForTimeout(SETTLE_MS);
}

// ---------------------------------------------------------------------------------------------------
// The main run: first visit (banner, bytes, TBT, CLS, leaks), accept all, returning visit.

async function mainRun({ browser, server, widget, profile, run }) {
  const rec = { kind: 'main', widget: widget.id, profile, run, ok: false, error: null };
  const s = await openSession(browser, widget, profile);
  const url = server.url(pagePath(widget));
  let step = 'first visit';
  try {
    let mark = server.log.length;
    await visit(s, url);
    step = 'first visit: waiting for the banner';
    await waitBanner(s);
    const first = await s.page.evaluate(collectInPage);
    const firstLog = server.since(mark);
    const firstNet = s.net.take();
    const fixtureRequests = firstLog.filter((e) => FIXTURE_PATHS.has(e.path)).map((e) => e.path);
    const ranEarly = Object.keys(first.gatedRan);
    const own = ownBytes(widget, firstLog);
    rec.first = {
      ...own,
      transfer: ownTransfer(widget, firstNet),
      requests: firstNet.length,
      bannerFoundAt: first.bannerFoundAt,
      bannerAt: first.bannerAt,
      bannerRect: first.bannerRect,
      fcp: first.fcp,
      domContentLoaded: first.domContentLoaded,
      load: first.load,
      longtasks: first.longtasks,
      shifts: first.shifts,
      fixtureRequests,
      ranEarly,
    };
    rec.firstBytes = own.bytes;
    rec.bannerMs = first.bannerAt;
    rec.tbtMs = totalBlockingTime(first.longtasks, first.bannerAt);
    rec.cls = cumulativeLayoutShift(first.shifts, first.bannerAt + SETTLE_MS);
    rec.leaks = fixtureRequests.length + ranEarly.length;

    step = 'accept all';
    await clickAccept(s.page, widget);
    step = 'accept all: waiting for both gated scripts';
    await gatedRan(s, ['analytics', 'social'], 10_000);

    step = 'returning visit';
    mark = server.log.length;
    await visit(s, url);
    step = 'returning visit: waiting for the analytics script';
    await gatedRan(s, ['analytics']);
    await s.page.waitForLoadState('load');
    await s.page.waitForTimeout(SETTLE_MS); // anything the widget would still fetch is counted
    const ret = await s.page.evaluate(collectInPage);
    const retOwn = ownBytes(widget, server.since(mark));
    rec.returning = {
      ...retOwn,
      transfer: ownTransfer(widget, s.net.take()),
      gatedRan: ret.gatedRan,
      bannerAt: ret.bannerAt,
      load: ret.load,
    };
    rec.returnBytes = retOwn.bytes;
    rec.gatedReturnMs = ret.gatedRan.analytics;
    if (ret.bannerAt !== null) throw new Error(`the banner showed again on the returning visit (at ${ret.bannerAt.toFixed(0)} ms)`);

    // A visitor who comes back another day: the same profile with its HTTP cache on (the widget's
    // files are served with a year's max-age). One view fills the HTTP cache, a second one lets V8
    // store the scripts' compiled code (its code cache is written on a script's second run and used
    // from the third; a streamed .wasm's compiled code likewise); the third view is measured.
    step = 'returning visit, warm cache';
    await s.cdp.send('Network.setCacheDisabled', { cacheDisabled: false });
    for (let view = 0; view < 2; view++) {
      await visit(s, url, 'load');
      await gatedRan(s, ['analytics']);
      await s.page.waitForTimeout(300);
    }
    s.net.take();
    mark = server.log.length;
    await visit(s, url);
    await gatedRan(s, ['analytics']);
    await s.page.waitForLoadState('load');
    await s.page.waitForTimeout(SETTLE_MS);
    const warm = await s.page.evaluate(collectInPage);
    const warmOwn = ownBytes(widget, server.since(mark));
    rec.warm = { ...warmOwn, transfer: ownTransfer(widget, s.net.take()), gatedRan: warm.gatedRan, bannerAt: warm.bannerAt, load: warm.load };
    rec.warmBytes = warmOwn.bytes;
    rec.gatedWarmMs = warm.gatedRan.analytics;
    if (warm.bannerAt !== null) throw new Error('the banner showed again on the warm-cache visit');
    if (rec.firstBytes === 0 || rec.returnBytes === 0) throw new Error('no widget bytes were counted');
    step = 'accept in the first frame';
    rec.firstAcceptMs = await acceptInFirstFrame({ browser, server, widget, profile, errors: s.errors });
    const bad = [...own.files, ...retOwn.files].filter((f) => f.status !== 200);
    if (bad.length) throw new Error(`widget files failed: ${bad.map((f) => `${f.path} ${f.status}`).join(', ')}`);
    rec.ok = true;
  } catch (e) {
    rec.error = `${step}: ${firstLine(e)}`;
  } finally {
    rec.errors = s.errors;
    await s.context.close().catch(() => {});
  }
  return rec;
}

/**
 * A first visit in a fresh context whose visitor clicks "Accept all" the moment the banner shows
 * (its first frame): when, from navigation start, the granted analytics script ran. What a
 * visitor who decides at once waits for, whatever the widget still loads behind its banner.
 */
async function acceptInFirstFrame({ browser, server, widget, profile, errors }) {
  const s = await openSession(browser, widget, profile, errors);
  try {
    await visit(s, server.url(pagePath(widget)));
    await s.signals.wait('banner', BANNER_TIMEOUT);
    await clickAccept(s.page, widget);
    await gatedRan(s, ['analytics'], 10_000);
    return (await s.page.evaluate(collectInPage)).gatedRan.analytics;
  } finally {
    await s.context.close().catch(() => {});
  }
}

// ---------------------------------------------------------------------------------------------------
// The stress run: the page with 500 inline gated scripts; longest task at load and at accept-all
// (traced), and the time from the click until all 500 ran (in a second, untraced visit).

/** Clicks accept-all and waits until all the stress scripts ran and SETTLE_MS more. */
async function acceptStress(s, widget) {
  await clickAccept(s.page, widget);
  await s.signals.wait('stress', 20_000);
  await s.page.waitForTimeout(SETTLE_MS);
}

/** Leaks before the click: stress scripts that ran plus requests for the gated fixtures. */
function stressLeaks(before, log) {
  return before.gatedCount + Object.keys(before.gatedRan).length + log.filter((e) => FIXTURE_PATHS.has(e.path)).length;
}

/**
 * Runs `work`, traced if `traced` (TRACE_CATEGORIES), and returns the trace (null untraced). The
 * trace is stopped whatever `work` does.
 */
async function maybeTraced(browser, page, traced, work) {
  if (!traced) {
    await work();
    return null;
  }
  await browser.startTracing(page, { categories: TRACE_CATEGORIES });
  let trace = null;
  try {
    await work();
  } finally {
    trace = await browser.stopTracing().catch(() => null);
  }
  return trace;
}

/**
 * One visit of the stress page in a fresh context: load → banner visible + 1 s → accept all → all
 * ran → 1 s, each half traced if `traced`. Returns the page's records before and after the click,
 * the leaks before it and both traces; the page's errors go to `errors`, `step` names what runs.
 */
async function stressVisit({ browser, server, widget, profile, url, traced, errors, step }) {
  const label = traced ? 'traced visit' : 'untraced visit';
  const s = await openSession(browser, widget, profile, errors);
  try {
    const mark = server.log.length;
    step(`${label}: waiting for the banner`);
    const loadTrace = await maybeTraced(browser, s.page, traced, async () => {
      await visit(s, url);
      await waitBanner(s);
    });
    const before = await s.page.evaluate(collectInPage);
    const leaks = stressLeaks(before, server.since(mark));
    step(`${label}: accept all, waiting for ${STRESS_COUNT} gated scripts`);
    const acceptTrace = await maybeTraced(browser, s.page, traced, () => acceptStress(s, widget));
    const after = await s.page.evaluate(collectInPage);
    if (after.gatedCount !== STRESS_COUNT) throw new Error(`${after.gatedCount} of ${STRESS_COUNT} gated scripts ran after accept-all`);
    return { before, after, leaks, loadTrace, acceptTrace };
  } finally {
    await s.context.close().catch(() => {});
  }
}

async function stressRun({ browser, server, widget, profile, run }) {
  const rec = { kind: 'stress', widget: widget.id, profile, run, ok: false, error: null, errors: [] };
  const url = server.url(pagePath(widget, { stress: true }));
  let step = 'untraced visit';
  const visitOf = (traced) =>
    stressVisit({ browser, server, widget, profile, url, traced, errors: rec.errors, step: (name) => (step = name) });
  try {
    // Tracing slows what it watches, and unevenly: optin's click → all ran took about 1.6 times
    // as long traced as untraced, vanilla's about 1.25 times (README "Benchmark"). So the time is
    // taken in a visit with nothing but the profile, and the longest tasks in a traced one.
    const timed = await visitOf(false);
    const traced = await visitOf(true);
    const atLoad = longestTask(traced.loadTrace, url, widget.ownPrefixes);
    const atAccept = longestTask(traced.acceptTrace, url, widget.ownPrefixes);
    if (!atLoad || !atAccept) throw new Error("could not find the page's renderer main thread in the trace");
    const doneMs = (r) => (r.clickAt !== null && r.gatedLast !== null ? r.gatedLast - r.clickAt : undefined);
    const { before, after } = traced;
    rec.stressLeaks = timed.leaks + traced.leaks;
    rec.untraced = {
      clickAt: timed.after.clickAt,
      gatedLast: timed.after.gatedLast,
      longestLongtask: longestLongtask(timed.after.longtasks, timed.after.clickAt ?? 0),
    };
    rec.load = { bannerAt: before.bannerAt, trace: atLoad, longestLongtask: longestLongtask(before.longtasks), longtasks: before.longtasks };
    rec.accept = {
      clickAt: after.clickAt,
      gatedLast: after.gatedLast,
      gatedCount: after.gatedCount,
      trace: atAccept,
      longestLongtask: longestLongtask(after.longtasks, after.clickAt ?? 0),
      // Click → all ran while traced: not a figure (see above), kept to compare.
      doneTracedMs: doneMs(after),
    };
    rec.stressLoadTaskMs = atLoad.longestWidget;
    rec.stressAcceptTaskMs = atAccept.longestWidget;
    rec.stressLoadAnyMs = atLoad.longest;
    rec.stressAcceptAnyMs = atAccept.longest;
    rec.stressAcceptDoneMs = doneMs(timed.after);
    rec.ok = true;
  } catch (e) {
    rec.error = `${step}: ${firstLine(e)}`;
  }
  return rec;
}

function firstLine(e) {
  return String((e && e.message) || e).split('\n')[0];
}

// ---------------------------------------------------------------------------------------------------
// Statistics and the table

function stats(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = v.length >> 1;
  const median = v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
  return { median, min: v[0], max: v[v.length - 1], n: v.length };
}

function fmt(unit, x) {
  if (x === undefined || x === null) return '–';
  switch (unit) {
    case 'bytes':
      return `${(x / 1000).toFixed(1)} kB`;
    case 'ms':
      return x.toFixed(1);
    case 'cls':
      return x.toFixed(4);
    default:
      return String(Math.round(x));
  }
}

/** Rows of the summary: one per figure, widget and profile. */
function summarize(runs, { profiles, widgets }) {
  const rows = [];
  for (const profile of profiles) {
    for (const fig of FIGURES) {
      const of = (w) => stats(runs.filter((r) => r.kind === fig.kind && r.profile === profile && r.widget === w && r.ok).map((r) => r[fig.key]));
      const base = of(BASELINE);
      for (const w of widgets) {
        const st = of(w.id);
        let ratio = null;
        if (st && base && base.median !== 0) ratio = st.median / base.median;
        rows.push({ profile, figure: fig.key, label: fig.label, unit: fig.unit, widget: w.id, widgetLabel: w.label, ...(st || {}), ratio });
      }
    }
  }
  return rows;
}

function tableCells(r) {
  return [r.label, r.widgetLabel, fmt(r.unit, r.median), fmt(r.unit, r.min), fmt(r.unit, r.max), r.ratio === null ? '–' : `×${r.ratio.toFixed(2)}`, String(r.n ?? 0)];
}

const HEAD = ['figure', 'widget', 'median', 'min', 'max', 'vs vanilla', 'n'];

function textTable(rows, profile, runs) {
  const body = rows.filter((r) => r.profile === profile).map(tableCells);
  const widths = HEAD.map((h, i) => Math.max(h.length, ...body.map((c) => c[i].length)));
  const line = (cells) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  const out = [`profile ${profile} (${describeProfile(profile)}), ${runs} run(s) per widget`, line(HEAD), widths.map((w) => '-'.repeat(w)).join('  ')];
  let last = null;
  for (const c of body) {
    out.push(line(c[0] === last ? ['', ...c.slice(1)] : c));
    last = c[0];
  }
  return out.join('\n');
}

function markdownTable(rows, profile) {
  const body = rows.filter((r) => r.profile === profile).map(tableCells);
  const out = [`| ${HEAD.join(' | ')} |`, `|${HEAD.map((_, i) => (i < 2 ? ' --- ' : ' ---: ')).join('|')}|`];
  for (const c of body) out.push(`| ${c.join(' | ')} |`);
  return out.join('\n');
}

function describeProfile(name) {
  const p = PROFILES[name];
  if (!p.network && p.cpuRate === 1) return 'no throttling';
  const parts = [`CPU ×${p.cpuRate}`];
  if (p.network) {
    parts.push(`${p.network.latency} ms latency`, `${(p.network.downloadThroughput * 8) / 1e6} Mbit/s down`, `${(p.network.uploadThroughput * 8) / 1e3} kbit/s up`);
  }
  return parts.join(', ');
}

// ---------------------------------------------------------------------------------------------------
// Environment

function sh(cmd, args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

function distStamp() {
  const out = {};
  for (const f of ['optin.js', 'optin-ui.js', 'optin-ui_bg.wasm']) {
    try {
      const buf = fs.readFileSync(path.join(DIST_DIR, f));
      out[f] = { size: buf.length, sha256: crypto.createHash('sha256').update(buf).digest('hex').slice(0, 16) };
    } catch {
      out[f] = null;
    }
  }
  return out;
}

function environment(browserVersion) {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const model = (cpuinfo.match(/^model name\s*:\s*(.+)$/m) || [])[1] || 'unknown';
  const pkg = (name) => {
    try {
      return JSON.parse(fs.readFileSync(path.join(ROOT, 'node_modules', name, 'package.json'), 'utf8')).version;
    } catch {
      return null;
    }
  };
  return {
    date: sh('date', ['-u']) || new Date().toUTCString(),
    nproc: Number(sh('nproc', [])) || os.availableParallelism(),
    cpu: model.trim(),
    chromium: sh(CHROMIUM_PATH, ['--version']) || `Chromium ${browserVersion}`,
    browserVersion,
    node: process.version,
    git: sh('git', ['-C', ROOT, 'describe', '--always', '--dirty']),
    packages: { 'playwright-core': pkg('playwright-core'), 'vanilla-cookieconsent': pkg('vanilla-cookieconsent'), klaro: pkg('klaro') },
  };
}

// ---------------------------------------------------------------------------------------------------
// Main

async function main() {
  const opts = options();
  if (opts.smoke) BANNER_TIMEOUT = 10_000;
  const started = Date.now();
  if (!fs.existsSync(path.join(DIST_DIR, 'optin.js')) && opts.widgets.some((w) => w.id === 'optin')) {
    throw new Error(`${path.join(DIST_DIR, 'optin.js')} is missing: build the widget first (make dist)`);
  }
  if (!fs.existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}`);

  const server = await startServer({
    mounts: [...opts.widgets.flatMap((w) => w.mounts), { prefix: '/fixtures/', dir: FIXTURES_DIR }],
  });
  for (const w of opts.widgets) {
    server.page(pagePath(w), w.page());
    server.page(pagePath(w, { stress: true }), w.page({ stress: true }));
  }
  // Everything the pages load, compressed up front (and again whenever a file changes, e.g. a
  // rebuilt dist/) so that no measured request waits for brotli.
  const assets = [...opts.widgets.flatMap((w) => [pagePath(w), pagePath(w, { stress: true }), ...w.assets]), ...Object.values(GATED)];
  const missing = server.warm(assets);
  if (missing.length) throw new Error(`missing files: ${missing.join(', ')}`);
  const pageBytes = Object.fromEntries(
    opts.widgets.map((w) => [w.id, { page: server.sizes(pagePath(w)), stressPage: server.sizes(pagePath(w, { stress: true })) }]),
  );
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS });
  const env = environment(browser.version());
  const distBefore = distStamp();
  const runs = [];
  const log = (msg) => process.stdout.write(`${msg}\n`);

  const describe = (r) => {
    if (!r.ok) return `FAILED: ${r.error}${r.errors.length ? ` [page: ${r.errors[0]}]` : ''}`;
    if (r.kind === 'main') {
      return `banner ${fmt('ms', r.bannerMs)} ms, ${fmt('bytes', r.firstBytes)} / return ${fmt('bytes', r.returnBytes)}, granted ran ${fmt('ms', r.gatedReturnMs)} ms (warm cache ${fmt('ms', r.gatedWarmMs)} ms, ${fmt('bytes', r.warmBytes)}), TBT ${fmt('ms', r.tbtMs)}, CLS ${fmt('cls', r.cls)}, leaks ${r.leaks}`;
    }
    return `500 gated: longest widget task load ${fmt('ms', r.stressLoadTaskMs)} / accept ${fmt('ms', r.stressAcceptTaskMs)} ms (any task ${fmt('ms', r.stressLoadAnyMs)} / ${fmt('ms', r.stressAcceptAnyMs)}), all ran ${fmt('ms', r.stressAcceptDoneMs)} ms after click, leaks ${r.stressLeaks}`;
  };

  try {
    // Warm-up (not recorded): one main run per widget, so the first recorded run does not pay
    // for the browser's own start-up.
    if (!opts.smoke) {
      log('warm-up (not recorded) …');
      for (const widget of opts.widgets) await mainRun({ browser, server, widget, profile: 'fast', run: -1 });
    }
    for (const profile of opts.profiles) {
      for (let run = 0; run < opts.runs; run++) {
        for (const kind of opts.kinds) {
          for (const widget of opts.widgets) {
            server.warm(assets);
            const r = await kind({ browser, server, widget, profile, run });
            runs.push(r);
            log(`[${profile} ${run + 1}/${opts.runs}] ${widget.label.padEnd(21)} ${r.kind.padEnd(6)} ${describe(r)}`);
          }
        }
      }
    }
  } finally {
    await browser.close().catch(() => {});
    await server.close();
  }

  const distAfter = distStamp();
  const elapsed = (Date.now() - started) / 1000;
  const meta = {
    ...env,
    mode: opts.smoke ? 'smoke' : 'full',
    runsPerWidget: opts.runs,
    profiles: Object.fromEntries(opts.profiles.map((p) => [p, PROFILES[p]])),
    widgets: opts.widgets.map((w) => w.id),
    baseline: BASELINE,
    viewport: VIEWPORT,
    chromiumArgs: CHROMIUM_ARGS,
    distDir: DIST_DIR,
    dist: distBefore,
    // The pages themselves (HTML with any inline config; not counted as widget bytes).
    pageBytes,
    distChangedDuringRun: JSON.stringify(distBefore) !== JSON.stringify(distAfter),
    elapsedSeconds: elapsed,
  };
  const rows = summarize(runs, opts);

  // Output ------------------------------------------------------------------------------------------
  log('');
  for (const p of opts.profiles) log(`${textTable(rows, p, opts.runs)}\n`);
  const failures = runs.filter((r) => !r.ok);
  const leaky = runs.filter((r) => (r.leaks || 0) + (r.stressLeaks || 0) > 0);
  for (const r of failures) log(`failed: ${r.widget} ${r.kind} (${r.profile} run ${r.run + 1}): ${r.error}`);
  for (const r of leaky) log(`LEAK: ${r.widget} ${r.kind} (${r.profile} run ${r.run + 1}): ${JSON.stringify({ leaks: r.leaks, stressLeaks: r.stressLeaks, fixtureRequests: r.first?.fixtureRequests, ran: r.first?.ranEarly })}`);
  if (meta.distChangedDuringRun) log('warning: dist/ changed during the run; optin figures may mix two builds');
  log(`${env.date} · ${env.nproc} CPUs · ${env.cpu} · ${env.chromium} · ${elapsed.toFixed(0)} s`);

  fs.mkdirSync(RESULTS_DIR, { recursive: true });
  const base = opts.name;
  const raw = { meta, summary: rows, runs };
  fs.writeFileSync(path.join(RESULTS_DIR, `${base}.json`), `${JSON.stringify(raw, null, 2)}\n`);
  if (opts.json) fs.writeFileSync(path.resolve(opts.json), `${JSON.stringify(raw, null, 2)}\n`);
  fs.writeFileSync(path.join(RESULTS_DIR, `${base}.md`), markdown(meta, rows, opts, failures, leaky));

  if (opts.smoke) {
    const failedWidgets = opts.widgets.filter((w) => runs.some((r) => r.widget === w.id && (!r.ok || (r.leaks || 0) + (r.stressLeaks || 0) > 0)));
    log(`bench smoke: ${opts.widgets.length - failedWidgets.length} passed, ${failedWidgets.length} failed`);
    process.exitCode = failedWidgets.length ? 1 : 0;
  } else if (failures.length || leaky.length) {
    process.exitCode = 1;
  }
}

function markdown(meta, rows, opts, failures, leaky) {
  const out = [
    `# optin benchmark (${meta.mode})`,
    '',
    `- Date: ${meta.date}`,
    `- Machine: ${meta.nproc} CPUs (\`nproc\`), ${meta.cpu}`,
    `- Browser: ${meta.chromium} (headless, ${meta.viewport.width}×${meta.viewport.height})`,
    `- Node ${meta.node}; playwright-core ${meta.packages['playwright-core']}, vanilla-cookieconsent ${meta.packages['vanilla-cookieconsent']}, klaro ${meta.packages.klaro}`,
    `- optin: git ${meta.git ?? '?'}, ${meta.distDir.startsWith(ROOT + path.sep) ? path.relative(ROOT, meta.distDir) : meta.distDir}/: ${Object.entries(meta.dist).map(([f, v]) => `${f} ${v ? `${v.size} B` : 'missing'}`).join(', ')}${meta.distChangedDuringRun ? ' (**dist changed during the run**)' : ''}`,
    `- Pages (HTML incl. inline config, br; not counted as widget bytes): ${Object.entries(meta.pageBytes).map(([w, v]) => `${w} ${fmt('bytes', v.page?.br)}`).join(', ')}`,
    `- ${opts.runs} run(s) per widget and profile, interleaved; ratios are medians over vanilla-cookieconsent's median in the same run; n = successful runs`,
    `- Took ${meta.elapsedSeconds.toFixed(0)} s`,
    '',
  ];
  for (const p of opts.profiles) {
    out.push(`## Profile \`${p}\` (${describeProfile(p)})`, '', markdownTable(rows, p), '');
  }
  if (failures.length || leaky.length) {
    out.push('## Problems', '');
    for (const r of failures) out.push(`- failed: ${r.widget} ${r.kind} (${r.profile} run ${r.run + 1}): ${r.error}`);
    for (const r of leaky) out.push(`- leak: ${r.widget} ${r.kind} (${r.profile} run ${r.run + 1})`);
    out.push('');
  }
  out.push('See bench/README.md for what each figure means and how each widget is configured.', '');
  return out.join('\n');
}

main().catch((e) => {
  console.error(e && e.stack ? e.stack : e);
  process.exitCode = 2;
});
