// How every headless Chromium of the project is started (end-to-end tests, benchmark, screenshots):
// Debian's browser, as root, with the background services off (the machine has no internet, and
// Chromium would otherwise keep trying hosts it cannot reach).
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
