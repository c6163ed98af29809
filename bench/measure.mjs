// What the benchmark measures inside the page, and the DevTools-protocol helpers around it.
//
// - benchInit: an init script (runs before any page script, in every document of a context) that
//   records long tasks and layout shifts (buffered PerformanceObservers), the first trusted click,
//   and polls every animation frame for the banner until it is visible; it signals the banner and
//   the gated scripts to the harness (pageSignals), which therefore never polls the page.
// - PROFILES / applyProfile: CPU and network throttling through CDP.
// - trackNetwork: per-request transfer sizes from CDP (Network.loadingFinished encodedDataLength).
// - longestTask: the longest main-thread task of the page's renderer in a Chromium trace, of all
//   tasks and of those that run the widget's code.

/**
 * Runs in the page. `banner.host` (optional) is a shadow host to look inside; `banner.selector`
 * finds the banner. The banner counts as visible in the first animation frame where it is
 * connected, rendered (checkVisibility: not display:none, not visibility:hidden, opacity > 0 on
 * it and every ancestor, shadow hosts included), has a non-empty box and intersects the viewport.
 * Results live in window.__bench (times are performance.now(), ms since navigation start).
 * Signals (pageSignals): `banner`, `ran:<category>` when a gated fixture records itself in
 * `window.__gatedRan`, and `stress` when the stress page's `stressCount`-th script counted itself.
 */
export function benchInit({ banner, stressCount }) {
  if (window.top !== window) return;
  const signal = (what) => {
    try {
      window.__benchSignal(what);
    } catch {}
  };
  // What the fixtures write, seen as they write it: a proxy (`in` and spreading still see only what
  // was set) and an accessor for the stress scripts' counter.
  window.__gatedRan = new Proxy(
    {},
    {
      set(target, key, value) {
        target[key] = value;
        signal(`ran:${String(key)}`);
        return true;
      },
    },
  );
  let count;
  Object.defineProperty(window, '__gatedCount', {
    configurable: true,
    get: () => count,
    set: (value) => {
      count = value;
      if (value === stressCount) signal('stress');
    },
  });
  const b = (window.__bench = {
    bannerFoundAt: null, // first frame the element exists (visible or not)
    bannerAt: null,
    bannerRect: null,
    clickAt: null,
    longtasks: [],
    shifts: [],
    frames: 0,
  });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longtasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch {}
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (!e.hadRecentInput) b.shifts.push({ start: e.startTime, value: e.value });
      }
    }).observe({ type: 'layout-shift', buffered: true });
  } catch {}
  // `click` is composed, so clicks inside an open shadow root reach the document too.
  document.addEventListener(
    'click',
    (e) => {
      if (e.isTrusted && b.clickAt === null) b.clickAt = performance.now();
    },
    true,
  );

  const find = () => {
    let root = document;
    if (banner.host) {
      const host = document.querySelector(banner.host);
      root = host && host.shadowRoot;
      if (!root) return null;
    }
    return root.querySelector(banner.selector);
  };
  const visible = (el) => {
    if (!el.isConnected) return false;
    const shown = el.checkVisibility({
      opacityProperty: true,
      visibilityProperty: true,
      checkOpacity: true,
      checkVisibilityCSS: true,
    });
    if (!shown) return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.bottom > 0 && r.right > 0 && r.top < innerHeight && r.left < innerWidth;
  };
  const GIVE_UP_MS = 30000;
  const tick = () => {
    b.frames++;
    const el = find();
    if (el && b.bannerFoundAt === null) b.bannerFoundAt = performance.now();
    if (el && visible(el)) {
      b.bannerAt = performance.now();
      const r = el.getBoundingClientRect();
      b.bannerRect = { x: r.x, y: r.y, width: r.width, height: r.height };
      signal('banner');
      return;
    }
    if (performance.now() < GIVE_UP_MS) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
}

/** Everything the run needs from the page after a visit (runs in the page). */
export function collectInPage() {
  const b = window.__bench || {};
  const nav = performance.getEntriesByType('navigation')[0];
  const fcp = performance.getEntriesByName('first-contentful-paint')[0];
  return {
    bannerFoundAt: b.bannerFoundAt ?? null,
    bannerAt: b.bannerAt ?? null,
    bannerRect: b.bannerRect ?? null,
    clickAt: b.clickAt ?? null,
    longtasks: b.longtasks || [],
    shifts: b.shifts || [],
    frames: b.frames || 0,
    gatedRan: window.__gatedRan ? { ...window.__gatedRan } : {},
    gatedCount: window.__gatedCount | 0,
    gatedLast: window.__gatedLast ?? null,
    fcp: fcp ? fcp.startTime : null,
    domContentLoaded: nav ? nav.domContentLoadedEventEnd : null,
    load: nav ? nav.loadEventEnd : null,
    now: performance.now(),
  };
}

