// Adversarial: rootRoleGuard (SECURITY.md §5.2) attacked by a user manager who may write /users but
// is not root, and by root itself: the root role assembled by $rename, pipelines, array operators,
// upsert seeds, bulk writes, write modes; root users taken over; and a race between a check and a
// write. Every attack is paired with the same write giving a harmless role (the control).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { q, probes, storedDoc, type Probe, type Req } from './adversarial-support.ts';
import { addPermissions, basic, createUser, errorBody, must, send, type TestServer } from './http-support.ts';

const MGR = basic('mgr', 'mpw');
const ROOT_GUARD = errorBody(403, 'Forbidden', 'Forbidden. The request has been logged.');
const refused = (r: { json: () => unknown }) => assert.deepEqual(r.json(), ROOT_GUARD);

async function setup(srv: TestServer): Promise<void> {
  await createUser(srv, 'mgr', 'mpw', ['usermgr']);
  // targets without a password: no bcrypt cost, and they never log in
  await must(srv, 'POST', '/users', { _id: 't1', roles: ['user'] });
  await addPermissions(srv, [{
    _id: 'manageUsers', roles: ['usermgr'], predicate: "path-prefix('/users')",
    mongo: { allowBulkPatch: true, allowBulkDelete: true, allowWriteMode: true },
  }]);
}

/** t1 reset by admin: roles ["user"], tmp holding the root role, tmp2 a harmless one. */
const RESET: Req = { method: 'PUT', path: '/users/t1', body: { roles: ['user'], tmp: ['admin'], tmp2: ['editor'] } };

/** One write as the manager: with the root role → 403 and nothing stored; with "editor" → granted. */
function grant(name: string, method: string, path: string, body: (role: string) => unknown, granted = 200, auth: string = MGR): Probe {
  const ctl = path.replace('EVIL', 'fine');
  return {
    name: `${name} → 403; with a harmless role → ${granted}`,
    prepare: [RESET],
    attack: { method, path: path.replace('EVIL', 'evil').replace('ROLE', 'admin'), auth, body: body('admin'), status: 403, check: refused },
    control: { method, path: ctl.replace('ROLE', 'editor'), auth, body: body('editor'), status: granted },
  };
}

const OPERATORS: Probe[] = [
  {
    name: 'the issue\'s two steps: tmp=["admin"] (allowed), then $rename tmp→roles → 403; tmp2→roles → 200',
    prepare: [RESET, { method: 'PATCH', path: '/users/t1', auth: MGR, body: { tmp: ['admin'] } }],
    attack: { method: 'PATCH', path: '/users/t1', auth: MGR, body: { $rename: { tmp: 'roles' } }, status: 403, check: refused },
    control: { method: 'PATCH', path: '/users/t1', auth: MGR, body: { $rename: { tmp2: 'roles' } }, status: 200 },
  },
  grant('pipeline $set roles {$literal}', 'PATCH', '/users/t1', (r) => [{ $set: { roles: { $literal: [r] } } }]),
  grant('pipeline $concat', 'PATCH', '/users/t1', (r) => [{ $set: { roles: [{ $concat: [r.slice(0, 2), r.slice(2)] }] } }]),
  grant('pipeline $split', 'PATCH', '/users/t1', (r) => [{ $set: { roles: { $split: [`user,${r}`, ','] } } }]),
  grant('pipeline $concatArrays', 'PATCH', '/users/t1', (r) => [{ $set: { roles: { $concatArrays: ['$roles', { $literal: [r] }] } } }]),
  grant('pipeline roles from a field path', 'PATCH', '/users/t1', (r) => [{ $set: { roles: r === 'admin' ? '$tmp' : '$tmp2' } }]),
  grant('pipeline $replaceWith', 'PATCH', '/users/t1', (r) => [{ $replaceWith: { _id: 't1', roles: { $literal: [r] } } }]),
  grant('pipeline $addFields after $unset', 'PATCH', '/users/t1', (r) => [{ $unset: 'roles' }, { $addFields: { roles: [r] } }]),
  grant('plain roles', 'PATCH', '/users/t1', (r) => ({ roles: ['user', r] })),
  grant('$set roles', 'PATCH', '/users/t1', (r) => ({ $set: { roles: [r] } })),
  grant('$set roles.1', 'PATCH', '/users/t1', (r) => ({ $set: { 'roles.1': r } })),
  grant('$push', 'PATCH', '/users/t1', (r) => ({ $push: { roles: r } })),
  grant('$addToSet $each', 'PATCH', '/users/t1', (r) => ({ $addToSet: { roles: { $each: [r] } } })),
  grant('$max (array order)', 'PATCH', '/users/t1', (r) => ({ $max: { roles: ['zz', r] } })),
  grant('$min (array order)', 'PATCH', '/users/t1', (r) => ({ $min: { roles: r === 'admin' ? ['admin'] : ['zzz'] } })),
  grant('positional $ on roles', 'PATCH', `/users/t1?filter=${q({ roles: 'user' })}`, (r) => ({ $set: { 'roles.$': r } })),
  grant('$setOnInsert on an upsert', 'PATCH', '/users/EVIL1?wm=upsert', (r) => ({ $setOnInsert: { roles: [r] } }), 201),
  grant('an upsert seeded from the filter', 'PATCH', `/users/EVIL2?wm=upsert&filter=${q({ roles: ['ROLE'] })}`, () => ({ email: 'x@y' }), 201),
  grant('wm=insert with a pipeline', 'PATCH', '/users/EVIL3?wm=insert', (r) => [{ $set: { roles: { $literal: [r] } } }], 201),
  grant('PUT', 'PUT', '/users/t1', (r) => ({ roles: [r] })),
  grant('PUT ?wm=upsert of a new user', 'PUT', '/users/EVIL4?wm=upsert', (r) => ({ roles: [r] }), 201),
  grant('POST a new user', 'POST', '/users', (r) => ({ _id: r === 'admin' ? 'evil5' : 'fine5', roles: [r] }), 201),
  grant('POST ?wm=upsert over t1', 'POST', '/users?wm=upsert', (r) => ({ _id: 't1', roles: [r] })),
  grant('POST ?writeMode=update over t1', 'POST', '/users?writeMode=update', (r) => ({ _id: 't1', roles: [r] })),
  grant('bulk POST with one root user among others', 'POST', '/users', (r) => [{ _id: `${r}6a`, roles: ['user'] }, { _id: `${r}6b`, roles: [r] }]),
  grant('bulk POST ?wm=upsert over t1', 'POST', '/users?wm=upsert', (r) => [{ _id: 't1', roles: [r] }]),
  grant('bulk PATCH $rename', 'PATCH', `/users/*?filter=${q({ _id: 't1' })}`, (r) => ({ $rename: { [r === 'admin' ? 'tmp' : 'tmp2']: 'roles' } })),
  grant('bulk PATCH pipeline', 'PATCH', `/users/*?filter=${q({ _id: { $in: ['t1'] } })}`, (r) => [{ $set: { roles: { $concatArrays: ['$roles', [r]] } } }]),
  grant('the manager promoting itself', 'PATCH', '/users/mgr', (r) => ({ $push: { roles: r } })),
];

