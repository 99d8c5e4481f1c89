// The wire shim's two modes, as the driver sees them: a standalone server (no transactions, no
// change streams: what API.md §11 and §12 answer 502 for) and the one primary of a replica set,
// reached through the set's name or a direct connection.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { MongoEngine } from '../../../src/engine/mongodb/engine.ts';
import { EngineError } from '../../../src/errors.ts';
import { WireShim } from './shim.ts';

async function running(opts: { replicaSet?: string }, query: string) {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-shim-'));
  const shim = new WireShim(dir, opts);
  const port = await shim.listen();
  const engine = await MongoEngine.connect(`mongodb://127.0.0.1:${port}/${query}`);
  return {
    port, shim, engine,
    close: async () => {
      await engine.close();
      await shim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('wire shim: standalone and replica set', () => {
  const open: Array<() => Promise<void>> = [];
  after(async () => {
    for (const close of open) await close();
  });

  test('standalone: no transactions, and $changeStream is refused with 40573 as a standalone mongod does', async () => {
    const r = await running({}, '');
    open.push(r.close);
    assert.equal(await r.engine.supportsTransactions(), false);
    const stream = r.engine.db('s').collection('c').watch();
    const failed = await new Promise<unknown>((resolve) => stream.on('error', resolve).on('init', () => resolve(undefined)));
    assert.ok(failed instanceof EngineError);
    assert.equal(failed.code, 40573);
    assert.match(failed.message, /\$changeStream/);
    const hello = await r.engine.client.db('admin').command({ hello: 1 });
    assert.equal(hello.setName, undefined);
  });

  test('replica set: hello names the set, and the primary is the server itself', async () => {
    const r = await running({ replicaSet: 'rs0' }, '?replicaSet=rs0');
    open.push(r.close);
    const hello = await r.engine.client.db('admin').command({ hello: 1 });
    const me = `127.0.0.1:${r.port}`;
    assert.deepEqual([hello.setName, hello.isWritablePrimary, hello.primary, hello.me, hello.hosts], ['rs0', true, me, me, [me]]);
    assert.equal(await r.engine.supportsTransactions(), true);
  });

  test('replica set: a command mongod refuses in a transaction answers 263 and aborts it', async () => {
    const r = await running({ replicaSet: 'rs0' }, '?replicaSet=rs0');
    open.push(r.close);
    const c = r.engine.client.db('d').collection('c');
    const session = r.engine.client.startSession();
    session.startTransaction();
    await c.insertOne({ _id: 1 } as never, { session });
    await assert.rejects(c.estimatedDocumentCount({ session }), { code: 263, codeName: 'OperationNotSupportedInTransaction' });
    await assert.rejects(session.commitTransaction(), { code: 251 });
    await session.endSession();
    assert.equal(await c.countDocuments({}), 0);
  });

  test('replica set through directConnection=true: transactions run', async () => {
    const r = await running({ replicaSet: 'rs0' }, '?directConnection=true');
    open.push(r.close);
    assert.equal(await r.engine.supportsTransactions(), true);
    const c = r.engine.db('d').collection('c');
    const s = r.engine.startSession();
    const n = (await s.startTransaction())!;
    await c.insertOne({ _id: 1 }, { session: r.engine.session(s.id, n) });
    assert.deepEqual(await c.find({}), []);
    await s.commitTransaction(n);
    assert.deepEqual((await c.find({})).map((d) => Number(d._id)), [1]);
  });
});
