// Protections of the users collection (SECURITY.md §5.2), applied to MongoDB API requests on it:
// passwords hashed on every write path, removed from every read, never readable by a query
// (users-reads.ts); and rootRoleGuard: no write may grant the root role (users-roles.ts).
import type { MongoRequest } from '../api/context.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import type { MongoRealm } from './realm.ts';
import { guardPasswordReads } from './users-reads.ts';
import { guardRootRole } from './users-roles.ts';

/** Where a password can be set: the document itself, update operators and pipeline stages. */
const SETTERS = ['$set', '$setOnInsert', '$addFields'] as const;

async function hashIn(doc: Document, realm: MongoRealm): Promise<Document> {
  const out: Document = { ...doc };
  const key = realm.propPassword;
  if (typeof out[key] === 'string') out[key] = await realm.hash(out[key] as string);
  for (const op of SETTERS) {
    const o = out[op];
    if (isPlainObject(o) && typeof o[key] === 'string') out[op] = { ...o, [key]: await realm.hash(o[key] as string) };
  }
  return out;
}

export function isUsersRequest(req: MongoRequest, realm: MongoRealm | undefined): boolean {
  return !!realm && req.resource.db === realm.usersDb && req.resource.coll === realm.usersColl;
}

/** Throws 403 when the request must be refused; otherwise arranges hashing and removal. */
export async function guardUsers(req: MongoRequest, realm: MongoRealm, root: { role: string | null; caller: boolean }): Promise<void> {
  const key = realm.propPassword;
  await guardPasswordReads(req, key);
  if (req.method === 'GET') {
    const previous = req.shape;
    req.shape = (d) => {
      const { [key]: _pwd, ...rest } = previous ? previous(d) : d;
      return rest;
    };
    return;
  }
  if (req.method === 'DELETE') return;
  if (root.role !== null) await guardRootRole(req, { role: root.role, rolesPath: realm.rolesPath, callerIsRoot: root.caller });
  const body = req.body().value;
  if (realm.hashed && body !== undefined) {
    const hashed = Array.isArray(body) ? await Promise.all(body.map((d) => hashIn(d, realm))) : await hashIn(body, realm);
    req.body = () => ({ value: hashed });
  }
}
