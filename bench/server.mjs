// A small static server for the benchmark: 127.0.0.1 only, brotli (quality 11) for text, JS, CSS,
// wasm and JSON, a Content-Length that is the size of the body actually sent, and a log of every
// response with its path and body bytes (which is what the benchmark counts as "bytes downloaded").
// The widgets' own files (`cached` mounts) go out with a year's max-age, as README "Serving dist/"
// says to serve them; pages and the gated fixtures with no-store. Only the warm-cache visit sees
// the difference: every other visit runs with the browser's cache disabled.
//
// Mounts: static directories by URL prefix (files are re-read whenever their size or mtime
// changes, so a rebuilt dist/ is picked up between runs) and in-memory pages by exact path.

import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.txt': 'text/plain; charset=utf-8',
};

const COMPRESSIBLE = /^(text\/|application\/(javascript|json|wasm)|image\/svg)/;

export class BenchServer {
  /**
   * @param {{ mounts?: { prefix: string, dir: string }[] }} opts
   */
  constructor({ mounts = [] } = {}) {
    this.mounts = mounts.map((m) => ({ prefix: m.prefix, dir: path.resolve(m.dir), cached: !!m.cached }));
    this.pages = new Map(); // path -> { body: Buffer, type }
    /** @type {{ path: string, status: number, bytes: number, rawBytes: number, encoding: string, t: number }[]} */
    this.log = [];
    this._cache = new Map(); // key -> { stamp, raw, br }
    this._sockets = new Set();
    this._http = http.createServer((req, res) => {
      try {
        this._handle(req, res);
      } catch (err) {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String((err && err.stack) || err));
      }
    });
    this._http.on('connection', (s) => {
      this._sockets.add(s);
      s.on('close', () => this._sockets.delete(s));
    });
  }

  listen(host = '127.0.0.1') {
    return new Promise((resolve, reject) => {
      this._http.once('error', reject);
      this._http.listen(0, host, () => {
        this.origin = `http://${host}:${this._http.address().port}`;
        resolve(this);
      });
    });
  }

  url(p) {
    return this.origin + p;
  }

  /** Register an in-memory page (HTML unless `type` says otherwise). */
  page(p, body, type = MIME[path.extname(p)] || MIME['.html']) {
    this.pages.set(p, { body: Buffer.from(body), type });
    this._cache.delete(`page ${p}`);
    return this.url(p);
  }

  /** Log entries from index `from` on (use `log.length` as a mark before a visit). */
  since(from) {
    return this.log.slice(from);
  }

  async close() {
    for (const s of this._sockets) s.destroy();
    await new Promise((r) => this._http.close(() => r()));
  }

  _handle(req, res) {
    const pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const entry = { path: pathname, status: 0, bytes: 0, rawBytes: 0, encoding: 'identity', t: Date.now() };
    this.log.push(entry);
    const acceptsBr = /\bbr\b/.test(String(req.headers['accept-encoding'] || ''));

    const send = (status, type, raw, cacheKey, stamp, cached) => {
      let body = raw;
      const headers = { 'content-type': type, 'cache-control': cached ? 'public, max-age=31536000' : 'no-store', vary: 'accept-encoding' };
      if (acceptsBr && COMPRESSIBLE.test(type) && raw.length > 0) {
        body = this._brotli(cacheKey, stamp, raw);
        headers['content-encoding'] = 'br';
        entry.encoding = 'br';
      }
      headers['content-length'] = body.length;
      entry.status = status;
      entry.bytes = req.method === 'HEAD' ? 0 : body.length;
      entry.rawBytes = raw.length;
      res.writeHead(status, headers);
      res.end(req.method === 'HEAD' ? undefined : body);
    };

    if (pathname === '/favicon.ico') {
      entry.status = 204;
      res.writeHead(204, { 'cache-control': 'no-store' });
      return res.end();
    }
    const found = this._resolve(pathname);
    if (found) return send(200, found.type, found.raw, found.key, found.stamp, found.cached);

    entry.status = 404;
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
    res.end(`404 ${pathname}`);
  }

  /** The body for a path: an in-memory page or a file under a mount (null if none). */
  _resolve(pathname) {
    const pg = this.pages.get(pathname);
    if (pg) return { type: pg.type, raw: pg.body, key: `page ${pathname}`, stamp: 'static' };
    for (const { prefix, dir, cached } of this.mounts) {
      if (!pathname.startsWith(prefix)) continue;
      const file = path.resolve(dir, pathname.slice(prefix.length));
      if (!file.startsWith(dir + path.sep)) return null; // no traversal
      let st;
      try {
        st = fs.statSync(file);
      } catch {
        return null;
      }
      if (!st.isFile()) return null;
      const key = `file ${file}`;
      const stamp = `${st.size} ${st.mtimeMs}`;
      const cached = this._cache.get(key);
      const raw = cached && cached.stamp === stamp ? cached.raw : fs.readFileSync(file);
      return { type: MIME[path.extname(file)] || 'application/octet-stream', raw, key, stamp, cached };
    }
    return null;
  }

  /**
   * Compress these paths now (if they changed since last time), so that no measured request waits
   * for brotli. Returns the paths that could not be found.
   */
  warm(paths) {
    const missing = [];
    for (const p of paths) {
      const found = this._resolve(p);
      if (!found) missing.push(p);
      else if (COMPRESSIBLE.test(found.type)) this._brotli(found.key, found.stamp, found.raw);
    }
    return missing;
  }

  /** { raw, br } sizes of what a path would be served as (null if not found). */
  sizes(p) {
    const found = this._resolve(p);
    if (!found) return null;
    const br = COMPRESSIBLE.test(found.type) ? this._brotli(found.key, found.stamp, found.raw).length : found.raw.length;
    return { raw: found.raw.length, br };
  }

  // Brotli at quality 11 is slow (hundreds of ms for a few hundred KB), so each body is compressed
  // once per version of the file and kept.
  _brotli(key, stamp, raw) {
    const hit = this._cache.get(key);
    if (hit && hit.stamp === stamp && hit.raw === raw) return hit.br;
    const br = zlib.brotliCompressSync(raw, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
      },
    });
    this._cache.set(key, { stamp, raw, br });
    return br;
  }
}

export async function startServer(opts) {
  const s = new BenchServer(opts);
  return s.listen();
}
