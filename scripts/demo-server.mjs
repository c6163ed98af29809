// The demo's web server (`make demo`, scripts/demo.sh): www/ with dist/ at /optin/, served the way
// README "Serving dist/" tells a site owner to serve optin, so that Lighthouse and the DevTools
// network panel show what a real deployment costs. Also imported by tests/e2e/demo-server.test.mjs.
//   compression  brotli (else gzip) for text, JS, JSON, SVG and wasm, chosen by Accept-Encoding,
//                with `Vary: Accept-Encoding`; compressed once per file version and kept (what
//                precompressed .br/.gz files next to the originals give nginx or Caddy)
//   caching      files the loader fetches with `?v=<hash>` (optin-ui.js, optin-ui_bg.wasm,
//                lang/*.json: a new build is a new URL) for a year, `immutable`; optin.js, the
//                one unversioned URL the pages name, for an hour, then revalidated by ETag (a
//                release reaches returning visitors within the hour); pages and the site's own
//                files `no-cache` with an ETag (revalidated on every view, 304 when unchanged)
//   favicon      www/favicon.svg (the pages link it)
// Usage: node scripts/demo-server.mjs [port] [www dir] [dist dir]   (127.0.0.1 only)
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.ts': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = /^(text\/|application\/(json|wasm)|image\/svg)/;

export const CACHE = {
  versioned: 'public, max-age=31536000, immutable',
  loader: 'public, max-age=3600',
  site: 'no-cache',
};

/** The Cache-Control a dist/ or www/ file gets (see the header comment). */
export function cacheControl(rel, query) {
  if (rel === 'optin/optin.js') return CACHE.loader;
  if (rel.startsWith('optin/') && query.has('v')) return CACHE.versioned;
  return CACHE.site;
}

/** Starts the server; resolves to the `http.Server` (its `.origin` set). */
export function startDemoServer({ port = 8000, www = path.join(ROOT, 'www'), dist = path.join(ROOT, 'dist') } = {}) {
  const bodies = new Map(); // file -> { stamp, raw, etag, br?, gzip? }
  const roots = [
    { prefix: 'optin/', dir: path.resolve(dist) },
    { prefix: '', dir: path.resolve(www) },
  ];
  const resolve = (rel) => {
    for (const { prefix, dir } of roots) {
      if (!rel.startsWith(prefix)) continue;
      const file = path.resolve(dir, rel.slice(prefix.length) || 'index.html');
      if (file !== dir && !file.startsWith(dir + path.sep)) return null; // no traversal
      return file;
    }
    return null;
  };
  const load = (file) => {
    let st;
    try {
      st = fs.statSync(file);
    } catch {
      return null;
    }
    if (!st.isFile()) return null;
    const stamp = `${st.size} ${st.mtimeMs}`;
    let b = bodies.get(file);
    if (!b || b.stamp !== stamp) {
      const raw = fs.readFileSync(file);
      b = { stamp, raw, etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"` };
      bodies.set(file, b);
    }
    return b;
  };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let rel = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    if (rel === '' || rel.endsWith('/')) rel += 'index.html';
    const file = resolve(rel);
    const body = file && load(file);
    if (!body) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      return res.end(`404 ${url.pathname}`);
    }
    const type = MIME[path.extname(file)] || 'application/octet-stream';
    const headers = { 'content-type': type, 'cache-control': cacheControl(rel, url.searchParams), etag: body.etag };
    // Cross-origin embedding (a CDN-like setup) needs CORS for the SRI-checked files.
    if (rel.startsWith('optin/')) headers['access-control-allow-origin'] = '*';
    let data = body.raw;
    if (COMPRESSIBLE.test(type)) {
      headers.vary = 'Accept-Encoding';
      const accepts = String(req.headers['accept-encoding'] || '');
      const encoding = /\bbr\b/.test(accepts) ? 'br' : /\bgzip\b/.test(accepts) ? 'gzip' : null;
      if (encoding) {
        body[encoding] ??=
          encoding === 'br'
            ? zlib.brotliCompressSync(body.raw, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } })
            : zlib.gzipSync(body.raw, { level: 9 });
        data = body[encoding];
        headers['content-encoding'] = encoding;
      }
    }
    // The ETag names the file's bytes; each encoding is its own representation.
    if (headers['content-encoding']) headers.etag = body.etag.replace(/"$/, `-${headers['content-encoding']}"`);
    if (String(req.headers['if-none-match'] || '') === headers.etag) {
      res.writeHead(304, { 'cache-control': headers['cache-control'], etag: headers.etag, ...(headers.vary && { vary: headers.vary }) });
      return res.end();
    }
    headers['content-length'] = data.length;
    res.writeHead(200, headers);
    res.end(req.method === 'HEAD' ? undefined : data);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => {
      server.origin = `http://127.0.0.1:${server.address().port}`;
      ok(server);
    });
  });
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [port = '8000', www, dist] = process.argv.slice(2);
  const server = await startDemoServer({ port: Number(port), www, dist });
  console.log(`optin demo: ${server.origin}/  (privacy statement: ${server.origin}/privacy.html)`);
  console.log('brotli/gzip, Cache-Control as README "Serving dist/" says. Ctrl+C stops it.');
}
