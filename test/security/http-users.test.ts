// The users collection over HTTP (SECURITY.md §5): hashing on every write path, password removal
// on reads, no filters on password, rootRoleGuard, password changes, default admin, file realm.
import assert from 'node:assert/strict';
import { describe } from 'node:test';
import { REALM, basic, cases, errorBody, send, type Case, type Reply, type TestServer } from './http-support.ts';

const ROOT_GUARD = errorBody(403, 'Forbidden', 'Forbidden. The request has been logged.');
const PWD_FILTER = errorBody(403, 'Forbidden', 'Using filters on the password property is forbidden');
const BCRYPT = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

const whoami = (user: string, password: string, roles: string[]): Omit<Case, 'name'> => ({
  method: 'GET', path: `/roles/${user}`, auth: basic(user, password), status: 200, expectBody: { authenticated: true, roles },
});
const rejected = (user: string, password: string): Omit<Case, 'name'> => ({
  method: 'GET', path: `/roles/${user}`, auth: basic(user, password), status: 401, expectBody: '', expectHeaders: { 'WWW-Authenticate': REALM },
});

/** Grey-box: what is stored (the engine behind the server), to check hashing. */
async function stored(srv: TestServer, id: string): Promise<Record<string, unknown> | null> {
  return srv.running.engine.db('restheart').collection('users').findOne({ _id: id }) as Promise<Record<string, unknown> | null>;
}

function noPassword(r: Reply): void {
  const visit = (d: any) => assert.ok(d && typeof d === 'object' && !('password' in d), `password leaked: ${r.text}`);
  const b = r.json();
  if (Array.isArray(b)) b.forEach(visit);
  else visit(b);
  assert.ok(!r.text.includes('$2a$') && !r.text.includes('$2b$'), `hash leaked: ${r.text}`);
}

