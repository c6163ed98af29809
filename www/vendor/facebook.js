// Local stand-in for the Facebook share button. No network access: it only sets the cookies the
// real widget sets, renders a button into #share-facebook and counts its runs in window.__optinDemoRuns.facebook.
(function () {
  'use strict';
  var runs = window.__optinDemoRuns = window.__optinDemoRuns || {};
  runs.facebook = (runs.facebook || 0) + 1;

  function rand() { return Math.floor(Math.random() * 2147483647).toString(36); }
  function set(name, value, maxAge) {
    document.cookie = name + '=' + value + '; path=/' + (maxAge ? '; max-age=' + maxAge : '') + '; SameSite=Lax';
  }
  set('fr', '0' + rand() + rand() + '..' + Math.floor(Date.now() / 1000), 7776000);
  set('datr', rand() + rand(), 63072000);

  function show() {
    var el = document.getElementById('share-facebook');
    if (!el) return;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button share-button';
    button.textContent = 'Share on Facebook';
    button.addEventListener('click', function () {
      button.textContent = 'Shared on Facebook (demo: nothing sent)';
    });
    var label = document.createElement('span');
    label.className = 'vendor-label';
    label.textContent = 'Facebook stand-in loaded';
    el.textContent = '';
    el.appendChild(button);
    el.appendChild(label);
    el.classList.add('is-loaded');
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
})();
