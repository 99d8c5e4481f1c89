// docrest/client against a real server, on both engines (embedded; the MongoDB engine through the
// driver against docrest's wire server): CRUD with exact Extended JSON, queries, ETags, typed
// errors with RESTHeart's error body, aggregations, file buckets, authentication, sessions.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import {
  BadRequestError, Binary, BulkWriteError, ConflictError, Decimal128, DocrestError, Double, ForbiddenError, ObjectId,
  PreconditionFailedError, Timestamp, UnauthorizedError, createClient, type DocrestClient,
} from '../../src/client/index.ts';
import { WireShim } from '../engine/wire/shim.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

const ALL_DBS = '/mongo/mongo-mounts->[{"what":"*","where":"/"}]';

interface Item {
  _id?: unknown;
  _etag?: ObjectId;
  name: string;
  qty: number;
  [k: string]: unknown;
}

interface Engine {
  name: string;
  transactions: boolean;
  start: () => Promise<{ srv: TestServer; stop: () => Promise<void> }>;
}

const ENGINES: Engine[] = [
  { name: 'embedded', transactions: true, start: async () => { const srv = await startServer({ rho: ALL_DBS }); return { srv, stop: () => srv.close() }; } },
  {
    name: 'mongodb engine over the wire',
    transactions: false,
    start: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'docrest-client-wire-'));
      const shim = new WireShim(dir);
      const port = await shim.listen();
      const srv = await startServer({ rho: `${ALL_DBS};/docrest/engine->"mongodb";/mclient/connection-string->"mongodb://127.0.0.1:${port}"` });
      return { srv, stop: async () => { await srv.close(); await shim.close(); rmSync(dir, { recursive: true, force: true }); } };
    },
  },
];

/** Rejects with an error of `type` whose status (and message, when given) are as expected. */
async function rejectsWith(p: Promise<unknown>, type: new (...a: never[]) => DocrestError, status: number, message?: RegExp): Promise<DocrestError> {
  const e = await p.then(() => assert.fail('expected a rejection'), (x: unknown) => x);
  assert.ok(e instanceof type, `expected ${type.name}, got ${(e as Error)?.constructor?.name}: ${(e as Error)?.message}`);
  assert.equal((e as DocrestError).status, status);
  if (message) {
    assert.match((e as DocrestError).message, message);
    assert.equal((e as DocrestError).body?.['http status code'], status);
  }
  return e as DocrestError;
}