const ROOT_USERS: Probe[] = [
  ...([
    ['PATCH its password', 'PATCH', '/users/admin', { password: 'pwned' }],
    ['PATCH another field', 'PATCH', '/users/admin', { email: 'x@y' }],
    ['PUT it demoted, with a new password', 'PUT', '/users/admin', { roles: ['user'], password: 'pwned' }],
    ['POST ?wm=upsert over it', 'POST', '/users?wm=upsert', { _id: 'admin', roles: ['user'], password: 'pwned' }],
    ['bulk PATCH its password', 'PATCH', `/users/*?filter=${q({ _id: 'admin' })}`, { password: 'pwned' }],
    ['bulk PATCH of every user', 'PATCH', `/users/*?filter=${q({ _id: { $exists: true } })}`, { $set: { note: 1 } }],
  ] as const).map(([how, method, path, body]): Probe => ({
    name: `a non-root manager writing the root user (${how}) → 403; the same on t1 → 200`,
    attack: { method, path, auth: MGR, body, status: 403, check: refused },
    control: { method: 'PATCH', path: '/users/t1', auth: MGR, body: { email: 'x@y' }, status: 200 },
  })),
  {
    name: 'root itself cannot create a root user → 403; a user → 201',
    attack: { method: 'POST', path: '/users', body: { _id: 'evil7', roles: ['admin'] }, status: 403, check: refused },
    control: { method: 'POST', path: '/users', body: { _id: 'fine7', roles: ['user'] }, status: 201 },
  },
  {
    name: 'root itself cannot grant the root role by $rename → 403; root may edit a root user → 200',
    prepare: [RESET],
    attack: { method: 'PATCH', path: '/users/t1', body: { $rename: { tmp: 'roles' } }, status: 403, check: refused },
    control: { method: 'PATCH', path: '/users/admin', body: { email: 'root@example.org' }, status: 200 },
  },
];

describe('adversarial: the root role cannot be granted, however the document is built', () => {
  const { srv } = probes({ rho: '/mongoAclAuthorizer/cache-ttl->0', setup, watched: ['users'] }, [...OPERATORS, ...ROOT_USERS]);

  test('a race between a judged $rename and a concurrent write cannot grant the root role', async () => {
    const s = srv();
    for (let i = 0; i < 25; i++) {
      await must(s, 'PUT', '/users/t1', { roles: ['user'], tmp: ['editor'] });
      const rename = () => send(s, 'PATCH', '/users/t1', { auth: MGR, body: { $rename: { tmp: 'roles' } } });
      const poison = () => send(s, 'PATCH', '/users/t1', { auth: MGR, body: { tmp: ['admin'] } });
      // both orders of arrival: the write judged first may land last
      const replies = await Promise.all(i % 2 ? [rename(), poison()] : [poison(), rename()]);
      // whichever loses the race finds its judged version gone (404), or is judged after the other (403)
      for (const r of replies) assert.ok([200, 403, 404].includes(r.status), `${r.status} ${r.text}`);
      const roles = (await storedDoc(s, 'users', 't1'))?.roles;
      assert.ok(!(roles as unknown[] | undefined)?.includes('admin'), `round ${i}: t1 became root: ${JSON.stringify(roles)}`);
    }
    // control: without the concurrent write, the same $rename goes through
    await must(s, 'PUT', '/users/t1', { roles: ['user'], tmp: ['editor'] });
    const r = await send(s, 'PATCH', '/users/t1', { auth: MGR, body: { $rename: { tmp: 'roles' } } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((await storedDoc(s, 'users', 't1'))?.roles, ['editor']);
  });
});
