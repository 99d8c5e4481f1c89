// The _id order of filtered reads over a collection whose ids were not inserted in order (UUIDs,
// client ids, mixed types): a scan's matches are ordered by the _id column, as MongoDB orders _id
// values (numbers before strings before ObjectIds; strings by their bytes).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, startServer, type TestServer } from '../helpers/server.ts';

const IDS: unknown[] = [
  'b-2', 7, 'a-1', { $oid: '65a000000000000000000003' }, 'c-3', -2.5, { $oid: '65a000000000000000000001' }, 'B-9', 3,
  'ä-umlaut', 'a-10', { $oid: '65a000000000000000000002' }, 100, 'z',
];
// MongoDB's order of the values above
const ASCENDING: unknown[] = [
  -2.5, 3, 7, 100, 'B-9', 'a-1', 'a-10', 'b-2', 'c-3', 'z', 'ä-umlaut',
  { $oid: '65a000000000000000000001' }, { $oid: '65a000000000000000000002' }, { $oid: '65a000000000000000000003' },
];

describe('filtered reads in _id order over ids inserted out of order', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
    assert.equal((await call(srv, 'PUT', '/mixed')).status, 201);
    for (const [i, _id] of IDS.entries()) assert.equal((await call(srv, 'POST', '/mixed', { body: { _id, n: i } })).status, 201);
  });
  after(async () => srv.close());

  const filter = encodeURIComponent('{"n":{"$gte":0}}');
  const firstFive = ASCENDING.filter((id) => IDS.slice(0, 5).some((x) => JSON.stringify(x) === JSON.stringify(id)));
  const cases = [
    { name: 'the default order (descending)', path: `/mixed?filter=${filter}&keys={"_id":1}`, want: [...ASCENDING].reverse() },
    { name: 'ascending', path: `/mixed?filter=${filter}&keys={"_id":1}&sort={"_id":1}`, want: ASCENDING },
    { name: 'a page of it', path: `/mixed?filter=${filter}&keys={"_id":1}&sort={"_id":1}&pagesize=4&page=2`, want: ASCENDING.slice(4, 8) },
    { name: 'a narrower filter', path: `/mixed?filter=${encodeURIComponent('{"n":{"$lt":5}}')}&keys={"_id":1}&sort={"_id":-1}`, want: [...firstFive].reverse() },
  ];
  for (const { name, path, want } of cases) {
    test(name, async () => {
      const r = await call(srv, 'GET', path);
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(r.json().map((d: { _id: unknown }) => d._id), want);
    });
  }
});
