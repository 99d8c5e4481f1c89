// docrest/client's cookie login, with a fetch that keeps cookies as a browser does (Node's own
// fetch keeps none): the login sets the auth cookie, later requests authenticate with it alone,
// and logout clears it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UnauthorizedError, createClient } from '../../src/client/index.ts';
import { startServer, type TestServer } from '../helpers/server.ts';

let srv: TestServer;
before(async () => {
  srv = await startServer({ rho: '/mongo/mongo-mounts->[{"what":"*","where":"/"}]' });
});
after(async () => srv.close());

/** A fetch with a cookie jar; records whether each request carried an Authorization header. */
function browserLikeFetch() {
  const jar = new Map<string, string>();
  const sentAuthorization: boolean[] = [];
  const f: typeof fetch = async (input, init = {}) => {
    const headers = new Headers(init.headers);
    sentAuthorization.push(headers.has('authorization'));
    if (init.credentials !== 'omit' && jar.size) headers.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
    const res = await fetch(input, { ...init, headers });
    for (const c of res.headers.getSetCookie()) {
      const pair = c.split(';', 1)[0]!;
      const name = pair.slice(0, pair.indexOf('=')).trim();
      if (/max-age=0\b/i.test(c) || /expires=thu, 01 jan 1970/i.test(c)) jar.delete(name);
      else jar.set(name, pair.slice(pair.indexOf('=') + 1));
    }
    return res;
  };
  return { fetch: f, jar, sentAuthorization };
}

test('loginWithCookie: requests authenticate with the auth cookie alone; logout clears it', async () => {
  const b = browserLikeFetch();
  const client = createClient({ url: srv.url, fetch: b.fetch });
  await client.loginWithCookie('admin', 'secret');
  assert.ok(b.jar.has('rh_auth'), 'the login set the auth cookie');
  const notes = client.db('cookiedb').collection<{ _id: string; n: number }>('notes');
  const before = b.sentAuthorization.length;
  await client.db('cookiedb').create();
  await notes.create();
  await notes.insertOne({ _id: 'a', n: 1 });
  assert.equal((await notes.findOne({ _id: 'a' }))?.n, 1);
  assert.deepEqual(b.sentAuthorization.slice(before).filter(Boolean), [], 'no request after the login carried Authorization');
  await client.logout();
  assert.equal(b.jar.has('rh_auth'), false, 'logout cleared the cookie');
  await assert.rejects(notes.findOne({ _id: 'a' }), UnauthorizedError);
});

test('loginWithCookie with a wrong password: UnauthorizedError, no cookie', async () => {
  const b = browserLikeFetch();
  const client = createClient({ url: srv.url, fetch: b.fetch });
  await assert.rejects(client.loginWithCookie('admin', 'wrong'), UnauthorizedError);
  assert.equal(b.jar.size, 0);
});
