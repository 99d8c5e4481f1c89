// The MongoDB engine's own logic, without a server: values between the driver's bson build and
// docrest's, options, bulk results, errors, connection handling.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, test } from 'node:test';
import {
  MongoBulkWriteError, MongoInvalidArgumentError, MongoNetworkError, MongoNetworkTimeoutError, MongoNotConnectedError,
  MongoServerError, MongoServerSelectionError, MongoTopologyClosedError,
} from 'mongodb';
import { listedIndex } from '../../../src/engine/index-spec.ts';
import {
  DEFAULT_SERVER_SELECTION_MS, bulkOperations, bulkResult, clientOptions, engineErrorOf, findOptions, fromRaw, redactUri,
  toExact, withIdFirst,
} from '../../../src/engine/mongodb/mapping.ts';
import { MongoEngine } from '../../../src/engine/mongodb/engine.ts';
import { Decimal128, Double, Int32, Long, ObjectId } from '../../../src/engine/values.ts';
import { EngineError } from '../../../src/errors.ts';
import { httpStatusOfEngineCode } from '../../../src/http/engine-errors.ts';

// the driver's own bson (CommonJS build): other classes than docrest's
const require = createRequire(import.meta.url);
const driverBson = require('bson') as typeof import('bson');

describe('values between the driver and the exact model', () => {
  test('the driver\'s bson classes are not docrest\'s (why documents cross as raw BSON)', () => {
    assert.notEqual(driverBson.Int32, Int32);
    assert.ok(!(new driverBson.Int32(1) instanceof Int32));
  });
  test('fromRaw reads raw BSON into docrest\'s classes, every numeric type kept', () => {
    const raw = driverBson.serialize({ _id: new driverBson.ObjectId(), a: new driverBson.Int32(1), b: new driverBson.Double(2), c: driverBson.Long.fromString('9007199254740993'), d: driverBson.Decimal128.fromString('1.10') });
    const doc = fromRaw(raw);
    assert.ok(doc._id instanceof ObjectId);
    assert.ok(doc.a instanceof Int32);
    assert.ok(doc.b instanceof Double);
    assert.ok(doc.c instanceof Long && doc.c.toString() === '9007199254740993');
    assert.ok(doc.d instanceof Decimal128 && doc.d.toString() === '1.10');
  });
  test('toExact converts driver-decoded values (and promoted numbers) to docrest\'s classes', () => {
    const oid = new driverBson.ObjectId();
    const back = toExact(oid);
    assert.ok(back instanceof ObjectId);
    assert.equal((back as ObjectId).toHexString(), oid.toHexString());
    assert.ok(toExact<unknown>(5) instanceof Int32);
    assert.ok(toExact<unknown>(5.5) instanceof Double);
    assert.ok(toExact(new driverBson.Int32(3)) instanceof Int32);
    assert.deepEqual(toExact({ k: new driverBson.Int32(1) }), { k: new Int32(1) });
    assert.equal(toExact('s'), 's');
    assert.equal(toExact(null), null);
  });
  test('the driver serializes docrest\'s values (same bson major version)', () => {
    const bytes = driverBson.serialize({ a: new Int32(1), b: Long.fromString('5'), c: new ObjectId('000000000000000000000001') });
    assert.deepEqual(fromRaw(bytes), { a: new Int32(1), b: Long.fromString('5'), c: new ObjectId('000000000000000000000001') });
  });
  test('withIdFirst puts _id first, assigning an ObjectId when missing, and leaves the input alone', () => {
    const input = { a: 1, _id: 'x' };
    assert.deepEqual(Object.keys(withIdFirst(input)), ['_id', 'a']);
    assert.deepEqual(Object.keys(input), ['a', '_id']);
    const made = withIdFirst({ a: 1 });
    assert.ok(made._id instanceof ObjectId);
    assert.deepEqual(withIdFirst({ _id: null, a: 1 }), { _id: null, a: 1 });
  });
  test('listedIndex puts v, key, name first', () => {
    assert.deepEqual(Object.keys(listedIndex({ unique: true, name: 'n', key: { a: 1 }, v: 2 })), ['v', 'key', 'name', 'unique']);
  });
});

