// First-party application script (necessary, not gated): mimics the Pipeline UI session cookie
// and, on the home page, lists the cookies the page can see so the demo is easy to follow.
(function () {
  'use strict';

  function randomId() {
    var bytes = new Uint8Array(16);
    (window.crypto || window.msCrypto).getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return (b < 16 ? '0' : '') + b.toString(16);
    }).join('');
  }

  function cookieNames() {
    return document.cookie.split(';').map(function (c) {
      return c.split('=')[0].trim();
    }).filter(Boolean).sort();
  }

  // Session cookie: no max-age/expires, so the browser drops it when it closes.
  if (cookieNames().indexOf('session') === -1) {
    document.cookie = 'session=' + randomId() + '; path=/; SameSite=Lax';
  }

  var jar = document.getElementById('cookie-jar');
  if (!jar) return;
  var last = null;
  function render() {
    var names = cookieNames();
    var key = names.join(',');
    if (key === last) return;
    last = key;
    jar.textContent = '';
    (names.length ? names : ['(none)']).forEach(function (name) {
      var li = document.createElement('li');
      li.textContent = name;
      jar.appendChild(li);
    });
  }
  render();
  setInterval(render, 1000);
})();
