// Package suite (issue 14): the npm tarball `make package` writes (target/package/, package/) as a
// site owner gets it. Its exact file list and metadata, its version against Cargo's, then
// `npm install ./<tarball>` (offline: it has no dependencies) into a scratch project, whose
// node_modules/<pkg>/dist/ the harness serves as /optin/: a gated page runs end to end through it,
// its <script> carrying the integrity the package ships, and its types resolve.

import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import crypto from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { setupE2E, html, widget, gated, runs, waitForRuns, ROOT } from './harness.mjs';
import { NAME, VERSION, TARBALL, OUT, distFiles } from '../../package/meta.mjs';

const TGZ = path.join(fileURLToPath(OUT), TARBALL);
const SCRATCH = path.join(ROOT, 'target', 'npm-e2e');
const INSTALLED = path.join(SCRATCH, 'node_modules', NAME);
const T = { timeout: 60_000 };

// Registered before setupE2E's hooks, so the package is installed before the server serves it.
before(() => {
  if (!fs.existsSync(TGZ)) throw new Error(`${TGZ} is missing: run \`make package\` first`);
  fs.rmSync(SCRATCH, { recursive: true, force: true });
  fs.mkdirSync(SCRATCH, { recursive: true });
  fs.writeFileSync(path.join(SCRATCH, 'package.json'), JSON.stringify({ name: 'scratch-site', private: true }));
  execFileSync('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', TGZ], { cwd: SCRATCH, stdio: 'pipe' });
});
const env = setupE2E({ serverOptions: { distDir: path.join(INSTALLED, 'dist') } });

const installed = (f) => fs.readFileSync(path.join(INSTALLED, f));
const sriOf = (bytes) => 'sha384-' + crypto.createHash('sha384').update(bytes).digest('base64');
const LANGS = fs.readdirSync(path.join(ROOT, 'lang')).filter((f) => f.endsWith('.json')).sort();

test('the tarball holds exactly the package files, nothing stray', T, () => {
  const listed = execFileSync('tar', ['-tzf', TGZ], { encoding: 'utf8' }).trim().split('\n').sort();
  const expected = ['package.json', 'README.md', 'LICENSE', ...distFiles(LANGS).map((f) => `dist/${f}`)]
    .map((f) => `package/${f}`)
    .sort();
  assert.deepEqual(listed, expected);
  assert.ok(listed.includes('package/dist/optin.schema.json'), 'the config schema ships');
});

test("package.json: the version is the crates' (cargo metadata), the fields the ecosystem expects", T, () => {
  const meta = JSON.parse(execFileSync('cargo', ['metadata', '--no-deps', '--format-version', '1'], { cwd: ROOT, encoding: 'utf8' }));
  const core = meta.packages.find((p) => p.name === 'optin-core');
  const pkg = JSON.parse(installed('package.json'));
  assert.equal(pkg.version, core.version, "the tarball's version is optin-core's");
  assert.equal(pkg.version, VERSION);
  assert.equal(path.basename(TGZ), `${NAME}-${core.version}.tgz`);
  assert.equal(pkg.name, NAME);
  assert.equal(pkg.license, 'MIT');
  for (const key of ['description', 'repository', 'keywords', 'files', 'types', 'exports', 'unpkg', 'jsdelivr', 'sideEffects']) {
    assert.ok(pkg[key], `package.json has ${key}`);
  }
  assert.equal(pkg.private, undefined, 'publishable');
  assert.equal(pkg.dependencies, undefined, 'no dependencies: installs offline');
  // The exports resolve to the shipped files, as a bundler's copy step or `require.resolve` finds them.
  const require = createRequire(path.join(SCRATCH, 'index.js'));
  const resolved = (spec) => path.relative(INSTALLED, require.resolve(spec));
  assert.equal(resolved(NAME), path.join('dist', 'optin.js'));
  assert.equal(resolved(`${NAME}/optin.js`), path.join('dist', 'optin.js'));
  assert.equal(resolved(`${NAME}/sri.json`), path.join('dist', 'optin.sri.json'));
  assert.equal(resolved(`${NAME}/package.json`), 'package.json');
  assert.equal(resolved(`${NAME}/dist/lang/de.json`), path.join('dist', 'lang', 'de.json'));
  assert.equal(resolved(`${NAME}/schema.json`), path.join('dist', 'optin.schema.json'));
  assert.match(JSON.parse(installed('dist/optin.schema.json')).$schema, /2020-12/, 'the schema is the JSON Schema the build wrote');
  // The README's CDN snippet carries this version's hash.
  const sri = JSON.parse(installed('dist/optin.sri.json'));
  assert.equal(sri['optin.js'], sriOf(installed('dist/optin.js')));
  const readme = installed('README.md').toString('utf8');
  assert.ok(readme.includes(`integrity="${sri['optin.js']}"`), 'the README shows the integrity');
  assert.ok(readme.includes(`${NAME}@${VERSION}/dist/optin.js`), 'the README shows the versioned CDN URL');
  assert.ok(!/@[A-Z]+@/.test(readme + installed('package.json')), 'no template placeholder left');
});

test('the types resolve from the installed package (import type … from the package name)', T, () => {
  fs.writeFileSync(path.join(SCRATCH, 'site.ts'), `import type { OptinConfig, Optin } from '${NAME}';
export const config: OptinConfig = { categories: [{ id: 'necessary', required: true }, { id: 'analytics' }] };
// window.optin is declared globally by the package's types (an array queue before optin.js loads).
export const ready: Promise<Optin> | undefined = Array.isArray(window.optin) ? undefined : window.optin.ready;
`);
  fs.writeFileSync(path.join(SCRATCH, 'tsconfig.json'), JSON.stringify({
    compilerOptions: { strict: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', target: 'es2017', lib: ['es2017', 'dom'], types: [] },
    files: ['site.ts'],
  }));
  execFileSync(path.join(ROOT, 'node_modules', '.bin', 'tsc'), ['-p', '.'], { cwd: SCRATCH, encoding: 'utf8' });
});

test('installed with npm and served from node_modules: banner, accept all, the gated script runs, all checked', T, async () => {
  const sri = JSON.parse(installed('dist/optin.sri.json'));
  const s = await env.newPage();
  env.server.page('/p/site.html', html({
    config: { categories: [{ id: 'necessary', required: true }, { id: 'analytics' }] },
    lang: 'de',
    embedAttrs: `integrity="${sri['optin.js']}" crossorigin="anonymous"`,
    body: gated('analytics', '/fixtures/a.js'),
  }));
  await s.page.goto(env.server.url('/p/site.html'));
  const w = widget(s.page);
  await w.banner.waitFor({ state: 'visible' });
  assert.equal((await w.acceptAll.textContent()).trim(), 'Alle akzeptieren', "the package's lang/de.json");
  const tag = await s.page.evaluate(() => document.querySelector('script[src$="/optin/optin.js"]').integrity);
  assert.equal(tag, sriOf(installed('dist/optin.js')), "the embed tag carries the package's integrity");
  assert.deepEqual(await runs(s.page), [], 'nothing gated before the choice');
  await w.acceptAll.click();
  assert.deepEqual(await waitForRuns(s.page, 1), ['a']);
  for (const f of ['optin.js', 'optin-ui.js', 'optin-ui_bg.wasm', 'lang/de.json']) {
    assert.ok(env.server.requested(`/optin/${f}`), `${f} came from node_modules/${NAME}/dist/`);
  }
  s.assertNoErrors();
});
