// Optimises one wasm-bindgen output pair in place: `wasm-opt -Oz`, no metadata sections, and
// short names for every import, export and import module, with the glue rewritten to match.
//
//   node scripts/optimize-wasm.mjs <glue.js> <module_bg.wasm>
//
// Why: wasm-bindgen names each import `__wbg_<method>_<16 hex digits>`. The hex digits are random
// to brotli; with about a hundred imports they cost over a kilobyte in the wasm and the glue, on
// every visitor's download. Binaryen's `--minify-imports-and-exports-and-modules` renames them
// and prints the mapping, which is applied here to the glue. Every rename is checked: a name the
// glue still uses, or one it never had, stops the build.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';

const [glueFile, wasmFile] = process.argv.slice(2);
if (!wasmFile) {
  console.error('usage: optimize-wasm.mjs <glue.js> <module_bg.wasm>');
  process.exit(2);
}

const FEATURES = [
  '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int',
  '--enable-sign-ext',
  '--enable-mutable-globals',
  '--enable-reference-types',
  '--enable-multivalue',
];
const out = execFileSync(
  'wasm-opt',
  [
    '-Oz',
    // Rust's wasm puts the stack first, from 1 MiB down, and data above it: the lowest kilobyte
    // is never addressed (only a stack 1 MiB deep would reach it), so constant offsets fold into
    // loads and stores (measured: optin-ui_bg.wasm −410 B brotli, the core's −220 B).
    '--low-memory-unused',
    ...FEATURES,
    '--minify-imports-and-exports-and-modules',
    // Metadata no browser reads: which compiler made the module, which features it was built for.
    '--strip-producers',
    '--strip-target-features',
    wasmFile,
    '-o',
    wasmFile,
  ],
  { encoding: 'utf8' },
);
const map = JSON.parse(out.slice(out.indexOf('{'), out.lastIndexOf('}') + 1));

const escape = (s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
let glue = readFileSync(glueFile, 'utf8');
/** Replaces every whole-identifier match of `pattern` (a source string); returns the count. */
function rename(pattern, replacement) {
  const re = new RegExp(`(?<![\\w$])${pattern}(?![\\w$])`, 'g');
  let count = 0;
  glue = glue.replace(re, () => {
    count++;
    return replacement;
  });
  return count;
}

const problems = [];
const modules = new Set();
for (const [module, name, short] of map.imports) {
  modules.add(module);
  if (rename(escape(name), short) === 0) problems.push(`import ${name} is not in the glue`);
}
// The module name: binaryen gives every import module the same short name.
const shortModule = 'a';
for (const module of modules) {
  const quoted = new RegExp(`(["'])${escape(module)}\\1`, 'g');
  if (!quoted.test(glue)) problems.push(`import module ${module} is not in the glue`);
  glue = glue.replace(quoted, `"${shortModule}"`);
}
for (const [name, short] of map.exports) {
  // Exports are only ever reached as `wasm.<name>`; the glue's own functions keep their names.
  glue = glue.replace(new RegExp(`\\bwasm\\.${escape(name)}(?![\\w$])`, 'g'), () => `wasm.${short}`);
}
const shortExports = new Set(map.exports.map(([, short]) => short));
for (const used of glue.matchAll(/\bwasm\.([\w$]+)/g)) {
  if (!shortExports.has(used[1])) problems.push(`the glue uses wasm.${used[1]}, which is not exported`);
}
if (problems.length) {
  console.error(`${glueFile}: ${problems.join('; ')}`);
  process.exit(1);
}
writeFileSync(glueFile, glue);

// The module name in the wasm must match the glue's: checked, not assumed.
const wasmText = readFileSync(wasmFile).toString('latin1');
for (const module of modules) {
  if (wasmText.includes(module)) {
    console.error(`${wasmFile}: still imports from ${module}; expected "${shortModule}"`);
    process.exit(1);
  }
}
