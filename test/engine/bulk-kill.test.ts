// A bulk write killed mid-way (kill -9) leaves a prefix of it applied, never part of a document:
// each slice of a bulk is its own durable SQLite transaction (src/engine/embedded/bulk-slices.ts).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnServer } from '../helpers/server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'docrest-bulk-kill-'));
const AUTH = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
const N = 20_000;
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const idOf = (i: number) => `b${String(i).padStart(5, '0')}`;
const filler = 'x'.repeat(300);

async function size(base: string, filter?: object): Promise<number> {
  const r = await fetch(`${base}/bulk/_size${filter ? `?filter=${encodeURIComponent(JSON.stringify(filter))}` : ''}`, { headers: AUTH });
  assert.equal(r.status, 200);
  return ((await r.json()) as { _size: number })._size;
}

test('a bulk POST killed mid-way leaves whole documents, a prefix of the bulk', async () => {
  let srv = await spawnServer({ dataDir });
  children.add(srv.child);
  assert.equal((await fetch(`${srv.url}/bulk`, { method: 'PUT', headers: AUTH })).status, 201);
  const docs = Array.from({ length: N }, (_, i) => ({ _id: idOf(i), i, s: filler }));
  const bulk = fetch(`${srv.url}/bulk`, { method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify(docs) })
    .then(async (r) => r.status, () => 'killed' as const);
  // a read answers only once what it shows is on disk: once it shows part of the bulk, kill
  let seen = 0;
  while (seen === 0) seen = await size(srv.url);
  assert.ok(seen < N, `the bulk was still running when part of it was visible (${seen})`);
  srv.child.kill('SIGKILL');
  await new Promise((r) => srv.child.once('exit', r));
  assert.equal(await bulk, 'killed');

  srv = await spawnServer({ dataDir });
  children.add(srv.child);
  const n = await size(srv.url);
  assert.ok(n >= seen && n < N, `after the restart ${n} documents (${seen} were visible before the kill)`);
  assert.equal(await size(srv.url, { _id: { $lt: idOf(n) } }), n, 'the documents stored are the first ones of the bulk');
  assert.equal(await size(srv.url, { s: filler, i: { $lt: n } }), n, 'every stored document is whole');
});
