// Google Consent Mode's default (loader/src/consent-mode.js): pushed once, at once, every mapped
// consent type denied with wait_for_update; nothing at all for a config without a mapping.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadModules, plain } from './context.mjs';

const NAMES = ['consentModeDefault', 'consentModeUpdate'];
const MAPPING = { analytics_storage: 'analytics', ad_storage: 'marketing', ad_user_data: 'marketing/ads' };

/** A page; `gtag` is the page's own, if it has one. */
function page(globals = {}) {
  return loadModules(['consent-mode.js'], NAMES, globals);
}
const dataLayer = (p) => plain(Array.from(p.context.dataLayer || [], (entry) => Array.from(entry)));

test('the default denies every mapped type, with wait_for_update, through a gtag it defines', () => {
  const p = page();
  p.consentModeDefault({ categories: [], googleConsentMode: MAPPING });
  assert.deepEqual(dataLayer(p), [[
    'consent', 'default',
    { wait_for_update: 500, analytics_storage: 'denied', ad_storage: 'denied', ad_user_data: 'denied' },
  ]]);
  assert.equal(typeof p.context.gtag, 'function', 'the usual gtag is defined for the page');
  // Pushed as gtag pushes: its `arguments` object, which Google's tag tells from a plain array.
  assert.equal(Object.prototype.toString.call(p.context.dataLayer[0]), '[object Arguments]');
});

test('the default is sent once per page (the inline config, then the same from data-config)', () => {
  const p = page();
  p.consentModeDefault({ categories: [], googleConsentMode: MAPPING });
  p.consentModeDefault({ categories: [], googleConsentMode: { analytics_storage: 'analytics' } });
  assert.equal(dataLayer(p).length, 1);
});

test('without a mapping nothing is pushed and no gtag defined', () => {
  for (const settings of [null, { categories: [] }, { categories: [], googleConsentMode: 'analytics' }, { categories: [], googleConsentMode: null }]) {
    const p = page();
    p.consentModeDefault(settings);
    assert.equal(p.context.dataLayer, undefined, `${JSON.stringify(settings)}: no dataLayer`);
    assert.equal(p.context.gtag, undefined, `${JSON.stringify(settings)}: no gtag`);
  }
});

test("the page's own gtag and dataLayer are used as they are", () => {
  const seen = [];
  const gtag = (...args) => seen.push(args);
  const p = page({ gtag, dataLayer: [{ event: 'page-seed' }] });
  p.consentModeDefault({ categories: [], googleConsentMode: { analytics_storage: 'analytics' } });
  assert.equal(p.context.gtag, gtag, 'not replaced');
  assert.deepEqual(plain(seen), [['consent', 'default', { wait_for_update: 500, analytics_storage: 'denied' }]]);
  assert.deepEqual(plain(p.context.dataLayer), [{ event: 'page-seed' }], "the page's entries stay");
});

test('no update without a default first (a config without a mapping)', () => {
  let asked = false;
  const api = { consent: () => { asked = true; return { id: 'x' }; } };
  const optin_core = { consent_mode_json: () => '{"analytics_storage":"granted"}' };
  const p = page({ api, optin_core });
  p.consentModeUpdate();
  assert.equal(p.context.dataLayer, undefined);
  assert.equal(asked, false);
  p.consentModeDefault({ categories: [], googleConsentMode: { analytics_storage: 'analytics' } });
  p.consentModeUpdate();
  assert.deepEqual(dataLayer(p)[1], ['consent', 'update', { analytics_storage: 'granted' }]);
});
