// README's "Client" example, as printed there, runs against a real server (its import pointed at
// src/client, its URL at the test server) and leaves what it says in the database.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { createClient } from '../../src/client/index.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
const start = readme.indexOf('\n## Client\n');
const section = readme.slice(start, readme.indexOf('\n## ', start + 5));
const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];

let srv: TestServer;
let dir: string;
before(async () => {
  srv = await startServer({ rho: '/mongo/mongo-mounts->[{"what":"*","where":"/"}]' });
  dir = mkdtempSync(join(tmpdir(), 'docrest-client-readme-'));
});
after(async () => {
  await srv.close();
  rmSync(dir, { recursive: true, force: true });
});

test("README's client example runs as printed", async () => {
  assert.ok(example, 'the Client section has a ts example');
  const file = join(dir, 'example.ts');
  const client = pathToFileURL(new URL('../../src/client/index.ts', import.meta.url).pathname).href;
  writeFileSync(file, `${example.replace("'docrest/client'", `'${client}'`).replace("'http://localhost:8080'", `'${srv.url}'`)}\nexport {};\n`);
  await import(pathToFileURL(file).href);
  const items = createClient({ url: srv.url, auth: { username: 'admin', password: 'secret' } }).db('shop').collection('items');
  assert.deepEqual((await items.find({ sort: 'name', keys: { _id: 0, name: 1, qty: 1 } })), [{ name: 'lamp', qty: 10 }, { name: 'table', qty: 1 }]);
});
