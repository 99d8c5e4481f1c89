// Change streams with two workers on one data directory: node:cluster hands connections to the
// workers in turn, so clients sit on both, and writes arrive through both; every client must get
// every event, in the same (commit) order.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { ADMIN } from '../helpers/server.ts';
import { openWs, sse } from '../helpers/stream-clients.ts';

const cli = new URL('../../src/cli.ts', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'docrest-streams-workers-'));
let child: ChildProcess;
let base: string;

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function send(method: string, path: string, body?: unknown): Promise<number> {
  const r = await fetch(base + path, {
    method, body: body === undefined ? undefined : JSON.stringify(body),
    // a fresh connection per request: the writes come through both workers
    headers: { Authorization: ADMIN, 'Content-Type': 'application/json', Connection: 'close' },
  });
  await r.text();
  return r.status;
}

before(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  child = spawn(process.execPath, [cli, '--port', String(port), '--data-dir', dataDir, '--workers', '2'], {
    env: { ...process.env, RHO: '/http-listener/host->"127.0.0.1";/logging/log-level->"ERROR";/mongo/mongo-mounts->[{"what":"*","where":"/"}]' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  await new Promise<void>((resolve, reject) => {
    let said = '';
    child.stderr!.on('data', (chunk: Buffer) => {
      said += chunk.toString();
      if (said.includes('all 2 workers listening')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`docrest exited (${code}) before its workers listened: ${said}`)));
  });
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
