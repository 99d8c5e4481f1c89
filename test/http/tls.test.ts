// Listeners as configured: HTTPS from a PKCS#12 keystore or PEM files, HTTP/2 by ALPN with an
// HTTP/1.1 fallback, both listeners at once, the plain one off when disabled, and the scheme a
// request came in on in Location and in security (X-Forwarded-Proto only from a trusted proxy).
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ADMIN, startServer, type TestServer } from '../helpers/server.ts';
import { freePort, h2, https1, makeTls, type TlsFiles } from './tls-support.ts';

let tls: TlsFiles;
before(() => { tls = makeTls(); });

const json = JSON.stringify;
const https = (extra: string) => `/https-listener/enabled->true;/https-listener/host->"127.0.0.1";/https-listener/port->0;${extra}`;
const keystore = () => `/https-listener/keystore-path->${json(tls.p12)};/https-listener/keystore-password->${json(tls.p12Password)}`;
// anonymous requests under /open are allowed over TLS only
const secureOnly = `/mongoAclAuthorizer/enabled->false;/fileAclAuthorizer/enabled->true;/fileAclAuthorizer/permissions->${json([
  { role: 'admin', predicate: "path-prefix('/')", priority: 0, mongo: { allowManagementRequests: true } },
  { role: '$unauthenticated', predicate: "secure and path-prefix('/open')", priority: 1 },
])}`;

function plain(url: string, method: string, path: string, headers: Record<string, string> = {}): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(new URL(path, url), { method, headers, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode!, location: res.headers.location }));
    });
    req.on('error', reject);
    req.end(method === 'POST' ? '{"a":1}' : undefined);
  });
}

const AUTH = { authorization: ADMIN };
const JSON_BODY = { ...AUTH, 'content-type': 'application/json' };

describe('PKCS#12 keystore, both listeners', () => {
  let srv: TestServer;
  let httpsUrl: string;
  before(async () => {
    srv = await startServer({ rho: `${https(keystore())};${secureOnly}` });
    httpsUrl = srv.running.urls.find((u) => u.startsWith('https:'))!;
  });
  after(async () => srv.close());

  test('both listeners are up: http first, then https', () => {
    assert.equal(srv.running.urls.length, 2);
    assert.match(srv.running.urls[0]!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(httpsUrl, /^https:\/\/127\.0\.0\.1:\d+$/);
  });

  test('HTTPS over HTTP/1.1', async () => {
    const r = await https1(httpsUrl, tls.ca, 'GET', '/ping');
    assert.equal(r.status, 200);
    assert.equal(JSON.parse(r.body).message, 'Greetings from RESTHeart!');
  });

  test('HTTP/2 by ALPN: writes, reads, Location with https, errors, preflight, 304, HEAD, gzip', async () => {
    const [put] = await h2(httpsUrl, tls.ca, [{ method: 'PUT', path: '/things', headers: AUTH }]);
    assert.equal(put!.status, 201);
    assert.equal(put!.alpn, 'h2');
    const big = 'x'.repeat(4000);
    const [post, ping, missing, preflight, head] = await h2(httpsUrl, tls.ca, [
      { method: 'POST', path: '/things', headers: JSON_BODY, body: json({ _id: 'a', big }) },
      { method: 'GET', path: '/ping' },
      { method: 'GET', path: '/nothing/here', headers: AUTH },
      { method: 'OPTIONS', path: '/things', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } },
      { method: 'HEAD', path: '/ping' },
    ]);
    assert.equal(post!.status, 201, post!.body);
    assert.equal(post!.headers.location, `${httpsUrl}/things/a`);
    assert.equal(ping!.status, 200);
    assert.equal(JSON.parse(ping!.body).host, httpsUrl.slice('https://'.length), '/ping reports the :authority as host');
    assert.equal(missing!.status, 404);
    assert.equal(JSON.parse(missing!.body)['http status code'], 404);
    assert.equal(preflight!.status, 200);
    assert.equal(preflight!.headers['access-control-allow-origin'], 'https://app.example');
    assert.equal(head!.status, 200);
    assert.equal(head!.body, '');
    const [doc] = await h2(httpsUrl, tls.ca, [{ method: 'GET', path: '/things/a', headers: { ...AUTH, 'accept-encoding': 'gzip' } }]);
    assert.equal(doc!.status, 200);
    assert.equal(doc!.headers['content-encoding'], 'gzip');
    const [notModified] = await h2(httpsUrl, tls.ca, [{ method: 'GET', path: '/things/a', headers: { ...AUTH, 'if-none-match': String(doc!.headers.etag) } }]);
    assert.equal(notModified!.status, 304);
  });

  test('the plain listener answers with http:// in Location, and ignores X-Forwarded-Proto from an untrusted peer', async () => {
    await h2(httpsUrl, tls.ca, [{ method: 'PUT', path: '/plain', headers: AUTH }]);
    const r = await plain(srv.url, 'POST', '/plain', { ...JSON_BODY, 'x-forwarded-proto': 'https' });
    assert.equal(r.status, 201);
    assert.match(r.location!, new RegExp(`^${srv.url}/plain/`));
  });

  test('security sees the scheme: a permission with `secure` allows HTTPS and HTTP/2 only', async () => {
    assert.equal((await https1(httpsUrl, tls.ca, 'GET', '/open')).status, 404, 'allowed; the collection does not exist');
    assert.equal((await h2(httpsUrl, tls.ca, [{ method: 'GET', path: '/open' }]))[0]!.status, 404);
    assert.equal((await plain(srv.url, 'GET', '/open')).status, 401);
    assert.equal((await plain(srv.url, 'GET', '/open', { 'x-forwarded-proto': 'https' })).status, 401);
  });
});

