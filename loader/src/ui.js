// @ts-check
// ui.js: the banner and panel (optin-ui.js + optin-ui_bg.wasm, global `optin_ui`) and the
// visitor's language file, fetched from next to optin.js only when they must show. Returning
// visitors never download them; on a first visit they start before the core has even booted.
// Each is checked against the sha384 the build embedded (scripts/assemble-loader.mjs): the UI's two
// files' in optin.js (`INTEGRITY`), the language files' in optin-ui.js (`optin_ui.sri`, itself
// checked), so returning visitors do not download hashes only a banner needs. A CDN or folder
// serving other bytes is refused by the browser, so no banner (or no foreign texts) rather than
// code optin did not ship. Cross-origin, that needs CORS from the server.
// Each URL carries `?v=` and the start of that hash, so a new build is a new URL: a server can send
// these files with a year's `Cache-Control: immutable` (README "Serving dist/"), while optin.js,
// the one URL a site's pages name, keeps a short lifetime.

/**
 * A fetched file's URL, versioned by its content (the hash the build embedded; 16 base64 chars,
 * 96 bits, are as unique as the whole hash for a cache key).
 * @param {string} file
 * @param {string} hash
 */
function versioned(file, hash) {
  return base + file + '?v=' + encodeURIComponent(hash.slice(7, 23));
}

/** @type {Promise<typeof optin_ui> | null} */
var ui = null;
/** optin-ui.js has run (the language files' hashes are there); the wasm may still be loading.
 * @type {Promise<unknown> | null} */
var uiGlue = null;

/** Stops the UI's wasm download (see `dropUnusedUi`). @type {AbortController | null} */
var uiDownload = null;
/** A view was asked for (`showUi`): the UI must come, whatever the visitor chose meanwhile. */
var uiWanted = false;

function loadUi() {
  if (!ui) {
    var download = (uiDownload = new AbortController());
    var wasm = fetch(versioned('optin-ui_bg.wasm', INTEGRITY['optin-ui_bg.wasm']), {
      integrity: INTEGRITY['optin-ui_bg.wasm'],
      signal: download.signal,
    });
    // Handled here too: when the glue fails first, nothing else would ever look at this one.
    wasm.catch(function () {});
    // Once run, the glue stays: running it again would declare its global a second time.
    uiGlue = uiGlue || new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = versioned('optin-ui.js', INTEGRITY['optin-ui.js']);
      s.integrity = INTEGRITY['optin-ui.js'];
      // A checked script must be fetched with CORS (same-origin needs nothing more).
      s.crossOrigin = 'anonymous';
      s.nonce = nonce;
      s.onload = resolve;
      s.onerror = function () {
        reject(new Error('optin: could not load ' + s.src));
      };
      document.head.appendChild(s);
    });
    uiGlue.catch(function () {
      uiGlue = null;
    });
    ui = uiGlue
      .then(function () {
        return optin_ui({ module_or_path: wasm });
      })
      .then(function () {
        return optin_ui;
      });
    ui.catch(function (e) {
      ui = null;
      if (!download.signal.aborted) console.error(e);
    });
  }
  return ui;
}

/**
 * A choice made on the early banner before the UI's files arrived: unless a view was asked for,
 * the UI's wasm stops downloading, so that on a slow link the scripts just granted do not share
 * it with 60 KB nobody needs now. Asked for later (the settings button), it loads again.
 */
function dropUnusedUi() {
  if (!uiWanted && uiDownload) uiDownload.abort();
}

/**
 * The built-in texts of the visitor's language, when not English: a file beside this script
 * (`lang/de.json`), fetched once, with the UI. A missing file means English, not no banner; so
 * does one with other bytes than the build's (refused, the browser's console error names it).
 * @type {Promise<string | undefined> | null}
 */
var texts = null;
function loadTexts() {
  if (!texts) {
    var file = optin_core.catalogue_file() || '';
    // The file is asked for once optin-ui.js has run (its hash is there), while the UI's wasm
    // still downloads: a small file after a small one, so the banner does not wait for it.
    loadUi();
    texts = file && uiGlue
      ? uiGlue
          .then(function () {
            var hash = optin_ui.sri && optin_ui.sri[file];
            // A file the build did not hash is not one it shipped: English, never unchecked texts.
            if (!hash) throw new Error('no hash for it in optin-ui.js');
            return fetch(versioned(file, hash), { integrity: hash });
          })
          .then(function (r) {
            if (!r.ok) throw new Error('HTTP ' + r.status);
            return r.text();
          })
          .catch(function (e) {
            console.warn('optin: no texts from ' + base + file + ' (' + e.message + '); showing English');
            return undefined;
          })
      : Promise.resolve(undefined);
  }
  return texts;
}

/**
 * Without `defer` (Consent Mode advanced setup) optin.js runs before the body is parsed.
 * @returns {Promise<unknown>}
 */
function whenParsed() {
  return new Promise(function (resolve) {
    if (document.readyState !== 'loading') resolve(null);
    else document.addEventListener('DOMContentLoaded', resolve);
  });
}

/**
 * What showing the UI waits for: its code, the visitor's language file, and a parsed page.
 * @returns {Promise<[typeof optin_ui, string | undefined, unknown]>}
 */
function uiReady() {
  return Promise.all([loadUi(), loadTexts(), whenParsed()]);
}

/**
 * The UI's takeover of the early banner (boot.js), null when there was none. A view asked for
 * meanwhile waits for it, so that a panel opened from the early banner opens over the UI's
 * banner and closes back to it.
 * @type {Promise<void> | null}
 */
var takeover = null;
/** The page hid the banner (`optin.hide()`): the UI does not take it over and show it again. */
var bannerHidden = false;

/**
 * Shows a view once the widget has started and the UI is there. When the panel cannot be had,
 * the early banner (if it shows) says so: the visitor can still accept or reject there.
 * @param {'banner' | 'preferences'} view
 */
function showUi(view) {
  uiWanted = true;
  if (view === 'banner') bannerHidden = false;
  return ready
    .then(function () {
      // Whether the takeover happened or not (a choice stopped the UI's download): this view loads it.
      return takeover && takeover.catch(function () {});
    })
    .then(uiReady)
    .then(function (loaded) {
      loaded[0].show(view, loaded[1]);
    })
    .catch(function (e) {
      if (view === 'preferences') earlyBannerUnavailable();
      throw e;
    });
}

/**
 * A task of its own, ahead of the page's other work where the browser lets us say so.
 * @returns {Promise<void>}
 */
function nextTask() {
  return new Promise(function (resolve) {
    var scheduler = window.scheduler;
    if (scheduler && scheduler.postTask) scheduler.postTask(resolve, { priority: 'user-blocking' });
    else setTimeout(resolve);
  });
}
