// An acknowledged write survives kill -9: inserts run concurrently against a server in a child
// process, the process is SIGKILLed while writes are still in flight, and after a restart on the
// same data directory every insert that got its 201 is there.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { spawnServer } from '../helpers/server.ts';

const dataDir = mkdtempSync(join(tmpdir(), 'docrest-kill-'));
const AUTH = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
const WRITERS = 16;
const children = new Set<ChildProcess>();
after(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function launch(port?: number): Promise<{ base: string; child: ChildProcess }> {
  const srv = await spawnServer({ dataDir, port });
  children.add(srv.child);
  return { base: srv.url, child: srv.child };
}

test('acknowledged inserts survive kill -9', async () => {
  let { base, child } = await launch();
  assert.equal((await fetch(`${base}/durable`, { method: 'PUT', headers: AUTH })).status, 201);
  const acked: string[] = [];
  let inFlight = 0;
  let killed = false;
  let next = 0;
  // Each writer sends its next insert as soon as the previous one is answered, until the kill: the
  // kill always finds WRITERS inserts in flight (a fixed batch could all be answered before it).
  const writer = async () => {
    while (!killed) {
      const id = `d${next++}`;
      inFlight++;
      try {
        const r = await fetch(`${base}/durable`, {
          method: 'POST', headers: { ...AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify({ _id: id }),
        });
        await r.arrayBuffer();
        if (r.status === 201) acked.push(id);
      } catch { /* killed mid-request: not acknowledged */ } finally {
        inFlight--;
      }
    }
  };
  const writers = Array.from({ length: WRITERS }, writer);
  while (acked.length < 300) await new Promise((r) => setTimeout(r, 2));
  assert.equal(inFlight, WRITERS, 'the kill must happen while writes are in flight');
  killed = true;
  child.kill('SIGKILL');
  await Promise.all(writers);
  const ackedAtKill = [...acked];
  ({ child } = await launch(Number(new URL(base).port)));
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
