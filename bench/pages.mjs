// The pages the benchmark loads: one per widget, all with the same content (the Banzai Cloud
// privacy statement as plain HTML), the same three categories (necessary [required], analytics,
// social), the same texts and the same two gated scripts, each configured in the widget's own
// documented way. A second page per widget adds 500 inline gated scripts (the "stress" page).
//
// Every widget is described by one entry in WIDGETS:
//   id            key used in URLs, results and the table
//   label         name shown in the table
//   mounts        URL prefix -> directory the server exposes for the widget's own files
//   ownPrefixes   request paths that count as the widget's own bytes
//   assets        the widget's files the pages load (pre-compressed by the server before each run)
//   banner        { host?, selector }: the banner element (host = shadow host to pierce first)
//   accept        Playwright selector of the banner's "Accept all" button
//   page(opts)    the HTML; opts.stress adds the 500 gated scripts

import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..');
const NODE_MODULES = path.join(ROOT, 'node_modules');
export const FIXTURES_DIR = path.join(HERE, 'fixtures');
export const DIST_DIR = process.env.OPTIN_DIST ? path.resolve(process.env.OPTIN_DIST) : path.join(ROOT, 'dist');
/** `make bench-floor`'s copy of dist/ with the smallest Yew banner as its UI (scripts/floor-dist.sh). */
export const FLOOR_DIST_DIR = path.join(ROOT, 'target', 'floor-dist');

// The same content for everyone. ------------------------------------------------------------------

export const CATEGORIES = ['necessary', 'analytics', 'social'];

export const TEXTS = {
  bannerTitle: 'Cookies on this site',
  bannerDescription:
    'We use necessary cookies to make this site work. With your consent we would also use cookies ' +
    'for analytics and for social media share buttons. You can change your choice at any time.',
  acceptAll: 'Accept all',
  rejectAll: 'Reject all',
  preferences: 'Preferences',
  preferencesTitle: 'Cookie preferences',
  preferencesDescription:
    'Choose which cookies we may use. Necessary cookies are always on because the site cannot work without them.',
  save: 'Save choices',
  close: 'Close',
  categories: {
    necessary: {
      title: 'Necessary',
      description: 'The session cookie and sign-in token that keep the site working. They cannot be switched off.',
    },
    analytics: {
      title: 'Analytics',
      description: 'Google Analytics helps us understand how you use the site, so that we can improve it.',
    },
    social: {
      title: 'Social media',
      description: 'Share buttons from LinkedIn, Twitter and Facebook, which set their own cookies.',
    },
  },
};

/** The gated fixtures, by category: each records performance.now() in window.__gatedRan[category]. */
export const GATED = {
  analytics: '/fixtures/analytics.js',
  social: '/fixtures/social.js',
};

/** Number of inline gated scripts on the stress page (half analytics, half social). */
export const STRESS_COUNT = 500;
/** What each stress script runs: counts itself and notes the time. */
const STRESS_CODE = 'window.__gatedCount=(window.__gatedCount|0)+1;window.__gatedLast=performance.now();';

const esc = (s) =>
  String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);

/** JSON safe to put inside a <script> element. */
const scriptJson = (v, indent) => JSON.stringify(v, null, indent).replace(/</g, '\\u003c');

/**
 * The privacy statement as simple HTML: "N. Title" lines are h2, short unpunctuated lines after the
 * first section are h3, "•" lines are list items, the rest paragraphs; the scraped site header
 * (everything before "Last update") is a <header>.
 */
export function privacyStatementHtml(text = fs.readFileSync(path.join(FIXTURES_DIR, 'privacy-statement.txt'), 'utf8')) {
  const lines = text.split(/\r?\n/).map((l) => l.trimEnd()).filter((l) => l.trim() !== '');
  const out = [];
  let list = false;
  let seenSection = false;
  let inHeader = true;
  out.push('<header class="site">');
  for (const line of lines) {
    const t = line.trim();
    if (inHeader && t.startsWith('Last update')) {
      out.push('</header>', '<main>', '<h1>Privacy Statement</h1>');
      inHeader = false;
    }
    const bullet = /^•\s*/.test(t);
    if (list && !bullet) {
      out.push('</ul>');
      list = false;
    }
    if (inHeader) out.push(`<p>${esc(t)}</p>`);
    else if (bullet) {
      if (!list) out.push('<ul>');
      list = true;
      out.push(`<li>${esc(t.replace(/^•\s*/, ''))}</li>`);
    } else if (/^\d+\.\s/.test(t)) {
      seenSection = true;
      out.push(`<h2>${esc(t)}</h2>`);
    } else if (seenSection && t.length < 40 && !/[.:;,?!]$/.test(t)) out.push(`<h3>${esc(t)}</h3>`);
    else out.push(`<p>${esc(t)}</p>`);
  }
  if (list) out.push('</ul>');
  out.push(inHeader ? '</header>' : '</main>');
  return out.join('\n');
}

const CONTENT = privacyStatementHtml();