describe('users: hashing, password removal, password changes', () => {
  cases({}, [
    { name: 'default admin/secret works', ...whoami('admin', 'secret', ['admin']) },
    { name: 'POST /users creates a user → 201', method: 'POST', path: '/users', body: { _id: 'u1', password: 'pw1', roles: ['user'], email: 'u1@x' }, status: 201, expectBody: '' },
    {
      name: 'GET /users/u1 has no password field',
      method: 'GET', path: '/users/u1', status: 200,
      check: (r) => { noPassword(r); const { _etag, ...d } = r.json(); assert.deepEqual(d, { _id: 'u1', roles: ['user'], email: 'u1@x' }); },
    },
    { name: 'GET /users lists users without passwords', method: 'GET', path: '/users', status: 200, check: noPassword },
    { name: 'GET /users?keys={"password":1} still hides passwords', method: 'GET', path: '/users?keys=%7B%22password%22%3A1%7D', status: 200, check: noPassword },
    { name: 'GET /users?np (no properties) hides passwords', method: 'GET', path: '/users/u1?np', status: 200, check: noPassword },
    {
      name: 'the stored password is a bcrypt hash, not the plaintext',
      method: 'GET', path: '/users/u1', status: 200,
      check: async (_r, srv) => { const d = await stored(srv, 'u1'); assert.match(String(d?.password), BCRYPT); },
    },
    { name: 'the new user logs in with its password', ...whoami('u1', 'pw1', ['user']) },
    { name: 'the new user with a wrong password → 401', ...rejected('u1', 'pw1x') },
    {
      name: 'the stored hash itself is not accepted as password → 401',
      method: 'GET', path: '/roles/u1', auth: basic('u1', 'pw1'), status: 200,
      check: async (_r, srv) => {
        const hash = String((await stored(srv, 'u1'))?.password);
        const r = await send(srv, 'GET', '/roles/u1', { auth: basic('u1', hash) });
        assert.equal(r.status, 401, r.text);
      },
    },
    { name: 'PATCH /users/u1 password → 200', method: 'PATCH', path: '/users/u1', body: { password: 'pw2' }, status: 200 },
    { name: 'after PATCH the old password fails (no stale credential cache)', ...rejected('u1', 'pw1') },
    { name: 'after PATCH the new password works', ...whoami('u1', 'pw2', ['user']) },
    {
      name: 'the patched password is stored hashed',
      method: 'GET', path: '/users/u1', status: 200,
      check: async (_r, srv) => { const d = await stored(srv, 'u1'); assert.match(String(d?.password), BCRYPT); },
    },
    { name: 'PATCH with $set password → 200', method: 'PATCH', path: '/users/u1', body: { $set: { password: 'pw3' } }, status: 200 },
    { name: 'after $set the previous password fails', ...rejected('u1', 'pw2') },
    { name: 'after $set the new password works', ...whoami('u1', 'pw3', ['user']) },
    { name: 'PATCH pipeline $set password → 200', method: 'PATCH', path: '/users/u1', body: [{ $set: { password: 'pw4' } }], status: 200 },
    { name: 'after a pipeline $set the new password works (hashed as a literal)', ...whoami('u1', 'pw4', ['user']) },
    { name: 'PATCH pipeline $addFields password {$literal} → 200', method: 'PATCH', path: '/users/u1', body: [{ $addFields: { password: { $literal: 'pw3' } } }], status: 200 },
    {
      name: 'the pipeline-set password is stored hashed and works',
      ...whoami('u1', 'pw3', ['user']),
      check: async (_r, srv) => { assert.match(String((await stored(srv, 'u1'))?.password), BCRYPT); },
    },
    { name: 'PUT /users/u2?wm=upsert → 201', method: 'PUT', path: '/users/u2?wm=upsert', body: { password: 'pw-u2', roles: ['user'] }, status: 201 },
    { name: 'PUT-created user logs in', ...whoami('u2', 'pw-u2', ['user']) },
    {
      name: 'PUT-created password stored hashed',
      method: 'GET', path: '/users/u2', status: 200,
      check: async (r, srv) => { noPassword(r); assert.match(String((await stored(srv, 'u2'))?.password), BCRYPT); },
    },
    { name: 'PUT /users/u2 replacing the password → 200', method: 'PUT', path: '/users/u2', body: { password: 'pw-u2b', roles: ['user'] }, status: 200 },
    { name: 'after PUT the old password fails', ...rejected('u2', 'pw-u2') },
    { name: 'after PUT the new password works', ...whoami('u2', 'pw-u2b', ['user']) },
    { name: 'PATCH roles of a logged-in user → 200', method: 'PATCH', path: '/users/u2', body: { roles: ['user', 'extra'] }, status: 200 },
    { name: 'the role change is visible at the next request (no stale account cache)', ...whoami('u2', 'pw-u2b', ['user', 'extra']) },
    { name: 'DELETE /users/u2 → 204', method: 'DELETE', path: '/users/u2', status: 204 },
    { name: 'a deleted user can no longer log in (no stale cache)', ...rejected('u2', 'pw-u2b') },
    {
      name: 'bulk POST of users → 200, every password hashed',
      method: 'POST', path: '/users', body: [{ _id: 'b1', password: 'x1', roles: ['user'] }, { _id: 'b2', password: 'x2', roles: ['user'] }], status: 200,
      check: async (_r, srv) => {
        for (const id of ['b1', 'b2']) assert.match(String((await stored(srv, id))?.password), BCRYPT, id);
      },
    },
    { name: 'bulk-created b1 logs in', ...whoami('b1', 'x1', ['user']) },
    { name: 'bulk-created b2 logs in', ...whoami('b2', 'x2', ['user']) },
    { name: 'filter on password → 403', method: 'GET', path: `/users?filter=${encodeURIComponent('{"password":{"$exists":true}}')}`, status: 403, expectBody: PWD_FILTER },
    { name: 'filter on password nested in $or → 403', method: 'GET', path: `/users?filter=${encodeURIComponent('{"$or":[{"_id":"x"},{"password":{"$regex":"^\\\\$2"}}]}')}`, status: 403, expectBody: PWD_FILTER },
    { name: 'filter on password nested in $and/$not → 403', method: 'GET', path: `/users?filter=${encodeURIComponent('{"$and":[{"password":{"$not":{"$eq":"x"}}}]}')}`, status: 403, expectBody: PWD_FILTER },
    { name: 'filter on password on a document GET → 403', method: 'GET', path: `/users/u1?filter=${encodeURIComponent('{"password":"x"}')}`, status: 403, expectBody: PWD_FILTER },
    { name: 'filter on password on _size → 403', method: 'GET', path: `/users/_size?filter=${encodeURIComponent('{"password":{"$gt":""}}')}`, status: 403, expectBody: PWD_FILTER },
    { name: 'filter on password.<sub> → 403', method: 'GET', path: `/users?filter=${encodeURIComponent('{"password.x":1}')}`, status: 403, expectBody: PWD_FILTER },
    { name: 'filter on another field → 200', method: 'GET', path: `/users?filter=${encodeURIComponent('{"_id":"u1"}')}`, status: 200, check: noPassword },
    { name: 'POST a user with roles ["admin"] → 403 even as admin (rootRoleGuard)', method: 'POST', path: '/users', body: { _id: 'evil', password: 'p', roles: ['admin'] }, status: 403, expectBody: ROOT_GUARD },
    { name: 'PUT a user with roles ["user","admin"] → 403', method: 'PUT', path: '/users/evil', body: { password: 'p', roles: ['user', 'admin'] }, status: 403, expectBody: ROOT_GUARD },
    { name: 'PATCH roles ["admin"] → 403', method: 'PATCH', path: '/users/u1', body: { roles: ['admin'] }, status: 403, expectBody: ROOT_GUARD },
    { name: 'PATCH $push roles "admin" → 403', method: 'PATCH', path: '/users/u1', body: { $push: { roles: 'admin' } }, status: 403, expectBody: ROOT_GUARD },
    { name: 'PATCH $addToSet roles {$each:["admin"]} → 403', method: 'PATCH', path: '/users/u1', body: { $addToSet: { roles: { $each: ['admin'] } } }, status: 403, expectBody: ROOT_GUARD },
    { name: 'PATCH $set roles.0 = "admin" → 403', method: 'PATCH', path: '/users/u1', body: { $set: { 'roles.0': 'admin' } }, status: 403, expectBody: ROOT_GUARD },
    { name: 'PATCH $set roles ["admin"] → 403', method: 'PATCH', path: '/users/u1', body: { $set: { roles: ['admin'] } }, status: 403, expectBody: ROOT_GUARD },
    { name: 'bulk POST with one admin user → 403', method: 'POST', path: '/users', body: [{ _id: 'ok1', password: 'p', roles: ['user'] }, { _id: 'evil2', password: 'p', roles: ['admin'] }], status: 403, expectBody: ROOT_GUARD },
    { name: 'bulk PATCH granting admin → 403', method: 'PATCH', path: `/users/*?filter=${encodeURIComponent('{"_id":"u1"}')}`, body: { $push: { roles: 'admin' } }, status: 403, expectBody: ROOT_GUARD },
    { name: 'after all refused writes u1 still has roles ["user"]', ...whoami('u1', 'pw3', ['user']) },
    { name: 'no refused user was created', method: 'GET', path: `/users?filter=${encodeURIComponent('{"_id":{"$in":["evil","evil2","ok1"]}}')}`, status: 200, expectBody: [] },
    { name: 'change the default password: PATCH /users/admin → 200', method: 'PATCH', path: '/users/admin', body: { password: 'n3w-Secret' }, status: 200 },
    { name: 'admin/secret no longer works', ...rejected('admin', 'secret') },
    { name: 'admin with the new password works', ...whoami('admin', 'n3w-Secret', ['admin']) },
  ]);
});

