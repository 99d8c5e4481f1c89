// Change streams with two workers on one data directory: node:cluster hands connections to the
// workers in turn, so clients sit on both, and writes arrive through both; every client must get
// every event, in the same (commit) order.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN, spawnWorkers } from '../helpers/server.ts';
import { childrenOf } from '../../bench/proc.ts';
import { openWs, sse, type SseStream } from '../helpers/stream-clients.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'docrest-streams-workers-'));
let child: ChildProcess;
let base: string;

async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<number> {
  const r = await fetch(base + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body), signal,
    // a fresh connection per request: the writes come through both workers
    headers: { Authorization: ADMIN, 'Content-Type': 'application/json', Connection: 'close' },
  });
  await r.text();
  return r.status;
}

before(async () => {
  ({ url: base, child } = await spawnWorkers({ dataDir, workers: 2, rho: '/mongo/mongo-mounts->[{"what":"*","where":"/"}]' }));
});

after(() => {
  child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

test('clients on both workers receive the same events, in commit order, whichever worker wrote them', async () => {
  assert.equal(await send('PUT', '/db'), 201);
  assert.equal(await send('PUT', '/db/c', { streams: [{ uri: 'all', stages: [] }] }), 201);
  const wsClients = [];
  const sseClients = [];
  for (let i = 0; i < 3; i++) {
    wsClients.push(await openWs(base, '/db/c/_streams/all'));
    sseClients.push(await sse(base, '/db/c/_streams/all', { Authorization: ADMIN, Connection: 'close' }));
  }
  const n = 20;
  const statuses = await Promise.all(Array.from({ length: n }, (_, i) => send('POST', '/db/c', { _id: i })));
  assert.deepEqual([...new Set(statuses)], [201]);
  const orders: unknown[][] = [];
  for (const c of wsClients) {
    const ids = [];
    for (let i = 0; i < n; i++) ids.push((await c.next()).documentKey._id);
    orders.push(ids);
  }
  const tokens: string[][] = [];
  for (const c of sseClients) {
    const ids = [];
    const t = [];
    for (let i = 0; i < n; i++) {
      const ev = await c.nextChange();
      ids.push(ev.data.documentKey._id);
      t.push(ev.id);
    }
    orders.push(ids);
    tokens.push(t);
  }
  assert.deepEqual([...orders[0]!].sort((a, b) => Number(a) - Number(b)), Array.from({ length: n }, (_, i) => i));
  for (const o of orders) assert.deepEqual(o, orders[0]);
  for (const t of tokens) assert.deepEqual(t, tokens[0]);

  // a client resuming on whichever worker it lands gets what it missed
  sseClients[0]!.close();
  await send('POST', '/db/c', { _id: 'late' });
  const resumed = await sse(base, '/db/c/_streams/all', { Authorization: ADMIN, 'Last-Event-ID': tokens[0]![n - 1]!, Connection: 'close' });
  assert.equal((await resumed.nextChange()).data.documentKey._id, 'late');
  resumed.close();
  for (const c of wsClients) c.close();
  for (const c of sseClients) c.close();
});

test('a worker killed while clients are connected: they reconnect with Last-Event-ID and lose nothing', async () => {
  assert.equal(await send('PUT', '/db/k', { streams: [{ uri: 'all', stages: [] }] }), 201);
  const clients: Array<{ s: SseStream; ids: unknown[]; last?: string }> = [];
  for (let i = 0; i < 4; i++) clients.push({ s: await sse(base, '/db/k/_streams/all', { Authorization: ADMIN, Connection: 'close' }), ids: [] });
  const read = async (c: (typeof clients)[number], upTo: number) => {
    while (c.ids.length < upTo) {
      const ev = await c.s.next();
      if (ev.event !== 'change') continue;
      c.ids.push(JSON.parse(ev.data).documentKey._id);
      c.last = ev.id;
    }
  };
  for (let i = 0; i < 5; i++) assert.equal(await send('POST', '/db/k', { _id: i }), 201);
  for (const c of clients) await read(c, 5);
  const workers = childrenOf(child.pid!);
  assert.equal(workers.length, 2);
  const ended = clients.map((c) => c.s.ended.then(() => true));
  process.kill(workers[0]!, 'SIGKILL');
  // the clients of the dead worker see their connection end; the others stay
  const gone = await Promise.race([Promise.any(ended), new Promise<false>((r) => setTimeout(() => r(false), 30_000))]);
  assert.ok(gone, 'no client was on the killed worker');
  for (let i = 5; i < 10; i++) {
    // a request may reach the dying worker's socket, or a connection the primary handed to it just
    // before it died, which nobody answers (undici would wait 300 s): retried, as a client would
    let status = 0;
    for (let tries = 0; tries < 20 && status !== 201; tries++) status = await send('POST', '/db/k', { _id: i }, AbortSignal.timeout(10_000)).catch(() => 0);
    assert.equal(status, 201);
  }
  for (const [n, c] of clients.entries()) {
    const isGone = await Promise.race([ended[n]!, Promise.resolve(false)]);
    if (isGone) c.s = await sse(base, '/db/k/_streams/all', { Authorization: ADMIN, 'Last-Event-ID': c.last!, Connection: 'close' });
    await read(c, 10);
    assert.deepEqual(c.ids, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    c.s.close();
  }
});
