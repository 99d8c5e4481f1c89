// GET /_openapi.json against a real server, on both engines: the document validates as OpenAPI 3.1,
// lists what exists and what the caller's ACL allows, turns a collection's jsonSchema into its
// document type, and lists plugin services by what they declare.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { WireShim } from '../engine/wire/shim.ts';
import { call, startServer, type TestServer } from '../helpers/server.ts';
import { ALL_DBS, PLUGINS, READER, basic, seedShop } from './shop.ts';


async function openapi(srv: TestServer, auth?: string): Promise<any> {
  const r = await fetch(`${srv.url}/_openapi.json`, { headers: auth ? { Authorization: auth } : {} });
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^application\/json/);
  return r.json();
}

const ops = (doc: any, path: string) => Object.keys(doc.paths[path] ?? {}).filter((k) => ['get', 'put', 'post', 'patch', 'delete'].includes(k)).sort();

interface Case {
  name: string;
  auth?: string;
  check: (doc: any) => void;
}

const CASES: Case[] = [
  {
    name: 'admin: every collection that exists, with its operations',
    auth: basic('admin', 'secret'),
    check: (doc) => {
      assert.deepEqual(ops(doc, '/shop/items'), ['delete', 'get', 'patch', 'post', 'put']);
      assert.deepEqual(ops(doc, '/shop/items/{id}'), ['delete', 'get', 'patch', 'put']);
      assert.deepEqual(ops(doc, '/shop/items/*'), ['delete', 'patch']);
      assert.deepEqual(ops(doc, '/shop/items/_aggrs/by-tag'), ['get']);
      assert.ok(doc.paths['/shop/items/_streams/changes'].get.responses[200].content['text/event-stream']);
      assert.deepEqual(ops(doc, '/shop/_schemas/{id}'), ['delete', 'get', 'put']);
      assert.deepEqual(ops(doc, '/_sessions/{sid}/_txns/{txn}'), ['delete', 'patch']);
      assert.ok(doc.paths['/'], 'the root lists databases');
      assert.equal(doc.paths['/shop/_properties'], undefined, 'metadata collections are not listed');
      const params = doc.paths['/shop/items'].get.parameters.map((p: any) => p.$ref.split('/').pop());
      for (const p of ['filter', 'keys', 'sort', 'hint', 'page', 'pagesize', 'count', 'rep', 'jsonMode', 'sid', 'txn']) assert.ok(params.includes(p), p);
      assert.deepEqual(doc.paths['/shop/items/_aggrs/by-tag'].get.parameters[0], { $ref: '#/components/parameters/avars' });
    },
  },
  {
    name: "a collection's jsonSchema is its document type, draft-04 turned into 2020-12, $refs into components",
    auth: basic('admin', 'secret'),
    check: (doc) => {
      const s = doc.components.schemas;
      assert.deepEqual(s['schema.shop.item'].properties.qty, { type: 'integer', minimum: 0, exclusiveMaximum: 100 });
      assert.equal(s['schema.shop.item'].properties.tag.$ref, '#/components/schemas/schema.shop.item.tag');
      assert.deepEqual(s['schema.shop.item.tag'], { enum: ['new', 'used'] });
      assert.equal(s['schema.shop.item'].definitions, undefined);
      assert.equal(s['schema.shop.item'].properties.maker.$ref, '#/components/schemas/schema.shop.maker');
      assert.equal(s['schema.shop.item'].$schema, undefined);
      assert.deepEqual(s['schema.shop.maker'].properties, { country: { type: 'string' } });
      assert.equal(doc.paths['/shop/items/{id}'].get.responses[200].content['application/json'].schema.$ref, '#/components/schemas/schema.shop.item.document');
      assert.equal(doc.paths['/shop/notes/{id}'].get.responses[200].content['application/json'].schema.$ref, '#/components/schemas/Document');
    },
  },
  {
    name: 'errors, security schemes and built-in services',
    auth: basic('admin', 'secret'),
    check: (doc) => {
      assert.deepEqual(doc.components.schemas.ErrorBody.required, ['http status code', 'http status description', 'message']);
      assert.deepEqual(doc.paths['/shop/items/{id}'].put.responses[409], { $ref: '#/components/responses/Conflict' });
      assert.deepEqual(Object.keys(doc.components.securitySchemes).sort(), ['basicAuth', 'bearerAuth', 'cookieAuth']);
      assert.equal(doc.components.securitySchemes.cookieAuth.name, 'rh_auth');
      for (const p of ['/ping', '/health/db', '/token', '/token/cookie', '/logout', '/roles/{user}', '/_openapi.json']) assert.ok(doc.paths[p], p);
      assert.deepEqual(doc.paths['/ping'].get.security, []);
    },
  },
  {
    name: 'plugins appear with what they declare; an undescribed one by its uri',
    auth: basic('admin', 'secret'),
    check: (doc) => {
      assert.equal(doc.paths['/greet'].get.operationId, 'greet');
      assert.deepEqual(doc.paths['/greet'].get.tags, ['plugins']);
      assert.deepEqual(doc.components.schemas.Greeting.required, ['hello']);
      assert.match(doc.paths['/silent/{path}'].description, /does not describe its operations/);
    },
  },
  {
    name: 'an ACL-limited user sees only what its permissions allow',
    auth: READER,
    check: (doc) => {
      assert.deepEqual(ops(doc, '/shop/notes'), ['get']);
      assert.deepEqual(ops(doc, '/shop/notes/{id}'), ['get']);
      assert.equal(doc.paths['/shop/items'], undefined);
      assert.deepEqual(ops(doc, '/shop/items/_aggrs/by-tag'), ['get']);
      assert.equal(doc.paths['/shop/items/_aggrs/secret'], undefined);
      assert.equal(doc.paths['/shop/items/_streams/changes'], undefined);
      assert.equal(doc.paths['/restheart/users'], undefined);
      assert.equal(doc.paths['/_sessions'], undefined);
      assert.equal(doc.paths['/'], undefined);
      assert.ok(doc.paths['/roles/{user}'], 'an authenticated caller has its roles');
    },
  },
  {
    name: 'anonymous: the unsecured services only',
    check: (doc) => {
      assert.deepEqual(Object.keys(doc.paths).filter((p) => p.startsWith('/shop') || p.startsWith('/restheart')), []);
      assert.ok(doc.paths['/ping'] && doc.paths['/token'] && doc.paths['/greet']);
      assert.equal(doc.paths['/roles/{user}'], undefined);
    },
  },
];

