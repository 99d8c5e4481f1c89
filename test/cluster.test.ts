// Several workers on one data directory: concurrent writes from all of them lose nothing, and a
// token issued by one worker is accepted by the others.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { spawnWorkers } from './helpers/server.ts';

const AUTH = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
const dataDir = mkdtempSync(join(tmpdir(), 'docrest-cluster-'));
let child: ChildProcess;
let base: string;

before(async () => {
  ({ url: base, child } = await spawnWorkers({ dataDir, workers: 2 }));
});

after(() => {
  child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('two workers', () => {
  test('concurrent inserts from both workers are all stored', async () => {
    assert.equal((await fetch(`${base}/shared`, { method: 'PUT', headers: AUTH })).status, 201);
    // a fresh connection per request: node:cluster hands connections to the workers in turn
    const statuses = await Promise.all(Array.from({ length: 600 }, async (_, i) => {
      const r = await fetch(`${base}/shared`, {
        method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/json', Connection: 'close' }, body: JSON.stringify({ n: i }),
      });
      return r.status;
    }));
    assert.deepEqual([...new Set(statuses)], [201]);
    const size = await (await fetch(`${base}/shared/_size`, { headers: AUTH })).json();
    assert.deepEqual(size, { _size: 600 });
  });

  test('a document written through one worker is read back through the other', async () => {
    for (let i = 0; i < 20; i++) {
      const put = await fetch(`${base}/shared/rw${i}?wm=upsert`, {
        method: 'PUT', headers: { ...AUTH, 'Content-Type': 'application/json', Connection: 'close' }, body: JSON.stringify({ v: i }),
      });
      assert.equal(put.status, 201);
      const get = await fetch(`${base}/shared/rw${i}`, { headers: { ...AUTH, Connection: 'close' } });
      assert.equal(get.status, 200);
      assert.equal((await get.json()).v, i);
    }
  });

  test('a schema changed through one worker is enforced by every worker', async () => {
    const send = (method: string, path: string, body?: unknown) => fetch(`${base}${path}`, {
      method, headers: { ...AUTH, 'Content-Type': 'application/json', Connection: 'close' }, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const posts = async () => Promise.all(Array.from({ length: 6 }, async () => (await send('POST', '/validated', { a: 1 })).status));
    for (const [m, p, body] of [['PUT', '/_schemas'], ['PUT', '/_schemas/s?wm=upsert', { type: 'object' }], ['PUT', '/validated', { jsonSchema: { schemaId: 's' } }]] as const) {
      assert.ok((await send(m, p, body)).status < 300, `${m} ${p}`);
    }
    // every worker compiles the first version...
    assert.deepEqual(await posts(), Array(6).fill(201));
    assert.equal((await send('PUT', '/_schemas/s', { type: 'object', required: ['b'] })).status, 200);
    // ...and sees the second one, whichever worker wrote it
    assert.deepEqual(await posts(), Array(6).fill(400));
  });

  test('a token issued by one worker is accepted by every worker', async () => {
    const t = await fetch(`${base}/token`, { method: 'POST', headers: { ...AUTH, Connection: 'close' } });
    assert.equal(t.status, 200);
    const token = t.headers.get('Auth-Token')!;
    for (let i = 0; i < 10; i++) {
      const r = await fetch(`${base}/shared/_size`, { headers: { Authorization: `Bearer ${token}`, Connection: 'close' } });
      assert.equal(r.status, 200);
    }
  });
});
