// static-resources (issue 11 step 6): content types, validators and 304/412, byte ranges, HEAD,
// directories and welcome files (Undertow's rules), the single-page-app fallback, no way out of
// the directory (dot segments, encoded separators, NUL bytes, symlinks, dot files), streamed
// bodies, and startup errors for entries that cannot be served.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { applyCliArgs, ConfigError, loadConfig } from '../../src/config/load.ts';
import { start } from '../../src/app.ts';
import { checkScenario, startServer, type Scenario, type TestServer } from '../helpers/server.ts';

const base = mkdtempSync(join(tmpdir(), 'docrest-static-'));
const root = join(base, 'www');
const spa = join(base, 'spa');
const BIG = randomBytes(3 * 1024 * 1024 + 17);

function tree(): void {
  mkdirSync(join(root, 'sub'), { recursive: true });
  mkdirSync(join(root, 'nowelcome'));
  mkdirSync(join(root, '.well-known'));
  mkdirSync(spa);
  writeFileSync(join(base, 'secret.txt'), 'outside the root');
  writeFileSync(join(root, 'index.html'), '<h1>home</h1>');
  writeFileSync(join(root, 'app.js'), 'console.log("0123456789");');
  writeFileSync(join(root, 'style.css'), 'body{}');
  writeFileSync(join(root, 'data.json'), '{"a":1}');
  writeFileSync(join(root, 'noext'), 'plain');
  writeFileSync(join(root, 'with space é.txt'), 'spaced');
  writeFileSync(join(root, 'empty.txt'), '');
  writeFileSync(join(root, 'big.bin'), BIG);
  writeFileSync(join(root, 'sub', 'index.html'), '<h1>sub</h1>');
  writeFileSync(join(root, 'nowelcome', 'file.txt'), 'x');
  writeFileSync(join(root, '.env'), 'PASSWORD=x');
  writeFileSync(join(root, '.well-known', 'security.txt'), 'contact');
  symlinkSync(join(base, 'secret.txt'), join(root, 'link-out'));
  symlinkSync(base, join(root, 'dir-out'));
  symlinkSync(join(root, 'app.js'), join(root, 'link-in.js'));
  writeFileSync(join(spa, 'index.html'), '<h1>spa</h1>');
  writeFileSync(join(spa, 'main.js'), 'main()');
}
tree();

const ETAG = /^W\/"[0-9a-f]+-[0-9a-f]+"$/;
const appJs = statSync(join(root, 'app.js'));
const lastModified = appJs.mtime.toUTCString();
const size = appJs.size;