for (const engine of ENGINES) {
  describe(`docrest/client (${engine.name})`, () => {
    let srv: TestServer;
    let stop: () => Promise<void>;
    let client: DocrestClient;
    before(async () => {
      ({ srv, stop } = await engine.start());
      client = createClient({ url: srv.url, auth: { username: 'admin', password: 'secret' } });
      await client.db('shop').create();
      await client.db('shop').collection('items').create({ aggrs: [{ uri: 'by-min-qty', stages: [{ $match: { qty: { $gte: { $var: 'min' } } } }, { $sort: { qty: 1 } }] }] });
    });
    after(async () => stop());

    test('Extended JSON round trip: ObjectId, Date, Int64, Decimal128, Double, Binary, Timestamp kept exact', async () => {
      const items = client.db('shop').collection('exact');
      await items.create();
      const doc = {
        _id: new ObjectId(), when: new Date('2026-12-05T10:00:00.123Z'), big: 2n ** 60n + 1n, price: new Decimal128('12.345678901234567890'),
        ratio: new Double(2), small: 7, ref: new ObjectId(), bytes: new Binary(new Uint8Array([0, 1, 254, 255]), 0), ts: new Timestamp(1700000000, 3),
        nested: { list: [1, 'a', null, new Date(0)] }, text: 'ünïcode ✓',
      };
      const { insertedId, etag } = await items.insertOne(doc);
      assert.ok(insertedId instanceof ObjectId && insertedId.equals(doc._id));
      assert.match(etag ?? '', /^[0-9a-f]{24}$/);
      const back = await items.findById(doc._id);
      assert.ok(back);
      assert.deepEqual({ ...back, _etag: undefined }, { ...doc, ratio: 2, _etag: undefined });
      assert.equal(typeof back.big, 'bigint');
      assert.ok(back._etag instanceof ObjectId && back._etag.hex === etag);
      const found = await items.find({ filter: { big: 2n ** 60n + 1n, when: { $gte: new Date('2026-01-01') }, price: new Decimal128('12.345678901234567890') } });
      assert.equal(found.length, 1);
    });

    test('insertOne answers the id the server made; insertMany the ids and the shared ETag', async () => {
      const items = client.db('shop').collection<Item>('items');
      const one = await items.insertOne({ name: 'chair', qty: 4 });
      assert.ok(one.insertedId instanceof ObjectId);
      const many = await items.insertMany([{ _id: 'table', name: 'table', qty: 1 }, { _id: 7, name: 'lamp', qty: 10 }, { name: 'rug', qty: 2 }]);
      assert.equal(many.insertedCount, 3);
      assert.deepEqual(many.insertedIds.slice(0, 2), ['table', 7]);
      assert.ok(many.insertedIds[2] instanceof ObjectId);
      assert.equal((await items.findById(7))?.name, 'lamp');
      assert.equal((await items.findById('table'))?.qty, 1);
      assert.equal(await items.findById('missing'), null);
    });

    const QUERIES: Array<{ name: string; run: (c: ReturnType<DocrestClient['db']>) => Promise<unknown>; expect: unknown }> = [
      { name: 'filter and sort', run: async (db) => (await db.collection<Item>('items').find({ filter: { qty: { $gt: 1 } }, sort: { qty: -1 } })).map((d) => d.name), expect: ['lamp', 'chair', 'rug'] },
      { name: 'sort as a field with -', run: async (db) => (await db.collection<Item>('items').find({ sort: '-name', keys: { name: 1 } })).map((d) => d.name), expect: ['table', 'rug', 'lamp', 'chair'] },
      { name: 'keys project', run: async (db) => Object.keys((await db.collection<Item>('items').findOne({ name: 'lamp' }, { keys: { qty: 1 } }))!).sort(), expect: ['_id', 'qty'] },
      { name: 'page and pagesize', run: async (db) => (await db.collection<Item>('items').find({ sort: { qty: 1 }, page: 2, pagesize: 2 })).map((d) => d.qty), expect: [4, 10] },
      { name: 'count with a filter', run: (db) => db.collection('items').count({ qty: { $lt: 5 } }), expect: 3 },
      { name: 'findOne of nothing', run: (db) => db.collection('items').findOne({ name: 'nothing' }), expect: null },
      { name: 'aggregate with avars', run: async (db) => (await db.collection('items').aggregate<Item>('by-min-qty', { min: 2 })).map((d) => d.name), expect: ['rug', 'chair', 'lamp'] },
      { name: 'collection names', run: async (db) => (await db.listCollections()).sort(), expect: ['exact', 'items'] },
    ];
    for (const q of QUERIES) test(`query: ${q.name}`, async () => assert.deepEqual(await q.run(client.db('shop')), q.expect));

    test('updateOne with operators, upsert, missing; updateMany; replaceOne', async () => {
      const items = client.db('shop').collection<Item>('items');
      const r = await items.updateOne('table', { $inc: { qty: 2 }, $set: { color: 'oak' } });
      assert.equal(r.matchedCount, 1);
      assert.match(r.etag ?? '', /^[0-9a-f]{24}$/);
      assert.deepEqual(await items.findById('table', { keys: { qty: 1, color: 1 } }), { _id: 'table', qty: 3, color: 'oak' });
      assert.deepEqual(await items.updateOne('nope', { $set: { qty: 1 } }), { matchedCount: 0 });
      const up = await items.updateOne('stool', { $set: { name: 'stool', qty: 0 } }, { upsert: true });
      assert.equal(up.upsertedId, 'stool');
      assert.deepEqual(await items.updateMany({ qty: { $lt: 3 } }, { $set: { cheap: true } }), { matchedCount: 2, modifiedCount: 2 });
      assert.equal((await items.replaceOne('stool', { name: 'stool', qty: 5 })).matchedCount, 1);
      assert.deepEqual(await items.findById('stool', { keys: { _etag: 0 } }), { _id: 'stool', name: 'stool', qty: 5 });
    });

    test('ETags: a stale If-Match is a PreconditionFailedError carrying the current ETag; the right one writes', async () => {
      const items = client.db('shop').collection<Item>('items');
      const before = (await items.findById('table'))!;
      const { etag } = await items.updateOne('table', { $set: { qty: 9 } });
      const e = await rejectsWith(items.replaceOne('table', { name: 'table', qty: 0 }, { ifMatch: before._etag }), PreconditionFailedError, 412);
      assert.equal(e.etag, etag);
      assert.equal(e.body, undefined);
      assert.equal((await items.replaceOne('table', { name: 'table', qty: 0 }, { ifMatch: e.etag })).matchedCount, 1);
    });

    test('typed errors carry the error body: duplicate key, bad filter, ETag required, unknown aggregation', async () => {
      const items = client.db('shop').collection<Item>('items');
      await rejectsWith(items.insertOne({ _id: 'table', name: 'again', qty: 0 }), ConflictError, 409, /Duplicate key/);
      await rejectsWith(client.request('GET', '/shop/items', { query: { filter: '{"qty": ' } }), BadRequestError, 400, /illegal filter parameter/);
      const drop = await rejectsWith(client.db('shop').collection('exact').drop(), ConflictError, 409, /ETag must be provided/);
      assert.match(drop.etag ?? '', /^[0-9a-f]{24}$/);
      await client.db('shop').collection('exact').drop({ ifMatch: drop.etag });
      await rejectsWith(items.aggregate('nope'), DocrestError, 404, /does not exist/);
    });

    test('insertMany with a failing document: BulkWriteError with the counts and the failures', async () => {
      const items = client.db('shop').collection<Item>('items');
      const e = await items.insertMany([{ _id: 'fresh', name: 'fresh', qty: 1 }, { _id: 'table', name: 'dup', qty: 1 }]).catch((x: unknown) => x);
      assert.ok(e instanceof BulkWriteError);
      assert.equal(e.result.inserted, 1);
      assert.deepEqual(e.result.errors?.map((x) => [x.index, x.httpStatus]), [[1, 409]]);
    });

    test('deleteOne and deleteMany', async () => {
      const items = client.db('shop').collection<Item>('items');
      assert.deepEqual(await items.deleteOne('fresh'), { deletedCount: 1 });
      assert.deepEqual(await items.deleteOne('fresh'), { deletedCount: 0 });
      assert.deepEqual(await items.deleteMany({ cheap: true }), { deletedCount: 1 });
      assert.equal(await items.count(), 4);
    });

    test('file buckets: upload, find, download exact bytes and a range, delete', async () => {
      const bucket = client.db('shop').bucket('pics');
      await bucket.create();
      const bytes = new Uint8Array(70_000).map((_, i) => (i * 7) % 256);
      const { insertedId } = await bucket.upload(bytes, { filename: 'a.bin', metadata: { owner: 'me' } });
      assert.ok(insertedId instanceof ObjectId);
      const [file] = await bucket.find({ filter: { filename: 'a.bin' } });
      assert.equal(Number(file!.length), bytes.length);
      assert.equal(file!.metadata.owner, 'me');
      assert.deepEqual(await bucket.download(insertedId), bytes);
      assert.deepEqual(await bucket.download(insertedId, { range: 'bytes=10-19' }), bytes.slice(10, 20));
      await bucket.upload('hello', { filename: 'b.txt', id: 'b' });
      assert.equal(new TextDecoder().decode(await bucket.download('b')), 'hello');
      assert.deepEqual(await bucket.delete('b'), { deletedCount: 1 });
      await rejectsWith(bucket.download('b'), DocrestError, 404);
    });

    test('authentication: Basic refused; a JWT from /token, renewed before it expires and when the server refuses it', async () => {
      const bad = createClient({ url: srv.url, auth: { username: 'admin', password: 'wrong' } });
      await rejectsWith(bad.db('shop').collection('items').count(), UnauthorizedError, 401);
      await rejectsWith(createClient({ url: srv.url }).login({ username: 'admin', password: 'wrong', useToken: true }), UnauthorizedError, 401);

      // a fetch that spoils the next token it sends, as a server restarted with another key would refuse it
      let spoil = false;
      const sent: string[] = [];
      const fetchFn: typeof fetch = (input, init) => {
        const headers = new Headers(init?.headers);
        if (spoil && headers.get('authorization')?.startsWith('Bearer ')) {
          spoil = false;
          headers.set('authorization', 'Bearer x.y.z');
        }
        sent.push(headers.get('authorization') ?? '');
        return fetch(input, { ...init, headers });
      };
      const jwt = createClient({ url: srv.url, fetch: fetchFn });
      await jwt.login({ username: 'admin', password: 'secret', useToken: true });
      const first = jwt.http.currentToken;
      assert.match(first ?? '', /^[\w-]+\.[\w-]+\.[\w-]+$/);
      assert.equal(await jwt.db('shop').collection('items').count(), 4);
      assert.equal(sent.at(-1), `Bearer ${first}`);
      spoil = true;
      assert.equal(await jwt.db('shop').collection('items').count(), 4);
      assert.deepEqual(sent.slice(-3).map((h) => h.split(' ')[0]), ['Bearer', 'Basic', 'Bearer'], 'refused, new token, retried');

      // a token that is always close to expiry is renewed before each request (GET /token?renew with itself)
      const renewing = createClient({ url: srv.url, auth: { token: first!, renew: true }, tokenRenewMarginMs: 24 * 3600_000 });
      assert.equal(await renewing.db('shop').collection('items').count(), 4);
      const renewed = renewing.http.currentToken;
      assert.notEqual(renewed, first);
      assert.equal(await renewing.db('shop').collection('items').count(), 4);
      assert.notEqual(renewing.http.currentToken, renewed);
    });

    test('ACL: a user without permission gets a ForbiddenError (no body)', async () => {
      await client.db('restheart').collection('users').insertOne({ _id: 'guest', password: 'pw-guest', roles: ['guest'] });
      const guest = createClient({ url: srv.url, auth: { username: 'guest', password: 'pw-guest' } });
      const e = await rejectsWith(guest.db('shop').collection('items').find(), ForbiddenError, 403);
      assert.equal(e.body, undefined);
    });

    if (engine.transactions) {
      test('sessions and transactions: commit, abort, withTransaction', async () => {
        const session = await client.startSession();
        assert.match(session.id, /^[0-9a-f-]{36}$/);
        const txn = await session.startTransaction();
        assert.equal(txn.number, 1);
        await txn.db('shop').collection('items').insertOne({ _id: 'in-txn', name: 'in-txn', qty: 1 });
        assert.equal(await client.db('shop').collection('items').findById('in-txn'), null, 'not visible outside before commit');
        assert.deepEqual(await session.currentTransaction(), { id: 1, status: 'IN' });
        await txn.commit();
        assert.equal((await client.db('shop').collection<Item>('items').findById('in-txn'))?.qty, 1);
        await assert.rejects(session.withTransaction(async (t) => {
          await t.db('shop').collection('items').deleteOne('in-txn');
          throw new Error('changed my mind');
        }), /changed my mind/);
        assert.deepEqual(await session.currentTransaction(), { id: 2, status: 'ABORTED' });
        assert.equal((await client.db('shop').collection<Item>('items').findById('in-txn'))?.qty, 1);
        await session.withTransaction((t) => t.db('shop').collection('items').updateOne('in-txn', { $inc: { qty: 1 } }));
        assert.equal((await client.db('shop').collection<Item>('items').findById('in-txn'))?.qty, 2);
        await session.end();
      });
    } else {
      test('sessions on a standalone MongoDB: the 502 with MongoDB\'s message', async () => {
        await rejectsWith(client.startSession(), DocrestError, 502, /replica set/);
      });
    }
  });
}

