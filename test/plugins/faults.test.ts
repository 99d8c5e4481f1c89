// Plugins that misbehave at request time — throw, hang, set garbage, answer from an interceptor,
// resolve to a non-boolean — get a clear error body, nothing leaks, nothing is written, and the
// server keeps serving. Plus the parts of the request/response API the examples do not use.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, checkScenario, errorBody, startServer, type Scenario, type TestServer } from '../helpers/server.ts';
import { manifest, pluginsDir, type PluginsDir } from './support.ts';

const INTERNAL = errorBody(500, 'Internal Server Error', 'Error handling the request, see log for more information');
const service = (name: string, uri: string, body: string, extra = '') =>
  `export const options = { name: '${name}', description: 'test', uri: '${uri}', matchPolicy: 'EXACT'${extra} };\n${body}\n`;
const interceptor = (name: string, point: string, cls: string, resolve: string, handle: string) =>
  `export const options = { name: '${name}', description: 'test', interceptPoint: '${point}', pluginClass: '${cls}' };\n` +
  `export function resolve(req) { ${resolve} }\nexport async function handle(req, res) { ${handle} }\n`;

// RESPONSE_ASYNC reports to the test through this hook (the server runs in this process)
type AsyncEvent = { status: number; content: unknown; changeRefused: string };
const asyncEvents: AsyncEvent[] = [];
let asyncWaiter: ((e: AsyncEvent) => void) | undefined;
let releaseAsync: (() => void) | undefined;
const asyncReleased = new Promise<void>((r) => { releaseAsync = r; });
Object.assign(globalThis, {
  __pluginTestAsync: (e: AsyncEvent) => { asyncEvents.push(e); asyncWaiter?.(e); },
  __pluginTestAsyncRelease: asyncReleased,
});

const FILES = {
  faulty: {
    'package.json': manifest(
      ['throws.mjs', 'deliberate.mjs', 'hangs.mjs', 'bad-status.mjs', 'bad-content.mjs', 'returns.mjs', 'args.mjs', 'echo.mjs', 'secured.ts', 'bytes.mjs'],
      ['mongo-guard.mjs', 'answers-early.mjs', 'bad-resolve.mjs', 'response-async.mjs', 'header-early.mjs', 'echo-rewrite.mjs'],
    ),
    'throws.mjs': service('throws', '/throws', "export function handle() { throw new Error('secret: /etc/passwd at db-host-7'); }"),
    'deliberate.mjs': service('deliberate', '/deliberate', "export async function handle() { const e = new Error('the order is locked'); e.statusCode = 409; throw e; }"),
    'hangs.mjs': service('hangs', '/hangs', 'export function handle() { return new Promise(() => {}); }'),
    'bad-status.mjs': service('badStatus', '/bad-status', "export function handle(req, res) { res.setStatusCode('banana'); }"),
    'bad-content.mjs': service('badContent', '/bad-content', 'export function handle(req, res) { const o = {}; o.self = o; res.setContent(o); }'),
    'returns.mjs': service('returnsGarbage', '/returns', 'export function handle() { return { status: 999, body: Symbol("x") }; }'),
    'args.mjs': service('argsService', '/args', 'export function handle(req, res) { res.json({ args: pluginArgs, logger: typeof LOGGER.info, client: typeof mclient.db }); }'),
    'echo.mjs': service('echo', '/echo', `export function handle(req, res) {
      res.json({ method: req.method, path: req.getPath(), q: req.getQueryParameters(), header: req.getHeader('X-Test') ?? null,
        content: req.getContent(), json: req.json() ?? null, account: req.getAuthenticatedAccount()?.getPrincipal().getName() ?? null,
        admin: req.isAccountInRole('admin'), handledBy: req.isHandledBy('echo'), type: req.getType(), url: req.getURL() });
      res.setHeader('X-Echo', 'yes');
    }`, ", secured: false"),
    'secured.ts': "import type { ServicePlugin } from 'docrest/plugin';\n" + service('securedTs', '/secured-ts',
      'export function handle(req: any, res: any): void { res.send(`hi ${req.account?.name as string}`); }', ', secured: true'),
    'bytes.mjs': service('bytes', '/bytes', "export function handle(req, res) { res.setContent(new Uint8Array([0, 1, 2])); res.setStatusCode(202); res.getHeaders().put('X-Kind', 'bytes').add('X-Kind', 'raw'); }"),
    'mongo-guard.mjs': interceptor('mongoGuard', 'REQUEST_AFTER_AUTH', 'MongoInterceptor',
      "return req.isPost() && req.getCollectionName() === 'guarded';", "if (req.getContent()?.boom) throw new Error('guard exploded');"),
    'answers-early.mjs': interceptor('answersEarly', 'REQUEST_BEFORE_AUTH', 'MongoInterceptor',
      "return req.isGet() && req.getDbName() === 'restheart' && req.getCollectionName() === 'cached';",
      "res.setStatusCode(203); res.setHeader('X-From', 'interceptor'); res.setContent({ cached: true, id: req.getDocumentId() });"),
    'bad-resolve.mjs': interceptor('badResolve', 'RESPONSE', 'StringInterceptor', "return req.getQueryParameterOrDefault('bad', '') === '1' ? 'yes' : false;", ''),
    'response-async.mjs': interceptor('responseAsync', 'RESPONSE_ASYNC', 'StringInterceptor', "return req.isHandledBy('echo') && req.getQueryParameterOrDefault('async', '') === '1';",
      `await globalThis.__pluginTestAsyncRelease;
       let changeRefused = '';
       try { res.setContent('changed'); } catch (e) { changeRefused = e.message; }
       globalThis.__pluginTestAsync({ status: res.getStatusCode(), content: JSON.parse(res.getContent()), changeRefused });`),
    'header-early.mjs': interceptor('headerEarly', 'REQUEST_AFTER_AUTH', 'WildcardInterceptor', "return req.getQueryParameterOrDefault('tag', '') !== '';",
      "res.setHeader('X-Tag', req.getQueryParameterOrDefault('tag', ''));"),
    'echo-rewrite.mjs': interceptor('echoRewrite', 'REQUEST_BEFORE_AUTH', 'StringInterceptor', "return req.isHandledBy('echo') && req.isPut();",
      "req.setContent(JSON.stringify({ rewritten: JSON.parse(req.getContent()) })); req.setHeader('X-Test', 'set-by-interceptor');"),
  },
};