/** A request sent as written (fetch would normalize `..` and encoded characters away). */
function raw(srv: { url: string }, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${srv.url}/`, { method, path, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

const rho = `/static-resources->[{"what":"${root}","where":"/app","welcome-file":"index.html"},{"what":"${spa}","where":"/spa","welcome-file-fallback":true}]`;

describe('static resources: files, directories, validators, ranges', () => {
  let srv: TestServer;
  before(async () => { srv = await startServer({ rho }); });
  after(async () => srv.close());

  const cases: Scenario[] = [
    { name: 'a script: its type, validators, length', method: 'GET', path: '/app/app.js', status: 200,
      expectHeaders: { 'content-type': 'text/javascript; charset=utf-8', etag: ETAG, 'last-modified': lastModified, 'accept-ranges': 'bytes', 'content-length': String(size) },
      check: (r) => assert.equal(r.text, 'console.log("0123456789");') },
    { name: 'a stylesheet', method: 'GET', path: '/app/style.css', status: 200, expectHeaders: { 'content-type': 'text/css; charset=utf-8' } },
    { name: 'JSON', method: 'GET', path: '/app/data.json', status: 200, expectHeaders: { 'content-type': 'application/json; charset=utf-8' } },
    { name: 'no extension: octet-stream', method: 'GET', path: '/app/noext', status: 200, expectHeaders: { 'content-type': 'application/octet-stream' } },
    { name: 'encoded name', method: 'GET', path: '/app/with%20space%20%C3%A9.txt', status: 200, check: (r) => assert.equal(r.text, 'spaced') },
    { name: 'an empty file', method: 'GET', path: '/app/empty.txt', status: 200, expectHeaders: { 'content-length': '0' }, check: (r) => assert.equal(r.text, '') },
    { name: 'public: no credentials needed', method: 'GET', path: '/app/style.css', headers: { Authorization: '' }, status: 200 },
    { name: 'CORS headers as on every response', method: 'GET', path: '/app/style.css', headers: { Origin: 'https://x.example' }, status: 200,
      expectHeaders: { 'access-control-allow-origin': 'https://x.example' } },
    { name: 'the root without its slash: 302 to it', method: 'GET', path: '/app?x=1', status: 302, expectHeaders: { location: '/app/?x=1' } },
    { name: 'the root: its welcome file', method: 'GET', path: '/app/', status: 200, expectHeaders: { 'content-type': 'text/html; charset=utf-8' }, check: (r) => assert.equal(r.text, '<h1>home</h1>') },
    { name: 'a directory without its slash: 302', method: 'GET', path: '/app/sub', status: 302, expectHeaders: { location: '/app/sub/' } },
    { name: 'a directory: its welcome file', method: 'GET', path: '/app/sub/', status: 200, check: (r) => assert.equal(r.text, '<h1>sub</h1>') },
    { name: 'a directory without a welcome file: 403 (no listing)', method: 'GET', path: '/app/nowelcome/', status: 403 },
    { name: 'a file path ending in /: 404', method: 'GET', path: '/app/app.js/', status: 404 },
    { name: 'missing: 404', method: 'GET', path: '/app/missing.js', status: 404 },
    { name: 'no fallback unless asked for', method: 'GET', path: '/app/some/route', status: 404 },
    { name: 'POST serves, as Undertow', method: 'POST', path: '/app/style.css', body: 'x', status: 200 },
    { name: 'PUT: 405 with Allow', method: 'PUT', path: '/app/style.css', body: 'x', status: 405, expectHeaders: { allow: 'GET, HEAD, POST' } },
    { name: 'DELETE: 405', method: 'DELETE', path: '/app/style.css', status: 405 },
    { name: 'If-Modified-Since at the change, If-None-Match with the ETag: 304, no body', method: 'GET', path: '/app/app.js', status: 304,
      check: async (r) => {
        const first = await fetch(`${srv.url}/app/app.js`);
        const again = await fetch(`${srv.url}/app/app.js`, { headers: { 'If-None-Match': first.headers.get('etag')! } });
        assert.equal(again.status, 304);
        assert.equal(await again.text(), '');
        assert.equal(r.status, 304);
      },
      headers: { 'If-Modified-Since': lastModified } },
    { name: 'If-None-Match with another tag: 200', method: 'GET', path: '/app/app.js', headers: { 'If-None-Match': 'W/"other"' }, status: 200 },
    { name: 'If-Modified-Since before the change: 200', method: 'GET', path: '/app/app.js', headers: { 'If-Modified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' }, status: 200 },
    { name: 'If-Match with a tag: 412 (weak validators never match strongly)', method: 'GET', path: '/app/app.js', headers: { 'If-Match': '"x"' }, status: 412 },
    { name: 'If-Match *: 200', method: 'GET', path: '/app/app.js', headers: { 'If-Match': '*' }, status: 200 },
    { name: 'If-Unmodified-Since before the change: 412', method: 'GET', path: '/app/app.js', headers: { 'If-Unmodified-Since': 'Mon, 01 Jan 2001 00:00:00 GMT' }, status: 412 },
    { name: 'a byte range: 206', method: 'GET', path: '/app/app.js', headers: { Range: 'bytes=13-22' }, status: 206,
      expectHeaders: { 'content-range': `bytes 13-22/${size}`, 'content-length': '10' }, check: (r) => assert.equal(r.text, '0123456789') },
    { name: 'a suffix range', method: 'GET', path: '/app/app.js', headers: { Range: 'bytes=-3' }, status: 206, check: (r) => assert.equal(r.text, '");') },
    { name: 'an open range past the end is cut to the size', method: 'GET', path: '/app/app.js', headers: { Range: `bytes=${size - 2}-${size + 100}` }, status: 206,
      expectHeaders: { 'content-range': `bytes ${size - 2}-${size - 1}/${size}` } },
    { name: 'an unsatisfiable range: 416 with the size', method: 'GET', path: '/app/app.js', headers: { Range: `bytes=${size}-` }, status: 416,
      expectHeaders: { 'content-range': `bytes */${size}` } },
    { name: 'several ranges: the whole file', method: 'GET', path: '/app/app.js', headers: { Range: 'bytes=0-1,5-6' }, status: 200, expectHeaders: { 'content-length': String(size) } },
    { name: 'a malformed range is ignored', method: 'GET', path: '/app/app.js', headers: { Range: 'bytes=abc' }, status: 200 },
    { name: 'another unit is ignored', method: 'GET', path: '/app/app.js', headers: { Range: 'items=0-1' }, status: 200 },
    { name: 'If-Range with the date: the range', method: 'GET', path: '/app/app.js', headers: { Range: 'bytes=0-0', 'If-Range': lastModified }, status: 206 },
    { name: 'If-Range with another date: the whole file', method: 'GET', path: '/app/app.js', headers: { Range: 'bytes=0-0', 'If-Range': 'Mon, 01 Jan 2001 00:00:00 GMT' }, status: 200 },
    { name: 'HEAD: headers with the real length, no body', method: 'HEAD', path: '/app/big.bin', status: 200,
      expectHeaders: { 'content-length': String(BIG.length), 'content-type': 'application/octet-stream' }, check: (r) => assert.equal(r.text, '') },
    { name: 'a large file streams whole, never compressed', method: 'GET', path: '/app/big.bin', headers: { 'Accept-Encoding': 'gzip' }, status: 200,
      expectHeaders: { 'content-encoding': null, 'content-length': String(BIG.length) },
      check: async () => {
        const r = await fetch(`${srv.url}/app/big.bin`);
        const got = Buffer.from(await r.arrayBuffer());
        assert.equal(createHash('sha256').update(got).digest('hex'), createHash('sha256').update(BIG).digest('hex'));
      } },
    { name: 'a symlink inside the directory is followed', method: 'GET', path: '/app/link-in.js', status: 200, expectHeaders: { 'content-type': 'text/javascript; charset=utf-8' } },
    { name: 'a symlink out of the directory: 404', method: 'GET', path: '/app/link-out', status: 404 },
    { name: 'a directory symlink out of the directory: 404', method: 'GET', path: '/app/dir-out/secret.txt', status: 404 },
    { name: 'dot files are not served', method: 'GET', path: '/app/.env', status: 404 },
    { name: '.well-known is served', method: 'GET', path: '/app/.well-known/security.txt', status: 200 },
    { name: 'single-page app: a route without extension gets the welcome file', method: 'GET', path: '/spa/users/42', status: 200, check: (r) => assert.equal(r.text, '<h1>spa</h1>') },
    { name: 'single-page app: a missing asset is still 404', method: 'GET', path: '/spa/missing.js', status: 404 },
    { name: 'single-page app: an asset', method: 'GET', path: '/spa/main.js', status: 200, check: (r) => assert.equal(r.text, 'main()') },
    { name: 'single-page app: the fallback is only for GET and HEAD', method: 'POST', path: '/spa/users/42', body: 'x', status: 404 },
  ];
  for (const s of cases) test(s.name, async () => { await checkScenario(srv, s); });

  // sent as written: `..`, encoded dots, separators and NUL bytes never reach a file outside the root
  const traversal: Array<[string, number]> = [
    ['/app/../secret.txt', 400],
    ['/app/sub/../../secret.txt', 400],
    ['/app/%2e%2e/secret.txt', 400],
    ['/app/%2E%2E/secret.txt', 400],
    ['/app/.%2e/secret.txt', 400],
    ['/app/%2e%2e%2fsecret.txt', 404],
    ['/app/..%2Fsecret.txt', 404],
    ['/app/..%5Csecret.txt', 404],
    ['/app/%252e%252e/secret.txt', 404],
    ['/app/app.js%00.txt', 400],
    ['/app/%00', 400],
    ['/app/%zz', 400],
    ['/app//..//secret.txt', 400],
  ];
  for (const [path, status] of traversal) {
    test(`no way out: ${path} → ${status}`, async () => {
      const r = await raw(srv, 'GET', path);
      assert.equal(r.status, status, r.body.toString());
      assert.ok(!r.body.toString().includes('outside the root'));
    });
  }
});

describe('static resources: startup', () => {
  after(() => rmSync(base, { recursive: true, force: true }));
  const startWith = (value: string) => start(applyCliArgs(loadConfig({ rho: `/http-listener/host->"127.0.0.1";/static-resources->${value}`, warn: () => {} }), { port: 0, dataDir: mkdtempSync(join(base, 'data-')) }), { logLevel: 'fatal' });

  const refused: Array<[string, string, RegExp]> = [
    ['a missing directory', `[{"what":"${join(base, 'nope')}","where":"/x"}]`, /nope \(for \/x\) is not a directory/],
    ['a file instead of a directory', `[{"what":"${join(base, 'secret.txt')}","where":"/x"}]`, /is not a directory/],
    ['where without a leading slash', `[{"what":"${root}","where":"x"}]`, /static-resources\[0\]\.where must start with \//],
    ['no what', '[{"where":"/x"}]', /'what' .* is missing/],
    ['an embedded resource other than RESTHeart\'s metrics page', '[{"what":"static/app","where":"/x","embedded":true}]', /embedded resources are files inside RESTHeart's jars/],
    ['two entries at one uri', `[{"what":"${root}","where":"/x"},{"what":"${spa}","where":"/x/"}]`, /is taken/],
    ['an entry at the MongoDB API\'s /', `[{"what":"${root}","where":"/"}]`, /uri \/ \(PREFIX\) is taken/],
  ];
  for (const [name, value, message] of refused) {
    test(`refused: ${name}`, async () => {
      await assert.rejects(startWith(value), (e: Error) => {
        assert.match(e.message, message);
        return true;
      });
    });
  }

  test("RESTHeart's default entry (its metrics page) is skipped quietly", async () => {
    const running = await startWith('[{"what":"static/metrics","where":"/metrics-ui","welcome-file":"restheart-metrics.html","embedded":true}]');
    try {
      assert.deepEqual(running.settings.staticResources, []);
    } finally {
      await running.close();
    }
  });

  test('a config error is a ConfigError (the cli prints it as one)', async () => {
    await assert.rejects(startWith('[{"where":"/x"}]'), ConfigError);
  });
});
