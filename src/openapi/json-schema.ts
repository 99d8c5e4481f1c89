// A collection's `jsonSchema` (API.md §9.3) as its document type: the stored draft-04 schema, and
// every stored schema it `$ref`s, become component schemas in OpenAPI 3.1's dialect (JSON Schema
// 2020-12): `id`/`$schema` dropped, boolean exclusiveMinimum/Maximum turned into numbers, each of
// its `definitions` (or `$defs`) a component of its own (`<name>.<definition>`), and references
// rewritten to those components, so that code generators (openapi-typescript) can name every
// referenced type. A reference to anything else (another pointer, another site) is left out: any value.
import type { Engine } from '../engine/types.ts';
import { ObjectId, isPlainObject, type Document } from '../engine/values.ts';
import { SCHEMAS, idText, plainJson, schemaUrl, type SchemaId } from '../api/schema-store.ts';
import { unescapeSchema } from '../api/schema-escape.ts';
import { componentName, type Schema } from './description.ts';

const STORE_PREFIX = 'http://schema-store/';
const HEX24 = /^[0-9a-fA-F]{24}$/;

interface Pending {
  db: string;
  id: SchemaId;
}

/** Loads stored schemas into components on demand, each once. */
export class StoredSchemas {
  private readonly engine: Engine;
  private readonly out: Record<string, Schema>;
  private readonly done = new Set<string>();

  constructor(engine: Engine, out: Record<string, Schema>) {
    this.engine = engine;
    this.out = out;
  }

  static key(db: string, id: SchemaId): string {
    return componentName('schema', db, idText(id));
  }

  /** The component name of the stored schema (loaded with what it references); undefined when it is not in its store. */
  async component(db: string, id: SchemaId): Promise<string | undefined> {
    const queue: Pending[] = [{ db, id }];
    const root = StoredSchemas.key(db, id);
    while (queue.length) {
      const p = queue.shift()!;
      const key = StoredSchemas.key(p.db, p.id);
      if (this.done.has(key)) continue;
      this.done.add(key);
      const doc = await this.load(p.db, p.id);
      if (!doc) continue;
      const { definitions, $defs, ...schema } = doc;
      const base = schemaUrl(p.db, p.id);
      this.out[key] = convert(schema, base, key, queue) as Schema;
      for (const defs of [definitions, $defs]) {
        if (!isPlainObject(defs)) continue;
        for (const [name, def] of Object.entries(defs)) this.out[componentName(key, name)] ??= convert(def, base, key, queue) as Schema;
      }
    }
    return this.out[root] ? root : undefined;
  }

  private async load(db: string, id: SchemaId): Promise<Document | null> {
    const coll = this.engine.db(db).collection(SCHEMAS);
    let doc = await coll.findOne({ _id: id });
    // a $ref names an id as text: a 24-hex one may be stored as an ObjectId
    if (!doc && typeof id === 'string' && HEX24.test(id)) doc = await coll.findOne({ _id: new ObjectId(id) });
    if (!doc) return null;
    const { _id, _etag, $schema, id: draftId, ...schema } = plainJson(unescapeSchema(doc));
    return schema;
  }
}

/** The component of a schema (empty fragment) or of one of its definitions; undefined for any other pointer. */
function pointer(key: string, hash: string): string | undefined {
  const frag = decodeURIComponent(hash.replace(/^#/, ''));
  if (frag === '' || frag === '/') return `#/components/schemas/${key}`;
  const def = /^\/(?:definitions|\$defs)\/([^/]+)$/.exec(frag);
  return def ? `#/components/schemas/${componentName(key, def[1]!.replaceAll('~1', '/').replaceAll('~0', '~'))}` : undefined;
}

function rewriteRef(ref: string, base: string, key: string, queue: Pending[]): string | undefined {
  let url: URL;
  try {
    url = new URL(ref, base);
  } catch {
    return undefined;
  }
  const self = new URL(base);
  if (url.origin === self.origin && url.pathname === self.pathname) return pointer(key, url.hash);
  if (!`${url.origin}${url.pathname}`.startsWith(STORE_PREFIX)) return undefined;
  const [db, id, ...more] = url.pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (!db || !id || more.length) return undefined;
  queue.push({ db, id });
  return pointer(StoredSchemas.key(db, id), url.hash);
}

function convert(v: unknown, base: string, key: string, queue: Pending[]): unknown {
  if (Array.isArray(v)) return v.map((x) => convert(x, base, key, queue));
  if (!isPlainObject(v)) return v;
  const out: Document = {};
  for (const [k, x] of Object.entries(v)) {
    if (k === '$ref' && typeof x === 'string') {
      // the draft-04 meta-schema and what is not in a store stay undescribed (any value)
      const target = rewriteRef(x, base, key, queue);
      if (target !== undefined) out.$ref = target;
    } else out[k] = convert(x, base, key, queue);
  }
  for (const [ex, bound] of [['exclusiveMaximum', 'maximum'], ['exclusiveMinimum', 'minimum']] as const) {
    if (typeof out[ex] !== 'boolean') continue;
    if (out[ex] === true && typeof out[bound] === 'number') {
      out[ex] = out[bound];
      delete out[bound];
    } else delete out[ex];
  }
  return out;
}
