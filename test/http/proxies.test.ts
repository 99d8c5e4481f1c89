// proxies (issue 11 step 6) against local upstream servers started here: path and query mapping,
// the account headers (set from the authenticated account, the client's copies dropped, no
// Authorization forwarded), hop-by-hop headers, repeated response headers, bodies streamed both
// ways (an endless upstream body reaches the client and stops when it leaves), authentication
// and ACL before anything is forwarded, round-robin balancing, and a target that is down (502),
// silent (504) or skipped while another one answers.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { ADMIN, checkScenario, startServer, type Scenario, type TestServer } from '../helpers/server.ts';
import { addPermissions, createUser } from '../security/http-support.ts';

const BOB = `Basic ${Buffer.from('bob:bobpass').toString('base64')}`;

interface Upstream {
  name: string;
  server: Server;
  url: string;
  /** resolved when the endless response was closed before it finished */
  endlessClosed: Promise<void>;
  /** responses held open by /silent, ended at close */
  held: Set<ServerResponse>;
}

function upstream(name: string): Promise<Upstream> {
  let closed!: () => void;
  const endlessClosed = new Promise<void>((r) => { closed = r; });
  const held = new Set<ServerResponse>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = new URL(req.url!, 'http://x');
    if (url.pathname.endsWith('/silent')) {
      held.add(res);
      return;
    }
    if (url.pathname.endsWith('/endless')) {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream' });
      const chunk = Buffer.alloc(64 * 1024, 7);
      const pump = () => {
        while (res.write(chunk));
      };
      res.on('drain', pump);
      res.on('close', () => {
        if (!res.writableFinished) closed();
      });
      pump();
      return;
    }
    if (url.pathname.endsWith('/no-content')) {
      res.writeHead(204, { 'X-Who': name });
      res.end();
      return;
    }
    if (url.pathname.endsWith('/cookies')) {
      res.writeHead(200, [['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2'], ['Content-Type', 'text/plain']]);
      res.end('two cookies');
      return;
    }
    if (url.pathname.endsWith('/hop')) {
      res.writeHead(200, { Connection: 'X-Hop', 'X-Hop': 'secret', 'Keep-Alive': 'timeout=5', 'X-End': 'kept', 'Content-Type': 'text/plain' });
      res.end('hop');
      return;
    }
    const hash = createHash('sha256');
    let length = 0;
    req.on('data', (c: Buffer) => {
      hash.update(c);
      length += c.length;
    });
    req.on('end', () => {
      res.writeHead(201, { 'Content-Type': 'application/json', 'X-Who': name });
      res.end(JSON.stringify({ who: name, method: req.method, url: req.url, headers: req.headers, rawHeaders: req.rawHeaders, length, sha: hash.digest('hex') }));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ name, server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, endlessClosed, held });
  }));
}

async function closeUpstream(u: Upstream): Promise<void> {
  for (const r of u.held) r.destroy();
  u.server.closeAllConnections();
  await new Promise((r) => u.server.close(r));
}

/** A port nothing listens on. */
async function deadPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