describe('docrest/client change streams (embedded)', () => {
  let srv: TestServer;
  let client: DocrestClient;
  before(async () => {
    srv = await startServer({ rho: ALL_DBS });
    client = createClient({ url: srv.url, auth: { username: 'admin', password: 'secret' } });
    await client.db('live').create();
    await client.db('live').collection('feed').create({ streams: [{ uri: 'all', stages: [] }, { uri: 'big', stages: [{ $match: { 'fullDocument.n': { $gte: { $var: 'min' } } } }] }] });
  });
  after(async () => srv.close());

  test('events arrive typed; the stream resumes after the server closed it, without a gap or a repeat', async () => {
    const feed = client.db('live').collection<{ _id: unknown; n: number; at?: Date }>('feed');
    const stream = feed.watch('all', { retryDelayMs: 20 });
    await stream.opened();
    const events = stream[Symbol.asyncIterator]();
    await feed.insertOne({ _id: 1, n: 1, at: new Date(3) });
    let e = (await events.next()).value!;
    assert.equal(e.operationType, 'insert');
    assert.deepEqual(e.fullDocument, { _id: 1, n: 1, at: new Date(3), _etag: e.fullDocument?._etag });
    const token = stream.resumeToken;
    assert.ok(token);
    // a new definition of the stream closes its clients: the client resumes from its last event
    await feed.updateMetadata({ streams: [{ uri: 'all', stages: [{ $match: {} }] }, { uri: 'big', stages: [{ $match: { 'fullDocument.n': { $gte: { $var: 'min' } } } }] }] });
    await feed.insertOne({ _id: 2, n: 2 });
    await feed.updateOne(2, { $inc: { n: 1 } });
    e = (await events.next()).value!;
    assert.deepEqual([e.operationType, e.documentKey?._id], ['insert', 2]);
    e = (await events.next()).value!;
    assert.deepEqual([e.operationType, e.updateDescription?.updatedFields.n], ['update', 3]);
    assert.notEqual(stream.resumeToken, token);
    stream.close();
    assert.equal((await events.next()).done, true);
  });

  test('avars; an unknown stream fails with NotFound; a dropped collection ends the iteration', async () => {
    const feed = client.db('live').collection<{ _id: unknown; n: number }>('feed');
    await rejectsWith(feed.watch('nope').opened(), DocrestError, 404, /Change Stream does not exist/);
    const big = feed.watch('big', { avars: { min: 10 } });
    await big.opened();
    const received: unknown[] = [];
    const done = (async () => {
      for await (const ev of big) received.push(ev.fullDocument?.n ?? ev.operationType);
    })();
    await feed.insertOne({ n: 5 });
    await feed.insertOne({ n: 50 });
    const etag = (await feed.metadata())._etag as ObjectId;
    await feed.drop({ ifMatch: etag });
    await done;
    // MongoDB's invalidate event, then the end
    assert.deepEqual(received, [50, 'invalidate']);
  });
});
