// @ts-check
// consent-mode.js: Google Consent Mode v2 (config `googleConsentMode`). The default, every mapped
// consent type denied, is pushed the moment optin.js runs, from the inline config, before any
// gated script and before a Google tag that follows optin.js in the page (advanced mode: include
// it without `defer`, before the tag). Updates carry the core's answer for each type. It lives in
// the loader because the default cannot wait for the core's wasm.

var consentModeDefaultSent = false;

/**
 * `gtag('consent', kind, values)`, defining the usual `gtag` when the page has none.
 * @param {'default' | 'update'} kind
 * @param {Record<string, string | number>} values
 */
function gtagConsent(kind, values) {
  window.dataLayer = window.dataLayer || [];
  if (typeof window.gtag !== 'function') {
    window.gtag = function () {
      window.dataLayer.push(arguments);
    };
  }
  window.gtag('consent', kind, values);
}

/**
 * Pushes the default once per page, and only for a config that maps consent types.
 * @param {OptinConfig | null} settings
 */
function consentModeDefault(settings) {
  var mapping = settings && settings.googleConsentMode;
  if (consentModeDefaultSent || !mapping || typeof mapping !== 'object') return;
  /** @type {Record<string, string | number>} */
  var values = { wait_for_update: 500 };
  Object.keys(mapping).forEach(function (type) {
    values[type] = 'denied';
  });
  consentModeDefaultSent = true;
  gtagConsent('default', values);
}

/** After the default, and with a choice stored: the core's value for every mapped type. */
function consentModeUpdate() {
  if (!consentModeDefaultSent || !api.consent()) return;
  gtagConsent('update', JSON.parse(/** @type {string} */ (optin_core.consent_mode_json())));
}