describe('options', () => {
  test('find options: raw documents, only what is set, sort as ordered pairs', () => {
    assert.deepEqual(findOptions(), { raw: true });
    assert.deepEqual(findOptions({ skip: 0, limit: 0, projection: {}, sort: [] }), { raw: true });
    assert.deepEqual(
      findOptions({ sort: [['b', -1], ['a', 1]], projection: { a: 1 }, skip: 5, limit: 10, hint: 'a_1' }),
      { raw: true, sort: [['b', -1], ['a', 1]], projection: { a: 1 }, skip: 5, limit: 10, hint: 'a_1' },
    );
    assert.deepEqual(findOptions({ hint: { $natural: -1 } }).hint, { $natural: -1 });
  });
  test('client options: a short server selection and an app name unless the connection string sets them', () => {
    assert.deepEqual(clientOptions('mongodb://h'), { forceServerObjectId: true, serverSelectionTimeoutMS: DEFAULT_SERVER_SELECTION_MS, appName: 'docrest' });
    assert.deepEqual(clientOptions('mongodb://h/?serverSelectionTimeoutMS=30000&appName=x'), { forceServerObjectId: true });
    assert.deepEqual(clientOptions('mongodb://h/db?replicaSet=rs0&serverselectiontimeoutms=100'), { forceServerObjectId: true, appName: 'docrest' });
  });
  test('passwords are masked in messages', () => {
    assert.equal(redactUri('mongodb://u:secret@h1,h2/?replicaSet=rs'), 'mongodb://u:****@h1,h2/?replicaSet=rs');
    assert.equal(redactUri('mongodb+srv://u:p%40ss@cluster.example'), 'mongodb+srv://u:****@cluster.example');
    assert.equal(redactUri('mongodb://h:27017'), 'mongodb://h:27017');
  });
});

describe('bulk writes', () => {
  test('inserts get their _id before sending; other operations pass through', () => {
    const doc = { a: 1 };
    const ops = [{ insertOne: { document: doc } }, { deleteOne: { filter: { _id: 1 } } }, { insertOne: { document: { _id: 7 } } }];
    const { ops: out, insertIds } = bulkOperations(ops);
    assert.deepEqual([...insertIds.keys()], [0, 2]);
    assert.ok(insertIds.get(0) instanceof ObjectId);
    assert.equal(insertIds.get(2), 7);
    assert.deepEqual(Object.keys(doc), ['a']);
    assert.equal(out[1], ops[1]);
    assert.deepEqual(Object.keys((out[0] as { insertOne: { document: object } }).insertOne.document), ['_id', 'a']);
  });
  test('the result: counts as reported, ids of failed inserts left out, errors by index', () => {
    const r = bulkResult(
      { insertedCount: 1, matchedCount: 2, modifiedCount: 1, deletedCount: 3, upsertedCount: 1, upsertedIds: { 4: new driverBson.ObjectId('000000000000000000000002') } },
      [{ index: 2, code: 11000, errmsg: 'E11000 duplicate key error' }, { index: 0, code: undefined, errmsg: undefined }],
      new Map<number, unknown>([[0, 'a'], [1, 'b'], [2, 'c']]),
    );
    assert.deepEqual([r.insertedCount, r.matchedCount, r.modifiedCount, r.deletedCount, r.upsertedCount], [1, 2, 1, 3, 1]);
    assert.deepEqual([...r.insertedIds], [[1, 'b']]);
    assert.ok(r.upsertedIds.get(4) instanceof ObjectId);
    assert.deepEqual(r.writeErrors, [{ index: 0, code: 8, message: 'write error' }, { index: 2, code: 11000, message: 'E11000 duplicate key error' }]);
  });
});

