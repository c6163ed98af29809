// optin loader: the body of dist/optin.js, the one classic script a site includes.
//
// scripts/assemble-loader.mjs wraps it in one function together with the core's wasm-bindgen glue
// (`optin_core`) and the core's wasm (`CORE_WASM`, one char per byte), so a returning visitor's gated
// scripts wait on this single request and nothing else. The UI (banner and panel) is fetched from
// next to this file only when it must show, starting before the core when no choice is stored
// yet; with it, the visitor's language file (`lang/<code>.json`) unless that is English.
//
// This file only wires things together: every decision is made in the core (Rust).

// Included twice (a template and a tag manager, say): the first copy stays in charge, so there is
// one banner, one API and one gate. (This file runs inside a function: see above.)
if (window.optin && window.optin.ready) {
  console.warn('optin: optin.js is included more than once on this page; the copy from ' +
    (document.currentScript && document.currentScript.src) + ' does nothing');
  return;
}

var script = document.currentScript;
var base = new URL('.', script.src).href;
var nonce = script.nonce || '';
var DEFAULT_KEY = 'optin.consent';

var started = false;
var waiting = [];
var ui = null;
var readyResolve, readyReject;
var ready = new Promise(function (resolve, reject) {
  readyResolve = resolve;
  readyReject = reject;
});

function loadUi() {
  if (!ui) {
    var wasm = fetch(base + 'optin-ui_bg.wasm');
    ui = new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = base + 'optin-ui.js';
      s.nonce = nonce;
      s.onload = resolve;
      s.onerror = function () {
        reject(new Error('optin: could not load ' + s.src));
      };
      document.head.appendChild(s);
    }).then(function () {
      // `optin_ui` is the global the UI's glue declares.
      return optin_ui({ module_or_path: wasm });
    }).then(function () {
      return optin_ui;
    });
    ui.catch(function (e) {
      ui = null;
      console.error(e);
    });
  }
  return ui;
}

