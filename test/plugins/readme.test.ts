// README's "Writing plugins" example, as printed there: its package.json line, its two modules and
// its configuration, loaded into a real server.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { parse } from 'yaml';
import { call, startServer, type TestServer } from '../helpers/server.ts';
import { pluginsDir, type PluginsDir } from './support.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const section = readme.slice(readme.indexOf('## Writing plugins'), readme.indexOf('\n## ', readme.indexOf('## Writing plugins') + 3));
const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2]! }));

function example(): { files: Record<string, string>; rho: string } {
  const files: Record<string, string> = {};
  let rho = '';
  for (const { lang, code } of blocks) {
    if (lang === 'js') files[/^\/\/ plugins\/shop\/(\S+)/.exec(code)![1]!] = code;
    else if (lang === 'yaml') rho = Object.entries(parse(code) as Record<string, unknown>).map(([k, v]) => `/${k}->${JSON.stringify(v)}`).join(';');
    else files['package.json'] = /^plugins\/shop\/package\.json\s+(\{.*\})$/m.exec(code)![1]!;
  }
  return { files, rho };
}

describe("README's plugin example", () => {
  let plugins: PluginsDir;
  let srv: TestServer;
  before(async () => {
    const { files, rho } = example();
    assert.deepEqual(Object.keys(files).sort(), ['hello.mjs', 'package.json', 'stamp.mjs']);
    plugins = pluginsDir({ shop: files });
    srv = await startServer({ rho: `${plugins.rho};${rho}` });
  });
  after(async () => {
    await srv?.close();
    plugins.remove();
  });

  test('GET /hello greets with the configured default name', async () => {
    const r = await call(srv, 'GET', '/hello');
    assert.equal(r.status, 200);
    assert.deepEqual(r.json(), { msg: 'Hello docrest!' });
  });
  test('POST /hello → 405', async () => assert.equal((await call(srv, 'POST', '/hello')).status, 405));
  test('POST /orders stores createdAt', async () => {
    assert.equal((await call(srv, 'PUT', '/orders')).status, 201);
    assert.equal((await call(srv, 'POST', '/orders', { body: { _id: 1 } })).status, 201);
    assert.equal(typeof (await call(srv, 'GET', '/orders/1?id_type=NUMBER')).json().createdAt.$date, 'number');
  });
});
