// The values the loader shares with the core, read from the core's Rust source so they live in one
// place. scripts/assemble-loader.mjs puts them at the top of the loader as `var NAME = "value";`
// (terser inlines them: they cost nothing), tests/loader/ defines them the same way, and
// loader/globals.d.ts declares their names for the type check.
//
// A constant that is not found, or found twice, is an error: the build fails rather than ship a
// loader that disagrees with its core (say, a renamed storage key).
//   import { coreConstants, constantsSource } from './core-constants.mjs'
//   node scripts/core-constants.mjs           prints them
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = new URL('..', import.meta.url);

// name in the loader -> how the core defines it. Each `pattern` captures one Rust string literal
// and must match exactly once in all of core/src (so moving code between files breaks nothing).
export const CONSTANTS = [
  // The record's localStorage key (and cookie name) when the config names none (`storageKey`).
  { name: 'DEFAULT_STORAGE_KEY', pattern: /pub const DEFAULT_STORAGE_KEY: &str = ("[^"\\]*");/g },
  // `settingsButton`: the first allowed value is the default, and means no button.
  { name: 'SETTINGS_BUTTON_OFF', pattern: /pub const SETTINGS_BUTTON: &\[&str\] = &\[\s*("[^"\\]*")/g },
  // The `method` names `choose()` accepts (Method::as_str).
  { name: 'ACCEPT_ALL', pattern: /Method::AcceptAll => ("[^"\\]*")/g },
  { name: 'REJECT_ALL', pattern: /Method::RejectAll => ("[^"\\]*")/g },
  { name: 'CUSTOM', pattern: /Method::Custom => ("[^"\\]*")/g },
];

/** Every .rs file under `dir`, as [path, source]. */
function rustSources(dir) {
  return readdirSync(dir, { recursive: true })
    .filter((f) => String(f).endsWith('.rs'))
    .sort()
    .map((f) => [`core/src/${f}`, readFileSync(new URL(String(f), dir), 'utf8')]);
}

/** { NAME: value } for every constant; throws naming the pattern when one is missing or ambiguous. */
export function coreConstants(root = ROOT) {
  const sources = rustSources(new URL('core/src/', root));
  const values = {};
  for (const { name, pattern } of CONSTANTS) {
    const found = sources.flatMap(([file, source]) => [...source.matchAll(pattern)].map((m) => ({ file, literal: m[1] })));
    if (found.length !== 1) {
      const where = found.map((f) => f.file).join(', ') || 'nowhere';
      throw new Error(`core-constants: ${name}: ${pattern} must match exactly once in core/src, found ${found.length} (${where})`);
    }
    // A Rust literal without escapes reads the same as JSON.
    values[name] = JSON.parse(found[0].literal);
  }
  return values;
}

/** The constants as JavaScript, for the top of the loader. */
export function constantsSource(values = coreConstants()) {
  return Object.entries(values).map(([name, value]) => `var ${name} = ${JSON.stringify(value)};\n`).join('');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(constantsSource());
