// A client's regular expression cannot freeze the server: catastrophic patterns in a filter, in
// $expr and in an ACL predicate are answered while a concurrent /ping is answered too. The server
// runs in a child process, so that a regression fails here instead of freezing the test run.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN, spawnServer, type ChildServer } from '../helpers/server.ts';

const EVIL = 'a'.repeat(30) + 'b';
const USER = `Basic ${Buffer.from('rxuser:rxpw').toString('base64')}`;
const dataDir = mkdtempSync(join(tmpdir(), 'docrest-regex-'));
let srv: ChildServer;

async function req(method: string, path: string, auth = ADMIN, body?: unknown): Promise<{ status: number; text: string }> {
  const r = await fetch(srv.url + path, {
    method,
    headers: { Authorization: auth, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(20_000),
  });
  return { status: r.status, text: await r.text() };
}

/** The request and a /ping sent with it: a frozen event loop would answer neither. */
async function withPing(path: string, auth = ADMIN): Promise<{ status: number; text: string }> {
  const [r, ping] = await Promise.all([req('GET', path, auth), req('GET', '/ping')]);
  assert.equal(ping.status, 200);
  return r;
}

const filtered = (filter: string) => `/rx?filter=${encodeURIComponent(filter)}`;

before(async () => {
  srv = await spawnServer({ dataDir, rho: '/mongoAclAuthorizer/cache-ttl->0' });
  assert.equal((await req('PUT', '/rx')).status, 201);
  assert.equal((await req('POST', '/rx', ADMIN, Array.from({ length: 20 }, (_, i) => ({ _id: i, s: EVIL })))).status, 200);
  assert.equal((await req('POST', '/users', ADMIN, { _id: 'rxuser', password: 'rxpw', roles: ['rx'] })).status, 201);
  // catastrophic for a backtracking engine on the path /aaa…ab, which it does not match
  const perm = { _id: 'rxPerm', roles: ['rx'], predicate: "method(GET) and regex(pattern='^/(a+)+$')" };
  assert.equal((await req('POST', '/acl', ADMIN, perm)).status, 201);
});
after(() => {
  srv?.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

describe('catastrophic regular expressions are answered', () => {
  for (const filter of [
    '{"s":{"$regex":"(a+)+$"}}', '{"s":{"$regex":"(a|aa)+$","$options":"i"}}', '{"s":/(.*a){20}$/}',
    '{"s":{"$regex":"(a+ )+$","$options":"x"}}', '{"s":{"$in":[/(a+)+$/]}}', '{"s":{"$all":[/(a|aa)+$/]}}',
  ]) {
    test(`?filter=${filter}`, async () => {
      const r = await withPing(filtered(filter));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(JSON.parse(r.text), []);
    });
  }
  test('$expr with $regexMatch and $regexFind', async () => {
    for (const filter of [
      '{"$expr":{"$regexMatch":{"input":"$s","regex":"(a+)+$"}}}',
      '{"$expr":{"$regexMatch":{"input":"$s","regex":"(a|aa)+$","options":"i"}}}',
      '{"$expr":{"$ne":[{"$regexFind":{"input":"$s","regex":"(a+)+$"}},null]}}',
    ]) {
      const r = await withPing(filtered(filter));
      assert.equal(r.status, 200, r.text);
      assert.deepEqual(JSON.parse(r.text), [], filter);
    }
  });
  test('patterns that match find every document', async () => {
    for (const filter of ['{"s":{"$regex":"^(a+)+b$"}}', '{"s":{"$not":/(a|aa)+$/}}']) {
      const r = await withPing(filtered(filter));
      assert.equal(JSON.parse(r.text).length, 20, filter);
    }
  });
  test('an ACL regex predicate', async () => {
    const r = await withPing(`/${EVIL}`, USER);
    assert.equal(r.status, 403, r.text);
  });
});

test('a pattern RE2 cannot run in linear time is a 400 with RESTHeart\'s error body', async () => {
  const r = await withPing(filtered('{"s":{"$regex":"^(a)\\\\1"}}'));
  assert.equal(r.status, 400, r.text);
  const body = JSON.parse(r.text);
  assert.equal(body['http status code'], 400);
  assert.match(body.message, /^Invalid query parameter: Regular expression is invalid or not supported: .*linear time/);
});
