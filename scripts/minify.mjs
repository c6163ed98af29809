// One way to minify the JS we ship (terser), for the loader bundle and the wasm-bindgen glue.
//   import { minifyJs } from './minify.mjs'   (scripts/assemble-loader.mjs)
//   node scripts/minify.mjs <file.js>          minifies a file in place (the UI's glue)
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { minify } from 'terser';

// `/^!/` keeps licence banners (`/*! … */`).
const OPTIONS = { ecma: 2017, compress: { passes: 2 }, format: { comments: /^!/ } };

export async function minifyJs(code) {
  return (await minify(code, OPTIONS)).code;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2];
  if (!file) {
    console.error('usage: minify.mjs <file.js>');
    process.exit(2);
  }
  writeFileSync(file, await minifyJs(readFileSync(file, 'utf8')));
}
