// Adversarial: impersonation through tokens (forged, tampered, re-signed, algorithm swaps, another
// user's token, cookies) against a readFilter bound to the caller, each paired with the genuine
// token; and user enumeration by the time a 401 takes (SECURITY.md §2, §3, §5.1).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { probes, type Probe } from './adversarial-support.ts';
import {
  KEY, addPermissions, basic, createCollection, createUser, must, send, signJwt, startServer, unsignedJwt, type Reply, type TestServer,
} from './http-support.ts';

const RHO = `/mongoAclAuthorizer/cache-ttl->0;/jwtConfigProvider/key->"${KEY}"`;
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString('base64url');

/** alice's genuine token, issued by POST /token. */
let token = '';
const parts = () => token.split('.') as [string, string, string];
const payload = () => JSON.parse(Buffer.from(parts()[1], 'base64url').toString('utf8'));

async function setup(srv: TestServer): Promise<void> {
  await createCollection(srv, 'owned', [{ _id: 'a1', owner: 'alice' }, { _id: 'b1', owner: 'bob', secret: 'bob-private' }]);
  await createUser(srv, 'alice', 'apw', ['user']);
  await must(srv, 'POST', '/users', { _id: 'nopw', roles: ['user'] });
  await addPermissions(srv, [{ _id: 'ownedRead', roles: ['user'], predicate: "method(GET) and path-prefix('/owned')", mongo: { readFilter: { owner: '@user._id' } } }]);
  const r = await send(srv, 'POST', '/token', { auth: basic('alice', 'apw') });
  assert.equal(r.status, 200, r.text);
  token = r.json().access_token;
}

const alicesOnly = (r: Reply) => {
  assert.deepEqual((r.json() as any[]).map((d) => d._id), ['a1'], r.text);
  assert.ok(!r.text.includes('bob-private'), r.text);
};

const GENUINE = { method: 'GET', path: '/owned', auth: null, status: 200, check: alicesOnly };

/** A forged credential in `header` → 401; the genuine one, sent the same way → alice's documents. */
function forged(name: string, value: () => string | Promise<string>, genuine: () => string = () => `Bearer ${token}`, header = 'Authorization'): Probe {
  return {
    name: `${name} → 401; the genuine credential → alice's documents only`,
    attack: {
      method: 'GET', path: '/owned', auth: null, headers: async () => ({ [header]: await value() }), status: 401,
      check: (r) => assert.equal(r.text, ''),
    },
    control: { ...GENUINE, headers: async () => ({ [header]: genuine() }) },
  };
}

const TOKENS: Probe[] = [
  forged('alg:none claiming to be bob', () => `Bearer ${unsignedJwt({ ...payload(), sub: 'bob' })}`),
  forged('alice\'s token with the payload changed to bob (signature kept)', () => `Bearer ${parts()[0]}.${b64url({ ...payload(), sub: 'bob' })}.${parts()[2]}`),
  forged('alice\'s token with roles changed to admin (signature kept)', () => `Bearer ${parts()[0]}.${b64url({ ...payload(), roles: ['admin'] })}.${parts()[2]}`),
  forged('alice\'s token with the header switched to alg:none, signature dropped', () => `Bearer ${b64url({ alg: 'none', typ: 'JWT' })}.${parts()[1]}.`),
  forged('alice\'s token with the header switched to HS512', () => `Bearer ${b64url({ alg: 'HS512', typ: 'JWT' })}.${parts()[1]}.${parts()[2]}`),
  forged('a token for bob signed with another key', async () => `Bearer ${await signJwt({ roles: ['user'] }, { subject: 'bob', key: 'attacker-key' })}`),
  forged('a token signed with another key and a kid/jku pointing to it', async () => `Bearer ${await signJwt({ roles: ['admin'], kid: 'k', jku: 'https://evil.example/jwks' }, { subject: 'admin', key: 'attacker-key' })}`),
  forged('a token for bob, expired', async () => `Bearer ${await signJwt({ roles: ['user'] }, { subject: 'bob', exp: Math.floor(Date.now() / 1000) - 60 })}`),
  forged('alice\'s token with trailing data', () => `Bearer ${token}.x`),
  forged('alice\'s token as Basic password for bob', () => basic('bob', token), () => basic('alice', token)),
  forged('the rh_auth cookie with a tampered token', () => `rh_auth=Bearer_${parts()[0]}.${b64url({ ...payload(), sub: 'bob' })}.${parts()[2]}`,
    () => `rh_auth=Bearer_${token}`, 'Cookie'),
  forged('the rh_auth cookie with alice\'s token as Basic password for bob', () => `rh_auth=Basic_${Buffer.from(`bob:${token}`).toString('base64')}`,
    () => `rh_auth=Basic_${Buffer.from(`alice:${token}`).toString('base64')}`, 'Cookie'),
  {
    name: 'a forged admin cookie next to alice\'s Authorization is ignored → still alice; without it → alice',
    attack: {
      method: 'GET', path: '/owned', auth: basic('alice', 'apw'), headers: { Cookie: `rh_auth=Bearer_${unsignedJwt({ sub: 'bob', roles: ['admin'] })}` },
      status: 200, check: alicesOnly,
    },
    control: { method: 'GET', path: '/owned', auth: basic('alice', 'apw'), status: 200, check: alicesOnly },
  },
];

describe('adversarial: impersonation through tokens', () => {
  probes({ rho: RHO, setup, watched: ['owned', 'users'] }, TOKENS);
});

describe('adversarial: a 401 takes as long for an unknown user as for a wrong password', () => {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  test('unknown users, users without a password and wrong passwords are all checked by bcrypt', async (t) => {
    const srv = await startServer({ rho: RHO });
    t.after(() => srv.close());
    await must(srv, 'POST', '/users', { _id: 'nopw', roles: ['user'] });
    const timed = async (auth: string) => {
      const start = performance.now();
      const r = await send(srv, 'GET', '/ping', { auth });
      return { status: r.status, ms: performance.now() - start };
    };
    const wrong: number[] = [];
    const unknown: number[] = [];
    const noPassword: number[] = [];
    // interleaved, so that a noisy machine slows all three alike
    for (let i = 0; i < 3; i++) {
      for (const [list, auth] of [[wrong, basic('admin', `wrong${i}`)], [unknown, basic(`nobody${i}`, 'secret')], [noPassword, basic('nopw', `x${i}`)]] as const) {
        const { status, ms } = await timed(auth);
        assert.equal(status, 401);
        list.push(ms);
      }
    }
    const known = median(wrong);
    assert.ok(known > 20, `a wrong password must cost a bcrypt comparison (${known} ms)`);
    assert.ok(median(unknown) > known / 2, `unknown user: ${median(unknown)} ms, wrong password: ${known} ms`);
    assert.ok(median(noPassword) > known / 2, `user without password: ${median(noPassword)} ms, wrong password: ${known} ms`);
    // control: verified credentials stay cached, so good credentials do not pay bcrypt each time
    assert.equal((await timed(basic('admin', 'secret'))).status, 200);
    const cached = await timed(basic('admin', 'secret'));
    assert.equal(cached.status, 200);
    assert.ok(cached.ms < known / 2, `a cached credential took ${cached.ms} ms`);
  });
});
