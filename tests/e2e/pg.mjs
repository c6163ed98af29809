// A throwaway PostgreSQL server for one end-to-end test: the node twin of
// receiver/tests/common/pg.rs, same steps. Debian's binaries (`/usr/lib/postgresql/*/bin`, the
// newest version, or `$OPTIN_PG_BIN`); a fresh cluster in a temp dir (`initdb -A trust -U
// postgres`); listening on a free port of 127.0.0.1 and on a unix socket in that dir only; run as
// the `postgres` user when we are root (initdb refuses root), with the dir chowned to it.
// `stop()` runs `pg_ctl -m fast stop` and removes the dir (call it in a `finally`); a watchdog
// shell does the same (immediate mode) should this process die first.
//
// When PostgreSQL is missing, `startPostgres()` throws (the test fails, it does not skip):
// `make test` installs it (scripts/setup.sh, Debian's postgresql package, no main cluster).
//
//   const pg = await startPostgres();
//   try {
//     await pg.createDatabase('optin_e2e');
//     … pg.url('optin_e2e') …  await pg.query('optin_e2e', 'SELECT 1') …
//   } finally { await pg.stop(); }

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFile, spawn } from 'node:child_process';
import { freePort } from './harness.mjs';

export const PG_MISSING_HINT =
  '`make test` installs PostgreSQL (scripts/setup.sh: Debian\'s postgresql package, without its main cluster); ' +
  'or set OPTIN_PG_BIN to the directory of initdb, pg_ctl and psql';

/** The directory holding initdb, pg_ctl and psql; throws, saying how to install them, if none. */
export function pgBinDir() {
  const has = (dir) => ['initdb', 'pg_ctl', 'psql'].every((p) => fs.existsSync(path.join(dir, p)));
  if (process.env.OPTIN_PG_BIN) {
    const dir = path.resolve(process.env.OPTIN_PG_BIN);
    if (!has(dir)) throw new Error(`OPTIN_PG_BIN=${dir} lacks initdb, pg_ctl or psql (unset it to use /usr/lib/postgresql/*/bin); ${PG_MISSING_HINT}`);
    return dir;
  }
  let versions = [];
  try { versions = fs.readdirSync('/usr/lib/postgresql'); } catch { /* not installed */ }
  const found = versions
    .map((v) => ({ n: Number.parseInt(v, 10) || 0, dir: path.join('/usr/lib/postgresql', v, 'bin') }))
    .filter((c) => has(c.dir))
    .sort((a, b) => a.n - b.n); // the newest version last
  if (!found.length) {
    throw new Error(`PostgreSQL is missing: no /usr/lib/postgresql/*/bin with initdb, pg_ctl and psql. ${PG_MISSING_HINT}`);
  }
  return found.at(-1).dir;
}

const isRoot = () => typeof process.getuid === 'function' && process.getuid() === 0;

/**
 * Run a program (as `postgres` via runuser when `asPostgres`); never throws for a non-zero exit.
 * Resolves { code, stdout, stderr }; a run over `timeout` ms is killed (code null).
 */
function run(program, args, { asPostgres = false, timeout = 30_000 } = {}) {
  const [file, argv] = asPostgres ? ['runuser', ['-u', 'postgres', '--', program, ...args]] : [program, args];
  return new Promise((resolve) => {
    execFile(file, argv, { timeout, killSignal: 'SIGKILL', encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' }, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : null) : 0;
        resolve({ code, stdout: String(stdout || ''), stderr: String(stderr || '') || (err && code === null ? String(err.message) : '') });
      });
  });
}

