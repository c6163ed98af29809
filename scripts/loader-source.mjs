// The loader's source, from its modules (loader/src/) and the constants it shares with the core:
// what scripts/assemble-loader.mjs wraps into dist/optin.js, and what tests/loader/ evaluates.
import { readFileSync } from 'node:fs';
import { constantsSource } from './core-constants.mjs';

// The loader's modules (loader/src/), concatenated in this order after the glue, into the one
// classic script. They are plain scripts sharing the wrapper's scope, not ES modules: each
// declares its functions and state, and only boot.js, last, does anything when the file runs.
// Before them come the constants the loader shares with the core (scripts/core-constants.mjs).
export const MODULES = [
  'config.js', // its script tag, the config's text, the stored-choice hint
  'consent-mode.js', // Google Consent Mode default and updates
  'outbox.js', // the consent log's queue of receipts
  'ui.js', // the UI and language file, fetched on demand; task helpers
  'early-banner.js', // the banner Yew rendered ahead of time, shown before the UI has loaded
  'api.js', // window.optin and the pre-load queue
  'controls.js', // [data-optin-open] on the page
  'settings-button.js', // the floating "Cookie settings" button
  'boot.js', // the start, and what follows every change
];
const LOADER_DIR = new URL('../loader/src/', import.meta.url);

/** One module's text. */
export function moduleSource(name) {
  return readFileSync(new URL(name, LOADER_DIR), 'utf8');
}

/**
 * The core's constants, then the modules (all by default, in order), checked to be plain scripts.
 * @param {string[]} [modules]
 */
export function loaderSource(modules = MODULES) {
  const parts = modules.map((name) => {
    const source = moduleSource(name);
    // import/export would make the concatenation invalid as a classic script.
    if (/^\s*(import|export)\b/m.test(source)) throw new Error(`loader/src/${name}: no import/export in a loader module`);
    return `// ${name}\n${source}`;
  });
  return constantsSource() + parts.join('\n');
}
