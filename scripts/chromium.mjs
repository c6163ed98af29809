// How every headless Chromium of the project is started (end-to-end tests, benchmark, screenshots):
// Debian's browser, as root, with the background services off (the machine has no internet, and
// Chromium would otherwise keep trying hosts it cannot reach). Also the page helpers the tests and
// the screenshots share.
export const CHROMIUM_PATH = process.env.OPTIN_CHROMIUM || '/usr/bin/chromium';

export const BASE_ARGS = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
]);

/**
 * Waits until every CSS animation and transition of the page (document and open shadow roots)
 * has finished, or 3 s: nothing is caught half faded or half slid in.
 */
export async function animationsDone(page) {
  await page.evaluate(async () => {
    const all = new Set(document.getAnimations());
    const walk = (root) => {
      for (const el of root.querySelectorAll('*')) {
        if (el.shadowRoot) {
          el.shadowRoot.getAnimations().forEach((a) => all.add(a));
          walk(el.shadowRoot);
        }
      }
    };
    walk(document);
    const done = Promise.all([...all].map((a) => a.finished.catch(() => {})));
    await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
  });
}
