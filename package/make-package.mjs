// package/make-package.mjs (`make package`, after `make dist`): stages the npm package in
// target/npm-package/ and packs it with `npm pack` into target/package/<name>-<version>.tgz.
// package.json and README.md come from the templates beside this file, with the name, the version
// and the repository of package/meta.mjs and optin.js's SRI hash; dist/ is copied file by file
// (meta.mjs's list), so nothing stray that happens to sit in dist/ ships.
import { cpSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { NAME, VERSION, REPOSITORY, TARBALL, STAGE, OUT, ROOT, distFiles } from './meta.mjs';

const at = (base, rel) => fileURLToPath(new URL(rel, base));
const langs = readdirSync(new URL('lang/', ROOT)).filter((f) => f.endsWith('.json')).sort();
const files = distFiles(langs);
const sri = JSON.parse(readFileSync(new URL('dist/optin.sri.json', ROOT), 'utf8'));

const fill = (text) =>
  text
    .replaceAll('@NAME@', NAME)
    .replaceAll('@VERSION@', VERSION)
    .replaceAll('@REPOSITORY@', REPOSITORY)
    .replaceAll('@INTEGRITY@', sri['optin.js']);

rmSync(STAGE, { recursive: true, force: true });
mkdirSync(new URL('dist/lang/', STAGE), { recursive: true });
for (const f of files) cpSync(at(ROOT, `dist/${f}`), at(STAGE, `dist/${f}`)); // throws on a missing one

const pkg = JSON.parse(fill(readFileSync(new URL('package.json.in', import.meta.url), 'utf8')));
delete pkg['//'];
writeFileSync(at(STAGE, 'package.json'), JSON.stringify(pkg, null, 2) + '\n');
// Without the template's first line, the comment saying what the file is.
const readme = fill(readFileSync(new URL('README.md', import.meta.url), 'utf8')).split('\n').slice(1).join('\n');
writeFileSync(at(STAGE, 'README.md'), readme);
cpSync(at(ROOT, 'LICENSE'), at(STAGE, 'LICENSE'));

mkdirSync(OUT, { recursive: true });
rmSync(new URL(TARBALL, OUT), { force: true });
// --ignore-scripts: the package has none, and the repository's own npm config must not run any.
const [packed] = JSON.parse(
  execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', at(OUT, '.')], {
    cwd: at(STAGE, '.'),
    encoding: 'utf8',
  }),
);
if (packed.filename !== TARBALL) throw new Error(`npm named the tarball ${packed.filename}, expected ${TARBALL}`);
for (const f of packed.files) console.log(`${String(f.size).padStart(8)}  ${f.path}`);
console.log(`target/package/${TARBALL}: ${packed.entryCount} files, ${packed.unpackedSize} B unpacked, ${packed.size} B packed`);
console.log(`optin.js integrity (SRI): ${sri['optin.js']}`);