/** A request with exactly these headers (fetch refuses Connection, TE and friends). */
function raw(srv: { url: string }, method: string, path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${srv.url}${path}`, { method, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => { body += c; });
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('proxies', () => {
  let a: Upstream;
  let b: Upstream;
  let srv: TestServer;
  let dead: number;

  before(async () => {
    a = await upstream('a');
    b = await upstream('b');
    dead = await deadPort();
    const proxies = [
      { location: '/up', 'proxy-pass': `${a.url}/base`, name: 'up' },
      { location: '/keep-host', 'proxy-pass': a.url, 'rewrite-host-header': false },
      { location: '/balanced', 'proxy-pass': [a.url, b.url], name: 'balanced' },
      { location: '/half-down', 'proxy-pass': [`http://127.0.0.1:${dead}`, b.url] },
      { location: '/down', 'proxy-pass': `http://127.0.0.1:${dead}` },
      { location: '/quiet', 'proxy-pass': a.url, 'idle-timeout': 300 },
    ];
    srv = await startServer({ rho: `/proxies->${JSON.stringify(proxies)}` });
    await createUser(srv, 'bob', 'bobpass', ['user']);
    await addPermissions(srv, [{ _id: 'bobUp', roles: ['user'], predicate: "path-prefix('/up/allowed')", priority: 1 }]);
  });
  after(async () => {
    await srv.close();
    await closeUpstream(a);
    await closeUpstream(b);
  });

  const cases: Scenario[] = [
    { name: 'path below the location and query go to the target path', method: 'GET', path: '/up/x/y%20z?q=1&r=%2F', status: 201,
      expectBodyPartial: { who: 'a', method: 'GET', url: '/base/x/y%20z?q=1&r=%2F' } },
    { name: 'the location itself: the target path', method: 'GET', path: '/up', status: 201, expectBodyPartial: { url: '/base' } },
    { name: "the account's name and roles go along; Authorization does not", method: 'GET', path: '/up/who', status: 201,
      check: (r) => {
        const h = r.json().headers;
        assert.equal(h['x-forwarded-account-id'], 'admin');
        assert.equal(h['x-forwarded-account-roles'], 'admin');
        assert.equal(h.authorization, undefined);
      } },
    { name: "docrest's auth cookie is a credential: not forwarded; the client's other cookies are", method: 'GET', path: '/up/who',
      headers: { Cookie: 'theme=dark; rh_auth=Bearer_abc; lang=it' }, status: 201,
      check: (r) => assert.equal(r.json().headers.cookie, 'theme=dark; lang=it') },
    { name: 'a request with only the auth cookie: no Cookie header at all', method: 'GET', path: '/up/who',
      headers: { Cookie: 'rh_auth=Bearer_abc' }, status: 201,
      check: (r) => assert.equal(r.json().headers.cookie, undefined) },
    { name: "a client's own account headers are dropped", method: 'GET', path: '/up/who',
      headers: { 'X-Forwarded-Account-Id': 'root', 'X-Forwarded-Account-Roles': 'superuser' }, status: 201,
      check: (r) => {
        const raw: string[] = r.json().rawHeaders;
        const values = raw.filter((_, i) => i % 2 === 1 && /^x-forwarded-account-/i.test(raw[i - 1]!));
        assert.deepEqual(values, ['admin', 'admin']);
      } },
    { name: 'Host is the target, X-Forwarded-* tell the original', method: 'GET', path: '/up/h', headers: { 'X-Forwarded-For': '10.0.0.1' }, status: 201,
      check: (r) => {
        const h = r.json().headers;
        assert.equal(h.host, new URL(a.url).host);
        assert.equal(h['x-forwarded-host'], new URL(srv.url).host);
        assert.equal(h['x-forwarded-proto'], 'http');
        assert.equal(h['x-forwarded-for'], '10.0.0.1, 127.0.0.1');
      } },
    { name: 'rewrite-host-header: false keeps the client\'s Host', method: 'GET', path: '/keep-host/h', status: 201,
      check: (r) => assert.equal(r.json().headers.host, new URL(srv.url).host) },
    { name: 'a request body is forwarded', method: 'POST', path: '/up/body', body: '{"x":1}', status: 201,
      expectBodyPartial: { method: 'POST', length: 7 } },
    { name: 'the response status and headers come back', method: 'GET', path: '/up/no-content', status: 204, expectHeaders: { 'x-who': 'a' } },
    { name: 'repeated response headers (Set-Cookie) stay separate', method: 'GET', path: '/up/cookies', status: 200,
      check: (r) => assert.deepEqual(r.headers.getSetCookie(), ['a=1', 'b=2']) },
    { name: 'hop-by-hop response headers are not forwarded', method: 'GET', path: '/up/hop', status: 200,
      expectHeaders: { 'x-hop': null, 'keep-alive': /^timeout=72$/, 'x-end': 'kept' } },
    { name: 'CORS headers on proxied responses', method: 'GET', path: '/up/cors', headers: { Origin: 'https://app.example' }, status: 201,
      expectHeaders: { 'access-control-allow-origin': 'https://app.example' } },
    { name: 'no credentials: 401, nothing forwarded', method: 'GET', path: '/up/x', headers: { Authorization: '' }, status: 401 },
    { name: 'wrong credentials: 401', method: 'GET', path: '/up/x', headers: { Authorization: `Basic ${Buffer.from('bob:wrong').toString('base64')}` }, status: 401 },
    { name: 'the ACL denies: 403, nothing forwarded', method: 'GET', path: '/up/other', headers: { Authorization: BOB }, status: 403 },
    { name: 'the ACL allows: forwarded with the user and roles', method: 'GET', path: '/up/allowed/x', headers: { Authorization: BOB }, status: 201,
      check: (r) => {
        assert.equal(r.json().headers['x-forwarded-account-id'], 'bob');
        assert.equal(r.json().headers['x-forwarded-account-roles'], 'user');
      } },
    { name: 'a target that is down: 502 without its address', method: 'GET', path: '/down/x', status: 502,
      check: (r) => {
        assert.match(r.json().message, /the server behind \/down could not be reached/);
        assert.ok(!r.text.includes(String(dead)));
      } },
    { name: 'one target down: the other answers', method: 'GET', path: '/half-down/x', status: 201, expectBodyPartial: { who: 'b' } },
    { name: 'a silent target: 504 after idle-timeout', method: 'GET', path: '/quiet/silent', status: 504,
      check: (r) => assert.match(r.json().message, /did not answer within 300 ms/) },
  ];
  for (const s of cases) test(s.name, async () => { await checkScenario(srv, s); });

  test('hop-by-hop request headers, and those Connection names, are not forwarded', async () => {
    const r = await raw(srv, 'GET', '/up/hop-req', { Authorization: ADMIN, Connection: 'keep-alive, X-Private', 'X-Private': 'no', 'X-Public': 'yes', TE: 'trailers', 'Proxy-Authorization': 'Basic eA==' });
    assert.equal(r.status, 201);
    const h = JSON.parse(r.body).headers;
    assert.equal(h['x-private'], undefined);
    assert.equal(h.te, undefined);
    assert.equal(h['proxy-authorization'], undefined);
    assert.equal(h['x-public'], 'yes');
  });

  test('round-robin over the targets', async () => {
    const who: string[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await fetch(`${srv.url}/balanced/x`, { headers: { Authorization: ADMIN } });
      who.push((await r.json()).who);
    }
    assert.deepEqual([...who].sort(), ['a', 'a', 'b', 'b']);
    assert.notEqual(who[0], who[1]);
  });

  test('a large request body streams to the target intact', async () => {
    const body = randomBytes(8 * 1024 * 1024);
    const r = await fetch(`${srv.url}/up/upload`, { method: 'PUT', headers: { Authorization: ADMIN, 'Content-Type': 'application/octet-stream' }, body });
    assert.equal(r.status, 201);
    const got = await r.json();
    assert.equal(got.length, body.length);
    assert.equal(got.sha, createHash('sha256').update(body).digest('hex'));
  });

  // node's client, not fetch: an aborted fetch leaves an unused connection open that holds up the server's close
  test('an endless body reaches the client as it comes, and stops at the target when the client leaves', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${srv.url}/up/endless`, { headers: { Authorization: ADMIN } }, (res) => {
        assert.equal(res.statusCode, 200);
        let seen = 0;
        res.on('data', (c: Buffer) => {
          seen += c.length;
          if (seen >= 4 * 1024 * 1024 && !req.destroyed) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', (e) => (req.destroyed ? undefined : reject(e)));
      req.end();
    });
    await a.endlessClosed;
  });

  test('the server keeps serving after all this', async () => {
    await checkScenario(srv, { name: 'ping', method: 'GET', path: '/ping', status: 200 });
  });
});

describe('proxies: configuration', () => {
  const refused: Array<[string, unknown, RegExp]> = [
    ['no proxy-pass', [{ location: '/x' }], /'proxy-pass' .* is missing/],
    ['a proxy-pass that is not http(s)', [{ location: '/x', 'proxy-pass': 'ftp://h/x' }], /is not an http or https URL/],
    ['a location without a leading slash', [{ location: 'x', 'proxy-pass': 'http://h' }], /proxies\[0\]\.location must start with \//],
    ['not a list', { location: '/x' }, /proxies must be a list/],
  ];
  for (const [name, value, message] of refused) {
    test(`refused at startup: ${name}`, async () => {
      await assert.rejects(startServer({ rho: `/proxies->${JSON.stringify(value)}` }), (e: Error) => {
        assert.match(e.message, message);
        return true;
      });
    });
  }
});