/**
 * What benchInit signals, as the harness waits for it. Waiting never touches the page: polling
 * would. Playwright's `waitForFunction` first evaluates Playwright's injected script in the page
 * (about 28 ms of main-thread work under 4× CPU throttling), wherever the page happens to be, and
 * then a poll every few ms; a CDP `Runtime.evaluate` every 250 ms between optin's activation
 * slices made the 500-gated click → all ran 30 % longer (README "Benchmark"). A binding
 * (`Runtime.addBinding`) costs the page one call when something happened. `clear()` before each
 * navigation; `wait(what)` also resolves for a signal that came before it was called.
 */
export async function pageSignals(context) {
  const seen = new Set();
  const waiting = new Map();
  await context.exposeBinding('__benchSignal', (_source, what) => {
    seen.add(what);
    for (const resolve of waiting.get(what) || []) resolve();
    waiting.delete(what);
  });
  return {
    clear: () => seen.clear(),
    wait(what, timeout = 30_000) {
      if (seen.has(what)) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${what} signal from the page within ${timeout} ms`)), timeout);
        const done = () => {
          clearTimeout(timer);
          resolve();
        };
        waiting.set(what, [...(waiting.get(what) || []), done]);
      });
    },
  };
}

// Profiles ------------------------------------------------------------------------------------------

export const PROFILES = {
  fast: { cpuRate: 1, network: null },
  // Network.emulateNetworkConditions takes bytes per second: 1.6 Mbit/s down, 750 kbit/s up.
  phone: {
    cpuRate: 4,
    network: { offline: false, latency: 150, downloadThroughput: 1_600_000 / 8, uploadThroughput: 750_000 / 8 },
  },
};

/** Network on, HTTP cache off (every visit downloads for real), then the profile's throttling. */
export async function applyProfile(cdp, name) {
  const profile = PROFILES[name];
  if (!profile) throw new Error(`unknown profile ${name} (known: ${Object.keys(PROFILES).join(', ')})`);
  await cdp.send('Network.enable');
  await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: profile.cpuRate });
  if (profile.network) await cdp.send('Network.emulateNetworkConditions', profile.network);
}

// Network -------------------------------------------------------------------------------------------

/**
 * Records every request the page makes, with its transfer size once finished (encodedDataLength:
 * what came over the wire for it, headers included). `take()` returns and forgets the list.
 */
export function trackNetwork(cdp) {
  const requests = new Map();
  cdp.on('Network.requestWillBeSent', (e) => {
    let path = e.request.url;
    try {
      path = new URL(e.request.url).pathname;
    } catch {}
    requests.set(e.requestId, { url: e.request.url, path, transfer: null, failed: null });
  });
  cdp.on('Network.loadingFinished', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.transfer = e.encodedDataLength;
  });
  cdp.on('Network.loadingFailed', (e) => {
    const r = requests.get(e.requestId);
    if (r) r.failed = e.errorText || 'failed';
  });
  return {
    take() {
      const list = [...requests.values()];
      requests.clear();
      return list;
    },
  };
}

// Long tasks ----------------------------------------------------------------------------------------

/**
 * Trace categories for longestTask: RunTask events, the frame → renderer process mapping, and the
 * script events (EvaluateScript, FunctionCall, v8.compile) that say whose code a task ran.
 */
export const TRACE_CATEGORIES = ['disabled-by-default-devtools.timeline', 'devtools.timeline', '__metadata'];
const SCRIPT_EVENTS = new Set(['EvaluateScript', 'FunctionCall', 'v8.compile']);

/**
 * The longest task (ms) on the main thread of the renderer that shows `pageUrl`, in a trace taken
 * with TRACE_CATEGORIES. `longest` counts every task, including the browser's own (navigation,
 * the page's first layout) and the harness's; `longestWidget` only tasks that run code from the
 * widget's files (`ownPrefixes`) or the page's inline scripts (a widget's setup call, the gated
 * scripts it runs). Returns { longest, over50, tasks, longestWidget, widgetTasks, widgetTop } or
 * null if the renderer is not found; `widgetTop` lists the three longest widget tasks and whose
 * code each ran (`FunctionCall optin-ui.js …`), which says where to look when a figure grows.
 */
export function longestTask(traceBuffer, pageUrl, ownPrefixes = []) {
  const parsed = JSON.parse(traceBuffer.toString('utf8'));
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents || [];
  const strip = (u) => String(u || '').replace(/#.*$/, '');
  const pids = new Set();
  for (const e of events) {
    if (e.name === 'TracingStartedInBrowser') {
      for (const f of e.args?.data?.frames || []) {
        if (strip(f.url) === strip(pageUrl) && f.processId) pids.add(f.processId);
      }
    } else if (e.name === 'FrameCommittedInBrowser') {
      const d = e.args?.data || {};
      if (strip(d.url) === strip(pageUrl) && d.processId && d.isOutermostMainFrame !== false) pids.add(d.processId);
    }
  }
  const mainThreads = new Set(
    events
      .filter((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain' && pids.has(e.pid))
      .map((e) => `${e.pid}:${e.tid}`),
  );
  if (mainThreads.size === 0) return null;
  const onMain = (e) => mainThreads.has(`${e.pid}:${e.tid}`);
  const widgetCode = (url) => {
    if (!url) return false;
    if (strip(url) === strip(pageUrl)) return true;
    try {
      const p = new URL(url).pathname;
      return ownPrefixes.some((prefix) => p.startsWith(prefix));
    } catch {
      return false;
    }
  };
  const scripts = events
    .filter((e) => SCRIPT_EVENTS.has(e.name) && onMain(e) && widgetCode(e.args?.data?.url))
    .sort((a, b) => a.ts - b.ts);
  const scriptTimes = scripts.map((e) => e.ts);
  const runsWidgetCode = (task) => {
    // First script event at or after the task's start: inside the task if it starts before its end.
    let lo = 0;
    let hi = scriptTimes.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (scriptTimes[mid] < task.ts) lo = mid + 1;
      else hi = mid;
    }
    return lo < scriptTimes.length && scriptTimes[lo] <= task.ts + (task.dur || 0) ? lo : -1;
  };
  // What a widget task ran, for the raw JSON: `EvaluateScript optin.js`, `FunctionCall optin-ui.js`…
  const ran = (task, first) => {
    const seen = new Set();
    for (let i = first; i < scripts.length && scripts[i].ts <= task.ts + (task.dur || 0); i++) {
      const d = scripts[i].args.data;
      seen.add(`${scripts[i].name} ${String(d.url).split('/').pop()}${d.functionName ? ` ${d.functionName}` : ''}`);
    }
    return [...seen];
  };
  const widgetList = [];
  let longest = 0;
  let over50 = 0;
  let tasks = 0;
  let longestWidget = 0;
  let widgetTasks = 0;
  for (const e of events) {
    if (e.name !== 'RunTask' || e.ph !== 'X' || !onMain(e)) continue;
    const ms = (e.dur || 0) / 1000;
    tasks++;
    if (ms > longest) longest = ms;
    if (ms > 50) over50++;
    const first = runsWidgetCode(e);
    if (first >= 0) {
      widgetTasks++;
      if (ms > longestWidget) longestWidget = ms;
      widgetList.push({ ms, first, task: e });
    }
  }
  const widgetTop = widgetList
    .sort((a, b) => b.ms - a.ms)
    .slice(0, 3)
    .map((t) => ({ ms: Math.round(t.ms * 10) / 10, ran: ran(t.task, t.first) }));
  return { longest, over50, tasks, longestWidget, widgetTasks, widgetTop };
}

// Summaries of the in-page records -------------------------------------------------------------------

/** Total blocking time of the long tasks that started before `until` (ms). */
export function totalBlockingTime(longtasks, until) {
  return longtasks.filter((t) => t.start < until).reduce((sum, t) => sum + Math.max(0, t.duration - 50), 0);
}

/** Sum of the layout shifts (without recent input) that started up to `until`. */
export function cumulativeLayoutShift(shifts, until) {
  return shifts.filter((s) => s.start <= until).reduce((sum, s) => sum + s.value, 0);
}

/** Longest long task (≥ 50 ms, the only ones the API reports) in [from, to), 0 if none. */
export function longestLongtask(longtasks, from = 0, to = Infinity) {
  return longtasks.filter((t) => t.start >= from && t.start < to).reduce((m, t) => Math.max(m, t.duration), 0);
}
