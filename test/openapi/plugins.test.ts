// A JavaScript plugin service (core.plugins-directory) declares its operations in
// `options.openapi`: GET /_openapi.json lists them (a secured one only for callers its ACL allows),
// and a malformed declaration stops the start with the plugin named.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startServer, type TestServer } from '../helpers/server.ts';
import { manifest, pluginsDir, type PluginsDir } from '../plugins/support.ts';
import { READER, basic, seedShop, ALL_DBS } from './shop.ts';

const service = (name: string, uri: string, secured: boolean, openapi: string) => `
export const options = { name: '${name}', uri: '${uri}', secured: ${secured}, matchPolicy: 'EXACT', openapi: ${openapi} };
export function handle(req, res) { res.setContent(JSON.stringify({ hello: 'world' })); res.setContentTypeAsJson(); }
`;

const DESCRIBED = `{
  tag: 'greetings',
  schemas: { Hello: { type: 'object', required: ['hello'], properties: { hello: { type: 'string' } } } },
  paths: { '/hello': { get: { operationId: 'hello', summary: 'a greeting', responses: { 200: { description: 'ok', content: { 'application/json': { schema: { $ref: '#/components/schemas/Hello' } } } } } } } },
}`;
const SECURED = `{ paths: { '/admin-only': { post: { operationId: 'adminOnly', responses: { 204: { description: 'done' } } } } } }`;

let plugins: PluginsDir;
let srv: TestServer;
before(async () => {
  plugins = pluginsDir({
    p: {
      'package.json': manifest(['hello.mjs', 'admin.mjs']),
      'hello.mjs': service('hello', '/hello', false, DESCRIBED),
      'admin.mjs': service('adminOnly', '/admin-only', true, SECURED),
    },
  });
  srv = await startServer({ rho: `${ALL_DBS};${plugins.rho}` });
  await seedShop(srv);
});
after(async () => {
  await srv.close();
  plugins.remove();
});

const openapi = async (auth?: string) => (await fetch(`${srv.url}/_openapi.json`, { headers: auth ? { Authorization: auth } : {} })).json() as Promise<any>;

test('a plugin service is listed with the operations and schemas it declares', async () => {
  const doc = await openapi(basic('admin', 'secret'));
  assert.equal((await new Validator().validate(doc)).valid, true);
  assert.equal(doc.paths['/hello'].get.operationId, 'hello');
  assert.deepEqual(doc.paths['/hello'].get.tags, ['greetings']);
  assert.deepEqual(doc.components.schemas.Hello.required, ['hello']);
  assert.equal(doc.paths['/admin-only'].post.operationId, 'adminOnly');
});

test("a secured plugin's operations only for callers its ACL allows", async () => {
  for (const auth of [READER, undefined]) {
    const doc = await openapi(auth);
    assert.ok(doc.paths['/hello']);
    assert.equal(doc.paths['/admin-only'], undefined);
  }
});

test('a malformed openapi declaration stops the start, naming the plugin', async () => {
  const bad = pluginsDir({ p: { 'package.json': manifest(['bad.mjs']), 'bad.mjs': service('bad', '/bad', false, "{ paths: 'nope' }") } });
  try {
    await assert.rejects(startServer({ rho: bad.rho }), /bad\.mjs.*options\.openapi must be an object with paths/s);
  } finally {
    bad.remove();
  }
});
