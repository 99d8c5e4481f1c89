// An index build killed mid-way (kill -9) leaves no half index: the build registered its index as
// being built, and a restart drops builds whose process is gone (src/engine/embedded/index-build.ts).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { ADMIN, spawnServer } from '../helpers/server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'docrest-index-kill-'));
const N = 40_000;
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

const enc = encodeURIComponent;

async function req(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: () => any }> {
  const headers: Record<string, string> = { Authorization: ADMIN };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(base + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: () => JSON.parse(text) };
}

test('an index build killed mid-way leaves the collection queryable and no half index', async () => {
  let srv = await spawnServer({ dataDir });
  children.add(srv.child);
  assert.equal((await req(srv.url, 'PUT', '/k')).status, 201);
  for (let b = 0; b < N; b += 5000) {
    const docs = Array.from({ length: 5000 }, (_, j) => ({ _id: b + j, n: (b + j) % 1000, s: 'x'.repeat(150) }));
    assert.equal((await req(srv.url, 'POST', '/k', docs)).status, 200);
  }
  let answered = false;
  const put = req(srv.url, 'PUT', '/k/_indexes/ix', { keys: { n: 1 } }).then((r) => {
    answered = true;
    return r.status;
  }, () => 'killed' as const);
  // pings answered one after another while the PUT is unanswered: the build's slices are running
  for (let i = 0; i < 20; i++) assert.equal((await fetch(`${srv.url}/ping`)).status, 200);
  assert.ok(!answered, 'the build was still running when the server was killed');
  srv.child.kill('SIGKILL');
  await new Promise((r) => srv.child.once('exit', r));
  assert.equal(await put, 'killed');

  srv = await spawnServer({ dataDir });
  children.add(srv.child);
  assert.deepEqual((await req(srv.url, 'GET', '/k/_indexes')).json().map((i: { _id: string }) => i._id), ['_id_']);
  assert.equal((await req(srv.url, 'GET', `/k?filter=${enc('{"n":7}')}&hint=ix`)).status, 400, 'no half index answers a hint');
  const seven = await req(srv.url, 'GET', `/k?filter=${enc('{"n":7}')}&pagesize=1000`);
  assert.equal(seven.status, 200);
  assert.equal(seven.json().length, N / 1000);
  // the name is free again: another index of that name is built, and answers
  assert.equal((await req(srv.url, 'PUT', '/k/_indexes/ix', { keys: { n: -1 } })).status, 201);
  const hinted = await req(srv.url, 'GET', `/k?filter=${enc('{"n":7}')}&hint=ix&pagesize=1000`);
  assert.equal(hinted.status, 200);
  assert.equal(hinted.json().length, N / 1000);
});
