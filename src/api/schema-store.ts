// The JSON Schema store (API.md §9.3): schemas are documents of `/{db}/_schemas`, validated with
// ajv's draft-04 support. A schema is compiled once, together with the stored schemas it `$ref`s
// (`http://schema-store/<db>/<id>#`), and kept with the version (`_etag`) of each schema it used.
// Before every use the current versions are read back with one `_etag`-only query per database:
// a schema changed by any process (another worker, another instance on MongoDB) is compiled again.
import ajvDraft04 from 'ajv-draft-04';
import ajvFormats from 'ajv-formats';
import type { ErrorObject, ValidateFunction } from 'ajv';
import type { Engine } from '../engine/types.ts';
import { ObjectId, isPlainObject, type Document } from '../engine/values.ts';
import { safeRegex } from '../engine/regex.ts';
import { renderJson } from '../json/render.ts';
import { unescapeSchema } from './schema-escape.ts';

export const SCHEMAS = '_schemas';
const STORE_PREFIX = 'http://schema-store/';
const DRAFT_04 = 'http://json-schema.org/draft-04/schema';
const MAX_CACHED = 1000;
const HEX24 = /^[0-9a-fA-F]{24}$/;

export type SchemaId = string | ObjectId;

/** A schema, or a schema it references, is not in its store. */
export class SchemaNotFound extends Error {
  readonly db: string;
  readonly id: SchemaId;
  constructor(db: string, id: SchemaId) {
    super(`schema ${db}/${SCHEMAS}/${idText(id)} not found`);
    this.db = db;
    this.id = id;
  }
}

/** A stored schema that cannot be compiled (unsupported `$ref`, pattern, ...). */
export class SchemaInvalid extends Error {}

export function idText(id: SchemaId): string {
  return id instanceof ObjectId ? id.toHexString() : id;
}

/** The `id` the store gives a schema: `http://schema-store/<db>/<schemaId>#`. */
export function schemaUrl(db: string, id: SchemaId): string {
  return `${STORE_PREFIX}${db}/${idText(id)}#`;
}

// ajv runs `pattern` with RE2 (src/engine/regex.ts): a schema cannot make validation hang
const regExp = Object.assign((pattern: string, flags: string) => safeRegex(pattern, flags.replace(/[^imsu]/g, '')), { code: 'safeRegex' });

// CommonJS packages: under Node's ESM loader the default import is module.exports
const Ajv = ajvDraft04.default;

function newAjv(): InstanceType<typeof Ajv> {
  const ajv = new Ajv({ allErrors: true, strict: false, logger: false, code: { regExp } });
  // the formats' fast regexes: the full ones are longer, and were a source of ReDoS reports
  ajvFormats.default(ajv, { mode: 'fast' });
  return ajv;
}

const metaChecker = newAjv();

/** ajv's complaints about a schema as draft-04's meta-schema sees it, or [] when it conforms. */
export function metaSchemaViolations(schema: Document): string[] {
  // checked against draft-04 whatever `$schema` says (the store rewrites it to draft-04)
  const { $schema: _ignored, ...rest } = schema;
  if (metaChecker.validateSchema(rest)) return [];
  return violations(metaChecker.errors ?? []);
}

/**
 * `<path>: <message>` per error; missing and extra properties in the words of RESTHeart's
 * validator (`required key [x] not found`, `extraneous key [x] is not permitted`).
 */
export function violations(errors: ErrorObject[]): string[] {
  return errors.map((e) => {
    const at = e.instancePath === '' ? '' : `#${e.instancePath}: `;
    if (e.keyword === 'required') return `${at}required key [${(e.params as { missingProperty: string }).missingProperty}] not found`;
    if (e.keyword === 'additionalProperties') return `${at}extraneous key [${(e.params as { additionalProperty: string }).additionalProperty}] is not permitted`;
    return `${at || '#: '}${e.message ?? e.keyword}`;
  });
}

interface Ref {
  db: string;
  id: SchemaId;
}

interface Loaded extends Ref {
  url: string;
  schema: Document;
  /** `_etag` as hex */
  version: string;
}

/** The stored schema, unescaped, with the store's `id`; null when missing. */
async function load(engine: Engine, ref: Ref): Promise<Loaded | null> {
  const ids: unknown[] = typeof ref.id === 'string' && HEX24.test(ref.id) ? [ref.id, new ObjectId(ref.id)] : [ref.id];
  const doc = await engine.db(ref.db).collection(SCHEMAS).findOne({ _id: { $in: ids } });
  if (!doc) return null;
  const { _id: id, _etag: _ignored, ...rest } = doc;
  const schema = plainJson(unescapeSchema(rest));
  const url = schemaUrl(ref.db, id as SchemaId);
  return { db: ref.db, id: id as SchemaId, url, schema: { ...schema, id: url }, version: versionOf(doc) };
}

/** ajv reads plain JSON: Int32, Double... as numbers (RESTHeart's default JSON form). */
export function plainJson(doc: Document): Document {
  return JSON.parse(renderJson(doc)) as Document;
}

