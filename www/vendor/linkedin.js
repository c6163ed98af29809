// Local stand-in for the LinkedIn share button. No network access: it only sets the cookies the
// real widget sets, renders a button into #share-linkedin and counts its runs in window.__optinDemoRuns.linkedin.
(function () {
  'use strict';
  var runs = window.__optinDemoRuns = window.__optinDemoRuns || {};
  runs.linkedin = (runs.linkedin || 0) + 1;

  function rand() { return Math.floor(Math.random() * 2147483647).toString(36); }
  function set(name, value, maxAge) {
    document.cookie = name + '=' + value + '; path=/' + (maxAge ? '; max-age=' + maxAge : '') + '; SameSite=Lax';
  }
  set('bcookie', '"v=2&' + rand() + '"', 31536000);
  set('lidc', '"b=OB01:s=O:r=O:a=O:p=O:g=' + rand() + '"', 86400);

  function show() {
    var el = document.getElementById('share-linkedin');
    if (!el) return;
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'button share-button';
    button.textContent = 'Share on LinkedIn';
    button.addEventListener('click', function () {
      button.textContent = 'Shared on LinkedIn (demo: nothing sent)';
    });
    var label = document.createElement('span');
    label.className = 'vendor-label';
    label.textContent = 'LinkedIn stand-in loaded';
    el.textContent = '';
    el.appendChild(button);
    el.appendChild(label);
    el.classList.add('is-loaded');
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
})();
