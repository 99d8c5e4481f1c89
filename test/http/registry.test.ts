// The service registry and the pipeline (issue 11 step 0): lookup order (EXACT, longest PREFIX,
// a service beats the mongo-mounts), services answering bytes, streams, errors, SSE and WebSocket
// takeovers and streaming request bodies, interceptors at each point — and CORS on all of them.
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { HttpError } from '../../src/errors.ts';
import type { Interceptor } from '../../src/http/interceptors.ts';
import { ServiceRegistry, type Service } from '../../src/http/service-registry.ts';
import { ADMIN, checkScenario, errorBody, startServer, type Scenario, type TestServer } from '../helpers/server.ts';

const ORIGIN = 'https://app.example.com';
const json = (who: string, extra: Record<string, unknown> = {}) => ({ status: 200, body: { who, ...extra } });

/** Resolved when the endless stream's source is destroyed (its client went away). */
let endlessDestroyed: () => void;
const endlessGone = new Promise<void>((r) => { endlessDestroyed = r; });

const services: Service[] = [
  { name: 'exact-a', uri: '/svc/a', matchPolicy: 'EXACT', secured: false, handle: () => json('exact-a') },
  { name: 'prefix-svc', uri: '/svc', matchPolicy: 'PREFIX', secured: false, handle: (ex) => json('prefix-svc', { path: ex.path }) },
  { name: 'prefix-deep', uri: '/svc/a/deep', matchPolicy: 'PREFIX', secured: false, handle: () => json('prefix-deep') },
  // a mount is bound at /api (rho below): the service wins there
  { name: 'over-mount', uri: '/api/special', matchPolicy: 'PREFIX', secured: false, handle: () => json('over-mount') },
  { name: 'secured-svc', uri: '/secured', matchPolicy: 'EXACT', secured: true, handle: (ex) => json('secured-svc', { account: ex.account?.name }) },
  {
    name: 'bytes', uri: '/bytes', matchPolicy: 'PREFIX', secured: false,
    handle: (ex) => ({ kind: 'bytes', status: 200, contentType: 'text/plain; charset=utf-8', body: ex.path === '/bytes/big' ? 'x'.repeat(5000) : 'hello bytes' }),
  },
  {
    name: 'stream', uri: '/stream', matchPolicy: 'EXACT', secured: false,
    handle: () => ({ kind: 'stream', status: 200, contentType: 'text/plain', body: Readable.from(['one,', 'two,', 'three']) }),
  },
  {
    name: 'endless', uri: '/endless', matchPolicy: 'EXACT', secured: false,
    handle: () => ({
      kind: 'stream', status: 200, contentType: 'text/plain',
      body: new Readable({
        read() { this.push('tick\n'); },
        destroy(err, cb) { endlessDestroyed(); cb(err); },
      }),
    }),
  },
  {
    name: 'fails', uri: '/fails', matchPolicy: 'PREFIX', secured: false,
    handle: (ex) => {
      if (ex.path === '/fails/teapot') throw new HttpError(418, 'short and "stout"');
      throw new Error('secret internals');
    },
  },
  {
    name: 'upload', uri: '/upload', matchPolicy: 'EXACT', secured: false, streamRequestBody: { limit: 1000 },
    async handle(ex) {
      let n = 0;
      for await (const chunk of ex.requestStream()) n += (chunk as Buffer).length;
      return json('upload', { received: n, buffered: ex.rawBody !== undefined });
    },
  },
  { name: 'echo-body', uri: '/echo-body', matchPolicy: 'EXACT', secured: false, handle: (ex) => json('echo-body', { text: ex.rawBody?.toString() ?? null }) },
  {
    name: 'sse', uri: '/sse', matchPolicy: 'EXACT', secured: false,
    handle: () => ({
      kind: 'takeover',
      run({ res }) {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.write('data: one\n\n');
        res.end('data: two\n\n');
      },
    }),
  },
  {
    name: 'ws-echo', uri: '/ws', matchPolicy: 'PREFIX', secured: false, acceptsUpgrade: true,
    handle: (ex) => {
      if (!ex.upgrade) return json('ws-echo', { upgrade: false });
      return {
        kind: 'takeover',
        run({ socket, head }) {
          socket.write('HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n');
          if (head && head.length) socket.write(head);
          socket.on('data', (d: Buffer) => socket.write(d));
          // the server's sockets are half-open: the service ends its side when the client does
          socket.on('end', () => socket.end());
        },
      };
    },
  },
  { name: 'ws-secured', uri: '/ws-secured', matchPolicy: 'EXACT', secured: true, acceptsUpgrade: true, handle: () => json('never') },
  { name: 'async', uri: '/async', matchPolicy: 'EXACT', secured: false, handle: () => json('async') },
];

