// Validation of document writes against the collection's `jsonSchema` metadata (API.md §9.3):
// `{"jsonSchema": {"schemaId": <id>, "schemaStoreDb": <db, default this db>, "skipNotSupported": <bool>}}`.
//
// What is validated, as RESTHeart does: for POST and PUT (single, bulk, any write mode) the
// document the body stores (without the server's `_etag` and without an `_id` the client did not
// send); for PATCH the whole document the update produces (`_id` and the new `_etag` included),
// computed here with the engine's own update rules and then written as computed, only over the
// exact version it was computed from (a concurrent write makes it compute again): what is stored
// is always what was validated, on both engines.
import type { Collection, Filter, UpdateResult, UpdateSpec } from '../engine/types.ts';
import { applyUpdate } from '../engine/update.ts';
import { positionalIndex, upsertSeed } from '../engine/update-rules.ts';
import { ObjectId, isPlainObject, type Document } from '../engine/values.ts';
import { DUPLICATE_KEY, EngineError, HttpError, badRequest, conflict, notImplemented } from '../errors.ts';
import { renderJson } from '../json/render.ts';
import type { MongoRequest } from './context.ts';
import { collProps } from './meta.ts';
import { SchemaInvalid, SchemaNotFound, schemaValidator, violations, type SchemaId } from './schema-store.ts';

export interface CollectionSchema {
  db: string;
  id: SchemaId;
  skipNotSupported: boolean;
}

const wrong = (detail: string) => new HttpError(500, `wrong 'jsonSchema': ${detail}`);

/** The collection's `jsonSchema`, or undefined when its writes are not validated. */
export async function collectionSchema(req: MongoRequest): Promise<CollectionSchema | undefined> {
  const { db, coll } = req.resource;
  const js = (await collProps(req.engine, db!, coll!))?.jsonSchema;
  if (!isPlainObject(js)) return undefined;
  if (js.schemaId === undefined) throw wrong('missing property schemaId');
  if (js.schemaStoreDb !== undefined && typeof js.schemaStoreDb !== 'string') throw wrong('property schemaStoreDb must be a string');
  if (typeof js.schemaId !== 'string' && !(js.schemaId instanceof ObjectId)) throw wrong("schema 'id' is not valid");
  return { db: js.schemaStoreDb ?? db!, id: js.schemaId, skipNotSupported: js.skipNotSupported === true };
}

/** Bulk PATCH cannot be validated document by document: refused unless the metadata says skip. */
export function refuseBulkPatch(schema: CollectionSchema | undefined): void {
  if (schema && !schema.skipNotSupported) {
    throw notImplemented("'jsonSchema' checker does not support bulk PATCH requests. Set 'skipNotSupported:true' to allow them.");
  }
}

function quoted(id: SchemaId): string {
  return id instanceof ObjectId ? id.toHexString() : `'${id}'`;
}

/** Throws 400 at the first document that violates the schema (nothing of the request is written). */
export async function checkDocuments(req: MongoRequest, schema: CollectionSchema, docs: Document[]): Promise<void> {
  let validate;
  try {
    validate = await schemaValidator(req.engine, schema.db, schema.id);
  } catch (e) {
    if (e instanceof SchemaNotFound || e instanceof SchemaInvalid) throw wrong(e.message);
    throw e;
  }
  for (const doc of docs) {
    // validated as RESTHeart renders it (default JSON mode): an ObjectId is {"$oid": …}, a date {"$date": <ms>}
    if (validate(JSON.parse(renderJson(doc)))) continue;
    const v = violations(validate.errors ?? []);
    throw badRequest(`Request content violates schema ${quoted(schema.id)}: ${v.length} schema violations found, ${v.join(', ')}`);
  }
}

/** Validates the documents when the collection has a schema. */
export async function checkWrite(req: MongoRequest, docs: Document[]): Promise<void> {
  const schema = await collectionSchema(req);
  if (schema) await checkDocuments(req, schema, docs);
}

const MAX_ATTEMPTS = 100;

function updated(doc: Document, update: UpdateSpec, filter: Filter): Document {
  return applyUpdate(doc, update, { isUpsertInsert: false, now: new Date(), positional: (path) => positionalIndex(filter, doc, path) });
}

function upserted(filter: Filter, update: UpdateSpec): Document {
  return applyUpdate(upsertSeed(filter), update, { isUpsertInsert: true, now: new Date() });
}

/**
 * Only this exact stored version: a write in between makes the replacement match nothing. The
 * `_etag` (new on every write but bulk PATCH) also tells apart values `$eq` finds equal (1 and 1.0).
 */
function exactly(doc: Document): Filter {
  const pin: Filter = { _id: doc._id, $expr: { $eq: ['$$ROOT', { $literal: doc }] } };
  if (doc._etag !== undefined) pin._etag = doc._etag;
  return pin;
}

const isDuplicate = (e: unknown) => e instanceof EngineError && e.code === DUPLICATE_KEY;

const created = (id: unknown): UpdateResult => ({ matchedCount: 0, modifiedCount: 0, upsertedCount: 1, upsertedId: id });

/**
 * A document PATCH on a validated collection, with the outcome updateOne would have had:
 * `target` is the document's filter, `wm` the write mode ('insert' always creates).
 */
export async function validatedUpdate(
  req: MongoRequest, schema: CollectionSchema, coll: Collection, target: Filter, id: unknown, update: UpdateSpec, wm: string,
): Promise<UpdateResult> {
  if (wm === 'insert') {
    const doc = upserted({ _id: id }, update);
    await checkDocuments(req, schema, [doc]);
    await coll.insertOne(doc);
    return created(id);
  }
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    const before = await coll.findOne(target);
    if (before) {
      const after = updated(before, update, target);
      await checkDocuments(req, schema, [after]);
      const r = await coll.replaceOne(exactly(before), after);
      if (r.matchedCount) return { matchedCount: 1, modifiedCount: r.modifiedCount, upsertedCount: 0, upsertedId: undefined };
      continue;
    }
    if (wm !== 'upsert') return { matchedCount: 0, modifiedCount: 0, upsertedCount: 0, upsertedId: undefined };
    const doc = upserted(target, update);
    await checkDocuments(req, schema, [doc]);
    try {
      await coll.insertOne(doc);
      return created(doc._id);
    } catch (e) {
      // created meanwhile by another write: update that one; otherwise a real duplicate (409)
      if (!isDuplicate(e) || !(await coll.findOne(target, { projection: { _id: 1 } }))) throw e;
    }
  }
  throw conflict('the document kept changing while its update was validated against the schema: retry the request');
}
