// package/meta.mjs: the npm package's identity, read from where it lives once. The version and the
// repository are the crates' (`[workspace.package]` in the root Cargo.toml), so a release bumps one
// line; the name is here. Used by make-package.mjs and by tests/e2e/package.test.mjs.
import { readFileSync } from 'node:fs';

export const ROOT = new URL('..', import.meta.url);

// `optin` itself is refused by npm's name-similarity rule when `opt-in`/`opt_in` exist (names that
// differ only by punctuation), and a scope (`@optin/…`) needs an npm organisation; an unscoped
// descriptive name needs neither, and reads as what it is.
export const NAME = 'optin-consent';

/** One `key = "value"` of the root Cargo.toml's `[workspace.package]` table. */
function workspacePackage(key) {
  const toml = readFileSync(new URL('Cargo.toml', ROOT), 'utf8');
  const table = toml.split(/^\[workspace\.package\]\s*$/m)[1]?.split(/^\[/m)[0];
  const value = table && table.match(new RegExp(`^${key}\\s*=\\s*"([^"]+)"`, 'm'));
  if (!value) throw new Error(`Cargo.toml: no ${key} in [workspace.package]`);
  return value[1];
}

export const VERSION = workspacePackage('version');
export const REPOSITORY = workspacePackage('repository');
/** What `npm pack` names the tarball: the name (a scope's `@` dropped, `/` as `-`), the version. */
export const TARBALL = `${NAME.replace(/^@/, '').replace('/', '-')}-${VERSION}.tgz`;
/** Where `make package` stages the package and writes the tarball. */
export const STAGE = new URL('target/npm-package/', ROOT);
export const OUT = new URL('target/package/', ROOT);

/** The dist/ files the package ships, relative to dist/ (`langs`: the lang/*.json names). */
export function distFiles(langs) {
  return [
    'optin.js',
    'optin-ui.js',
    'optin-ui_bg.wasm',
    'optin.d.ts',
    'optin.schema.json',
    'optin.sri.json',
    ...langs.map((l) => `lang/${l}`),
  ];
}
