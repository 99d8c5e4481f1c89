// SCHEMA_STORE and SCHEMA resources (API.md §9.3): `/{db}/_schemas` is a collection whose
// documents are JSON Schemas. A schema written (PUT, POST) must conform to draft-04's meta-schema
// and compile together with the stored schemas it `$ref`s (400 otherwise); it is stored with
// `id` = `http://schema-store/<db>/<schemaId>#`, `$schema` = draft-04 and `$` keys escaped
// (schema-escape.ts), and read back unescaped.
import { ObjectId, valuesEqual, type Document } from '../../engine/values.ts';
import { badRequest, notImplemented } from '../../errors.ts';
import type { ApiResponse, MongoRequest } from '../context.ts';
import { idFromUrl } from '../ids.ts';
import { requireColl } from '../meta.ts';
import { escapeSchema, unescapeSchema } from '../schema-escape.ts';
import { SchemaInvalid, SchemaNotFound, checkCompiles, metaSchemaViolations, plainJson, schemaUrl, type SchemaId } from '../schema-store.ts';
import { getCollection } from './collections.ts';
import { getDocument, postDocument, putDocument } from './documents.ts';

const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';

function schemaId(id: unknown): SchemaId {
  if (typeof id === 'string' || id instanceof ObjectId) return id;
  throw badRequest('the id of a schema must be a string or an ObjectId');
}

/** Reads return schemas as they were written: `$` keys unescaped. */
function unescaping(req: MongoRequest): void {
  const previous = req.shape;
  req.shape = (d) => {
    const { _id: id, ...rest } = previous ? previous(d) : d;
    return { _id: id, ...unescapeSchema(rest) };
  };
}

/** The document to store for a schema written with this body, after the checks of the store. */
async function storedSchema(req: MongoRequest, id: SchemaId, body: Document): Promise<Document> {
  const { _id: _ignored, _etag: _old, ...fields } = body;
  const schema = unescapeSchema(fields);
  const v = metaSchemaViolations(plainJson(schema));
  if (v.length) throw badRequest(`Request content violates JSON Schema meta schema: ${v.join(', ')}`);
  const db = req.resource.db!;
  const stored: Document = { ...schema, id: schemaUrl(db, id), $schema: DRAFT_04 };
  try {
    await checkCompiles(req.engine, db, id, stored);
  } catch (e) {
    if (e instanceof SchemaNotFound) throw badRequest(`invalid schema: a $ref cannot be resolved, ${e.message}`);
    if (e instanceof SchemaInvalid) throw badRequest(`invalid schema: ${e.message}`);
    throw e;
  }
  return { _id: id, ...escapeSchema(stored) };
}

function schemaBody(req: MongoRequest): Document {
  const body = req.body().value;
  if (Array.isArray(body)) throw badRequest('request content must be a Json object');
  return body ?? {};
}

export async function getSchemaStore(req: MongoRequest): Promise<ApiResponse> {
  unescaping(req);
  return getCollection(req);
}

export async function postSchema(req: MongoRequest): Promise<ApiResponse> {
  const body = schemaBody(req);
  await requireColl(req);
  const doc = await storedSchema(req, schemaId(body._id ?? new ObjectId()), body);
  return postDocument(req, doc);
}

export async function getSchema(req: MongoRequest): Promise<ApiResponse> {
  unescaping(req);
  return getDocument(req);
}

export async function putSchema(req: MongoRequest): Promise<ApiResponse> {
  const body = schemaBody(req);
  await requireColl(req);
  const id = schemaId(idFromUrl(req.resource.docId!, req.params.idType));
  if (body._id !== undefined && !valuesEqual(body._id, id)) throw badRequest('_id in content body is different than id in URL');
  const doc = await storedSchema(req, id, body);
  req.body = () => ({ value: doc });
  return putDocument(req);
}

export async function patchSchemas(): Promise<ApiResponse> {
  throw notImplemented('bulk PATCH of schemas is not supported: write each schema with PUT, so that it is checked');
}
