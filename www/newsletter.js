// Newsletter sign-up (privacy statement section 4): an e-mail opt-in, separate from cookie consent.
// Demo only: nothing is stored or sent.
(function () {
  'use strict';
  var form = document.getElementById('newsletter-form');
  if (!form) return;
  var email = document.getElementById('newsletter-email');
  var optin = document.getElementById('newsletter-optin');
  var status = document.getElementById('newsletter-status');

  function say(text, isError) {
    status.textContent = text;
    status.classList.toggle('is-error', !!isError);
  }

  form.addEventListener('submit', function (event) {
    event.preventDefault();
    if (!email.checkValidity()) {
      say('Please enter a valid e-mail address.', true);
      email.focus();
      return;
    }
    if (!optin.checked) {
      say('Nothing was sent: tick the box if you want to receive the newsletter.', true);
      optin.focus();
      return;
    }
    say('Thanks! You are subscribed to the newsletter. (Demo: no e-mail was stored or sent.)', false);
    form.reset();
  });
})();
