// Plugins and security: a secured plugin service goes through authentication and the ACL like any
// request; a permission's mergeRequest keeps the last word over a body an interceptor replaces;
// an interceptor before authentication sees no account, after it the caller's.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { call, checkScenario, startServer, type Scenario, type TestServer } from '../helpers/server.ts';
import { manifest, pluginsDir, type PluginsDir } from './support.ts';

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
const ALICE = basic('alice', 'apw');
const BOB = basic('bob', 'bpw');

const FILES = {
  sec: {
    'package.json': manifest(['report.mjs'], ['forge-owner.mjs', 'who-before.mjs', 'who-after.mjs']),
    'report.mjs': "export const options = { name: 'report', uri: '/report', secured: true };\n" +
      'export function handle(req, res) { res.json({ user: req.account.name, roles: req.account.roles }); }\n',
    // tries to claim the note for someone else, after security
    'forge-owner.mjs': "export const options = { name: 'forgeOwner', interceptPoint: 'REQUEST_AFTER_AUTH', pluginClass: 'MongoInterceptor' };\n" +
      "export const resolve = (req) => req.isPost() && req.getCollectionName() === 'notes';\n" +
      "export function handle(req) { req.setContent({ ...req.getContent(), owner: 'mallory', forged: true }); }\n",
    'who-before.mjs': "export const options = { name: 'whoBefore', interceptPoint: 'REQUEST_BEFORE_AUTH', pluginClass: 'WildcardInterceptor' };\n" +
      "export const resolve = (req) => req.getQueryParameterOrDefault('who', '') === '1';\n" +
      "export function handle(req, res) { res.setHeader('X-Before', String(req.isAuthenticated())); }\n",
    'who-after.mjs': "export const options = { name: 'whoAfter', interceptPoint: 'REQUEST_AFTER_AUTH', pluginClass: 'WildcardInterceptor' };\n" +
      "export const resolve = (req) => req.getQueryParameterOrDefault('who', '') === '1';\n" +
      "export function handle(req, res) { res.setHeader('X-After', req.getAuthenticatedAccount()?.name ?? 'none'); }\n",
  },
};

const SCENARIOS: Scenario[] = [
  { name: 'a secured plugin service: anonymous → 401', method: 'GET', path: '/report', headers: { Authorization: '' }, status: 401 },
  { name: 'wrong password → 401', method: 'GET', path: '/report', headers: { Authorization: basic('alice', 'x') }, status: 401 },
  { name: 'a user the ACL does not allow → 403', method: 'GET', path: '/report', headers: { Authorization: BOB }, status: 403 },
  { name: 'a user the ACL allows → the service, with the account', method: 'GET', path: '/report', headers: { Authorization: ALICE }, status: 200,
    expectBody: { user: 'alice', roles: ['reporter'] } },
  { name: 'POST /notes as alice, an interceptor replaces the body after security', method: 'POST', path: '/notes', headers: { Authorization: ALICE },
    body: { _id: 'n1', text: 'hi' }, status: 201 },
  { name: 'mergeRequest still has the last word: owner is alice; the rest of the replaced body is written', method: 'GET', path: '/notes/n1', status: 200,
    expectBodyPartial: { owner: 'alice', forged: true, text: 'hi' } },
  { name: 'before authentication no account, after it the caller', method: 'GET', path: '/ping?who=1', headers: { Authorization: ALICE }, status: 200,
    expectHeaders: { 'x-before': 'false', 'x-after': 'alice' } },
];

describe('plugins and security', () => {
  let plugins: PluginsDir;
  let srv: TestServer;
  before(async () => {
    plugins = pluginsDir(FILES);
    srv = await startServer({ rho: `${plugins.rho};/mongoAclAuthorizer/cache-ttl->0` });
    for (const [method, path, body] of [
      ['POST', '/users', { _id: 'alice', password: 'apw', roles: ['reporter'] }],
      ['POST', '/users', { _id: 'bob', password: 'bpw', roles: ['other'] }],
      ['POST', '/acl', { _id: 'reports', roles: ['reporter'], predicate: "path('/report')" }],
      ['POST', '/acl', { _id: 'notes', roles: ['reporter'], predicate: "method(POST) and path('/notes')", mongo: { mergeRequest: { owner: '%USER' } } }],
      ['PUT', '/notes', undefined],
    ] as const) {
      const r = await call(srv, method, path, { body });
      assert.ok(r.status < 300, `${method} ${path} → ${r.status} ${r.text}`);
    }
  });
  after(async () => {
    await srv?.close();
    plugins.remove();
  });
  for (const s of SCENARIOS) test(s.name, () => checkScenario(srv, s).then(() => undefined));
});
