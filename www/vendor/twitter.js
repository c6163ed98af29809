// Local stand-in for the Twitter share button. No network access: it only sets the cookies the
// real widget sets, renders a button into #share-twitter and counts its runs in window.__optinDemoRuns.twitter.
(function () {
  'use strict';
  var runs = window.__optinDemoRuns = window.__optinDemoRuns || {};
  runs.twitter = (runs.twitter || 0) + 1;

  function rand() { return Math.floor(Math.random() * 2147483647).toString(36); }
  function set(name, value, maxAge) {
    document.cookie = name + '=' + value + '; path=/' + (maxAge ? '; max-age=' + maxAge : '') + '; SameSite=Lax';
  }
  set('guest_id', 'v1%3A' + Date.now() + rand(), 63072000);
  set('personalization_id', '"v1_' + rand() + rand() + '"', 63072000);

  function show() {
    var el = document.getElementById('share-twitter');
    if (!el) return;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button share-button';
    button.textContent = 'Share on Twitter';
    button.addEventListener('click', function () {
      button.textContent = 'Shared on Twitter (demo: nothing sent)';
    });
    var label = document.createElement('span');
    label.className = 'vendor-label';
    label.textContent = 'Twitter stand-in loaded';
    el.textContent = '';
    el.appendChild(button);
    el.appendChild(label);
    el.classList.add('is-loaded');
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
})();
