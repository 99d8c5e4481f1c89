// No request may read the password hash of the users collection, by any means (SECURITY.md §5.2,
// denyFilterOnUserPwd, generalised). Removing the password from responses is not enough: a filter,
// sort, projection, hint or update that can read the field is an oracle on the hash (which
// documents match, their order, a count, an error). So, on the users collection, every method
// refuses with 403 anything that names the field (a key `password` or `password.x` at any depth, a
// field path "$password…") or that can reach a field by a computed name ($$ROOT, $$CURRENT,
// $getField, JavaScript, $jsonSchema patterns, $text) — for every caller, root included.
import type { MongoRequest } from '../api/context.ts';
import { isNumeric, isPlainObject, type Document } from '../engine/values.ts';
import { forbidden } from '../errors.ts';

/** Operators that read fields by a computed or pattern-matched name, or run code. */
const COMPUTED_ACCESS = new Set(['$getField', '$setField', '$unsetField', '$function', '$accumulator', '$where', '$jsonSchema', '$text']);
/** Variables bound to the whole document. */
const WHOLE_DOCUMENT = /^\$\$(ROOT|CURRENT)(\.|$)/;
/** Update operators that only write a field; every other one reads or compares it. */
const WRITE_ONLY = new Set(['$set', '$setOnInsert', '$unset']);

const refused = (what: string) => forbidden(`Using ${what} on the password property is forbidden`);

class PasswordReads {
  private readonly key: string;

  constructor(key: string) {
    this.key = key;
  }

  isField(name: string): boolean {
    return name === this.key || name.startsWith(`${this.key}.`);
  }

  private isPath(s: string): boolean {
    return s.startsWith('$') && (this.isField(s.slice(1)) || WHOLE_DOCUMENT.test(s));
  }

  /**
   * Whether `v` can read the field: field paths and computed access anywhere, and, in a query
   * (`keys` true), the field's name as a key. Too deep to inspect counts as reading.
   */
  reads(v: unknown, keys: boolean, depth = 0): boolean {
    if (depth > 100) return true;
    if (typeof v === 'string') return this.isPath(v);
    if (Array.isArray(v)) return v.some((x) => this.reads(x, keys, depth + 1));
    if (!isPlainObject(v)) return false;
    for (const [k, x] of Object.entries(v)) {
      if (COMPUTED_ACCESS.has(k) || (keys && this.isField(k)) || this.reads(x, keys, depth + 1)) return true;
    }
    return false;
  }

  /** A projection may include or exclude the field (it is removed from responses anyway), nothing more. */
  projectionReads(keys: Document): boolean {
    return Object.entries(keys).some(([k, v]) => {
      if (this.isField(k)) return !(isNumeric(v) || typeof v === 'boolean');
      return COMPUTED_ACCESS.has(k) || this.reads(v, false);
    });
  }

  /**
   * An update may set or unset the field (sets are hashed), nothing more: pipelines and other
   * operators may not read it, and no path may go inside it (the engine's error would quote it).
   */
  updateReads(body: Document | Document[]): boolean {
    if (Array.isArray(body)) return body.some((stage) => this.reads(stage, false));
    const inside = (path: string) => path.startsWith(`${this.key}.`);
    return Object.entries(body).some(([op, spec]) => {
      if (!op.startsWith('$')) return inside(op);
      if (!isPlainObject(spec)) return this.reads(spec, true);
      // $rename moves the value: from the field (a read) or over it (an unhashed password)
      return Object.entries(spec).some(([path, arg]) => inside(path) || (!WRITE_ONLY.has(op) && this.isField(path))
        || (op === '$rename' && typeof arg === 'string' && this.isField(arg)));
    });
  }

  /** An index over the field (or over every field) used by name in a hint. */
  indexReads(index: { key: Document; partialFilterExpression?: unknown }): boolean {
    return Object.keys(index.key).some((k) => this.isField(k) || k === '$**' || k.endsWith('.$**'))
      || this.reads(index.partialFilterExpression, true);
  }
}

/** Throws 403 when the request could read the password field of the users collection. */
export async function guardPasswordReads(req: MongoRequest, passwordKey: string): Promise<void> {
  const { type } = req.resource;
  if (type === 'AGGREGATION' || type === 'CHANGE_STREAM') {
    throw forbidden('Aggregations and change streams on the users collection are forbidden');
  }
  const pwd = new PasswordReads(passwordKey);
  const p = req.params;
  if (p.filter && pwd.reads(p.filter, true)) throw refused('filters');
  if (p.sort.some(([field]) => pwd.isField(field))) throw refused('sort');
  if (p.keys && pwd.projectionReads(p.keys)) throw refused('keys');
  if (typeof p.hint === 'string') {
    const indexes = await req.engine.db(req.resource.db!).collection(req.resource.coll!).listIndexes();
    const index = indexes.find((i) => i.name === p.hint);
    if (index && pwd.indexReads(index)) throw refused('hint');
  } else if (p.hint && pwd.indexReads({ key: p.hint })) throw refused('hint');
  if (req.method === 'PATCH' && (type === 'DOCUMENT' || type === 'BULK_DOCUMENTS')) {
    const body = req.body().value;
    if (body !== undefined && pwd.updateReads(body)) throw refused('update expressions');
  }
}
