// Writes dist/optin.js: the core's wasm-bindgen glue, the core's wasm (base64) and the loader,
// wrapped in one function so nothing but `window.optin` reaches the page's global scope.
// Usage: node scripts/assemble-loader.mjs <glue.js> <core_bg.wasm> <loader.js> <out.js>
import { readFileSync, writeFileSync } from 'node:fs';

const [glue, wasm, loader, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: assemble-loader.mjs <glue.js> <core_bg.wasm> <loader.js> <out.js>');
  process.exit(2);
}
const glueSrc = readFileSync(glue, 'utf8')
  // The glue's own lookup of its .wasm is never used: the bytes are inlined.
  .replace(/^let (optin_core) = /m, 'var $1 = ');
const wasmB64 = readFileSync(wasm).toString('base64');
const body = readFileSync(loader, 'utf8');
const text = `/*! optin | MIT | one script: core + loader; UI loads on demand from the same folder */
(function () {
'use strict';
${glueSrc}
var CORE_WASM = "${wasmB64}";
${body}
})();
`;
writeFileSync(out, text);
console.log(`${out}: ${text.length} bytes (core wasm ${readFileSync(wasm).length} bytes inlined)`);
