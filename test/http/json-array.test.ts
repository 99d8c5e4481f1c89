// JSON array answers (json-array.ts): small ones go out whole with a Content-Length; one whose text
// passes 1 MB streams (chunked, compressed when accepted) and reads exactly as it would whole.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { ADMIN, call, startServer, type TestServer } from '../helpers/server.ts';

const MODES = ['default', 'relaxed', 'extended', 'strict', 'shell'];

// 100 documents of ~20 KB: a page of 2 MB, with the types each jsonMode prints its own way
const big = (i: number) => ({
  _id: `d${String(i).padStart(3, '0')}`, n: i, long: { $numberLong: '9007199254740993' }, dbl: { $numberDouble: '59' },
  d: { $date: 1568295769260 + i }, oid: { $oid: '5d0b3ab3f4c0e3cf3f4bc8e1' }, dec: { $numberDecimal: '1.10' },
  text: `"quoted" \\ é 😀 ${'x'.repeat(20_000)}`,
});

describe('JSON array answers', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer();
    assert.equal((await call(srv, 'PUT', '/big')).status, 201);
    assert.equal((await call(srv, 'POST', '/big', { body: Array.from({ length: 100 }, (_, i) => big(i)) })).status, 200);
  });
  after(() => srv?.close());

  for (const mode of MODES) {
    test(`a 2 MB page streams, and reads as its documents do one by one (jsonMode=${mode})`, async () => {
      const page = await call(srv, 'GET', `/big?pagesize=100&sort=_id&jsonMode=${mode}`);
      assert.equal(page.status, 200);
      assert.equal(page.headers.get('content-length'), null);
      assert.equal(page.headers.get('transfer-encoding'), 'chunked');
      assert.ok(page.text.length > 2_000_000);
      const one = await Promise.all(Array.from({ length: 100 }, async (_, i) => (await call(srv, 'GET', `/big/${big(i)._id}?jsonMode=${mode}`)).text));
      assert.equal(page.text, `[${one.join(',')}]`);
    });
  }

  test('a streamed page is compressed when the client accepts it', async () => {
    const plain = await call(srv, 'GET', '/big?pagesize=100&sort=_id');
    for (const encoding of ['gzip', 'deflate']) {
      const packed = await call(srv, 'GET', '/big?pagesize=100&sort=_id', { headers: { 'Accept-Encoding': encoding } });
      assert.equal(packed.headers.get('content-encoding'), encoding);
      assert.match(packed.headers.get('vary') ?? '', /Accept-Encoding/);
      assert.equal(packed.text, plain.text);
    }
  });

  test('a small page goes out whole, with its Content-Length', async () => {
    const page = await call(srv, 'GET', '/big?pagesize=3&sort=_id&keys=%7B%22n%22%3A1%7D');
    assert.equal(page.headers.get('content-length'), String(Buffer.byteLength(page.text)));
    assert.deepEqual(page.json(), [{ _id: 'd000', n: 0 }, { _id: 'd001', n: 1 }, { _id: 'd002', n: 2 }]);
  });

  test('a client that goes away mid-stream leaves the server serving', async () => {
    await new Promise<void>((resolve, reject) => {
      const req = request(`${srv.url}/big?pagesize=100`, { headers: { Authorization: ADMIN } }, (res) => {
        assert.equal(res.statusCode, 200);
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', (e) => ((e as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(e)));
      req.end();
    });
    assert.equal((await call(srv, 'GET', '/ping')).status, 200);
    const page = await call(srv, 'GET', '/big?pagesize=100&sort=_id');
    assert.equal(page.json().length, 100);
  });
});