/** RESPONSE_ASYNC: what it saw, and a gate it waits on that the test opens only after the response arrived. */
const asyncSeen: Array<{ status: number | undefined; ended: boolean }> = [];
let openGate: () => void;
const gate = new Promise<void>((r) => { openGate = r; });
let asyncDone: () => void;
const asyncFinished = new Promise<void>((r) => { asyncDone = r; });

const interceptors: Interceptor[] = [
  {
    name: 'block-before-auth', interceptPoint: 'REQUEST_BEFORE_AUTH',
    resolve: (ex) => ex.headers['x-block'] !== undefined,
    handle: () => { throw new HttpError(403, 'blocked before auth'); },
  },
  {
    name: 'whoami-after-auth', interceptPoint: 'REQUEST_AFTER_AUTH',
    resolve: (ex) => ex.headers['x-whoami'] !== undefined,
    handle: (ex) => { ex.response = { status: 200, body: { interceptedAs: ex.account?.name ?? null, service: ex.service.name } }; },
  },
  {
    name: 'mark-response', interceptPoint: 'RESPONSE',
    resolve: (ex) => ex.service.name === 'exact-a' || (ex.service.name === 'mongo' && ex.mongo?.resource.type === 'DOCUMENT' && ex.method === 'GET'),
    handle: (ex) => {
      const r = ex.response;
      if (r && (r.kind === undefined || r.kind === 'json') && r.body && typeof r.body === 'object') r.body = { ...r.body, marked: true };
    },
  },
  {
    name: 'after-send', interceptPoint: 'RESPONSE_ASYNC',
    resolve: (ex) => ex.service.name === 'async',
    async handle(ex) {
      asyncSeen.push({ status: ex.response && 'status' in ex.response ? ex.response.status : undefined, ended: ex.res.writableEnded });
      await gate;
      asyncDone();
    },
  },
];

const withOrigin = (h: Record<string, string> = {}) => ({ Origin: ORIGIN, ...h });
const CORS = { 'Access-Control-Allow-Origin': ORIGIN, 'Access-Control-Expose-Headers': /Location/ };

