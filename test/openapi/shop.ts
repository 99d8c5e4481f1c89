// The data the OpenAPI tests describe: a database `shop` with a schema store, a collection whose
// documents a stored schema (with a $ref to another) describes, aggregations, and a user `reader`
// whose ACL allows only some of it.
import assert from 'node:assert/strict';
import type { Service } from '../../src/http/service-registry.ts';
import { call, type TestServer } from '../helpers/server.ts';

export const ALL_DBS = '/mongo/mongo-mounts->[{"what":"*","where":"/"}]';
export const basic = (user: string, pw: string) => `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}`;
export const READER = basic('reader', 'pw-reader');

/** A plugin that describes itself, and one that does not. */
export const PLUGINS: Service[] = [
  {
    name: 'greeter', uri: '/greet', matchPolicy: 'EXACT', secured: false,
    handle: () => ({ status: 200, body: { hello: 'world' } }),
    openapi: {
      tag: 'plugins',
      schemas: { Greeting: { type: 'object', required: ['hello'], properties: { hello: { type: 'string' } } } },
      paths: { '/greet': { get: { operationId: 'greet', responses: { 200: { description: 'a greeting', content: { 'application/json': { schema: { $ref: '#/components/schemas/Greeting' } } } } } } } },
    },
  },
  { name: 'silent', uri: '/silent', matchPolicy: 'PREFIX', secured: false, handle: () => ({ status: 204 }) },
];

const ITEM_SCHEMA = {
  _id: 'item', $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', required: ['name'],
  properties: { name: { type: 'string' }, qty: { type: 'integer', minimum: 0, maximum: 100, exclusiveMaximum: true }, tag: { $ref: '#/definitions/tag' }, maker: { $ref: 'http://schema-store/shop/maker#' } },
  definitions: { tag: { enum: ['new', 'used'] } },
};
const MAKER_SCHEMA = { _id: 'maker', $schema: 'http://json-schema.org/draft-04/schema#', type: 'object', properties: { country: { type: 'string' } } };

async function must(srv: TestServer, method: string, path: string, body?: unknown): Promise<void> {
  const r = await call(srv, method, path, { body });
  assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${r.text}`);
}

export async function seedShop(srv: TestServer): Promise<void> {
  await must(srv, 'PUT', '/shop');
  await must(srv, 'PUT', '/shop/_schemas');
  await must(srv, 'POST', '/shop/_schemas', MAKER_SCHEMA);
  await must(srv, 'POST', '/shop/_schemas', ITEM_SCHEMA);
  await must(srv, 'PUT', '/shop/items', {
    jsonSchema: { schemaId: 'item' },
    aggrs: [{ uri: 'by-tag', stages: [{ $match: { tag: { $var: 'tag' } } }] }, { uri: 'secret', stages: [] }],
    streams: [{ uri: 'changes', stages: [] }],
  });
  await must(srv, 'PUT', '/shop/notes');
  await must(srv, 'POST', '/restheart/users', { _id: 'reader', password: 'pw-reader', roles: ['reader'] });
  await must(srv, 'POST', '/restheart/acl', { _id: 'reader-notes', roles: ['reader'], priority: 1, predicate: "path-prefix('/shop/notes') and method(GET)" });
  await must(srv, 'POST', '/restheart/acl', { _id: 'reader-aggr', roles: ['reader'], priority: 1, predicate: "path('/shop/items/_aggrs/by-tag')" });
}