/** Creates and starts a PostgreSQL server; rejects (failing the test) if it cannot. */
export async function startPostgres() {
  const bin = pgBinDir();
  const root = isRoot();
  const dir = await fs.promises.mkdtemp(path.join(os.tmpdir(), 'optin-e2e-pg-'));
  const data = path.join(dir, 'data');
  const log = path.join(dir, 'log');
  const server = new PgServer({ bin, dir, data, root });
  try {
    if (root) {
      const r = await run('chown', ['postgres:postgres', dir], { timeout: 10_000 });
      if (r.code !== 0) throw new Error(`cannot chown ${dir} to postgres (is there a postgres user? ${PG_MISSING_HINT}): ${r.stderr}`);
    }
    const init = await run(path.join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '-E', 'UTF8', '-N'],
      { asPostgres: root, timeout: 90_000 });
    if (init.code !== 0) throw new Error(`initdb failed (${init.code}): ${init.stderr}${init.stdout}`);
    // A port is free when we look; something else may take it before postgres binds it: a few tries.
    for (let i = 0; i < 5; i++) {
      const port = await freePort();
      const options = `-p ${port} -c listen_addresses=127.0.0.1 -c unix_socket_directories=${dir} -c max_connections=20`;
      const start = await run(path.join(bin, 'pg_ctl'), ['-D', data, '-o', options, '-l', log, '-w', '-t', '30', 'start'],
        { asPostgres: root, timeout: 45_000 });
      if (start.code === 0) {
        server.port = port;
        server.running = true;
        server.watch();
        return server;
      }
    }
    let text = '';
    try { text = await fs.promises.readFile(log, 'utf8'); } catch { /* none */ }
    throw new Error(`PostgreSQL did not start on 127.0.0.1; its log:\n${text}`);
  } catch (err) {
    await server.stop();
    throw err;
  }
}

export class PgServer {
  constructor({ bin, dir, data, root }) {
    Object.assign(this, { bin, dir, data, root, port: 0, running: false, watchdog: null });
  }

  /** `postgres://postgres@127.0.0.1:PORT/DB`, for the receiver's --db. */
  url(db = 'postgres') {
    return `postgres://postgres@127.0.0.1:${this.port}/${db}`;
  }

  /**
   * Run one SQL command with psql over TCP (127.0.0.1, trust): unaligned, tuples only, no psqlrc,
   * stop on error. Resolves its stdout (trimmed); rejects with psql's stderr.
   */
  async query(db, sql, { timeout = 15_000 } = {}) {
    const r = await this.psql(db, sql, { timeout });
    if (r.code !== 0) throw new Error(`psql on ${db} failed (${r.code}): ${r.stderr} (SQL: ${sql})`);
    return r.stdout.trim();
  }

  /** Like query() but resolves { code, stdout, stderr } instead of rejecting. */
  psql(db, sql, { timeout = 15_000 } = {}) {
    return run(path.join(this.bin, 'psql'),
      ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', '-h', '127.0.0.1', '-p', String(this.port), '-U', 'postgres', '-d', db, '-c', sql],
      { timeout });
  }

  async createDatabase(name) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`database name ${name}: lower-case letters, digits and _ only`);
    await this.query('postgres', `CREATE DATABASE ${name}`);
  }

  /** Should this process die before stop(): stop the server (immediate mode) and remove its dir. */
  watch() {
    const sh = (s) => `'${String(s).replace(/'/g, `'\\''`)}'`;
    const stop = `${this.root ? 'runuser -u postgres -- ' : ''}${sh(path.join(this.bin, 'pg_ctl'))} -D ${sh(this.data)} -m immediate -w stop`;
    const script = `while kill -0 ${process.pid} 2>/dev/null; do sleep 1; done; ` +
      `if [ -e ${sh(path.join(this.data, 'postmaster.pid'))} ]; then ${stop}; fi; rm -rf ${sh(this.dir)}`;
    this.watchdog = spawn('sh', ['-c', script], { detached: true, stdio: 'ignore' });
    this.watchdog.unref();
  }

  /** Stops the server (fast: open sessions are ended) and removes its dir; never throws. */
  async stop() {
    try {
      if (this.running) {
        this.running = false;
        const r = await run(path.join(this.bin, 'pg_ctl'), ['-D', this.data, '-m', 'fast', '-w', '-t', '30', 'stop'],
          { asPostgres: this.root, timeout: 45_000 });
        if (r.code !== 0) {
          await run(path.join(this.bin, 'pg_ctl'), ['-D', this.data, '-m', 'immediate', '-w', 'stop'], { asPostgres: this.root, timeout: 30_000 });
        }
      }
    } finally {
      await fs.promises.rm(this.dir, { recursive: true, force: true }).catch(() => {});
      if (this.watchdog && this.watchdog.exitCode === null) {
        try { this.watchdog.kill('SIGTERM'); } catch { /* gone */ }
      }
    }
  }
}