// The built-in texts of the visitor's language, when not English: a file beside this script
// (`lang/de.json`), fetched once, with the UI. A missing file means English, not no banner.
var texts = null;
function loadTexts() {
  if (!texts) {
    var file = optin_core.catalogue_file();
    texts = file
      ? fetch(base + file)
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

// A hint, not a decision (the core decides): is a choice stored, under the inline config's
// `storageKey`? In localStorage, or only in the cookie when it was made on another host of the
// site (`cookieDomain`). With a `data-config` URL and a key of its own, the hint is wrong only in
// the safe direction: the UI starts downloading early for nothing.
function storedChoiceLikely(settings) {
  var key = (settings && settings.storageKey) || DEFAULT_KEY;
  // Either may throw (storage disabled, sandboxed frames): then the answer is "no".
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

// The config as an object, or null when it is missing or broken (the core reports that).
function parseConfig(text) {
  try {
    return text ? JSON.parse(text) : null;
  } catch (e) {
    return null;
  }
}

// Google Consent Mode v2. The default (every mapped type denied) is pushed the moment this script
// runs, from the inline config, before any gated script and before a Google tag that follows
// this script in the page (advanced mode: include optin.js without `defer`, before the tag).
function gtagConsent(kind, values) {
  window.dataLayer = window.dataLayer || [];
  if (typeof window.gtag !== 'function') {
    window.gtag = function () {
      window.dataLayer.push(arguments);
    };
  }
  window.gtag('consent', kind, values);
}
var consentModeDefaultSent = false;
function consentModeDefault(settings) {
  var mapping = settings && settings.googleConsentMode;
  if (consentModeDefaultSent || !mapping || typeof mapping !== 'object') return;
  var values = { wait_for_update: 500 };
  Object.keys(mapping).forEach(function (type) {
    values[type] = 'denied';
  });
  consentModeDefaultSent = true;
  gtagConsent('default', values);
}
function consentModeUpdate() {
  if (!consentModeDefaultSent || !api.consent()) return;
  gtagConsent('update', JSON.parse(optin_core.consent_mode_json()));
}

// The consent log (config `log.endpoint`): every stored choice's receipt is POSTed as text/plain
// (no CORS preflight) with fetch keepalive, which, unlike sendBeacon, tells whether the log
// stored it. Until it answers 2xx (or 409: already stored) the receipt waits in localStorage and
// is sent again on the next page load; sendBeacon is the fallback where fetch is missing or
// throws. Nothing here may block or break the page.
var OUTBOX = 'optin.outbox';
function sendReceipt(endpoint, receipt) {
  outbox(receipt);
  try {
    fetch(endpoint, {
      method: 'POST',
      body: receipt,
      keepalive: true,
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    })
      .then(function (r) {
        if (r.ok || r.status === 409) outbox(null);
      })
      .catch(function () {});
  } catch (e) {
    if (navigator.sendBeacon) navigator.sendBeacon(endpoint, receipt);
  }
}
function outbox(receipt) {
  try {
    if (receipt === undefined) return localStorage.getItem(OUTBOX);
    if (receipt === null) localStorage.removeItem(OUTBOX);
    else localStorage.setItem(OUTBOX, receipt);
  } catch (e) {
    return null;
  }
}
var lastLogged = null;
function logChoice() {
  var log = (api.config() || {}).log;
  var receipt = optin_core.receipt_json();
  if (!log || !receipt) return;
  var updated = JSON.parse(receipt).updatedAt;
  if (updated === lastLogged) return;
  lastLogged = updated;
  sendReceipt(log.endpoint, receipt);
}

function readConfig() {
  var url = script.getAttribute('data-config');
  if (url) {
    return fetch(new URL(url, document.baseURI)).then(function (r) {
      if (!r.ok) throw new Error('optin config: ' + url + ' answered HTTP ' + r.status);
      return r.text();
    });
  }
  var inline = document.getElementById('optin-config');
  return Promise.resolve(inline ? inline.textContent : null);
}
// With an inline config placed before this script, the default goes out right now.
var inlineConfig = document.getElementById('optin-config');
var inlineText = inlineConfig && inlineConfig.textContent;
var inlineSettings = parseConfig(inlineText);
consentModeDefault(inlineSettings);

// The core's wasm is inlined as one char per byte (see scripts/assemble-loader.mjs).
function decode(chars) {
  var bytes = new Uint8Array(chars.length);
  for (var i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  return bytes;
}

// A task of its own, ahead of the page's other work where the browser lets us say so.
function nextTask() {
  return new Promise(function (resolve) {
    if (window.scheduler && scheduler.postTask) scheduler.postTask(resolve, { priority: 'user-blocking' });
    else setTimeout(resolve);
  });
}

// Actions wait for the start; questions answer "not granted" until then (fail closed).
function act(fn) {
  return ready.then(function () {
    fn();
  });
}

// Without `defer` (Consent Mode advanced setup) this script runs before the body is parsed.
var parsed = new Promise(function (resolve) {
  if (document.readyState !== 'loading') resolve();
  else document.addEventListener('DOMContentLoaded', resolve);
});

// What showing the UI waits for: its code, the visitor's language file, and a parsed page.
function uiReady() {
  return Promise.all([loadUi(), loadTexts(), parsed]);
}

function showUi(view) {
  return ready.then(uiReady).then(function (loaded) {
    loaded[0].show(view, loaded[1]);
  });
}

var api = {
  ready: ready,
  granted: function (category) {
    return started && optin_core.granted(String(category));
  },
  // The consent receipt (null before a choice): what the visitor chose, when, under which policy.
  receipt: function () {
    var json = started && optin_core.receipt_json();
    return json ? JSON.parse(json) : null;
  },
  grantedService: function (category, service) {
    return started && optin_core.granted_service(String(category), String(service));
  },
  consent: function () {
    var json = started && optin_core.consent_json();
    return json ? JSON.parse(json) : null;
  },
  // The switches the panel starts from (after a new revision: the previous choices).
  choices: function () {
    return started ? JSON.parse(optin_core.choices_json()) : null;
  },
  config: function () {
    return started ? JSON.parse(optin_core.config_json()) : null;
  },
  language: function () {
    return started ? optin_core.lang() : null;
  },
  acceptAll: function () {
    return act(function () {
      optin_core.choose('accept-all', []);
    });
  },
  rejectAll: function () {
    return act(function () {
      optin_core.choose('reject-all', []);
    });
  },
  // Categories, and `category/service` pairs for single services.
  accept: function (categories) {
    return act(function () {
      optin_core.choose('custom', [].concat(categories || []).map(String));
    });
  },
  acceptService: function (category, service) {
    return act(function () {
      optin_core.accept_service(String(category), String(service));
    });
  },
  // For this page view only, not stored: a category id or `category/service`.
  allowForPage: function (target) {
    return act(function () {
      optin_core.allow_for_page(String(target));
    });
  },
  show: function () {
    return showUi('banner');
  },
  showPreferences: function () {
    return showUi('preferences');
  },
  hide: function () {
    return ui ? ui.then(function (u) { u.hide(); }) : Promise.resolve();
  },
  // Forgets the stored choice everywhere and asks again.
  reset: function () {
    return act(function () {
      optin_core.reset();
    }).then(function () {
      return showUi('banner');
    });
  },
  // on('ready' | 'consent' | 'change', fn): fn(detail) after each such event; returns a
  // function that unsubscribes.
  // `ready` subscribed after the start is called back at once (ready happens once per page).
  on: function (name, fn) {
    var type = 'optin:' + name;
    var active = true;
    var listener = function (e) {
      fn(e.detail);
    };
    if (name === 'ready' && started) {
      Promise.resolve().then(function () {
        if (active) fn(null);
      });
    } else {
      document.addEventListener(type, listener);
    }
    return function () {
      active = false;
      document.removeEventListener(type, listener);
    };
  },
  // The pre-load queue: `(window.optin = window.optin || []).push(function (optin) { … })`
  // works before and after this script has loaded.
  push: function (fn) {
    ready.then(function () {
      fn(api);
    });
  },
};

if (Array.isArray(window.optin)) waiting = window.optin;
window.optin = api;

// Without a stored choice the banner will be needed. Its files start downloading in the task
// after this one and the core boots in the task after that: on a slow phone each of the three
// steps takes tens of milliseconds, and together they would make one long task.
var firstVisit = !storedChoiceLikely(inlineSettings);

// One listener for the page's controls: `data-optin-open` links, and the buttons of a blocked
// iframe's placeholder (see core/src/placeholder.rs).
document.addEventListener('click', function (e) {
  var el = e.target.closest ? e.target : null;
  if (!el) return;
  if (el.closest('[data-optin-open]')) {
    e.preventDefault();
    api.showPreferences();
    return;
  }
  var placeholder = el.closest('[data-optin-placeholder]');
  var button = placeholder && el.closest('button[data-optin]');
  if (!button) return;
  var target = placeholder.getAttribute('data-optin-placeholder');
  var hook = button.getAttribute('data-optin');
  if (hook === 'load-content') api.allowForPage(target);
  if (hook === 'always-allow') {
    // `category/service`, or a category alone (an empty service grants the whole category).
    var pair = target.split('/');
    api.acceptService(pair[0], pair[1] || '');
  }
});

// The floating "Cookie settings" button (config `settingsButton`: off, bottom-left, bottom-right)
// keeps withdrawal one click away on every page after a choice. It lives here rather than in the
// UI so that returning visitors, who never load the UI, have it too.
var SETTINGS_CSS =
  'button{position:fixed;bottom:12px;z-index:2147482999;font:600 14px/1.2 system-ui,sans-serif;' +
  'padding:10px 14px;min-height:44px;border-radius:22px;border:1px solid #6b7480;background:#fff;' +
  'color:#1b1f24;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.2)}' +
  '.bottom-left{left:12px}.bottom-right{right:12px}' +
  'button:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}' +
  '@media (prefers-color-scheme:dark){button{background:#1d2127;color:#eef1f4;border-color:#8a939e}' +
  'button:focus-visible{outline-color:#8ab4f8}}';

function syncSettingsButton() {
  var corner = (api.config() || {}).settingsButton;
  var existing = document.querySelector('optin-settings');
  var wanted = corner && corner !== 'off' && api.consent();
  if (!wanted) {
    if (existing) existing.remove();
    return;
  }
  if (existing) return;
  var host = document.createElement('optin-settings');
  var root = host.attachShadow({ mode: 'open' });
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(SETTINGS_CSS);
  root.adoptedStyleSheets = [sheet];
  var button = document.createElement('button');
  button.type = 'button';
  button.className = corner;
  button.setAttribute('data-optin', 'settings');
  button.textContent = optin_core.settings_label();
  button.addEventListener('click', function () {
    api.showPreferences();
  });
  root.appendChild(button);
  document.body.appendChild(host);
}
document.addEventListener('optin:change', function () {
  syncSettingsButton();
  consentModeUpdate();
  logChoice();
});

// The core compiles synchronously (a few milliseconds for its size): a returning visitor's gated
// scripts wait for no promise round.
function boot() {
  optin_core.initSync({ module: decode(CORE_WASM) });
  return readConfig();
}
(firstVisit
  ? nextTask().then(function () {
      loadUi();
      return nextTask();
    })
  : Promise.resolve()
)
  .then(boot)
  .then(function (configText) {
    // The inline config was parsed when this script started; a `data-config` one is new.
    consentModeDefault(configText === inlineText ? inlineSettings : parseConfig(configText));
    var ask = optin_core.start(configText);
    started = true;
    consentModeUpdate();
    var pending = outbox();
    var log = (api.config() || {}).log;
    if (pending && log) sendReceipt(log.endpoint, pending);
    readyResolve(api);
    document.dispatchEvent(new CustomEvent('optin:ready'));
    parsed.then(syncSettingsButton);
    if (ask) {
      // The banner renders in a task of its own, not in the one that set up the UI's wasm.
      uiReady()
        .then(function (loaded) {
          return nextTask().then(function () {
            return loaded;
          });
        })
        .then(function (loaded) {
          // A choice may have been made meanwhile (the pre-load queue, the page's own code).
          if (!api.consent()) loaded[0].show('banner', loaded[1]);
        });
    }
  })
  .catch(function (e) {
    console.error(e instanceof Error ? e : new Error(String(e)));
    readyReject(e);
  });

ready.then(function () {
  waiting.forEach(api.push);
}, function () {});
