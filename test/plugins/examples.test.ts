// The example plugins (examples/plugins/docrest-examples) and plugins written against RESTHeart's
// JavaScript plugin API only (fixtures/restheart-style-plugin), loaded from a temp plugins
// directory into a real server and driven over HTTP, on the embedded engine and on the MongoDB
// engine (the driver against docrest's wire server).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { call, checkScenario, errorBody, startServer, type Scenario, type TestServer } from '../helpers/server.ts';
import { EXAMPLES, RESTHEART_STYLE, engines, pluginsDir, type PluginsDir } from './support.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const STAFF = basic('sam', 'spw');
const HR = basic('hana', 'hpw');
const CONFIG = [
  '/hideFieldsByRole->{"fields":{"salary":["hr","admin"]},"collections":["employees"]}',
  '/timestampOnPost->{"collections":["orders"]}',
  '/visits->{"collection":"pagevisits"}',
  '/mongoAclAuthorizer/cache-ttl->0',
].join(';');


async function setup(srv: TestServer): Promise<void> {
  const must = async (method: string, path: string, body?: unknown) => {
    const r = await call(srv, method, path, { body });
    assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${r.text}`);
  };
  await must('POST', '/users', { _id: 'sam', password: 'spw', roles: ['staff'] });
  await must('POST', '/users', { _id: 'hana', password: 'hpw', roles: ['hr', 'staff'] });
  await must('POST', '/acl', { _id: 'staffReads', roles: ['staff'], predicate: "method(GET) and path-prefix('/employees')" });
  await must('PUT', '/employees');
  await must('POST', '/employees', { _id: 'e1', name: 'Ada', salary: 100 });
  await must('POST', '/employees', { _id: 'e2', name: 'Bo', salary: 90 });
}

const SCENARIOS: Scenario[] = [
  // a service, and an interceptor written against RESTHeart's JavaScript plugin API only
  { name: 'GET /hello: the service, its response modified by a RESTHeart-style interceptor', method: 'GET', path: '/hello', status: 200,
    expectBody: { msg: 'Hello World! (signed)', signedBy: 'signInterceptor' }, expectHeaders: { 'content-type': /^application\/json/ } },
  { name: 'GET /hello?name=: query parameters', method: 'GET', path: '/hello?name=docrest', status: 200, expectBodyPartial: { msg: 'Hello docrest! (signed)' } },
  { name: 'GET /hello: CORS headers on a plugin service', method: 'GET', path: '/hello', headers: { Origin: 'http://app.example' }, status: 200,
    expectHeaders: { 'access-control-allow-origin': 'http://app.example' } },
  { name: 'GET /hello anonymously: the service is not secured', method: 'GET', path: '/hello', headers: { Authorization: '' }, status: 200 },
  { name: 'POST /hello: setInError answers RESTHeart\'s error body (the interceptor resolves GETs only)', method: 'POST', path: '/hello', status: 405,
    expectBody: errorBody(405, 'Method Not Allowed', 'method POST not allowed') },
  { name: 'GET /hello/x: an EXACT service leaves other paths to the MongoDB API', method: 'GET', path: '/hello/x', status: 404 },
  { name: 'GET /sub/where: a module in a subfolder of its plugin', method: 'GET', path: '/sub/where', status: 200,
    expectBody: { msg: 'answered by sub/where.mjs' } },
  { name: 'POST /greetTS: a TypeScript service', method: 'POST', path: '/greetTS', body: { name: 'docrest' }, status: 200,
    expectBody: { msg: 'Greetings, docrest' } },
  { name: 'GET /greetTS: no body', method: 'GET', path: '/greetTS', status: 200, expectBody: { msg: 'Greetings, typescript' } },

  // timestamp on POST (a MongoInterceptor at REQUEST_AFTER_AUTH: the body before it is written)
  { name: 'PUT /orders', method: 'PUT', path: '/orders', status: 201 },
  { name: 'POST /orders: a document gets createdAt', method: 'POST', path: '/orders', body: { _id: 'o1', item: 'pen' }, status: 201 },
  { name: 'POST /orders: each document of a bulk POST gets createdAt', method: 'POST', path: '/orders', body: [{ _id: 'o2' }, { _id: 'o3' }], status: 200 },
  { name: 'GET /orders: createdAt is a date, written with the documents', method: 'GET', path: '/orders?sort={"_id":1}', status: 200,
    check: (r) => {
      const docs = r.json() as Array<Record<string, any>>;
      assert.deepEqual(docs.map((d) => d._id), ['o1', 'o2', 'o3']);
      for (const d of docs) assert.ok(Number.isInteger(d.createdAt.$date) && Date.now() - d.createdAt.$date < 600_000, r.text);
    } },
  { name: 'PATCH /orders/o1: not a POST, no new createdAt', method: 'PATCH', path: '/orders/o1', body: { createdAt: 'kept' }, status: 200 },
  { name: 'GET /orders/o1', method: 'GET', path: '/orders/o1', status: 200, expectBodyPartial: { createdAt: 'kept' } },
  { name: 'PUT /other; POST /other: another collection is left alone', method: 'PUT', path: '/other', status: 201 },
  { name: 'POST /other', method: 'POST', path: '/other', body: { _id: 'x' }, status: 201 },
  { name: 'GET /other/x has no createdAt', method: 'GET', path: '/other/x', status: 200, check: (r) => assert.equal(r.json().createdAt, undefined) },

  // a field hidden per role (a MongoInterceptor at RESPONSE: the response after it is rendered)
  { name: 'GET /employees/e1 as staff: salary hidden', method: 'GET', path: '/employees/e1', headers: { Authorization: STAFF }, status: 200,
    check: (r) => { assert.equal(r.json().name, 'Ada'); assert.equal(r.json().salary, undefined); } },
  { name: 'GET /employees as staff: hidden in every document', method: 'GET', path: '/employees', headers: { Authorization: STAFF }, status: 200,
    check: (r) => { assert.equal(r.json().length, 2); for (const d of r.json()) assert.equal(d.salary, undefined); } },
  { name: 'GET /employees?rep=HAL as staff: hidden in _embedded', method: 'GET', path: '/employees?rep=HAL', headers: { Authorization: STAFF }, status: 200,
    check: (r) => { for (const d of r.json()._embedded['rh:doc']) assert.equal(d.salary, undefined); } },
  { name: 'GET /employees/e1 as hr: salary shown', method: 'GET', path: '/employees/e1', headers: { Authorization: HR }, status: 200, expectBodyPartial: { salary: 100 } },
  { name: 'GET /employees/e1 as admin: salary shown', method: 'GET', path: '/employees/e1', status: 200, expectBodyPartial: { salary: 100 } },
  { name: 'GET /employees/e1 as hr after staff: the cached document was not changed by the interceptor', method: 'GET', path: '/employees/e1', headers: { Authorization: HR },
    status: 200, expectBodyPartial: { name: 'Ada', salary: 100 } },

  // a TypeScript service calling the data client
  { name: 'GET /visits anonymously: a secured service asks for credentials', method: 'GET', path: '/visits', headers: { Authorization: '' }, status: 401 },
  { name: 'GET /visits as staff: the ACL decides (no permission) → 403', method: 'GET', path: '/visits', headers: { Authorization: STAFF }, status: 403 },
  { name: 'POST /visits/home', method: 'POST', path: '/visits/home', status: 200, expectBody: { page: 'home', count: 1 } },
  { name: 'POST /visits/home again', method: 'POST', path: '/visits/home', status: 200, expectBody: { page: 'home', count: 2 } },
  { name: 'POST /visits/about', method: 'POST', path: '/visits/about', status: 200, expectBody: { page: 'about', count: 1 } },
  { name: 'GET /visits: find with sort and limit', method: 'GET', path: '/visits?top=5', status: 200, expectBody: [{ page: 'home', count: 2 }, { page: 'about', count: 1 }] },
  { name: 'GET /visits/_total: aggregate', method: 'GET', path: '/visits/_total', status: 200, expectBody: { total: 3 } },
  { name: 'GET /visits?top=x: the plugin\'s own 400', method: 'GET', path: '/visits?top=x', status: 400, expectBody: errorBody(400, 'Bad Request', 'top must be a positive integer') },
  { name: 'GET /pagevisits: what the client wrote is in the configured collection, seen through the MongoDB API', method: 'GET', path: '/pagevisits?sort={"_id":1}', status: 200,
    check: (r) => assert.deepEqual((r.json() as any[]).map((d) => [d._id, d.count]), [['about', 1], ['home', 2]]) },
];

for (const engine of engines()) {
  describe(`example plugins on the ${engine.name}`, () => {
    let plugins: PluginsDir;
    let srv: TestServer;
    before(async () => {
      await engine.start();
      plugins = pluginsDir({}, { 'docrest-examples': EXAMPLES, 'restheart-style-plugin': RESTHEART_STYLE });
      srv = await startServer({ rho: [plugins.rho, CONFIG, engine.rho()].filter(Boolean).join(';') });
      await setup(srv);
    });
    after(async () => {
      await srv?.close();
      plugins.remove();
      await engine.stop();
    });
    for (const s of SCENARIOS) test(s.name, () => checkScenario(srv, s).then(() => undefined));
  });
}

test('the TypeScript example type-checks against docrest/plugin', () => {
  const tsc = new URL('../../node_modules/typescript/bin/tsc', import.meta.url).pathname;
  const project = new URL('../../examples/plugins/tsconfig.json', import.meta.url).pathname;
  const r = spawnSync(process.execPath, [tsc, '-p', project], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
});
