// docrest/client builds on its own (tsconfig.client.json: DOM and ES2022 only, no Node types, no
// server code) into ES modules that import nothing but each other, and the built module works
// against a real server.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import ts from 'typescript';
import { startServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
let out: string;
before(async () => {
  srv = await startServer({ rho: '/mongo/mongo-mounts->[{"what":"*","where":"/"}]' });
  out = mkdtempSync(join(tmpdir(), 'docrest-client-build-'));
});
after(async () => {
  await srv.close();
  rmSync(out, { recursive: true, force: true });
});

test('the client compiles alone to dependency-free ES modules that run', async () => {
  const config = ts.getParsedCommandLineOfConfigFile('tsconfig.client.json', { outDir: out }, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => assert.fail(String(d.messageText)) });
  assert.ok(config);
  const program = ts.createProgram(config.fileNames, config.options);
  const result = program.emit();
  const diagnostics = [...ts.getPreEmitDiagnostics(program), ...result.diagnostics].map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
  assert.deepEqual(diagnostics, []);
  const files = readdirSync(out);
  assert.ok(files.includes('index.js') && files.includes('index.d.ts'));
  for (const f of files.filter((n) => n.endsWith('.js'))) {
    const specifiers = [...readFileSync(join(out, f), 'utf8').matchAll(/\bfrom\s+["']([^"']+)["']|\bimport\(\s*["']([^"']+)["']/g)].map((m) => m[1] ?? m[2]);
    for (const s of specifiers) assert.match(s!, /^\.\/[\w-]+\.js$/, `${f} imports ${s}`);
  }
  const { createClient, ObjectId } = await import(pathToFileURL(join(out, 'index.js')).href);
  const client = createClient({ url: srv.url, auth: { username: 'admin', password: 'secret' } });
  await client.db('built').create();
  const coll = client.db('built').collection('things');
  await coll.create();
  const id = new ObjectId();
  await coll.insertOne({ _id: id, at: new Date(5), n: 2n ** 62n });
  assert.deepEqual(await coll.findById(id, { keys: { _etag: 0 } }), { _id: id, at: new Date(5), n: 2n ** 62n });
});
