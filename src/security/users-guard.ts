// Protections of the users collection (SECURITY.md §5.2), applied to MongoDB API requests on it:
// passwords hashed on every write path, removed from every read, never readable by a query
// (users-reads.ts); and rootRoleGuard: no write may grant the root role (users-roles.ts).
import type { MongoRequest } from '../api/context.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import type { MongoRealm } from './realm.ts';
import { guardPasswordReads } from './users-reads.ts';
import { guardRootRole } from './users-roles.ts';

/** A plain password → its hash; in a pipeline stage a string is an expression, so the hash goes in as a literal. */
async function hashed(v: unknown, realm: MongoRealm, pipeline: boolean): Promise<unknown> {
  const plain = pipeline && isPlainObject(v) ? v.$literal : v;
  if (typeof plain !== 'string') return v;
  const hash = await realm.hash(plain);
  return pipeline ? { $literal: hash } : hash;
}

/** Hashes the password wherever `doc` sets it: a document, an update's $set/$setOnInsert, a pipeline stage. */
async function hashIn(doc: Document, realm: MongoRealm, pipeline: boolean): Promise<Document> {
  const out: Document = { ...doc };
  const key = realm.propPassword;
  if (!pipeline && Object.hasOwn(out, key)) out[key] = await hashed(out[key], realm, false);
  for (const op of pipeline ? ['$set', '$addFields'] : ['$set', '$setOnInsert']) {
    const o = out[op];
    if (isPlainObject(o) && Object.hasOwn(o, key)) out[op] = { ...o, [key]: await hashed(o[key], realm, pipeline) };
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
    // an array is a bulk POST's documents, or a PATCH's update pipeline
    const pipeline = Array.isArray(body) && req.method === 'PATCH';
    const value = Array.isArray(body) ? await Promise.all(body.map((d) => hashIn(d, realm, pipeline))) : await hashIn(body, realm, false);
    req.body = () => ({ value });
  }
}