describe('users: fileRealmAuthenticator', () => {
  cases({
    rho: '/basicAuthMechanism/authenticator->"fileRealmAuthenticator";/fileRealmAuthenticator/enabled->true;'
      + '/fileRealmAuthenticator/users->[{"userid":"f","password":"p","roles":["r"]},{"userid":"root","password":"rootpw","roles":["admin"]}]',
  }, [
    { name: 'file user f:p → authenticated with its roles', ...whoami('f', 'p', ['r']) },
    { name: 'file user with a wrong password → 401', ...rejected('f', 'x') },
    { name: 'unknown user → 401', ...rejected('nobody', 'p') },
    { name: 'the Mongo-realm default admin is not used by Basic → 401', ...rejected('admin', 'secret') },
    { name: 'file user with role admin is root → GET /users 200', method: 'GET', path: '/users', auth: basic('root', 'rootpw'), status: 200 },
    { name: 'file user without a matching permission → 403', method: 'GET', path: '/users', auth: basic('f', 'p'), status: 403, expectBody: '' },
    {
      name: 'POST /token as a file user → token for it',
      method: 'POST', path: '/token', auth: basic('f', 'p'), status: 200,
      expectBodyPartial: { username: 'f', roles: ['r'], token_type: 'Bearer' },
    },
  ]);
});