const table: Scenario[] = [
  { name: 'EXACT /svc/a wins over PREFIX /svc', method: 'GET', path: '/svc/a', status: 200, expectBody: { who: 'exact-a', marked: true } },
  { name: 'EXACT matches only the exact path', method: 'GET', path: '/svc/a/b', status: 200, expectBody: { who: 'prefix-svc', path: '/svc/a/b' } },
  { name: 'the longest PREFIX wins', method: 'GET', path: '/svc/a/deep/x', status: 200, expectBody: { who: 'prefix-deep' } },
  { name: 'PREFIX covers its own path', method: 'GET', path: '/svc', status: 200, expectBody: { who: 'prefix-svc', path: '/svc' } },
  { name: 'PREFIX matches at segment boundaries only', method: 'GET', path: '/svcx', status: 404 },
  { name: 'a service beats a mongo-mount under it', method: 'GET', path: '/api/special/1', status: 200, expectBody: { who: 'over-mount' } },
  { name: 'the mount still serves the rest (db shop does not exist)', method: 'GET', path: '/api', status: 404, expectBodyPartial: { 'http status code': 404 } },
  { name: 'secured service without credentials → 401', method: 'GET', path: '/secured', headers: { Authorization: '' }, status: 401 },
  { name: 'secured service with credentials sees the account', method: 'GET', path: '/secured', status: 200, expectBody: { who: 'secured-svc', account: 'admin' } },
  { name: 'bytes with their content type', method: 'GET', path: '/bytes', status: 200, expectHeaders: { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '11' }, check: (r) => assert.equal(r.text, 'hello bytes') },
  { name: 'HEAD on bytes: no body', method: 'HEAD', path: '/bytes', status: 200, expectBody: '' },
  { name: 'a stream, chunked', method: 'GET', path: '/stream', status: 200, expectHeaders: { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked' }, check: (r) => assert.equal(r.text, 'one,two,three') },
  { name: 'an HttpError thrown by a service → its status and error body', method: 'GET', path: '/fails/teapot', status: 418, expectBodyPartial: { 'http status code': 418, message: "short and 'stout'" } },
  {
    name: 'any other error → 500 without details', method: 'GET', path: '/fails', status: 500,
    expectBody: errorBody(500, 'Internal Server Error', 'Error handling the request, see log for more information'),
  },
  { name: 'buffered body for an ordinary service', method: 'POST', path: '/echo-body', body: 'plain text', headers: { 'Content-Type': 'text/plain' }, status: 200, expectBody: { who: 'echo-body', text: 'plain text' } },
  { name: 'streaming body: read by the service, not buffered', method: 'POST', path: '/upload', body: 'y'.repeat(600), headers: { 'Content-Type': 'application/octet-stream' }, status: 200, expectBody: { who: 'upload', received: 600, buffered: false } },
  { name: 'streaming body past its own limit (Content-Length) → 413', method: 'POST', path: '/upload', body: 'y'.repeat(1500), headers: { 'Content-Type': 'application/octet-stream' }, status: 413 },
  { name: 'SSE takeover', method: 'GET', path: '/sse', status: 200, expectHeaders: { 'Content-Type': 'text/event-stream' }, check: (r) => assert.equal(r.text, 'data: one\n\ndata: two\n\n') },
  { name: 'an upgrade service answers plain requests too', method: 'GET', path: '/ws', status: 200, expectBody: { who: 'ws-echo', upgrade: false } },
  { name: 'REQUEST_BEFORE_AUTH rejects before security (403, not 401)', method: 'GET', path: '/secured', headers: { Authorization: '', 'X-Block': '1' }, status: 403, expectBody: errorBody(403, 'Forbidden', 'blocked before auth') },
  { name: 'REQUEST_AFTER_AUTH sees the account and may answer (RESPONSE interceptors still run)', method: 'GET', path: '/svc/a', headers: { 'X-Whoami': '1' }, status: 200, expectBody: { interceptedAs: 'admin', service: 'exact-a', marked: true } },
  { name: 'REQUEST_AFTER_AUTH on an anonymous request', method: 'GET', path: '/bytes', headers: { Authorization: '', 'X-Whoami': '1' }, status: 200, expectBody: { interceptedAs: null, service: 'bytes' } },
  { name: 'REQUEST_AFTER_AUTH runs after security: a refused request never reaches it', method: 'GET', path: '/secured', headers: { Authorization: '', 'X-Whoami': '1' }, status: 401 },
  { name: 'RESPONSE interceptors reach the MongoDB API', method: 'GET', path: '/coll/d1', status: 200, expectBodyPartial: { _id: 'd1', marked: true } },
  {
    name: 'OPTIONS on a service: preflight', method: 'OPTIONS', path: '/bytes', headers: { 'Access-Control-Request-Method': 'GET' }, status: 200, expectBody: '',
    expectHeaders: { 'Access-Control-Allow-Methods': /GET/ },
  },
];

describe('service registry and pipeline', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho: '/mongo/mongo-mounts->[{"what":"/restheart","where":"/"},{"what":"/shop","where":"/api"}]', services, interceptors });
    assert.equal((await fetch(`${srv.url}/coll`, { method: 'PUT', headers: { Authorization: ADMIN } })).status, 201);
    const post = await fetch(`${srv.url}/coll`, { method: 'POST', headers: { Authorization: ADMIN, 'Content-Type': 'application/json' }, body: '{"_id":"d1"}' });
    assert.equal(post.status, 201);
  });
  after(async () => srv.close());

  for (const s of table) {
    test(s.name, async () => {
      // every scenario again with an Origin: CORS headers on every kind of response
      await checkScenario(srv, s);
      await checkScenario(srv, { ...s, headers: withOrigin(s.headers), expectHeaders: { ...s.expectHeaders, ...CORS } });
    });
  }

  test('large bytes are compressed when accepted', async () => {
    const r = await rawGet(srv, '/bytes/big', { 'Accept-Encoding': 'gzip' });
    assert.equal(r.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(r.body).toString(), 'x'.repeat(5000));
  });

  test('a chunked streaming body past its limit → 413', async () => {
    const r = await rawPost(srv, '/upload', [Buffer.alloc(700, 1), Buffer.alloc(700, 2)]);
    assert.equal(r.status, 413);
    assert.equal(JSON.parse(r.body.toString())['http status code'], 413);
  });

  test('a client that goes away destroys the stream source', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = httpRequest(`${srv.url}/endless`, (res) => {
        assert.equal(res.statusCode, 200);
        res.once('data', () => { req.destroy(); resolve(); });
      });
      req.on('error', () => undefined);
      req.on('close', () => resolve());
      req.once('error', reject);
      req.end();
    });
    await endlessGone;
  });

  test('RESPONSE_ASYNC runs after the response is sent and cannot delay it', async () => {
    // the interceptor waits on a gate opened only once the response is here: a delayed response would never arrive
    const r = await fetch(`${srv.url}/async`, { headers: { Authorization: ADMIN } });
    assert.equal(r.status, 200);
    assert.deepEqual(await r.json(), { who: 'async' });
    openGate();
    await asyncFinished;
    assert.deepEqual(asyncSeen, [{ status: 200, ended: true }]);
  });

  test('WebSocket-style upgrade: the service takes over the socket', async () => {
    const socket = await upgrade(srv, '/ws/echo', {});
    const echoed = new Promise<string>((resolve) => socket.once('data', (d: Buffer) => resolve(d.toString())));
    socket.write('ping over the socket');
    assert.equal(await echoed, 'ping over the socket');
    socket.destroy();
  });

  test('an upgrade to a secured service without credentials is answered 401 on the socket', async () => {
    await assert.rejects(upgrade(srv, '/ws-secured', { Origin: ORIGIN }), (e: Error & { status?: number; headers?: Record<string, unknown> }) => {
      assert.equal(e.status, 401);
      assert.equal(e.headers?.['access-control-allow-origin'], ORIGIN);
      return true;
    });
  });
});

