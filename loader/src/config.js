// @ts-check
// config.js: what the loader reads from the page before the core starts. Its own script tag (the
// folder the other files are fetched from, the CSP nonce, `data-config`), the config's text (a
// `data-config` URL or the inline `<script type="application/json" id="optin-config">`), and one
// guess: is a choice stored? The core validates the config and decides everything; the loader
// only needs the inline config early, for the Consent Mode default and that guess.

// `document.currentScript` is only set while this script runs, so it is read now.
var script = /** @type {HTMLScriptElement} */ (document.currentScript);
var base = new URL('.', script.src).href;
var nonce = script.nonce || '';

/** The inline config's text, or null when the page has none. */
function inlineConfigText() {
  var inline = document.getElementById('optin-config');
  return inline && inline.textContent;
}

/**
 * The config's text: fetched from `data-config`, else the inline one, else null (the core's
 * built-in config).
 * @returns {Promise<string | null>}
 */
function readConfig() {
  var url = script.getAttribute('data-config');
  if (url) {
    return fetch(new URL(url, document.baseURI)).then(function (r) {
      if (!r.ok) throw new Error('optin config: ' + url + ' answered HTTP ' + r.status);
      return r.text();
    });
  }
  return Promise.resolve(inlineConfigText());
}

/**
 * The config as an object, or null when it is missing or broken (the core reports that).
 * @param {string | null} text
 * @returns {OptinConfig | null}
 */
function parseConfig(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch (e) {
    return null;
  }
}

/**
 * A hint, not a decision (the core decides): is a choice stored, under the inline config's
 * `storageKey`? In localStorage, or only in the cookie when it was made on another host of the
 * site (`cookieDomain`). With a `data-config` URL and a key of its own, the hint is wrong only in
 * the safe direction: the UI starts downloading early for nothing.
 * @param {OptinConfig | null} settings
 */
function storedChoiceLikely(settings) {
  var key = (settings && settings.storageKey) || DEFAULT_STORAGE_KEY;
  /**
   * Either read may throw (storage disabled, sandboxed frames): then the answer is "no".
   * @param {() => boolean} read
   */
  function has(read) {
    try {
      return read();
    } catch (e) {
      return false;
    }
  }
  return (
    has(function () {
      return localStorage.getItem(key) !== null;
    }) ||
    has(function () {
      return ('; ' + document.cookie).indexOf('; ' + key + '=') >= 0;
    })
  );
}
