// The MongoDB engine's change streams when the connection to the server is lost, with the wire
// shim (../wire/shim.ts) as a one-member replica set: the driver resumes the stream from the
// token of its last event once the server is back, and the stream goes on without a gap or a
// repeated event — the engine's stream neither fails nor closes.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { MongoEngine } from '../../../src/engine/mongodb/engine.ts';
import type { Document } from '../../../src/engine/values.ts';
import { WireShim } from '../wire/shim.ts';

describe('MongoDB engine: a change stream across a lost connection', () => {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-mongo-watch-'));
  const shim = new WireShim(dir, { replicaSet: 'rs0' });
  let port: number;
  let engine: MongoEngine;
  before(async () => {
    port = await shim.listen();
    engine = await MongoEngine.connect(`mongodb://127.0.0.1:${port}/?replicaSet=rs0&heartbeatFrequencyMS=500&serverSelectionTimeoutMS=10000`);
  });
  after(async () => {
    await engine?.close();
    await shim.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the driver resumes after the last event once the server is back', async () => {
    const c = engine.db('w').collection('c');
    const stream = c.watch();
    const events: Document[] = [];
    const waiters: Array<() => void> = [];
    let failure: Error | undefined;
    stream.on('change', (e) => {
      events.push(e);
      waiters.shift()?.();
    });
    stream.on('error', (e) => (failure = e));
    const nth = async (n: number) => {
      while (events.length < n) await new Promise<void>((r) => waiters.push(r));
      return Number((events[n - 1]!.documentKey as Document)._id);
    };
    await new Promise<void>((resolve, reject) => stream.on('init', resolve).on('error', reject));
    await c.insertOne({ _id: 1 });
    assert.equal(await nth(1), 1);
    // the stream's getMore is waiting on the server when it goes away
    await shim.stop();
    await shim.listen(port);
    // the first requests after the restart may still find the pool's dead connections (reconnect.test.ts)
    const until = Date.now() + 10_000;
    while (!(await engine.ping().then(() => true, () => false))) assert.ok(Date.now() < until, 'the server is not reachable again');
    await c.insertOne({ _id: 2 });
    await c.insertOne({ _id: 3 });
    assert.equal(await nth(2), 2);
    assert.equal(await nth(3), 3);
    assert.deepEqual(events.map((e) => e.operationType), ['insert', 'insert', 'insert']);
    assert.equal(failure, undefined);
    assert.equal(stream.closed, false);
    await stream.close();
  });
});
