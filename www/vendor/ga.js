// Local stand-in for Google Analytics (gtag.js). No network access: it only sets the cookies
// the real script sets, marks #ga-status and counts its runs in window.__optinDemoRuns.ga.
(function () {
  'use strict';
  var runs = window.__optinDemoRuns = window.__optinDemoRuns || {};
  runs.ga = (runs.ga || 0) + 1;

  function rand() { return Math.floor(Math.random() * 2147483647); }
  function get(name) {
    var m = document.cookie.match(new RegExp('(?:^|; )' + name + '=([^;]*)'));
    return m ? m[1] : null;
  }
  function set(name, value, maxAge) {
    document.cookie = name + '=' + value + '; path=/; max-age=' + maxAge + '; SameSite=Lax';
  }

  var now = Math.floor(Date.now() / 1000);
  window.dataLayer = window.dataLayer || [];
  set('_ga', get('_ga') || 'GA1.1.' + rand() + '.' + now, 63072000);            // 2 years
  set('_ga_OPTINDEMO1', 'GS1.1.' + now + '.1.0.' + now + '.0.0.0', 63072000);   // 2 years
  set('_gid', get('_gid') || 'GA1.1.' + rand() + '.' + now, 86400);             // 24 hours
  set('_gat', '1', 60);                                                         // 1 minute

  function show() {
    var el = document.getElementById('ga-status');
    if (!el) return;
    el.textContent = 'Google Analytics stand-in loaded';
    el.classList.add('is-loaded');
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
})();
