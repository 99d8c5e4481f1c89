// rootRoleGuard (SECURITY.md §5.2), judged on what a write would store, not on the shape of its
// body: a role can be assembled by $rename, a pipeline, an upsert seeded from the filter... So each
// document a write on the users collection would produce is computed the way the write computes
// it (the body as a document, or the update applied to the stored document or to the upsert seed),
// and the request is refused with 403 when
// - it gives the root role to a document that did not have it, whoever the caller (as RESTHeart:
//   even the root role cannot create root users over the API), or
// - the caller lacks the root role and a document it writes has the root role before or after:
//   changing a root user's password or roles is taking over the root role.
// The write is then pinned to the exact stored versions that were judged, so that a concurrent
// write cannot change the document between the check and the write: it then finds nothing (404,
// or 409 for an upsert) instead of applying to an unjudged version.
import { newEtag, type MongoRequest } from '../api/context.ts';
import { idFromUrl } from '../api/ids.ts';
import { documentFromBody, updateFromBody } from '../api/write-body.ts';
import type { Filter, UpdateSpec } from '../engine/types.ts';
import { applyUpdate } from '../engine/update.ts';
import { positionalIndex, upsertSeed } from '../engine/update-rules.ts';
import type { Document } from '../engine/values.ts';
import { forbidden } from '../errors.ts';
import { jsonPath } from './realm.ts';

interface Write {
  /** the stored document it applies to; null when it creates one */
  before: Document | null;
  /** what it would store */
  after: Document;
}

export interface RootRule {
  role: string;
  /** where a user document keeps its roles (json-path-roles) */
  rolesPath: string;
  callerIsRoot: boolean;
}

/** A filter no stored document matches (and that seeds nothing in an upsert). */
const NOTHING: Filter = { _docrest_never: { $in: [] } };

// An update the engine would refuse is refused here with the engine's own error: where the
// engines could differ (MongoDB knows operators this one lacks), nothing unjudged is written.
function updated(doc: Document, update: UpdateSpec, filter: Filter): Document {
  return applyUpdate(doc, update, { isUpsertInsert: false, now: new Date(), positional: (path) => positionalIndex(filter, doc, path) });
}

function upserted(filter: Filter, update: UpdateSpec): Document {
  return applyUpdate(upsertSeed(filter), update, { isUpsertInsert: true, now: new Date() });
}

/**
 * The documents a write would touch, before and after, computed as the handlers and engines do;
 * undefined for requests that write no document (collection metadata, indexes).
 */
async function writesOf(req: MongoRequest): Promise<Write[] | undefined> {
  const coll = req.engine.db(req.resource.db!).collection(req.resource.coll!);
  const { filter, writeMode } = req.params;
  const within = (byId: Filter): Filter => (filter ? { $and: [byId, filter] } : byId);
  const body = req.body().value;
  const noData = body === undefined || (!Array.isArray(body) && Object.keys(body).length === 0);
  switch (`${req.resource.type} ${req.method}`) {
    case 'COLLECTION POST': {
      const docs = Array.isArray(body) ? body : [body ?? {}];
      return Promise.all(docs.map(async (d) => {
        const after = documentFromBody(d);
        const replaces = (writeMode ?? 'insert') !== 'insert' && after._id !== undefined;
        return { before: replaces ? await coll.findOne(within({ _id: after._id })) : null, after };
      }));
    }
    case 'DOCUMENT PUT': {
      if (Array.isArray(body)) return [];
      const id = idFromUrl(req.resource.docId!, req.params.idType);
      const after = { ...documentFromBody(body ?? {}), _id: id };
      return [{ before: writeMode === 'insert' ? null : await coll.findOne(within({ _id: id })), after }];
    }
    case 'DOCUMENT PATCH': {
      if (noData) return [];
      const id = idFromUrl(req.resource.docId!, req.params.idType);
      const update = updateFromBody(body, { _etag: newEtag() });
      if (writeMode === 'insert') return [{ before: null, after: upserted({ _id: id }, update) }];
      const target = within({ _id: id });
      const before = await coll.findOne(target);
      if (before) return [{ before, after: updated(before, update, target) }];
      return writeMode === 'upsert' ? [{ before: null, after: upserted(target, update) }] : [];
    }
    case 'BULK_DOCUMENTS PATCH': {
      if (noData || !filter || !req.params.raw.has('filter')) return [];
      const update = updateFromBody(body, {});
      return (await coll.find(filter)).map((before) => ({ before, after: updated(before, update, filter) }));
    }
    default:
      return undefined;
  }
}

/** Only the judged versions may be written: each by its _id and its exact content. */
function pin(req: MongoRequest, judged: Document[]): void {
  const exactly = (d: Document): Filter => ({ _id: d._id, $expr: { $eq: ['$$ROOT', { $literal: d }] } });
  const p = judged.length === 0 ? NOTHING : judged.length === 1 ? exactly(judged[0]!) : { $or: judged.map(exactly) };
  req.params.filter = req.params.filter ? { $and: [req.params.filter, p] } : p;
}

/** Throws 403 when a write on the users collection would grant or touch the root role (see top). */
export async function guardRootRole(req: MongoRequest, rule: RootRule): Promise<void> {
  const hasRoot = (d: Document | null) => {
    const roles = d && jsonPath(d, rule.rolesPath);
    return Array.isArray(roles) && roles.includes(rule.role);
  };
  const writes = await writesOf(req);
  if (!writes) return;
  for (const { before, after } of writes) {
    const was = hasRoot(before);
    const will = hasRoot(after);
    if (rule.callerIsRoot ? will && !was : was || will) throw forbidden('Forbidden. The request has been logged.');
  }
  pin(req, writes.flatMap((w) => (w.before ? [w.before] : [])));
}
