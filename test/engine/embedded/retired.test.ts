// Dropped collections, databases and indexes retire their tables (src/engine/embedded/retired.ts):
// the drop answers at once and frees the name, and the tables are emptied by small writes and then
// dropped, also after a restart that cut the reaping short.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, beforeEach, describe, test } from 'node:test';
import { EmbeddedEngine } from '../../../src/engine/embedded/engine.ts';

const plain = (v: unknown) => JSON.parse(JSON.stringify(v));
const ROWS = 3000;

function tables(engine: EmbeddedEngine): string[] {
  return engine.store.sql.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB '[ci][0-9]*' ORDER BY name").pluck().all() as string[];
}

function retired(engine: EmbeddedEngine): string[] {
  return engine.store.sql.prepare('SELECT tbl FROM retired ORDER BY tbl').pluck().all() as string[];
}

async function fill(engine: EmbeddedEngine, db: string, name: string): Promise<void> {
  const c = engine.db(db).collection(name);
  await c.bulkWrite(Array.from({ length: ROWS }, (_, i) => ({ insertOne: { document: { _id: i, n: i, pad: 'x'.repeat(200) } } })));
  await c.createIndex({ name: 'n', key: { n: 1 } });
}

describe('dropped tables are emptied by small writes, then dropped', () => {
  let dir: string;
  let engine: EmbeddedEngine;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-retired-'));
    engine = new EmbeddedEngine(dir, { exclusive: true });
  });
  afterEach(async () => {
    await engine.close();
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a dropped collection and its index leave no table, and the name is free at once', async () => {
    const before = tables(engine);
    await fill(engine, 'db', 'big');
    const own = tables(engine).filter((t) => !before.includes(t));
    assert.equal(own.length, 2, 'the collection table and its index table');
    assert.equal(await engine.db('db').dropCollection('big'), true);
    assert.deepEqual(await engine.db('db').listCollections(), []);
    const again = engine.db('db').collection('big');
    await again.insertOne({ _id: 'new' });
    assert.deepEqual(plain(await again.find({})), [{ _id: 'new' }]);
    await engine.reaper.idle();
    assert.deepEqual(retired(engine), []);
    assert.deepEqual(tables(engine).filter((t) => own.includes(t)), []);
    assert.deepEqual(plain(await again.find({})), [{ _id: 'new' }]);
  });

  test('a dropped index and a dropped database retire their tables', async () => {
    const before = tables(engine);
    await fill(engine, 'other', 'a');
    await fill(engine, 'other', 'b');
    const own = tables(engine).filter((t) => !before.includes(t));
    await engine.db('other').collection('a').dropIndex('n');
    await engine.db('other').dropDatabase();
    assert.deepEqual(await engine.db('other').listCollections(), []);
    await engine.reaper.idle();
    assert.deepEqual(retired(engine), []);
    assert.deepEqual(tables(engine).filter((t) => own.includes(t)), []);
  });

  test('a reaping cut short by the end of the process goes on at the next start', async () => {
    const before = tables(engine);
    await fill(engine, 'db', 'cut');
    const own = tables(engine).filter((t) => !before.includes(t));
    // as if the process ended right after the drop's commit
    engine.reaper.stop();
    await engine.db('db').dropCollection('cut');
    await engine.close();
    engine = new EmbeddedEngine(dir, { exclusive: true });
    assert.deepEqual(retired(engine), [...own].sort(), 'still listed after the restart');
    assert.deepEqual(await engine.db('db').listCollections(), []);
    await engine.reaper.idle();
    assert.deepEqual(retired(engine), []);
    assert.deepEqual(tables(engine).filter((t) => own.includes(t)), []);
  });
});