describe('PEM files, plain listener disabled', () => {
  let srv: TestServer;
  let httpPort: number;
  before(async () => {
    httpPort = await freePort();
    srv = await startServer({
      rho: https(`/docrest/tls->{cert:${json(tls.cert)},key:${json(tls.key)}};/http-listener/enabled->false;/http-listener/port->${httpPort}`),
    });
  });
  after(async () => srv.close());

  test('only the https listener is up', async () => {
    assert.deepEqual(srv.running.urls.map((u) => u.split(':')[0]), ['https']);
    assert.equal(srv.url, srv.running.urls[0]);
    await assert.rejects(plain(`http://127.0.0.1:${httpPort}`, 'GET', '/ping'), /ECONNREFUSED/);
  });

  test('HTTPS and HTTP/2 answer', async () => {
    assert.equal((await https1(srv.url, tls.ca, 'GET', '/ping')).status, 200);
    const [r] = await h2(srv.url, tls.ca, [{ method: 'GET', path: '/ping' }]);
    assert.equal(r!.status, 200);
    assert.equal(r!.alpn, 'h2');
  });
});

describe('connection-options.ENABLE_HTTP2: false', () => {
  let srv: TestServer;
  before(async () => { srv = await startServer({ rho: https(`${keystore()};/connection-options/ENABLE_HTTP2->false`) }); });
  after(async () => srv.close());

  test('HTTPS serves HTTP/1.1 only', async () => {
    const httpsUrl = srv.running.urls[1]!;
    assert.equal((await https1(httpsUrl, tls.ca, 'GET', '/ping')).status, 200);
    await assert.rejects(h2(httpsUrl, tls.ca, [{ method: 'GET', path: '/ping' }]));
  });
});

describe('docrest.trusted-proxies', () => {
  let srv: TestServer;
  before(async () => { srv = await startServer({ rho: `/docrest/trusted-proxies->["10.0.0.0/8","127.0.0.1"];${secureOnly}` }); });
  after(async () => srv.close());

  test("a trusted proxy's X-Forwarded-Proto is the scheme: Location and security", async () => {
    assert.equal((await plain(srv.url, 'PUT', '/fwd', AUTH)).status, 201);
    const r = await plain(srv.url, 'POST', '/fwd', { ...JSON_BODY, 'x-forwarded-proto': 'https' });
    assert.equal(r.status, 201);
    assert.match(r.location!, new RegExp(`^https://${srv.url.slice('http://'.length)}/fwd/`));
    assert.equal((await plain(srv.url, 'GET', '/open', { 'x-forwarded-proto': 'https' })).status, 404);
    assert.equal((await plain(srv.url, 'GET', '/open')).status, 401);
  });

  test('a bad entry is a startup error naming the key', async () => {
    await assert.rejects(startServer({ rho: '/docrest/trusted-proxies->["10.0.0.0/99"]' }), /docrest\.trusted-proxies: '10\.0\.0\.0\/99'/);
  });
});
