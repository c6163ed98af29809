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
    var control = el.closest && el.closest('[data-optin-open]');
    if (control) {
      e.preventDefault();
      busyUntil(/** @type {HTMLElement} */ (control), api.showPreferences());
    }
  });
}

/**
 * Until `done` settles (the UI may still be loading), the control says it is busy: to assistive
 * technology through `aria-busy`, to the eye through the cursor (set through the CSSOM, which a
 * strict `style-src` allows).
 * @param {HTMLElement} control
 * @param {Promise<unknown>} done
 */
function busyUntil(control, done) {
  var cursor = control.style.cursor;
  control.setAttribute('aria-busy', 'true');
  control.style.cursor = 'progress';
  function idle() {
    control.removeAttribute('aria-busy');
    control.style.cursor = cursor;
  }
  done.then(idle, idle);
}
