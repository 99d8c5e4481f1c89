// Bulk writes never stall the server (issue 10 item 2): a bulk POST of thousands of documents and a
// filtered bulk PATCH/DELETE over thousands run in slices, so other clients are answered while they
// run; their answers and the stored documents are exactly those of one bulk (API.md §7.6).
// Deterministic: each bulk is large enough (hundreds of slices) that the reads and the /ping sent
// once part of it is visible complete long before its last slice.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startServer, type Reply, type TestServer } from '../helpers/server.ts';

const enc = encodeURIComponent;

/** A request still running, with whether it has finished. */
function running(p: Promise<Reply>): { reply: Promise<Reply>; done: () => boolean } {
  let finished = false;
  const reply = p.finally(() => {
    finished = true;
  });
  return { reply, done: () => finished };
}

async function size(srv: TestServer, path: string, filter?: object): Promise<number> {
  const r = await call(srv, 'GET', `${path}/_size${filter ? `?filter=${enc(JSON.stringify(filter))}` : ''}`);
  assert.equal(r.status, 200, r.text);
  return r.json()._size;
}

/**
 * While `bulk` runs: reads `count` until it shows part of the bulk's work, then sends /ping; both
 * must be answered before the bulk is. Returns the partial count seen.
 */
async function answeredMeanwhile(srv: TestServer, bulk: ReturnType<typeof running>, count: () => Promise<number>, total: number): Promise<number> {
  let seen = 0;
  while (seen === 0 && !bulk.done()) seen = await count();
  assert.ok(!bulk.done(), 'a read during the bulk was answered only after it');
  assert.ok(seen > 0 && seen < total, `a read during the bulk sees part of it (${seen} of ${total})`);
  const ping = await call(srv, 'GET', '/ping');
  assert.equal(ping.status, 200);
  assert.ok(!bulk.done(), '/ping sent during the bulk was answered only after it');
  return seen;
}

describe('bulk writes run in slices: other requests are answered meanwhile', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
    assert.equal((await call(srv, 'PUT', '/')).status < 300, true);
    assert.equal((await call(srv, 'PUT', '/big')).status, 201);
    assert.equal((await call(srv, 'PUT', '/many')).status, 201);
  });
  after(async () => srv.close());

  test('POST of 5,000 documents: /ping and reads answered before it; every document stored once', async () => {
    const docs = Array.from({ length: 5000 }, (_, i) => ({ _id: `d${String(i).padStart(5, '0')}`, i, s: 'x'.repeat(300) }));
    const bulk = running(call(srv, 'POST', '/big', { body: docs }));
    await answeredMeanwhile(srv, bulk, () => size(srv, '/big'), 5000);
    const r = await bulk.reply;
    assert.equal(r.status, 200, r.text.slice(0, 300));
    const body = r.json();
    assert.deepEqual({ ...body, links: body.links.length }, { inserted: 5000, links: 5000, deleted: 0, modified: 0, matched: 0 });
    assert.equal(body.links[4321], '/big/d04321');
    assert.equal(await size(srv, '/big'), 5000);
    const one = await call(srv, 'GET', '/big/d04999');
    assert.equal(one.json().i, 4999);
  });

  test('POST with a duplicate _id in the middle: 207, that one reported, the others stored', async () => {
    const docs = Array.from({ length: 3000 }, (_, i) => ({ _id: i === 1700 ? 'd00005' : `e${i}`, i }));
    const r = await call(srv, 'POST', '/big', { body: docs });
    assert.equal(r.status, 207, r.text.slice(0, 300));
    const body = r.json();
    assert.equal(body.inserted, 2999);
    assert.deepEqual(body.errors, [{ index: 1700, httpStatus: 409 }]);
    assert.equal(await size(srv, '/big'), 7999);
    assert.equal((await call(srv, 'GET', '/big/d00005')).json().i, 5);
  });

  describe('over 20,000 documents', () => {
    before(async () => {
      for (let b = 0; b < 20; b++) {
        const docs = Array.from({ length: 1000 }, (_, i) => ({ _id: b * 1000 + i, g: i % 2, v: 0, s: 'y'.repeat(200) }));
        const r = await call(srv, 'POST', '/many', { body: docs });
        assert.equal(r.status, 200, r.text.slice(0, 300));
      }
    });

    test('PATCH /many/*?filter: answered meanwhile; each matching document updated exactly once', async () => {
      const bulk = running(call(srv, 'PATCH', `/many/*?filter=${enc('{"g":1}')}`, { body: { $inc: { v: 1 } } }));
      await answeredMeanwhile(srv, bulk, () => size(srv, '/many', { v: 1 }), 10000);
      const r = await bulk.reply;
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), { inserted: 0, links: [], deleted: 0, modified: 10000, matched: 10000 });
      assert.equal(await size(srv, '/many', { g: 1, v: 1 }), 10000);
      assert.equal(await size(srv, '/many', { v: { $gt: 1 } }), 0);
      assert.equal(await size(srv, '/many', { g: 0, v: 0 }), 10000);
    });

    test('PATCH whose update changes the filtered field: no document matched twice', async () => {
      // each document leaves the filter's range as it is written, into a range a later chunk reads
      const r = await call(srv, 'PATCH', `/many/*?filter=${enc('{"v":{"$lt":5}}')}`, { body: { $inc: { v: 2 } } });
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), { inserted: 0, links: [], deleted: 0, modified: 20000, matched: 20000 });
      assert.equal(await size(srv, '/many', { g: 1, v: 3 }), 10000);
      assert.equal(await size(srv, '/many', { g: 0, v: 2 }), 10000);
    });

    test('DELETE /many/*?filter: answered meanwhile; exactly the matching documents deleted', async () => {
      const bulk = running(call(srv, 'DELETE', `/many/*?filter=${enc('{"g":0}')}`));
      await answeredMeanwhile(srv, bulk, async () => 20000 - (await size(srv, '/many')), 10000);
      const r = await bulk.reply;
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json(), { inserted: 0, links: [], deleted: 10000, modified: 0, matched: 0 });
      assert.equal(await size(srv, '/many'), 10000);
      assert.equal(await size(srv, '/many', { g: 0 }), 0);
    });
  });
});
