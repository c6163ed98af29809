// @ts-check
// controls.js: the page's own controls. Any element with `data-optin-open` (a "Cookie settings"
// link in the footer, say) opens the preferences panel; one listener on `document` serves every
// such element, including ones added later.
//
// Only opening the panel is handled here, never granting: a page-wide listener cannot tell the
// widget's markup from markup injected to look like it. The buttons of a blocked iframe's
// placeholder ("Load content", "Always allow") grant consent, so the core listens to them itself,
// on the elements it creates (core/src/placeholder.rs).

function listenForControls() {
  document.addEventListener('click', function (e) {
    var el = /** @type {Element} */ (e.target);
    if (el.closest && el.closest('[data-optin-open]')) {
      e.preventDefault();
      api.showPreferences();
    }
  });
}
