// Database and collection metadata, stored as RESTHeart does: collection `_properties` of the db,
// `{_id: "_properties"}` for the db and `{_id: "_properties.<coll>"}` for each collection.
// Also the existence checks and the ETag policy of API.md §8.
import { HttpError, notFound } from '../errors.ts';
import type { Engine } from '../engine/types.ts';
import { ObjectId, valuesEqual, type Document } from '../engine/values.ts';
import type { EtagPolicy } from '../settings.ts';
import { readMetadata } from './aggr-definitions.ts';
import { etagHeader, type MongoRequest } from './context.ts';

export const PROPS_COLL = '_properties';
export const dbPropsId = '_properties';
export const collPropsId = (coll: string) => `_properties.${coll}`;

export async function dbProps(engine: Engine, db: string): Promise<Document | null> {
  return engine.db(db).collection(PROPS_COLL).findOne({ _id: dbPropsId });
}

/** A collection's metadata; aggregation definitions come back unescaped (aggr-definitions.ts). */
export async function collProps(engine: Engine, db: string, coll: string): Promise<Document | null> {
  return readMetadata(await engine.db(db).collection(PROPS_COLL).findOne({ _id: collPropsId(coll) }));
}

export async function dbExists(engine: Engine, db: string): Promise<boolean> {
  return (await engine.db(db).listCollections()).length > 0;
}

export async function collExists(engine: Engine, db: string, coll: string): Promise<boolean> {
  return (await engine.db(db).listCollections()).includes(coll);
}

export async function requireDb(req: MongoRequest): Promise<void> {
  if (!(await dbExists(req.engine, req.resource.db!))) throw notFound(`Db '${req.resource.db}' does not exist`);
}

/** The collection must exist (and so its db): one catalog lookup answers both 404s. */
export async function requireColl(req: MongoRequest): Promise<void> {
  const { db, coll } = req.resource;
  const names = await req.engine.db(db!).listCollections();
  if (names.length === 0) throw notFound(`Db '${db}' does not exist`);
  if (!names.includes(coll!)) {
    if (coll!.endsWith('.files')) throw notFound(`File Bucket '${coll}' does not exist`);
    if (coll === '_schemas') throw notFound('Schema Store does not exist');
    throw notFound(`Collection '${coll}' does not exist`);
  }
}

function policyOf(v: unknown): EtagPolicy | undefined {
  const s = typeof v === 'string' ? v.toUpperCase() : '';
  return s === 'REQUIRED' || s === 'REQUIRED_FOR_DELETE' || s === 'OPTIONAL' ? s : undefined;
}

type Level = 'db' | 'coll' | 'doc';

/** Policy resolution of API.md §8: collection metadata, then db metadata, then configuration. */
export async function etagPolicy(req: MongoRequest, level: Level): Promise<EtagPolicy> {
  const { db, coll } = req.resource;
  const key = level === 'doc' ? 'etagDocPolicy' : 'etagPolicy';
  if (level !== 'db' && coll !== undefined) {
    const p = policyOf((await collProps(req.engine, db!, coll))?.[key]);
    if (p) return p;
  }
  const p = policyOf((await dbProps(req.engine, db!))?.[key]);
  return p ?? req.settings.etagPolicy[level];
}

/** Whether this write must present a matching If-Match. */
export async function etagRequired(req: MongoRequest, level: Level): Promise<boolean> {
  if (req.headers['if-match'] !== undefined || req.params.raw.has('checkEtag')) return true;
  const policy = await etagPolicy(req, level);
  return policy === 'REQUIRED' || (policy === 'REQUIRED_FOR_DELETE' && req.method === 'DELETE');
}

/** An If-Match / If-None-Match value compared as RESTHeart does: 24-hex as ObjectId, else as string. */
export function etagMatches(header: string | string[] | undefined, etag: unknown): boolean {
  if (header === undefined || etag === undefined || etag === null) return false;
  const value = (Array.isArray(header) ? header[0]! : header).trim();
  const parsed = /^[0-9a-fA-F]{24}$/.test(value) ? new ObjectId(value) : value;
  return valuesEqual(parsed, etag);
}

const NOUN: Record<Level, string> = {
  db: "The database's ETag must be provided using the 'If-Match' header.",
  coll: "The collection's ETag must be provided using the 'If-Match' header.",
  doc: "The document's ETag must be provided using the 'If-Match' header",
};

/** Throws 409 (no If-Match) or 412 (mismatch) when the check applies; both carry the current ETag. */
export async function checkEtag(req: MongoRequest, level: Level, current: Document | null): Promise<void> {
  if (!current || current._etag === undefined) return;
  if (!(await etagRequired(req, level))) return;
  const headers = etagHeader(current._etag);
  if (req.headers['if-match'] === undefined) throw new HttpError(409, NOUN[level], { headers });
  if (!etagMatches(req.headers['if-match'], current._etag)) throw new HttpError(412, '', { headers, noBody: true });
}

/** Metadata as clients see it at `_meta`: `_id` renamed to `_meta`. */
export function metaView(props: Document): Document {
  const { _id: _ignored, ...rest } = props;
  return { _id: '_meta', ...rest };
}
