// Vetoers and guards over HTTP (SECURITY.md §6.3, §4; CORS.md §4): originVetoer and
// bruteForceAttackGuard.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { REALM, basic, cases, corsNoPoweredBy, send, type Case } from './http-support.ts';

const GOOD = 'https://good.example';
const EVIL = 'https://evil.example';
const vetoed = (origin: string): Partial<Case> => ({ status: 403, expectBody: '', expectHeaders: { ...corsNoPoweredBy(origin), 'WWW-Authenticate': null } });

describe('originVetoer: whitelist', () => {
  cases({ rho: `/originVetoer/enabled->true;/originVetoer/whitelist->["${GOOD}", "http://localhost"]` }, [
    {
      name: 'genuine preflight (OPTIONS + Origin + Access-Control-Request-Method) from a non-whitelisted origin → 200',
      method: 'OPTIONS', path: '/users', auth: null, headers: { Origin: EVIL, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
      status: 200, expectBody: '', expectHeaders: { 'Access-Control-Allow-Origin': EVIL, 'Access-Control-Allow-Methods': /GET/, 'Access-Control-Allow-Headers': /Authorization/ },
    },
    { name: 'actual request from a non-whitelisted origin → 403 with CORS headers, empty body, no X-Powered-By', method: 'GET', path: '/users', headers: { Origin: EVIL }, status: 403, ...vetoed(EVIL) },
    { name: 'actual POST from a non-whitelisted origin → 403 and nothing written', method: 'POST', path: '/acl', headers: { Origin: EVIL }, body: { _id: 'x', roles: ['user'], predicate: 'true' }, status: 403, ...vetoed(EVIL) },
    { name: 'nothing was written by the vetoed POST', method: 'GET', path: '/acl/x', status: 404 },
    { name: 'whitelisted origin → 200', method: 'GET', path: '/users', headers: { Origin: GOOD }, status: 200, expectHeaders: { 'Access-Control-Allow-Origin': GOOD } },
    { name: 'whitelisted origin with trailing slash → 200', method: 'GET', path: '/users', headers: { Origin: `${GOOD}/` }, status: 200 },
    { name: 'whitelisted origin in upper case → 200', method: 'GET', path: '/users', headers: { Origin: 'HTTPS://GOOD.EXAMPLE' }, status: 200 },
    { name: 'no Origin → allowed (allow-missing-origin default true)', method: 'GET', path: '/users', status: 200 },
    { name: 'origin extending a whitelisted host name (good.example.evil.com) → 403', method: 'GET', path: '/users', headers: { Origin: 'https://good.example.evil.com' }, status: 403, ...vetoed('https://good.example.evil.com') },
    { name: 'whitelisted host on another port (http://localhost:3000) → 403', method: 'GET', path: '/users', headers: { Origin: 'http://localhost:3000' }, status: 403, ...vetoed('http://localhost:3000') },
    { name: 'whitelisted host with another scheme (http://good.example) → 403', method: 'GET', path: '/users', headers: { Origin: 'http://good.example' }, status: 403, ...vetoed('http://good.example') },
    { name: 'Origin "null" → 403', method: 'GET', path: '/users', headers: { Origin: 'null' }, status: 403, ...vetoed('null') },
    { name: 'vetoer runs on not-secure services too: /ping from a non-whitelisted origin → 403', method: 'GET', path: '/ping', auth: null, headers: { Origin: EVIL }, status: 403, ...vetoed(EVIL) },
    { name: 'vetoer on /token from a non-whitelisted origin → 403, no token', method: 'POST', path: '/token', headers: { Origin: EVIL }, status: 403, expectBody: '', expectHeaders: { 'Auth-Token': null, 'Set-Cookie': null } },
    { name: 'authentication runs first: anonymous from a non-whitelisted origin on a secure resource → 401', method: 'GET', path: '/users', auth: null, headers: { Origin: EVIL }, status: 401, expectBody: '', expectHeaders: { ...corsNoPoweredBy(EVIL), 'WWW-Authenticate': REALM } },
    { name: 'plain OPTIONS (no Access-Control-Request-Method) from a non-whitelisted origin is checked like any request → 403', method: 'OPTIONS', path: '/users', auth: null, headers: { Origin: EVIL }, status: 403, expectBody: '' },
    { name: 'OPTIONS with Access-Control-Request-Method but no Origin → allowed (missing origin) → 200', method: 'OPTIONS', path: '/users', auth: null, headers: { 'Access-Control-Request-Method': 'GET' }, status: 200 },
  ]);
});

describe('originVetoer: allow-missing-origin false, patterns, ignore-paths', () => {
  cases({
    rho: '/originVetoer/enabled->true;/originVetoer/whitelist->["https://good.example"];/originVetoer/allow-missing-origin->false;'
      + '/originVetoer/whitelist-patterns->["https://*.apps.example.org"];/originVetoer/ignore-paths->["/ping", "/{coll}/pub"]',
  }, [
    { name: 'no Origin with allow-missing-origin false → 403', method: 'GET', path: '/users', status: 403, expectBody: '' },
    { name: 'whitelisted origin → 200', method: 'GET', path: '/users', headers: { Origin: GOOD }, status: 200 },
    { name: 'origin matching a whitelist pattern → 200', method: 'GET', path: '/users', headers: { Origin: 'https://a.apps.example.org' }, status: 200 },
    { name: 'origin matching a whitelist pattern, case-insensitive → 200', method: 'GET', path: '/users', headers: { Origin: 'https://A.Apps.Example.org' }, status: 200 },
    { name: 'origin not matching the pattern (dot is literal) → 403', method: 'GET', path: '/users', headers: { Origin: 'https://a.appsXexample.org' }, status: 403 },
    { name: 'pattern is a full match (suffix added) → 403', method: 'GET', path: '/users', headers: { Origin: 'https://a.apps.example.org.evil.com' }, status: 403 },
    { name: 'ignored path: /ping from a non-whitelisted origin → 200', method: 'GET', path: '/ping', auth: null, headers: { Origin: EVIL }, status: 200 },
    { name: 'ignored path template: /users/pub from a non-whitelisted origin → passes the vetoer (404, not 403)', method: 'GET', path: '/users/pub', headers: { Origin: EVIL }, status: 404 },
    { name: 'ignore-paths only match lower-case paths: /PING from a non-whitelisted origin → 403', method: 'GET', path: '/PING', headers: { Origin: EVIL }, status: 403 },
    { name: 'genuine preflight without a whitelisted origin still → 200', method: 'OPTIONS', path: '/users', auth: null, headers: { Origin: EVIL, 'Access-Control-Request-Method': 'DELETE' }, status: 200 },
  ]);
});

describe('bruteForceAttackGuard', () => {
  cases({ rho: '/bruteForceAttackGuard/enabled->true' }, [
    {
      name: '6 failed attempts → 401 each; the 7th failed attempt within 10 s → 429',
      method: 'GET', path: '/ping', auth: null, status: 200,
      check: async (_r, srv) => {
        for (let i = 1; i <= 6; i++) {
          const r = await send(srv, 'GET', '/users', { auth: basic('admin', `wrong${i}`), headers: { 'X-Forwarded-For': `10.0.0.${i}` } });
          assert.equal(r.status, 401, `attempt ${i}: ${r.status} ${r.text}`);
        }
        const blocked = await send(srv, 'GET', '/users', { auth: basic('admin', 'wrong7'), headers: { 'X-Forwarded-For': '10.9.9.9' } });
        assert.equal(blocked.status, 429, `attempt 7 (X-Forwarded-For not trusted by default): ${blocked.status} ${blocked.text}`);
      },
    },
    { name: 'still blocked: another failed attempt → 429', method: 'GET', path: '/users', auth: basic('nobody', 'x'), status: 429 },
  ]);
});

describe('bruteForceAttackGuard: max-failed-attempts and trusted X-Forwarded-For', () => {
  cases({ rho: '/bruteForceAttackGuard/enabled->true;/bruteForceAttackGuard/max-failed-attempts->2;/bruteForceAttackGuard/trust-x-forwarded-for->true' }, [
    { name: 'failure 1 from 10.1.1.1 → 401', method: 'GET', path: '/users', auth: basic('admin', 'x1'), headers: { 'X-Forwarded-For': '10.1.1.1' }, status: 401 },
    { name: 'failure 2 from 10.1.1.1 → 401', method: 'GET', path: '/users', auth: basic('admin', 'x2'), headers: { 'X-Forwarded-For': '10.1.1.1' }, status: 401 },
    { name: 'failure 3 from 10.1.1.1 → 401 (2 failures are not > 2)', method: 'GET', path: '/users', auth: basic('admin', 'x3'), headers: { 'X-Forwarded-For': '10.1.1.1' }, status: 401 },
    { name: 'failure 4 from 10.1.1.1 → 429', method: 'GET', path: '/users', auth: basic('admin', 'x4'), headers: { 'X-Forwarded-For': '10.1.1.1' }, status: 429 },
    { name: 'another client address (trusted X-Forwarded-For) is not blocked → 401', method: 'GET', path: '/users', auth: basic('admin', 'x5'), headers: { 'X-Forwarded-For': '10.2.2.2' }, status: 401 },
  ]);
});
