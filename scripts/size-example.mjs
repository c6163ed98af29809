// optin's marginal cost in a Yew app: brotli (quality 11) bytes of examples/yew-app built with
// optin-yew (target/example/app/) and without it (target/example/bare/), both by
// scripts/build-example.sh the way the standalone UI is built; the difference is what optin adds
// to a Yew app's download (the core, the components and their styles, in the app's own wasm).
// Printed next to the standalone widget's first visit (dist/, scripts/size.mjs) when built.
// `--check` (make size-check) fails when the marginal cost crosses its budget.
import { existsSync, readFileSync } from 'node:fs';
import { brotliCompressSync, constants } from 'node:zlib';

// Just above the figure measured (issue 15: 52 981 B when optin-yew landed; 57 662 B with
// <Preferences/> on its own, [data-optin-open], Consent Mode, the consent log, optin:ready and
// the example's `lang-de`, 949 B of it; issue 17: 53 401 B, optin-yew's and the core's size work,
// README "Size"); lowering it keeps a win.
// The banner's layout as a `data-layout` attribute (Yew's server renderer drops properties) and
// its notice that the settings cannot be loaded: 53 933 B (+1 %).
const BUDGET = { marginal: 54016 };

const url = (p) => new URL(`../${p}`, import.meta.url);
const brotli = (p) =>
  brotliCompressSync(readFileSync(url(p)), { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
const app = (dir) => {
  if (!existsSync(url(`${dir}/example_bg.wasm`))) {
    console.error(`${dir} is missing: run scripts/build-example.sh`);
    process.exit(1);
  }
  const wasm = brotli(`${dir}/example_bg.wasm`);
  const glue = brotli(`${dir}/example.js`);
  return { wasm, glue, total: wasm + glue };
};

const withOptin = app('target/example/app');
const without = app('target/example/bare');
const marginal = withOptin.total - without.total;
const line = (name, a) => console.log(`${name}  ${a.total} B brotli (wasm ${a.wasm} + glue ${a.glue})`);
line('example app with optin   ', withOptin);
line('example app without optin', without);
console.log(`optin's marginal cost      ${marginal} B brotli (${(marginal / 1024).toFixed(1)} KB), budget ${BUDGET.marginal} B`);
if (existsSync(url('dist/optin-ui_bg.wasm'))) {
  const first = ['optin.js', 'optin-ui.js', 'optin-ui_bg.wasm'].reduce((n, f) => n + brotli(`dist/${f}`), 0);
  console.log(`standalone first visit     ${first} B brotli (dist/: optin.js + optin-ui.js + optin-ui_bg.wasm)`);
}
if (process.argv.includes('--check')) {
  const ok = marginal <= BUDGET.marginal;
  console.log(`yew-app size budget: ${ok ? 'passed' : 'OVER BUDGET'}`);
  process.exit(ok ? 0 : 1);
}
