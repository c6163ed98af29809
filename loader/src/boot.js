// @ts-check
// boot.js: the start, in order, and the only module with effects at load (the others declare).
// A second copy of optin.js steps aside; the Consent Mode default goes out at once; the core's
// wasm, inlined in optin.js, compiles synchronously, so a returning visitor's gated scripts wait
// on this one request and no promise round; a first visit spreads the work over three tasks, and
// the core shows the banner Yew rendered ahead of time as soon as it knows one is needed (the UI
// takes it over once its files are there). After every change: the settings button, Consent Mode
// and the consent log follow.

/**
 * The core's wasm is inlined as one char per byte (see scripts/assemble-loader.mjs).
 * @param {string} chars
 */
function decode(chars) {
  var bytes = new Uint8Array(chars.length);
  for (var i = 0; i < chars.length; i++) bytes[i] = chars.charCodeAt(i);
  return bytes;
}

/** What follows every recorded choice, whoever made it (the UI, the API, another tab). */
function followChanges() {
  document.addEventListener('optin:change', function () {
    if (api.consent()) {
      hideEarlyBanner();
      dropUnusedUi();
    }
    syncSettingsButton();
    consentModeUpdate();
    logChoice();
  });
}

/**
 * The core compiles synchronously (a few milliseconds for its size): a returning visitor's gated
 * scripts wait for no promise round.
 */
function bootCore() {
  optin_core.initSync({ module: decode(CORE_WASM) });
  return readConfig();
}

function start() {
  // With an inline config placed before this script, the default goes out right now.
  var inlineText = inlineConfigText();
  var inlineSettings = parseConfig(inlineText);
  consentModeDefault(inlineSettings);
  installApi();
  // Without a stored choice the banner will be needed. The core boots in the task after this one,
  // the UI's files starting to download first, and the early banner shows in the task after
  // that: on a slow phone each step takes tens of milliseconds, and together they would make one
  // long task.
  var firstVisit = !storedChoiceLikely(inlineSettings);
  listenForControls();
  followChanges();
  (firstVisit
    ? nextTask().then(function () {
        loadUi();
      })
    : Promise.resolve()
  )
    .then(bootCore)
    .then(function (configText) {
      // The inline config was parsed when this script started; a `data-config` one is new.
      consentModeDefault(configText === inlineText ? inlineSettings : parseConfig(configText));
      var ask = optin_core.start(configText);
      started = true;
      consentModeUpdate();
      flushOutbox(logEndpoint());
      readyResolve(api);
      document.dispatchEvent(new CustomEvent('optin:ready'));
      whenParsed().then(syncSettingsButton);
      if (ask) showBanner();
    })
    .catch(function (e) {
      console.error(e instanceof Error ? e : new Error(String(e)));
      readyReject(e);
    });
}

/**
 * The banner at first paint: the core shows the early banner as soon as the page is parsed (and,
 * for a language other than English, its file has come), then the UI takes it over, in a task of
 * its own rather than the one that set up the UI's wasm. Without the UI's files the early banner
 * stays, and accepting and rejecting still work.
 */
function showBanner() {
  var shown = Promise.all([optin_core.catalogue_file() ? loadTexts() : undefined, whenParsed(), nextTask()]).then(function (got) {
    // A choice may have been made meanwhile (the pre-load queue, the page's own code).
    if (!api.consent() && !bannerHidden) showEarlyBanner(got[0], false);
  });
  takeover = shown
    .then(uiReady)
    .then(function (loaded) {
      return nextTask().then(function () {
        return loaded;
      });
    })
    .then(function (loaded) {
      if (!api.consent() && !bannerHidden) loaded[0].show('banner', loaded[1]);
    });
  takeover.catch(function () {});
}

// Included twice (a template and a tag manager, say): the first copy stays in charge, so there is
// one banner, one API and one gate.
if (window.optin && /** @type {Optin} */ (window.optin).ready) {
  console.warn('optin: optin.js is included more than once on this page; the copy from ' + script.src + ' does nothing');
} else {
  start();
}