const PAGE_CSS = `body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#222}
header.site{display:flex;gap:1.5em;padding:.75em 1.5em;background:#f3f5f7;border-bottom:1px solid #dde}
header.site p{margin:0}
main{max-width:46em;margin:0 auto;padding:1em 1.5em 4em}
h1{font-size:2em}h2{font-size:1.35em;margin-top:1.6em}h3{font-size:1.1em}`;

/**
 * The page skeleton shared by every widget. `head` and `bodyEnd` are the widget's own tags;
 * `gated` renders one gated element (external: src, inline: code) in the widget's syntax.
 */
function page({ title, head, bodyEnd = '', gated, stress = false }) {
  // The normal page has the two external gated scripts; the stress page only its 500 inline ones
  // (so that its timings are not about fetching the two fixtures one after the other).
  const gatedTags = stress
    ? ''
    : Object.entries(GATED)
        .map(([category, src]) => gated({ category, src }))
        .join('\n');
  let stressTags = '';
  if (stress) {
    const tags = [];
    for (let i = 0; i < STRESS_COUNT; i++) {
      tags.push(gated({ category: i % 2 === 0 ? 'analytics' : 'social', code: STRESS_CODE }));
    }
    stressTags = `<div id="stress">\n${tags.join('\n')}\n</div>`;
  }
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<link rel="icon" href="data:,">
<style>${PAGE_CSS}</style>
${head}
${gatedTags}
</head>
<body>
${CONTENT}
${stressTags}
${bodyEnd}
</body>
</html>
`;
}

// optin --------------------------------------------------------------------------------------------
// Documented setup: the config as <script type="application/json" id="optin-config">, then
// <script src=".../optin.js" defer>. Gated: <script type="text/plain" data-category="…">.

export function optinConfig() {
  return {
    revision: 1,
    categories: [{ id: 'necessary', required: true }, { id: 'analytics' }, { id: 'social' }],
    texts: {
      en: {
        bannerTitle: TEXTS.bannerTitle,
        bannerDescription: TEXTS.bannerDescription,
        acceptAll: TEXTS.acceptAll,
        rejectAll: TEXTS.rejectAll,
        preferences: TEXTS.preferences,
        preferencesTitle: TEXTS.preferencesTitle,
        preferencesDescription: TEXTS.preferencesDescription,
        save: TEXTS.save,
        close: TEXTS.close,
        categories: TEXTS.categories,
      },
    },
  };
}

/** optin, as built in `dir` and served at `/<id>/`; `banner` and `accept` select in its shadow root. */
const optinFrom = (id, label, dir, { banner = '[data-optin="banner"]', accept = '[data-optin="accept-all"]' } = {}) => ({
  id,
  label,
  mounts: [{ prefix: `/${id}/`, dir, cached: true }],
  ownPrefixes: [`/${id}/`],
  assets: [`/${id}/optin.js`, `/${id}/optin-ui.js`, `/${id}/optin-ui_bg.wasm`],
  banner: { host: 'optin-widget', selector: banner },
  accept: `${banner} ${accept}`,
  page: ({ stress = false } = {}) =>
    page({
      title: 'Privacy Statement – optin',
      stress,
      head: `<script type="application/json" id="optin-config">${scriptJson(optinConfig())}</script>
<script src="/${id}/optin.js" defer></script>`,
      gated: ({ category, src, code }) =>
        src
          ? `<script type="text/plain" data-category="${category}" src="${src}"></script>`
          : `<script type="text/plain" data-category="${category}">${code}</script>`,
    }),
});

const optin = optinFrom('optin', 'optin', DIST_DIR);

// vanilla-cookieconsent v3 -------------------------------------------------------------------------
// Documented setup (cookieconsent.orestbida.com, "Getting started" → HTML): the stylesheet in the
// head with the recommended deferred loading (media="print" onload), the UMD script at the end of
// the body, then CookieConsent.run({...}). Gated: <script type="text/plain" data-category="…">.
//
// hideFromBots is turned off: by default v3 does not show anything when navigator.webdriver is
// true, which it always is in a browser driven by Playwright.

export function vanillaConfig() {
  const c = TEXTS.categories;
  return {
    hideFromBots: false,
    categories: {
      necessary: { enabled: true, readOnly: true },
      analytics: {},
      social: {},
    },
    language: {
      default: 'en',
      translations: {
        en: {
          consentModal: {
            title: TEXTS.bannerTitle,
            description: TEXTS.bannerDescription,
            acceptAllBtn: TEXTS.acceptAll,
            acceptNecessaryBtn: TEXTS.rejectAll,
            showPreferencesBtn: TEXTS.preferences,
          },
          preferencesModal: {
            title: TEXTS.preferencesTitle,
            acceptAllBtn: TEXTS.acceptAll,
            acceptNecessaryBtn: TEXTS.rejectAll,
            savePreferencesBtn: TEXTS.save,
            closeIconLabel: TEXTS.close,
            sections: [
              { description: TEXTS.preferencesDescription },
              ...CATEGORIES.map((id) => ({ title: c[id].title, description: c[id].description, linkedCategory: id })),
            ],
          },
        },
      },
    },
  };
}

const VANILLA = '/vendor/cookieconsent/';
const vanilla = {
  id: 'vanilla',
  label: 'vanilla-cookieconsent',
  mounts: [{ prefix: VANILLA, dir: path.join(NODE_MODULES, 'vanilla-cookieconsent', 'dist'), cached: true }],
  ownPrefixes: [VANILLA],
  assets: [`${VANILLA}cookieconsent.css`, `${VANILLA}cookieconsent.umd.js`],
  banner: { selector: '#cc-main .cm' },
  accept: '#cc-main .cm [data-role="all"]',
  page: ({ stress = false } = {}) =>
    page({
      title: 'Privacy Statement – vanilla-cookieconsent',
      stress,
      head: `<link rel="stylesheet" href="${VANILLA}cookieconsent.css" media="print" onload="this.media='all'">`,
      bodyEnd: `<script src="${VANILLA}cookieconsent.umd.js"></script>
<script>
CookieConsent.run(${scriptJson(vanillaConfig(), 2)});
</script>`,
      gated: ({ category, src, code }) =>
        src
          ? `<script type="text/plain" data-category="${category}" src="${src}"></script>`
          : `<script type="text/plain" data-category="${category}">${code}</script>`,
    }),
};

// Klaro 0.7 ----------------------------------------------------------------------------------------
// Documented setup (README, dist/config.js): a global `klaroConfig` defined before klaro.js (the
// build with its CSS included), both deferred in the head; here the config is an inline script
// (page content), so only klaro.js is deferred. Services carry purposes: one service per category,
// the "necessary" one required. Gated: <script type="text/plain" data-type="application/javascript"
// data-name="<service>" data-src="…"> (inline scripts without data-src).

export function klaroConfig() {
  const c = TEXTS.categories;
  return {
    version: 1,
    elementID: 'klaro',
    storageMethod: 'cookie',
    cookieName: 'klaro',
    htmlTexts: false,
    groupByPurpose: true,
    showNoticeTitle: true,
    default: false,
    mustConsent: false,
    acceptAll: true,
    hideDeclineAll: false,
    hideLearnMore: false,
    noticeAsModal: false,
    translations: {
      en: {
        consentNotice: {
          title: TEXTS.bannerTitle,
          description: TEXTS.bannerDescription,
          learnMore: TEXTS.preferences,
        },
        consentModal: {
          title: TEXTS.preferencesTitle,
          description: TEXTS.preferencesDescription,
        },
        ok: TEXTS.acceptAll,
        acceptAll: TEXTS.acceptAll,
        decline: TEXTS.rejectAll,
        acceptSelected: TEXTS.save,
        save: TEXTS.save,
        close: TEXTS.close,
        purposes: Object.fromEntries(CATEGORIES.map((id) => [id, { title: c[id].title, description: c[id].description }])),
        session: { title: 'Session', description: c.necessary.description },
        analytics: { title: 'Google Analytics', description: c.analytics.description },
        social: { title: 'Share buttons', description: c.social.description },
      },
    },
    services: [
      { name: 'session', purposes: ['necessary'], required: true },
      { name: 'analytics', purposes: ['analytics'] },
      { name: 'social', purposes: ['social'] },
    ],
  };
}

const KLARO = '/vendor/klaro/';
const klaro = {
  id: 'klaro',
  label: 'klaro',
  mounts: [{ prefix: KLARO, dir: path.join(NODE_MODULES, 'klaro', 'dist'), cached: true }],
  ownPrefixes: [KLARO],
  assets: [`${KLARO}klaro.js`],
  banner: { selector: '.klaro .cookie-notice' },
  accept: '.klaro .cookie-notice .cm-btn-success',
  page: ({ stress = false } = {}) =>
    page({
      title: 'Privacy Statement – klaro',
      stress,
      head: `<script>
window.klaroConfig = ${scriptJson(klaroConfig(), 2)};
</script>
<script defer src="${KLARO}klaro.js"></script>`,
      gated: ({ category, src, code }) =>
        src
          ? `<script type="text/plain" data-type="application/javascript" data-name="${category}" data-src="${src}"></script>`
          : `<script type="text/plain" data-type="application/javascript" data-name="${category}">${code}</script>`,
    }),
};

/** In table order; vanilla-cookieconsent is the baseline the ratios are computed against. */
export const WIDGETS = [optin, vanilla, klaro];
/** Only when named (`--widgets`): optin's core with the smallest Yew banner as its UI (`make bench-floor`). */
// The floor banner's markup is bench/floor's, with no data-optin attributes (make size-floor
// measures it bare): its dialog, whose first button accepts all.
export const EXTRA_WIDGETS = [
  optinFrom('optin-floor', 'optin, floor UI', FLOOR_DIST_DIR, { banner: '[role="dialog"]', accept: 'button:first-of-type' }),
];
export const BASELINE = 'vanilla';

/** Paths the page for `widget` lives at. */
export const pagePath = (widget, { stress = false } = {}) => `/pages/${widget.id}/${stress ? 'stress' : 'index'}.html`;
