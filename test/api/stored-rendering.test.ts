// A page of a collection in STANDARD representation is rendered from the documents' stored bytes
// (json/bson-json.ts): in every jsonMode it reads exactly as the same documents read one by one
// (rendered from their objects), through an index and through a scan, before and after writes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startServer, type TestServer } from '../helpers/server.ts';

const MODES = ['default', 'relaxed', 'extended', 'strict', 'shell'];

const DOCS = [
  { _id: 'plain', k: 1, s: 'text', n: 1.5, i: 7, b: true, z: null, arr: [1, 'two', { three: [] }], o: { a: { b: 'c' } } },
  { _id: 'escapes', k: 1, s: '"quoted" \\ back\nslash\t\u0001 é € 😀 \u2028', 'key "with" \\ quotes': 'v' },
  { _id: 'numbers', k: 2, long: { $numberLong: '9007199254740993' }, small: { $numberLong: '5' }, int: { $numberInt: '-2147483648' },
    dbl: { $numberDouble: '59' }, neg0: { $numberDouble: '-0.0' }, tiny: 5e-324, huge: 1e300, nan: { $numberDouble: 'NaN' } },
  { _id: 'dates', k: 2, d: { $date: 1568295769260 }, before1970: { $date: -1 }, oid: { $oid: '5d0b3ab3f4c0e3cf3f4bc8e1' } },
  { _id: 'others', k: 3, dec: { $numberDecimal: '1.10' }, bin: { $binary: { base64: 'AQID', subType: '04' } },
    re: { $regularExpression: { pattern: 'a"b', options: 'mi' } }, ts: { $timestamp: { t: 5, i: 7 } }, min: { $minKey: 1 } },
];

describe('collection pages rendered from stored bytes', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
  });
  after(() => srv?.close());

  /** A fresh collection for each case: its documents' first reads are pages, not single GETs (which build them as objects). */
  async function fresh(coll: string): Promise<void> {
    assert.equal((await call(srv, 'PUT', `/${coll}`)).status, 201);
    assert.equal((await call(srv, 'POST', `/${coll}`, { body: DOCS })).status, 200);
    assert.equal((await call(srv, 'PUT', `/${coll}/_indexes/k`, { body: { keys: { k: 1 } } })).status, 201);
  }

  /** GET of a page as text, against the text of each document's own GET joined the same way. */
  async function samePage(coll: string, query: string, mode: string): Promise<number> {
    const page = await call(srv, 'GET', `/${coll}?${query}&jsonMode=${mode}`);
    assert.equal(page.status, 200, page.text);
    const ids = (await call(srv, 'GET', `/${coll}?${query}&keys=${encodeURIComponent('{"_id":1}')}`)).json().map((d: { _id: string }) => d._id);
    const one = await Promise.all(ids.map(async (id: string) => (await call(srv, 'GET', `/${coll}/${id}?jsonMode=${mode}`)).text));
    assert.equal(page.text, `[${one.join(',')}]`, `${query} (${mode})`);
    return ids.length;
  }

  for (const mode of MODES) {
    test(`jsonMode=${mode}: through an index, a scan and a sort`, async () => {
      await fresh(`stored_${mode}`);
      assert.equal(await samePage(`stored_${mode}`, `filter=${encodeURIComponent('{"k":1}')}`, mode), 2);
      assert.equal(await samePage(`stored_${mode}`, `filter=${encodeURIComponent('{"k":{"$gte":2}}')}&sort=${encodeURIComponent('{"k":-1}')}`, mode), 3);
      assert.equal(await samePage(`stored_${mode}`, 'sort=_id', mode), 5);
    });
  }

  test('after an update, the page shows the new version', async () => {
    await fresh('updated');
    assert.equal(await samePage('updated', `filter=${encodeURIComponent('{"k":1}')}`, 'default'), 2);
    assert.equal((await call(srv, 'PATCH', '/updated/plain', { body: { s: 'changed "again"' } })).status, 200);
    const page = await call(srv, 'GET', `/updated?filter=${encodeURIComponent('{"k":1}')}&sort=_id`);
    assert.equal(page.json()[1].s, 'changed "again"');
    assert.equal(await samePage('updated', `filter=${encodeURIComponent('{"k":1}')}`, 'default'), 2);
  });
});
