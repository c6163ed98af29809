// Brotli (quality 11) bytes of what each kind of visitor downloads for the widget, and the size
// budgets `make test` enforces. Sizes are deterministic, so a crossed budget fails the tests.
//   returning visitor: dist/optin.js (loader + core glue + core wasm inlined)
//   first visit:       the same plus dist/optin-ui.js and dist/optin-ui_bg.wasm
// Lowering a budget is how a size win is kept: set it just above today's figure.
import { readFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';

// Budgets sit just above today's figures. The targets are below them and not met yet: returning
// visitor 15 KB now, 10 KB later; first visit 70 KB now, 60 KB later (README "Size").
const BUDGET = { returning: 40.75 * 1024, first: 122 * 1024 };
const TARGET = { returning: 15 * 1024, first: 70 * 1024 };

const br = (file) =>
  brotliCompressSync(readFileSync(new URL(`../dist/${file}`, import.meta.url)), {
    params: { [constants.BROTLI_PARAM_QUALITY]: 11 },
  }).length;

const loader = br('optin.js');
const uiGlue = br('optin-ui.js');
const uiWasm = br('optin-ui_bg.wasm');
const figures = { returning: loader, first: loader + uiGlue + uiWasm };

console.log(`optin.js (loader + core)  ${loader} B`);
console.log(`optin-ui.js               ${uiGlue} B`);
console.log(`optin-ui_bg.wasm          ${uiWasm} B`);
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
