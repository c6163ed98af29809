// @ts-check
// outbox.js: the consent log (config `log.endpoint`). Every stored choice's receipt is POSTed as
// text/plain (no CORS preflight) with fetch keepalive, which, unlike sendBeacon, tells whether the
// log stored it; sendBeacon is the fallback where fetch is missing or throws.
//
// Receipts wait in a queue in localStorage (`optin.outbox`, a JSON array, oldest first) until the
// log answers for each one, so none is lost to a later choice or a closed tab, and every page
// load sends what is still queued. An answer concerns one receipt, known by its consent `id` and
// `updatedAt`: 2xx (stored) or 409 (already stored) takes it out; a permanent refusal (any other
// 4xx but 408 and 429) takes it out with a warning, since sending it again would be refused
// again; anything else (5xx, 408, 429, no answer) keeps it for the next page load. The queue is
// bounded: a log that is down for good must not fill the visitor's storage.
//
// Nothing here may block or break the page: storage that throws means a queue held in memory for
// this page only.

var OUTBOX_KEY = 'optin.outbox';
var OUTBOX_MAX = 20;

/**
 * A queued receipt must say which choice it records.
 * @param {any} value
 * @returns {value is OptinReceipt}
 */
function isReceipt(value) {
  return !!value && typeof value.id === 'string' && typeof value.updatedAt === 'string';
}

/**
 * Whether two receipts record the same choice.
 * @param {OptinReceipt} a
 * @param {OptinReceipt} b
 */
function sameChoice(a, b) {
  return a.id === b.id && a.updatedAt === b.updatedAt;
}

/**
 * The queued receipts, oldest first. What cannot be read is dropped with a warning: a value from
 * before the queue (one receipt, not an array) counts as a queue of one.
 * @returns {OptinReceipt[]}
 */
function readOutbox() {
  var raw = null;
  try {
    raw = localStorage.getItem(OUTBOX_KEY);
  } catch (e) {
    // No storage (disabled, sandboxed frame): nothing is queued.
  }
  if (raw === null) return [];
  /** @type {any} */
  var list;
  try {
    list = JSON.parse(raw);
  } catch (e) {
    // Not JSON: one unreadable entry.
  }
  if (!Array.isArray(list)) list = [list];
  var receipts = list.filter(isReceipt);
  if (receipts.length < list.length) {
    console.warn('optin: dropped ' + (list.length - receipts.length) + ' unreadable entries of the consent-log outbox');
    writeOutbox(receipts);
  }
  return receipts;
}

/** @param {OptinReceipt[]} receipts */
function writeOutbox(receipts) {
  try {
    if (receipts.length) localStorage.setItem(OUTBOX_KEY, JSON.stringify(receipts));
    else localStorage.removeItem(OUTBOX_KEY);
  } catch (e) {
    // Storage is disabled or full: the receipt is still sent, it just will not wait for the next page.
  }
}

/**
 * Queues a receipt (once), dropping the oldest when the queue is full.
 * @param {OptinReceipt} receipt
 */
function enqueue(receipt) {
  var queue = readOutbox();
  if (queue.some(function (r) { return sameChoice(r, receipt); })) return;
  queue.push(receipt);
  if (queue.length > OUTBOX_MAX) {
    warnDropped(/** @type {OptinReceipt} */ (queue.shift()), 'the consent-log outbox holds ' + OUTBOX_MAX);
  }
  writeOutbox(queue);
}

/**
 * A receipt will never reach the log: the site owner should know.
 * @param {OptinReceipt} receipt
 * @param {string} why
 */
function warnDropped(receipt, why) {
  console.warn('optin: dropped the receipt of ' + receipt.id + ' at ' + receipt.updatedAt + ': ' + why);
}

/**
 * Takes one receipt out of the queue, leaving the others.
 * @param {OptinReceipt} receipt
 */
function dequeue(receipt) {
  writeOutbox(readOutbox().filter(function (r) { return !sameChoice(r, receipt); }));
}

/**
 * What the log's answer means for the receipt it answers.
 * @param {OptinReceipt} receipt
 * @param {number} status
 */
function settleReceipt(receipt, status) {
  if ((status > 199 && status < 300) || status === 409) return dequeue(receipt);
  // 408 (timeout) and 429 (too many requests) say "later"; other 4xx say "never".
  if (status > 399 && status < 500 && status !== 408 && status !== 429) {
    warnDropped(receipt, 'the consent log refused it for good (HTTP ' + status + ')');
    dequeue(receipt);
  }
}

/**
 * POSTs one queued receipt.
 * @param {string} endpoint
 * @param {OptinReceipt} receipt
 */
function sendReceipt(endpoint, receipt) {
  var body = JSON.stringify(receipt);
  try {
    fetch(endpoint, {
      method: 'POST',
      body: body,
      keepalive: true,
      headers: { 'Content-Type': 'text/plain;charset=UTF-8' },
    })
      .then(function (r) {
        settleReceipt(receipt, r.status);
      })
      .catch(function () {});
  } catch (e) {
    if (navigator.sendBeacon) navigator.sendBeacon(endpoint, body);
  }
}

/**
 * Queues and sends a receipt; without an endpoint, nothing.
 * @param {string | undefined} endpoint
 * @param {OptinReceipt} receipt
 */
function logReceipt(endpoint, receipt) {
  if (!endpoint) return;
  enqueue(receipt);
  sendReceipt(endpoint, receipt);
}

/**
 * Sends every queued receipt, in order (on start: what earlier pages could not deliver).
 * @param {string | undefined} endpoint
 */
function flushOutbox(endpoint) {
  if (endpoint) {
    readOutbox().forEach(function (receipt) {
      sendReceipt(endpoint, receipt);
    });
  }
}

/** The config's `log.endpoint`, if any. */
function logEndpoint() {
  var log = (api.config() || {}).log;
  return log && log.endpoint;
}

/** @type {string | null} */
var lastLogged = null;
/** After a change: the receipt of the choice in force, once per choice. */
function logChoice() {
  var receipt = api.receipt();
  if (!receipt || receipt.updatedAt === lastLogged) return;
  lastLogged = receipt.updatedAt;
  logReceipt(logEndpoint(), receipt);
}