const CONFIG = ['/docrest/default-time-limit->300', '/argsService->{"greeting":"hi","n":2}'].join(';');

const SCENARIOS: Scenario[] = [
  { name: 'a service that throws → 500 without its message (logged with its stack)', method: 'GET', path: '/throws', status: 500, expectBody: INTERNAL,
    check: (r) => assert.doesNotMatch(r.text, /secret|passwd|db-host/) },
  { name: 'an error with statusCode → that status and its message', method: 'GET', path: '/deliberate', status: 409, expectBody: errorBody(409, 'Conflict', 'the order is locked') },
  { name: 'a service that never answers → 500 once the time limit passes', method: 'GET', path: '/hangs', status: 500,
    expectBody: errorBody(500, 'Internal Server Error', 'plugin hangs did not complete within 300 ms') },
  { name: 'setStatusCode with garbage → 500', method: 'GET', path: '/bad-status', status: 500, expectBody: INTERNAL },
  { name: 'setContent with a cycle → 500', method: 'GET', path: '/bad-content', status: 500, expectBody: INTERNAL },
  { name: 'a value returned by handle is ignored (handle answers through res) → 200, no body', method: 'GET', path: '/returns', status: 200, expectBody: '' },
  { name: 'the server still serves', method: 'GET', path: '/ping', status: 200 },
  { name: 'resolve returning a non-boolean → 500', method: 'GET', path: '/args?bad=1', status: 500, expectBody: INTERNAL },
  { name: 'pluginArgs (its configuration section), LOGGER and mclient', method: 'GET', path: '/args', status: 200,
    expectBody: { args: { greeting: 'hi', n: 2 }, logger: 'function', client: 'function' } },

  { name: 'request accessors', method: 'POST', path: '/echo?a=1&a=2&b=x', headers: { 'X-Test': 't', 'Content-Type': 'application/json' }, body: { k: 'v' }, status: 200,
    expectHeaders: { 'x-echo': 'yes' },
    check: (r) => {
      const { url, ...b } = r.json();
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/echo$/);
      assert.deepEqual(b, { method: 'POST', path: '/echo', q: { a: ['1', '2'], b: ['x'] }, header: 't', content: '{"k":"v"}', json: { k: 'v' },
        account: 'admin', admin: true, handledBy: true, type: null });
    } },
  { name: 'a request interceptor rewrites the body and a header of a plugin service\'s request', method: 'PUT', path: '/echo', body: { k: 1 }, status: 200,
    check: (r) => { assert.equal(r.json().content, '{"rewritten":{"k":1}}'); assert.equal(r.json().header, 'set-by-interceptor'); } },
  { name: 'anonymous: no account', method: 'GET', path: '/echo', headers: { Authorization: '' }, status: 200, expectBodyPartial: { account: null, admin: false } },
  { name: 'a TypeScript service with secured: true, anonymous → 401', method: 'GET', path: '/secured-ts', headers: { Authorization: '' }, status: 401 },
  { name: 'a TypeScript service with secured: true, admin → 200', method: 'GET', path: '/secured-ts', status: 200,
    expectHeaders: { 'content-type': 'text/plain; charset=utf-8' }, check: (r) => assert.equal(r.text, 'hi admin') },
  { name: 'bytes, a status and headers (put, add)', method: 'GET', path: '/bytes', status: 202,
    expectHeaders: { 'content-type': 'application/octet-stream', 'x-kind': 'bytes, raw', 'content-length': '3' } },

  { name: 'PUT /guarded', method: 'PUT', path: '/guarded', status: 201 },
  { name: 'an interceptor that throws before the write → 500', method: 'POST', path: '/guarded', body: { _id: 'g1', boom: true }, status: 500, expectBody: INTERNAL },
  { name: '… and nothing was written', method: 'GET', path: '/guarded', status: 200, expectBody: [] },
  { name: 'the same interceptor lets a good document through', method: 'POST', path: '/guarded', body: { _id: 'g2' }, status: 201 },
  { name: 'a request-point interceptor that sets content answers: the service and security are skipped', method: 'GET', path: '/cached/5f0c3e1b9d3e2a0001a1b2c3',
    headers: { Authorization: '' }, status: 203, expectHeaders: { 'x-from': 'interceptor' }, expectBody: { cached: true, id: { $oid: '5f0c3e1b9d3e2a0001a1b2c3' } } },
  { name: 'a header set at a request point without answering goes on the MongoDB API\'s response', method: 'GET', path: '/guarded?tag=t1', status: 200,
    expectHeaders: { 'x-tag': 't1' } },
  { name: '… and on a plugin service\'s response', method: 'GET', path: '/echo?tag=t2', status: 200, expectHeaders: { 'x-tag': 't2', 'x-echo': 'yes' } },
];

describe('plugins that misbehave, and the request/response API', () => {
  let plugins: PluginsDir;
  let srv: TestServer;
  before(async () => {
    plugins = pluginsDir(FILES);
    srv = await startServer({ rho: [plugins.rho, CONFIG].join(';') });
  });
  after(async () => {
    await srv?.close();
    plugins.remove();
  });
  for (const s of SCENARIOS) test(s.name, () => checkScenario(srv, s).then(() => undefined));

  test('RESPONSE_ASYNC runs after the response is sent, cannot delay it, cannot change it', async () => {
    const seen = new Promise<AsyncEvent>((r) => { asyncWaiter = r; });
    // the interceptor waits for this release: the response arriving first shows it did not wait
    const r = await call(srv, 'GET', '/echo?async=1');
    assert.equal(r.status, 200);
    assert.equal(asyncEvents.length, 0);
    releaseAsync!();
    const e = await seen;
    assert.equal(e.status, 200);
    assert.equal((e.content as { path: string }).path, '/echo');
    assert.match(e.changeRefused, /RESPONSE_ASYNC .* cannot change it/);
  });
});