/** '' for a schema without `_etag` (written around docrest): it is compiled again on every use. */
function versionOf(doc: Document): string {
  return doc._etag instanceof ObjectId ? doc._etag.toHexString() : '';
}

/** The stored schemas a schema `$ref`s, resolved against its own url. */
export function storeRefs(schema: unknown, base: string): Ref[] {
  const out: Ref[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) v.forEach(visit);
    else if (isPlainObject(v)) {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string') {
          const ref = refTarget(x, base);
          if (ref) out.push(ref);
        } else visit(x);
      }
    }
  };
  visit(schema);
  return out;
}

function refTarget(ref: string, base: string): Ref | undefined {
  let url: URL;
  try {
    url = new URL(ref, base);
  } catch {
    throw new SchemaInvalid(`invalid $ref '${ref}'`);
  }
  const whole = `${url.origin}${url.pathname}`;
  const self = new URL(base);
  if (whole === `${self.origin}${self.pathname}` || whole === DRAFT_04) return undefined;
  if (!whole.startsWith(STORE_PREFIX)) {
    throw new SchemaInvalid(`$ref '${ref}' is not supported: only local references, the draft-04 meta-schema and schemas of a schema store (${STORE_PREFIX}<db>/<schemaId>#) can be referenced`);
  }
  let segs: string[];
  try {
    segs = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    throw new SchemaInvalid(`invalid $ref '${ref}'`);
  }
  const [db, id, ...more] = segs;
  if (!db || !id || more.length) throw new SchemaInvalid(`invalid $ref '${ref}': a schema store url is ${STORE_PREFIX}<db>/<schemaId>#`);
  return { db, id };
}

const key = (r: Ref) => `${r.db}\u0000${idText(r.id)}`;

/**
 * Compiles `root` with every stored schema it reaches through `$ref`. Throws SchemaNotFound for a
 * referenced schema that is missing and SchemaInvalid when ajv refuses the schema.
 */
async function compile(engine: Engine, root: Loaded): Promise<{ validate: ValidateFunction; deps: Loaded[] }> {
  const deps = new Map<string, Loaded>([[key(root), root]]);
  const queue = [root];
  while (queue.length) {
    const s = queue.shift()!;
    for (const ref of storeRefs(s.schema, s.url)) {
      if (deps.has(key(ref))) continue;
      const loaded = await load(engine, ref);
      if (!loaded) throw new SchemaNotFound(ref.db, ref.id);
      deps.set(key(ref), loaded);
      queue.push(loaded);
    }
  }
  const ajv = newAjv();
  try {
    for (const d of deps.values()) if (d !== root) ajv.addSchema(d.schema);
    return { validate: ajv.compile(root.schema), deps: [...deps.values()] };
  } catch (e) {
    throw new SchemaInvalid(`schema ${root.db}/${SCHEMAS}/${idText(root.id)} cannot be compiled: ${(e as Error).message}`);
  }
}

/**
 * Checks a schema about to be stored: compiles it with the stored schemas it references, as the
 * store will hold it (`id` and `$schema` set). Throws SchemaNotFound or SchemaInvalid.
 */
export async function checkCompiles(engine: Engine, db: string, id: SchemaId, schema: Document): Promise<void> {
  const url = schemaUrl(db, id);
  await compile(engine, { db, id, url, schema: plainJson({ ...schema, id: url }), version: '' });
}

interface Entry {
  validate: ValidateFunction;
  deps: Array<{ db: string; id: SchemaId; version: string }>;
}

const cache = new Map<string, Entry>();

async function upToDate(engine: Engine, entry: Entry): Promise<boolean> {
  const byDb = new Map<string, SchemaId[]>();
  for (const d of entry.deps) (byDb.get(d.db) ?? byDb.set(d.db, []).get(d.db)!).push(d.id);
  const current = new Map<string, string>();
  for (const [db, ids] of byDb) {
    const docs = await engine.db(db).collection(SCHEMAS).find({ _id: { $in: ids } }, { projection: { _etag: 1 } });
    for (const d of docs) if (d._etag instanceof ObjectId) current.set(key({ db, id: d._id as SchemaId }), d._etag.toHexString());
  }
  return entry.deps.every((d) => d.version !== '' && current.get(key(d)) === d.version);
}

/** The compiled validator of a stored schema, compiled again whenever it or a schema it uses changed. */
export async function schemaValidator(engine: Engine, db: string, id: SchemaId): Promise<ValidateFunction> {
  const k = key({ db, id });
  const hit = cache.get(k);
  if (hit && (await upToDate(engine, hit))) return hit.validate;
  const root = await load(engine, { db, id });
  if (!root) throw new SchemaNotFound(db, id);
  const { validate, deps } = await compile(engine, root);
  cache.delete(k);
  if (cache.size >= MAX_CACHED) cache.delete(cache.keys().next().value!);
  cache.set(k, { validate, deps: deps.map(({ db: d, id: i, version }) => ({ db: d, id: i, version })) });
  return validate;
}