const ENGINES: Array<{ name: string; start: () => Promise<{ srv: TestServer; stop: () => Promise<void> }> }> = [
  { name: 'embedded', start: async () => { const srv = await startServer({ rho: ALL_DBS, services: PLUGINS }); return { srv, stop: () => srv.close() }; } },
  {
    name: 'mongodb engine over the wire',
    start: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'docrest-openapi-wire-'));
      const shim = new WireShim(dir);
      const port = await shim.listen();
      const srv = await startServer({ rho: `${ALL_DBS};/docrest/engine->"mongodb";/mclient/connection-string->"mongodb://127.0.0.1:${port}"`, services: PLUGINS });
      return { srv, stop: async () => { await srv.close(); await shim.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
];

for (const engine of ENGINES) {
  describe(`GET /_openapi.json (${engine.name})`, () => {
    let srv: TestServer;
    let stop: () => Promise<void>;
    before(async () => {
      ({ srv, stop } = await engine.start());
      await seedShop(srv);
    });
    after(async () => stop());

    test('validates as OpenAPI 3.1, for every caller', async () => {
      const validator = new Validator();
      for (const auth of [basic('admin', 'secret'), READER, undefined]) {
        const doc = await openapi(srv, auth);
        assert.equal(doc.openapi, '3.1.0');
        const res = await validator.validate(doc);
        assert.equal(res.valid, true, JSON.stringify(res.errors)?.slice(0, 2000));
      }
    });
    for (const c of CASES) test(c.name, async () => c.check(await openapi(srv, c.auth)));
    test('a method other than GET/HEAD → 405 with the error body', async () => {
      const r = await call(srv, 'POST', '/_openapi.json', { body: {} });
      assert.equal(r.status, 405);
      assert.equal(r.json()['http status code'], 405);
    });
  });
}

describe('GET /_openapi.json with the mounts RESTHeart ships (/restheart at /)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho: '/mongo/mongo-mounts->[{"what":"/restheart","where":"/"},{"what":"/archive/old","where":"/old-stuff"}]' });
    assert.equal((await call(srv, 'PUT', '/items')).status, 201);
    // collections of another database, one of them reached by a mount
    await srv.running.engine.db('archive').createCollection('old');
    await srv.running.engine.db('archive').createCollection('hidden');
  });
  after(async () => srv.close());

  test('collections at the request paths the mounts give them; unmounted ones and the root left out', async () => {
    const doc = await openapi(srv, basic('admin', 'secret'));
    assert.deepEqual(ops(doc, '/items'), ['delete', 'get', 'patch', 'post', 'put']);
    assert.deepEqual(ops(doc, '/old-stuff/{id}'), ['delete', 'get', 'patch', 'put']);
    const paths = Object.keys(doc.paths);
    assert.deepEqual(paths.filter((p) => /restheart|archive|hidden/.test(p)), []);
    assert.equal(doc.paths['/'].get.operationId, 'listCollections_restheart', '/ is the database restheart, not the list of databases');
    assert.equal((await new Validator().validate(doc)).valid, true);
  });
});
