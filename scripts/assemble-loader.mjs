// Writes dist/optin.js: the core's wasm-bindgen glue, the core's wasm (inlined) and the loader,
// wrapped in one function so nothing but `window.optin` reaches the page's global scope, and
// minified (scripts/minify.mjs). Also owns Subresource Integrity: the loader carries the sha384
// of the UI's two files (`INTEGRITY`, read from the files already in optin.js's folder, so
// build-dist.sh writes the UI and the language files first); the language files' hashes go into
// optin-ui.js (`optin_ui.sri`), which is checked itself and which only a banner needs, so a
// returning visitor does not download them (433 B brotli); dist/optin.sri.json lists every file
// and optin.js's own, for the embed snippet and the release.
// Usage: node scripts/assemble-loader.mjs <core-glue.js> <core_bg.wasm> <out.js>
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { minifyJs } from './minify.mjs';
import { loaderSource } from './loader-source.mjs';

const [glue, wasm, out] = process.argv.slice(2);
if (!out) {
  console.error('usage: assemble-loader.mjs <core-glue.js> <core_bg.wasm> <out.js>');
  process.exit(2);
}

// The wasm comes in as the argument of the outer function, named by an identifier terser cannot
// evaluate (a string placeholder would be constant-folded: it once turned `.length` into 19).
const PLACEHOLDER = '__OPTIN_CORE_WASM__';

/** The `integrity` value of a file's exact bytes (what the browser hashes: the decoded body). */
const sri = (bytes) => 'sha384-' + createHash('sha384').update(bytes).digest('base64');

// What the loader fetches, by its path relative to optin.js (the key ui.js looks up). A file
// missing here is a build error: the loader would fetch it unchecked.
const dist = dirname(out);
const langs = readdirSync(join(dist, 'lang')).filter((f) => f.endsWith('.json')).sort().map((f) => `lang/${f}`);
if (!langs.includes('lang/de.json')) throw new Error(`${dist}/lang/ has no language files: build-dist.sh writes them before optin.js`);
const langIntegrity = Object.fromEntries(langs.map((f) => [f, sri(readFileSync(join(dist, f)))]));
// Appended to the UI's glue after its global is assigned; a rerun replaces the line, never adds one.
const SRI_LINE = '\n;optin_ui.sri=';
const uiGlue = join(dist, 'optin-ui.js');
const glueText = readFileSync(uiGlue, 'utf8');
const glueBase = glueText.includes(SRI_LINE) ? glueText.slice(0, glueText.indexOf(SRI_LINE)) : glueText;
writeFileSync(uiGlue, `${glueBase}${SRI_LINE}${JSON.stringify(langIntegrity)};\n`);
const fetched = ['optin-ui.js', 'optin-ui_bg.wasm'];
const integrity = Object.fromEntries(fetched.map((f) => [f, sri(readFileSync(join(dist, f)))]));

const code = `(function (CORE_WASM) {
'use strict';
var INTEGRITY = ${JSON.stringify(integrity)};
${readFileSync(glue, 'utf8')}
${loaderSource()}
})(${PLACEHOLDER});
`;
const minified = await minifyJs(code);
if (minified.split(PLACEHOLDER).length !== 2) throw new Error('the wasm placeholder must appear exactly once after minification');

// The wasm goes in as a string of one char per byte (U+0000..U+00FF), escaping only what a string
// literal forbids. Unlike base64 (3 bytes -> 4 chars, which scrambles byte patterns) this keeps the
// bytes' structure, so brotli compresses it almost as well as the raw .wasm (measured: 28.0 KB vs
// 35.8 KB base64 for the same 67 KB module). The file starts with a UTF-8 BOM, so browsers decode
// it as UTF-8 whatever charset the page or server announces.
const wasmBytes = readFileSync(wasm);
let wasmChars = '';
for (const b of wasmBytes) {
  if (b === 0x5c) wasmChars += '\\\\';
  else if (b === 0x22) wasmChars += '\\"';
  else if (b === 0x0a) wasmChars += '\\n';
  else if (b === 0x0d) wasmChars += '\\r';
  else wasmChars += String.fromCharCode(b);
}
const banner = '/*! optin | MIT | one script: core + loader; the UI loads on demand from the same folder */\n';
writeFileSync(out, '\uFEFF' + banner + minified.split(PLACEHOLDER).join(`"${wasmChars}"`), 'utf8');
console.log(`${out}: core wasm ${wasmBytes.length} bytes inlined`);

// optin.js's own hash (of the bytes just written, BOM included), then those the loader embeds.
const all = { 'optin.js': sri(readFileSync(out)), ...integrity, ...langIntegrity };
writeFileSync(join(dist, 'optin.sri.json'), JSON.stringify(all, null, 2) + '\n');
console.log(`${join(dist, 'optin.sri.json')}: sha384 of optin.js and of the ${fetched.length + langs.length} files it fetches`);
