// @ts-check
// api.js: `window.optin`, the public API (loader/optin.d.ts describes it; the type check holds
// this object to that interface), and the pre-load queue:
// `(window.optin = window.optin || []).push(function (optin) { … })` works before and after
// optin.js has loaded. Every answer comes from the core; before it has started, questions answer
// "not granted" (fail closed) and actions wait for it.

var started = false;
/** @type {Array<(optin: Optin) => void>} */
var waiting = [];
/** @type {(api: Optin) => void} */
var readyResolve;
/** @type {(reason: unknown) => void} */
var readyReject;
/** @type {Promise<Optin>} */
var ready = new Promise(function (resolve, reject) {
  readyResolve = resolve;
  readyReject = reject;
});

/**
 * Actions wait for the start.
 * @param {() => void} fn
 * @returns {Promise<void>}
 */
function act(fn) {
  return ready.then(function () {
    fn();
  });
}

/** @type {Optin} */
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
    return started ? JSON.parse(/** @type {string} */ (optin_core.choices_json())) : null;
  },
  config: function () {
    return started ? JSON.parse(/** @type {string} */ (optin_core.config_json())) : null;
  },
  language: function () {
    return started ? /** @type {string} */ (optin_core.lang()) : null;
  },
  acceptAll: function () {
    return act(function () {
      optin_core.choose(ACCEPT_ALL, []);
    });
  },
  rejectAll: function () {
    return act(function () {
      optin_core.choose(REJECT_ALL, []);
    });
  },
  // Categories, and `category/service` pairs for single services.
  accept: function (categories) {
    return act(function () {
      optin_core.choose(CUSTOM, /** @type {unknown[]} */ ([]).concat(categories || []).map(String));
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
    bannerHidden = true;
    hideEarlyBanner();
    return ui
      ? ui.then(function (u) {
          u.hide();
        })
      : Promise.resolve();
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
    /** @param {Event} e */
    var listener = function (e) {
      fn(/** @type {CustomEvent} */ (e).detail);
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
  push: function (fn) {
    ready.then(function () {
      fn(api);
    });
  },
};

/** Takes over `window.optin`, keeping the calls queued before optin.js loaded. */
function installApi() {
  if (Array.isArray(window.optin)) waiting = window.optin;
  window.optin = api;
  ready.then(
    function () {
      waiting.forEach(api.push);
    },
    function () {}
  );
}
