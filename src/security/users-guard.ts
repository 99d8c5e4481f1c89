// Protections of the users collection (SECURITY.md §5.2), applied to MongoDB API requests on it:
// passwords hashed on every write path, removed from every read, never usable in a filter; and
// rootRoleGuard: no write may grant the root role.
import type { MongoRequest } from '../api/context.ts';
import { forbidden } from '../errors.ts';
import { isPlainObject, type Document } from '../engine/values.ts';
import type { MongoRealm } from './realm.ts';

function mentions(v: unknown, key: string, depth = 0): boolean {
  if (depth > 100) return true;
  if (Array.isArray(v)) return v.some((x) => mentions(x, key, depth + 1));
  if (!isPlainObject(v)) return false;
  return Object.entries(v).some(([k, x]) => k === key || k.startsWith(`${key}.`) || mentions(x, key, depth + 1));
}

function grantsRole(v: unknown, role: string, depth = 0): boolean {
  if (depth > 100) return true;
  if (Array.isArray(v)) return v.some((x) => grantsRole(x, role, depth + 1));
  if (!isPlainObject(v)) return false;
  for (const [k, x] of Object.entries(v)) {
    if ((k === 'roles' || k.startsWith('roles.')) && (x === role || (Array.isArray(x) && x.includes(role)) || grantsRole(x, role, depth + 1))) return true;
    if ((k === '$push' || k === '$addToSet' || k === '$set') && isPlainObject(x)) {
      for (const [f, val] of Object.entries(x)) {
        if ((f === 'roles' || f.startsWith('roles.')) && (val === role || (Array.isArray(val) && val.includes(role)) || (isPlainObject(val) && Array.isArray(val.$each) && val.$each.includes(role)))) return true;
      }
    }
    if (grantsRole(x, role, depth + 1)) return true;
  }
  return false;
}

async function hashIn(doc: Document, realm: MongoRealm): Promise<Document> {
  const out: Document = { ...doc };
  const key = realm.propPassword;
  if (typeof out[key] === 'string') out[key] = await realm.hash(out[key] as string);
  for (const op of ['$set', '$setOnInsert'] as const) {
    const o = out[op];
    if (isPlainObject(o) && typeof o[key] === 'string') out[op] = { ...o, [key]: await realm.hash(o[key] as string) };
  }
  return out;
}

export function isUsersRequest(req: MongoRequest, realm: MongoRealm | undefined): boolean {
  return !!realm && req.resource.db === realm.usersDb && req.resource.coll === realm.usersColl;
}

/** Throws 403 when the request must be refused; otherwise arranges hashing and removal. */
export async function guardUsers(req: MongoRequest, realm: MongoRealm, rootRole: string | null): Promise<void> {
  const key = realm.propPassword;
  if (req.method === 'GET' && mentions(req.params.filter, key)) throw forbidden('Using filters on the password property is forbidden');
  if (req.method === 'GET') {
    const previous = req.shape;
    req.shape = (d) => {
      const { [key]: _pwd, ...rest } = previous ? previous(d) : d;
      return rest;
    };
    return;
  }
  if (req.method === 'DELETE') return;
  const body = req.body().value;
  if (rootRole !== null && grantsRole(body, rootRole)) throw forbidden('Forbidden. The request has been logged.');
  if (realm.hashed && body !== undefined) {
    const hashed = Array.isArray(body) ? await Promise.all(body.map((d) => hashIn(d, realm))) : await hashIn(body, realm);
    req.body = () => ({ value: hashed });
  }
}
