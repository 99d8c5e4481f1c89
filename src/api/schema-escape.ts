// Schemas are stored as RESTHeart stores them: a key or a string value starting with `$` (which a
// database refuses as a field name, or reads as an operator) is written with a `_` in front
// (`$ref` → `_$ref`) and read back without it. Clients may also write `_$oid`, `_$date` themselves
// for schema properties that name BSON types: those are read back as `$oid`, `$date`.
import { isPlainObject, type Document } from '../engine/values.ts';

function mapKeys(v: unknown, key: (k: string) => string, str: (s: string) => string): unknown {
  if (Array.isArray(v)) return v.map((x) => mapKeys(x, key, str));
  if (typeof v === 'string') return str(v);
  if (!isPlainObject(v)) return v;
  const out: Document = {};
  for (const [k, x] of Object.entries(v)) out[key(k)] = mapKeys(x, key, str);
  return out;
}

const escape = (s: string) => (s.startsWith('$') ? `_${s}` : s);
const unescape = (s: string) => (s.startsWith('_$') ? s.slice(1) : s);

export function escapeSchema(doc: Document): Document {
  return mapKeys(doc, escape, escape) as Document;
}

export function unescapeSchema(doc: Document): Document {
  return mapKeys(doc, unescape, unescape) as Document;
}
