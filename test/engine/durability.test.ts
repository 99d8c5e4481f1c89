// An acknowledged write survives kill -9: inserts run concurrently against a server in a child
// process, the process is SIGKILLed while writes are still in flight, and after a restart on the
// same data directory every insert that got its 201 is there.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';

const root = new URL('../../', import.meta.url).pathname;
const dataDir = mkdtempSync(join(tmpdir(), 'docrest-kill-'));
const AUTH = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

async function launch(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, [join(root, 'src/cli.ts'), '--port', String(port), '--data-dir', dataDir], {
    env: { ...process.env, RHO: '/http-listener/host->"127.0.0.1";/logging/log-level->"WARN"' },
    stdio: 'ignore',
  });
  children.add(child);
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/ping`)).ok) return child;
    } catch { /* not listening yet */ }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('server did not start');
}

test('acknowledged inserts survive kill -9', async () => {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let child = await launch(port);
  assert.equal((await fetch(`${base}/durable`, { method: 'PUT', headers: AUTH })).status, 201);
  const acked: string[] = [];
  let inFlight = 0;
  const insert = async (i: number) => {
    inFlight++;
    try {
      const r = await fetch(`${base}/durable`, {
        method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify({ _id: `d${i}`, n: i }),
      });
      if (r.status === 201) acked.push(`d${i}`);
    } catch { /* killed mid-request: not acknowledged */ } finally {
      inFlight--;
    }
  };
  const writers = Array.from({ length: 2000 }, (_, i) => insert(i));
  while (acked.length < 300) await new Promise((r) => setTimeout(r, 2));
  assert.ok(inFlight > 0, 'the kill must happen while writes are in flight');
  child.kill('SIGKILL');
  await Promise.all(writers);
  const ackedAtKill = [...acked];
  child = await launch(port);
  try {
    const r = await fetch(`${base}/durable?pagesize=1000&keys={"_id":1}&page=1`, { headers: AUTH });
    const text = await r.text();
    assert.equal(r.status, 200, text);
    const ids = new Set<string>(JSON.parse(text).map((d: { _id: string }) => d._id));
    for (let p = 2; ids.size === 1000 * (p - 1); p++) {
      const more = await (await fetch(`${base}/durable?pagesize=1000&keys={"_id":1}&page=${p}`, { headers: AUTH })).json();
      for (const d of more) ids.add(d._id);
    }
    const lost = ackedAtKill.filter((id) => !ids.has(id));
    assert.deepEqual(lost, [], `${lost.length} of ${ackedAtKill.length} acknowledged inserts lost`);
    assert.ok(ids.size >= ackedAtKill.length);
  } finally {
    child.kill('SIGKILL');
  }
});
