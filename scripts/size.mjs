// Brotli (quality 11) bytes of what each kind of visitor downloads for the widget, and the size
// budgets `make test` enforces. Sizes are deterministic, so a crossed budget fails the tests.
//   returning visitor: dist/optin.js (loader + core glue + core wasm inlined)
//   first visit:       the same plus dist/optin-ui.js and dist/optin-ui_bg.wasm (English; a visitor
//                      in another language also fetches dist/lang/<code>.json, listed below)
// Lowering a budget is how a size win is kept: set it just above today's figure.
import { readFileSync, readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, constants } from 'node:zlib';

// Budgets sit just above today's figures. The targets are issue 17's (at most 30 KB for a
// returning visitor, 80 KB for a first visit; issue 7's 10 and 60 KB were below what a Yew banner
// weighs); both are below the budgets, and README "Size" shows each one's measured floor:
// `--floor` (make size-floor) for the Yew banner, scripts/returning-floor.sh for the core.
// Subresource Integrity (issue 14) added 629 B to optin.js; the language files' 433 B of it moved
// into optin-ui.js (issue 17), which only a banner fetches. Issue 17 took them from 41 452 and
// 117 652 B to 39 530 and 105 357 B (README "Size" lists each step).
// The banner at first paint (the template Yew renders ahead of time, its stylesheet and English
// texts, the core's filling and the loader's building of it) costs every visitor 4 KB: 39 530 ->
// 43 623 B returning, 105 357 -> 109 606 B first (README "Size").
const BUDGET = { returning: 43648, first: 109632 };
const TARGET = { returning: 30 * 1024, first: 80 * 1024 };

const brotli = (path) =>
  brotliCompressSync(readFileSync(path), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
// `--dist <dir>`: another build laid out as dist/ (scripts/floor-dist.sh's, make bench-floor).
const distAt = process.argv.indexOf('--dist');
const DIST = distAt > 0 ? pathToFileURL(`${resolve(process.argv[distAt + 1])}/`) : new URL('../dist/', import.meta.url);
const br = (file) => brotli(new URL(file, DIST));

// `--floor <dir>` (make size-floor): the smallest Yew banner (bench/floor), built like the UI.
const floorAt = process.argv.indexOf('--floor');
if (floorAt > 0) {
  const dir = process.argv[floorAt + 1];
  const wasm = brotli(`${dir}/floor_bg.wasm`);
  const glue = brotli(`${dir}/floor.js`);
  const floor = wasm + glue;
  console.log(`smallest Yew banner: floor_bg.wasm ${wasm} B + floor.js ${glue} B = ${floor} B brotli`);
  console.log(`first-visit target ${TARGET.first} B: ${TARGET.first - floor} B left for the core, the loader and the real UI`);
  console.log(`returning-visit target ${TARGET.returning} B + that floor = ${TARGET.returning + floor} B, before any of the UI's own code`);
  process.exit(0);
}

const loader = br('optin.js');
const uiGlue = br('optin-ui.js');
const uiWasm = br('optin-ui_bg.wasm');
const figures = { returning: loader, first: loader + uiGlue + uiWasm };

console.log(`optin.js (loader + core)  ${loader} B`);
console.log(`optin-ui.js               ${uiGlue} B`);
console.log(`optin-ui_bg.wasm          ${uiWasm} B`);
const langs = readdirSync(new URL('lang/', DIST)).map((f) => [f, br(`lang/${f}`)]);
const [biggest, biggestBytes] = langs.reduce((a, b) => (b[1] > a[1] ? b : a));
console.log(`lang/*.json               ${langs.map(([f, b]) => `${f.replace('.json', '')} ${b}`).join(', ')} B`);
console.log(`first visit in ${biggest.replace('.json', '')}         ${figures.first + biggestBytes} B (the largest language file)`);
let failed = 0;
for (const [name, bytes] of Object.entries(figures)) {
  const ok = bytes <= BUDGET[name];
  if (!ok) failed++;
  console.log(
    `${name === 'returning' ? 'returning visitor' : 'first visit      '}  ${bytes} B brotli (${(bytes / 1024).toFixed(1)} KB), budget ${BUDGET[name]} B, target ${TARGET[name]} B${ok ? '' : '  OVER BUDGET'}`,
  );
}
if (process.argv.includes('--check')) {
  console.log(`size budgets: ${2 - failed} passed, ${failed} failed`);
  process.exit(failed ? 1 : 0);
}