describe('service registry: registration errors', () => {
  const handle = () => json('x');
  const cases: Array<{ name: string; add: Service[]; error: RegExp }> = [
    { name: 'the same uri and policy twice', add: [{ name: 'a', uri: '/x', matchPolicy: 'PREFIX', secured: false, handle }, { name: 'b', uri: '/x', matchPolicy: 'PREFIX', secured: false, handle }], error: /service b: uri \/x \(PREFIX\) is taken by service a/ },
    { name: 'the same name twice', add: [{ name: 'a', uri: '/x', matchPolicy: 'PREFIX', secured: false, handle }, { name: 'a', uri: '/y', matchPolicy: 'EXACT', secured: false, handle }], error: /service a: the name is taken/ },
    { name: 'a uri without a leading slash', add: [{ name: 'a', uri: 'x', matchPolicy: 'EXACT', secured: false, handle }], error: /uri must start with \// },
    { name: 'a trailing slash', add: [{ name: 'a', uri: '/x/', matchPolicy: 'EXACT', secured: false, handle }], error: /not end with \// },
    { name: 'an unknown match policy', add: [{ name: 'a', uri: '/x', matchPolicy: 'REGEX' as never, secured: false, handle }], error: /matchPolicy must be PREFIX or EXACT/ },
  ];
  for (const c of cases) {
    test(c.name, () => {
      const r = new ServiceRegistry();
      assert.throws(() => { for (const s of c.add) r.register(s); }, c.error);
    });
  }

  test('the same uri as EXACT and as PREFIX is allowed; EXACT wins on the path itself', () => {
    const r = new ServiceRegistry();
    r.register({ name: 'p', uri: '/x', matchPolicy: 'PREFIX', secured: false, handle });
    r.register({ name: 'e', uri: '/x', matchPolicy: 'EXACT', secured: false, handle });
    assert.equal(r.lookup('/x')?.name, 'e');
    assert.equal(r.lookup('/x/1')?.name, 'p');
  });

  test('a plugin on a built-in uri stops the server from starting, naming both', async () => {
    await assert.rejects(startServer({ services: [{ name: 'mine', uri: '/ping', matchPolicy: 'EXACT', secured: false, handle }] }), /service mine: uri \/ping \(EXACT\) is taken by service ping/);
  });
});

interface RawReply { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

function collect(res: import('node:http').IncomingMessage): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    res.on('data', (c: Buffer) => chunks.push(c));
    res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    res.on('error', reject);
  });
}

function rawGet(srv: TestServer, path: string, headers: Record<string, string>): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    httpRequest(`${srv.url}${path}`, { headers }, (res) => collect(res).then(resolve, reject)).on('error', reject).end();
  });
}

/** A POST without Content-Length (chunked), so only the stream's count can stop it. */
function rawPost(srv: TestServer, path: string, chunks: Buffer[]): Promise<RawReply> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${srv.url}${path}`, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' } }, (res) => collect(res).then(resolve, reject));
    req.on('error', reject);
    for (const c of chunks) req.write(c);
    req.end();
  });
}

/** An upgrade request; resolves with the socket on 101, rejects with the status and headers otherwise. */
function upgrade(srv: TestServer, path: string, headers: Record<string, string>): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(`${srv.url}${path}`, { headers: { Connection: 'Upgrade', Upgrade: 'echo', ...headers } });
    req.on('upgrade', (res, socket) => {
      assert.equal(res.statusCode, 101);
      resolve(socket);
    });
    req.on('response', (res) => {
      res.resume();
      reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}
