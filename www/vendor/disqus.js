// Local stand-in for the Disqus comment embed. No network access: it only sets the cookies
// Disqus sets, renders a few fake comments into #disqus_thread and counts its runs in
// window.__optinDemoRuns.disqus.
(function () {
  'use strict';
  var runs = window.__optinDemoRuns = window.__optinDemoRuns || {};
  runs.disqus = (runs.disqus || 0) + 1;

  function rand() { return Math.floor(Math.random() * 2147483647).toString(36); }
  document.cookie = 'disqus_unique=' + rand() + rand() + '; path=/; max-age=31536000; SameSite=Lax';
  document.cookie = '__jid=' + rand() + '; path=/; SameSite=Lax';

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text) node.textContent = text;
    return node;
  }

  var comments = [
    ['kube_fan', 'Nice trick, the secret never touches etcd. Does it work with CronJobs too?'],
    ['demo_author', 'It does: the webhook mutates every pod, whatever created it.']
  ];

  function show() {
    var thread = document.getElementById('disqus_thread');
    if (!thread) return;
    thread.textContent = '';
    thread.appendChild(el('span', 'vendor-label', 'Disqus stand-in loaded (fake comments, nothing is sent)'));
    var list = el('ul', 'comment-list');
    comments.forEach(function (c) {
      var item = el('li', 'comment');
      item.appendChild(el('span', 'comment-author', c[0]));
      item.appendChild(el('p', null, c[1]));
      list.appendChild(item);
    });
    thread.appendChild(list);
    thread.classList.add('is-loaded');
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', show);
  else show();
})();
