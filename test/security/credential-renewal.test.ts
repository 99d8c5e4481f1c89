// Verified credentials are checked again before their cache entry expires (security/realm.ts): a
// client that keeps sending the same Basic credentials never waits for bcrypt after its first
// request. Observed through docrest_auth_password_checks_total, not through timings: the sleeps
// here only need to be long enough, and a slow machine makes the renewal test pass without
// renewing (the entry expired, its check ran in the foreground) rather than fail.
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { docrestMetricsJson } from '../../src/metrics/docrest-registry.ts';
import { call, startServer, type TestServer } from '../helpers/server.ts';

const TTL = 4000;

async function checks(): Promise<number> {
  const m = (await docrestMetricsJson()).find((x) => x.name === 'docrest_auth_password_checks_total');
  return Number(m?.values[0]?.value ?? 0);
}

async function ping(srv: TestServer): Promise<void> {
  assert.equal((await call(srv, 'GET', '/ping')).status, 200);
}

describe('credential cache renewal', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startServer({ rho: `/mongoRealmAuthenticator/cache-ttl->${TTL}` });
  });
  after(async () => srv.close());

  test('an entry used in its last quarter is checked again in the background and outlives its first TTL', async () => {
    const c0 = await checks();
    await ping(srv);
    // the entry was made before this answer: it expires by verified + TTL, its last quarter begins by verified + 3/4 TTL
    const verified = Date.now();
    assert.equal(await checks(), c0 + 1, 'the first request checks the password');
    await ping(srv);
    assert.equal(await checks(), c0 + 1, 'a fresh entry answers without a check');
    await sleep(verified + TTL * 0.8 - Date.now());
    await ping(srv);
    for (let i = 0; i < 500 && (await checks()) < c0 + 2; i++) await sleep(10);
    assert.equal(await checks(), c0 + 2, 'a use in the last quarter renews the entry, once');
    await sleep(verified + TTL * 1.1 - Date.now());
    await ping(srv);
    assert.equal(await checks(), c0 + 2, 'past the first TTL, the renewed entry still answers');
  });

  test('a wrong password is never answered from the cache, and costs a check each time', async () => {
    const c0 = await checks();
    for (let i = 0; i < 2; i++) {
      const r = await call(srv, 'GET', '/ping', { headers: { Authorization: `Basic ${Buffer.from('admin:wrong').toString('base64')}` } });
      assert.equal(r.status, 401);
    }
    assert.equal(await checks(), c0 + 2);
  });
});
