// The data client (`mclient`) from a plugin, on the embedded engine and on the MongoDB engine (the
// driver against docrest's wire server): the driver's collection API, values stored as the driver
// stores them and read back as it returns them, what it wrote visible through the MongoDB API.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startServer, type TestServer } from '../helpers/server.ts';
import { engines, manifest, pluginsDir, type PluginsDir } from './support.ts';

// each step's result, in order; a failing step reports its error instead of stopping the rest
const SCRIPT = `
export const options = { name: 'dataClientScript', uri: '/dc', matchPolicy: 'EXACT' };
export async function handle(req, res) {
  const db = mclient.db('restheart');
  const c = (await db.createCollection('dc')).dbName === 'restheart' ? db.collection('dc') : null;
  const out = {};
  const step = async (name, fn) => { try { out[name] = await fn(); } catch (e) { out[name] = { error: e.message }; } };
  await step('insertOne', async () => (await c.insertOne({ _id: 'a', n: 1, x: 1.5, big: 2 ** 40, tags: ['p', 'q'], at: new Date(0) })).insertedId);
  await step('insertMany', async () => (await c.insertMany([{ _id: 'b', n: 2 }, { _id: 'c', n: 3, tags: ['q'] }])).insertedCount);
  await step('duplicate', () => c.insertOne({ _id: 'a' }));
  await step('findOne', async () => { const d = await c.findOne({ _id: 'a' }); return [typeof d.n, typeof d.x, typeof d.big, d.at instanceof Date, d.tags]; });
  await step('findCursor', async () => (await c.find({ n: { $gte: 1 } }).sort({ n: -1 }).skip(1).limit(1).project({ n: 1 }).toArray()));
  await step('findOptions', async () => (await c.find({}, { sort: [['n', 1]], limit: 2, projection: { _id: 1 } }).toArray()).map((d) => d._id));
  await step('forAwait', async () => { const ids = []; for await (const d of c.find({ tags: 'q' }).sort({ _id: 1 })) ids.push(d._id); return ids; });
  await step('count', () => c.countDocuments({ n: { $gt: 1 } }));
  await step('estimated', () => c.estimatedDocumentCount());
  await step('updateOne', async () => { const r = await c.updateOne({ _id: 'a' }, { $inc: { n: 10 } }); return [r.matchedCount, r.modifiedCount]; });
  await step('upsert', async () => (await c.updateOne({ _id: 'u' }, { $set: { n: 0 } }, { upsert: true })).upsertedId);
  await step('arrayFilters', async () => { await c.updateOne({ _id: 'a' }, { $set: { 'tags.$[t]': 'Q' } }, { arrayFilters: [{ t: 'q' }] }); return (await c.findOne({ _id: 'a' })).tags; });
  await step('pipelineUpdate', async () => { await c.updateMany({ _id: { $in: ['b', 'c'] } }, [{ $set: { twice: { $multiply: ['$n', 2] } } }]); return (await c.find({ twice: { $exists: true } }).sort({ _id: 1 }).toArray()).map((d) => d.twice); });
  await step('replaceOne', async () => (await c.replaceOne({ _id: 'u' }, { n: 5, replaced: true })).modifiedCount);
  await step('aggregate', () => c.aggregate([{ $match: { n: { $lt: 100 } } }, { $group: { _id: null, total: { $sum: '$n' } } }]).toArray());
  await step('badUpdate', () => c.updateOne({ _id: 'a' }, { $nope: { n: 1 } }));
  await step('deleteOne', async () => (await c.deleteOne({ _id: 'u' })).deletedCount);
  await step('deleteMany', async () => (await c.deleteMany({ n: { $in: [2, 3] } })).deletedCount);
  await step('listIndexes', async () => (await c.listIndexes().toArray()).map((i) => i.name));
  await step('listCollections', async () => (await db.listCollections().toArray()).map((x) => x.name).filter((n) => n.startsWith('dc')).sort());
  await step('dropCollection', async () => { await db.createCollection('dc2'); return db.dropCollection('dc2'); });
  res.json(out);
}
`;

for (const engine of engines()) {
  describe(`the data client on the ${engine.name}`, () => {
    let plugins: PluginsDir;
    let srv: TestServer;
    let out: Record<string, any>;
    before(async () => {
      await engine.start();
      plugins = pluginsDir({ dc: { 'package.json': manifest(['script.mjs']), 'script.mjs': SCRIPT } });
      srv = await startServer({ rho: [plugins.rho, engine.rho()].filter(Boolean).join(';') });
      const r = await call(srv, 'GET', '/dc');
      assert.equal(r.status, 200, r.text);
      out = r.json();
    });
    after(async () => {
      await srv?.close();
      plugins.remove();
      await engine.stop();
    });

    const EXPECTED: Record<string, unknown> = {
      insertOne: 'a',
      insertMany: 2,
      findOne: ['number', 'number', 'number', true, ['p', 'q']],
      findCursor: [{ _id: 'b', n: 2 }],
      findOptions: ['a', 'b'],
      forAwait: ['a', 'c'],
      count: 2,
      estimated: 3,
      updateOne: [1, 1],
      upsert: 'u',
      arrayFilters: ['p', 'Q'],
      pipelineUpdate: [4, 6],
      replaceOne: 1,
      aggregate: [{ _id: null, total: 21 }],
      deleteOne: 1,
      deleteMany: 2,
      listIndexes: ['_id_'],
      listCollections: ['dc'],
      dropCollection: true,
    };
    for (const [step, value] of Object.entries(EXPECTED)) test(step, () => assert.deepEqual(out[step], value));
    test('a duplicate _id and a bad update operator fail with the engine\'s message', () => {
      assert.match(out.duplicate.error, /duplicate key/i);
      assert.match(out.badUpdate.error, /\$nope/);
    });
    test('what the client wrote is stored as the driver stores it (int32, double, int64 → double)', async () => {
      const r = await call(srv, 'GET', '/dc/a?jsonMode=extended');
      assert.equal(r.status, 200, r.text);
      const d = r.json();
      assert.deepEqual([d.n, d.x, d.big, d.at], [{ $numberInt: '11' }, { $numberDouble: '1.5' }, { $numberDouble: '1.099511627776E12' }, { $date: { $numberLong: '0' } }]);
    });
  });
}