describe('errors', () => {
  const asEngine = (e: unknown) => {
    const out = engineErrorOf(e);
    assert.ok(out instanceof EngineError, `got ${String(out)}`);
    return out;
  };

  test('server errors keep MongoDB\'s code, name and message', () => {
    const e = asEngine(new MongoServerError({ ok: 0, code: 11000, codeName: 'DuplicateKey', errmsg: 'E11000 duplicate key error collection: d.c index: _id_ dup key: { _id: 1 }' }));
    assert.deepEqual([e.code, e.codeName], [11000, 'DuplicateKey']);
    assert.match(e.message, /^E11000/);
    assert.equal(httpStatusOfEngineCode(e.code), 409);
    const unknownOp = asEngine(new MongoServerError({ ok: 0, code: 2, codeName: 'BadValue', errmsg: 'unknown operator: $foo' }));
    assert.equal(httpStatusOfEngineCode(unknownOp.code), 400);
    assert.equal(asEngine(new MongoServerError({ ok: 0, code: 66, errmsg: 'immutable' })).codeName, 'ImmutableField');
  });
  test('a single write error inside a bulk error gives its code', () => {
    const e = asEngine(new MongoBulkWriteError({ message: 'dup', code: undefined as unknown as number, writeErrors: [{ code: 11000, errmsg: 'E11000 dup', index: 0 }] } as never, {} as never));
    assert.equal(e.code, 11000);
  });
  test('lost connections and server selection time-outs are HostUnreachable (503)', () => {
    for (const err of [
      new MongoNetworkError('connection closed'),
      new MongoServerSelectionError('Server selection timed out after 5000 ms', {} as never),
      new MongoTopologyClosedError(),
      new MongoNotConnectedError('not connected'),
    ]) {
      const e = asEngine(err);
      assert.equal(e.code, 6, err.name);
      assert.equal(httpStatusOfEngineCode(e.code), 503);
    }
    const epipe = Object.assign(new Error('This socket has been ended by the other party'), { code: 'EPIPE' });
    assert.equal(asEngine(epipe).code, 6);
    const t = asEngine(new MongoNetworkTimeoutError('timed out'));
    assert.equal(t.code, 89);
    assert.equal(httpStatusOfEngineCode(t.code), 503);
  });
  test('the server between primaries is 503 too', () => {
    for (const code of [10107, 189, 91, 11602, 13436]) assert.equal(httpStatusOfEngineCode(code), 503);
  });
  test('client-side validation is BadValue (400)', () => {
    const e = asEngine(new MongoInvalidArgumentError('Update document requires atomic operators'));
    assert.equal(e.code, 2);
    const b = asEngine(new driverBson.BSONError('Document is larger than the maximum size'));
    assert.equal(b.code, 2);
  });
  test('engine errors and programming errors pass unchanged', () => {
    const ee = new EngineError(27, 'IndexNotFound', 'x');
    assert.equal(engineErrorOf(ee), ee);
    const te = new TypeError('bug');
    assert.equal(engineErrorOf(te), te);
    assert.equal(engineErrorOf('str'), 'str');
  });
});

describe('connecting', () => {
  test('an unreachable server fails start with one clear message naming it, password masked', async () => {
    const started = Date.now();
    await assert.rejects(MongoEngine.connect('mongodb://u:hunter2@127.0.0.1:1/?serverSelectionTimeoutMS=500'), (e: Error) => {
      assert.match(e.message, /^cannot connect to MongoDB at mongodb:\/\/u:\*\*\*\*@127\.0\.0\.1:1\/\?serverSelectionTimeoutMS=500: /);
      assert.doesNotMatch(e.message, /hunter2/);
      assert.equal(e.stack, e.message);
      return true;
    });
    assert.ok(Date.now() - started < 5000);
  });
  test('an invalid connection string fails start with one clear message', async () => {
    await assert.rejects(MongoEngine.connect('mongo://nope'), /^Error: invalid MongoDB connection string mongo:\/\/nope: /);
  });
});
