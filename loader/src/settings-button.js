// @ts-check
// settings-button.js: the floating "Cookie settings" button (config `settingsButton`: off,
// bottom-left, bottom-right), which keeps withdrawal one click away on every page after a choice.
// It lives in the loader rather than the UI so that returning visitors, who never load the UI,
// have it too. Its own shadow root and constructed stylesheet keep page CSS out, as for the UI.

var SETTINGS_CSS =
  'button{position:fixed;bottom:12px;z-index:2147482999;font:600 14px/1.2 system-ui,sans-serif;' +
  'padding:10px 14px;min-height:44px;border-radius:22px;border:1px solid #6b7480;background:#fff;' +
  'color:#1b1f24;cursor:pointer;box-shadow:0 2px 8px rgba(0,0,0,.2)}' +
  '.bottom-left{left:12px}.bottom-right{right:12px}' +
  'button:focus-visible{outline:3px solid #0b57d0;outline-offset:2px}' +
  '@media (prefers-color-scheme:dark){button{background:#1d2127;color:#eef1f4;border-color:#8a939e}' +
  'button:focus-visible{outline-color:#8ab4f8}}';

/** Adds or removes the button to match the config and whether a choice is stored. */
function syncSettingsButton() {
  var corner = (api.config() || {}).settingsButton;
  var existing = document.querySelector('optin-settings');
  var wanted = corner && corner !== SETTINGS_BUTTON_OFF && api.consent();
  if (!wanted) {
    if (existing) existing.remove();
    return;
  }
  if (existing) return;
  var host = document.createElement('optin-settings');
  var root = styledShadow(host, SETTINGS_CSS);
  var button = document.createElement('button');
  button.type = 'button';
  button.className = /** @type {string} */ (corner);
  button.setAttribute('data-optin', 'settings');
  button.textContent = /** @type {string} */ (optin_core.settings_label());
  button.addEventListener('click', function () {
    api.showPreferences();
  });
  root.appendChild(button);
  document.body.appendChild(host);
}
