// @ts-check
// early-banner.js: the banner at first paint. Yew renders optin-yew's banner ahead of time, at
// build time; the core fills that template for this visitor (core/src/early_banner.rs: the
// config's texts in the visitor's language, as text) and this module puts it in the widget's
// shadow root at once, before the UI's files have arrived. "Accept all" and "Reject all" choose
// through the core right away; "Preferences" shows it is busy and opens the panel once the UI is
// there, or says that the settings cannot be loaded. The UI takes the banner over when it has
// loaded: it renders in the same host, and this one goes in the very task the UI's banner (or
// panel) appears in, seen by a MutationObserver, so no frame shows both or neither, whatever
// Yew's scheduler does between a render and its effects.
// Built with DOM calls only (config texts are text, never HTML), styled by a constructed
// stylesheet (no `<style>`, no `style` attribute: a strict `style-src 'self'` allows it).

/** The early banner on the page: its `.optin` element, the texts it was filled with, its layout.
 * @type {{ root: HTMLElement, texts: string | undefined, layout: string } | null} */
var early = null;

/**
 * Gives `host` an open shadow root (or takes the one it has) with `css` as its stylesheet.
 * @param {Element} host
 * @param {string} css
 */
function styledShadow(host, css) {
  var root = host.shadowRoot || host.attachShadow({ mode: 'open' });
  var sheet = new CSSStyleSheet();
  sheet.replaceSync(css);
  root.adoptedStyleSheets = [sheet];
  return root;
}

/**
 * Shows the early banner, or fills it again (`unavailable`: with the notice that the settings
 * cannot be loaded). `texts` is the visitor's language file, when it is not English.
 * @param {string | undefined} texts
 * @param {boolean} unavailable
 */
function showEarlyBanner(texts, unavailable) {
  var filled = optin_core.early_banner(texts, unavailable);
  if (!filled) return;
  var parts = JSON.parse(filled); // [stylesheet, theme, layout, banner]
  var host = document.querySelector('optin-widget');
  if (!host) host = document.body.appendChild(document.createElement('optin-widget'));
  host.setAttribute('data-theme', parts[1]);
  var root = document.createElement('div');
  root.className = 'optin';
  root.setAttribute('data-early', '');
  var banner = /** @type {HTMLElement} */ (build(parts[3]));
  root.appendChild(banner);
  var shadow = styledShadow(host, parts[0]);
  shadow.appendChild(root);
  root.addEventListener('click', earlyClick);
  var before = early;
  var shown = (early = { root: root, texts: texts, layout: parts[2] });
  if (!before) watchTakeover(shadow);
  // Measured once laid out (no layout forced in this task), and again whenever it changes size.
  new ResizeObserver(function (entries) {
    if (early === shown) padScrollArea(shown.layout, entries[0].target.getBoundingClientRect().height);
  }).observe(banner);
  if (before) replaceKeepingFocus(before.root, root);
}

/**
 * A filled node as DOM: `[tag, {attributes}, children…]` or a string (a text node).
 * @param {unknown} node
 * @returns {Node}
 */
function build(node) {
  if (!Array.isArray(node)) return document.createTextNode(String(node));
  var element = document.createElement(node[0]);
  var attributes = node[1];
  for (var name in attributes) element.setAttribute(name, attributes[name]);
  for (var i = 2; i < node.length; i++) element.appendChild(build(node[i]));
  return element;
}

/**
 * The early banner's buttons: choices through the core at once, Preferences once the UI is there.
 * @param {Event} e
 */
function earlyClick(e) {
  var button = /** @type {Element} */ (e.target).closest('button[data-optin]');
  var hook = button && button.getAttribute('data-optin');
  if (hook === 'accept-all') api.acceptAll();
  else if (hook === 'reject-all') api.rejectAll();
  else if (hook === 'preferences-open') {
    /** @type {Element} */ (button).setAttribute('aria-busy', 'true');
    api.showPreferences().catch(function () {});
  }
}

/**
 * Once the UI's banner or panel is in the shadow root, the early banner goes: focus on one of its
 * controls moves to the UI's same control, and the UI's banner does not slide in a second time.
 * From then on the UI owns the banner (and the page's padding for it).
 * @param {ShadowRoot} shadow
 */
function watchTakeover(shadow) {
  var observer = new MutationObserver(function () {
    var ui = shadow.querySelector('.optin:not([data-early]) [data-optin="banner"], .optin:not([data-early]) [data-optin="preferences"]');
    if (!early || !ui) {
      if (!early) observer.disconnect();
      return;
    }
    observer.disconnect();
    var root = early.root;
    early = null;
    if (ui.getAttribute('data-optin') === 'banner') /** @type {HTMLElement} */ (ui).style.animation = 'none';
    replaceKeepingFocus(root, /** @type {HTMLElement} */ (ui.closest('.optin')));
  });
  observer.observe(shadow, { childList: true, subtree: true });
}

/** The panel cannot be had: the early banner, if it shows, says so and keeps focus. */
function earlyBannerUnavailable() {
  if (early) showEarlyBanner(early.texts, true);
}

/** Takes the early banner off the page (a choice was made, or the page asked). */
function hideEarlyBanner() {
  if (!early) return;
  early.root.remove();
  padScrollArea(early.layout, 0);
  early = null;
}

/**
 * `old` goes and `now` stays; focus on one of `old`'s controls moves to the same control of `now`.
 * @param {HTMLElement} old
 * @param {HTMLElement} now
 */
function replaceKeepingFocus(old, now) {
  var shadow = /** @type {ShadowRoot} */ (old.getRootNode());
  var focused = shadow.activeElement;
  var hook = focused && old.contains(focused) && focused.getAttribute('data-optin');
  old.remove();
  var same = hook && now.querySelector('[data-optin="' + hook + '"]');
  if (same) /** @type {HTMLElement} */ (same).focus();
}

/**
 * Pads the page's scroll area at the banner's edge by `px` (0 removes it), so that the browser
 * scrolls focused elements clear of the banner (WCAG 2.2, 2.4.11), as the UI's banner does
 * (yew/src/dom.rs, pad_scroll_area); a centred box covers no edge. At the bottom the page's end
 * gets that much padding too, so that its last link can scroll clear (no layout shift).
 * @param {string} layout
 * @param {number} px
 */
function padScrollArea(layout, px) {
  var style = document.documentElement.style;
  var properties =
    layout === 'box-center' ? [] : layout === 'bar-top' ? ['scroll-padding-top'] : ['scroll-padding-bottom', 'padding-bottom'];
  properties.forEach(function (property) {
    if (px > 0) style.setProperty(property, Math.ceil(px) + 'px');
    else style.removeProperty(property);
  });
}
