// Documents are read with jsonMode=extended (canonical Extended JSON: every type explicit) and
// shown in an editable form that still says every type: Int32 as a plain integer, a Double with a
// fraction as a plain number, dates in ISO form; Int64, Decimal128, whole Doubles and the rest keep
// their $-wrappers. The API reads that form back to the same types, so an edit round-trips exactly.

const ISO_MIN = Date.parse('1970-01-01T00:00:00Z');
const ISO_MAX = Date.parse('9999-12-31T23:59:59.999Z');

export function simplify(v) {
  if (Array.isArray(v)) return v.map(simplify);
  if (v === null || typeof v !== 'object') return v;
  const keys = Object.keys(v);
  if (keys.length === 1) {
    const [k] = keys;
    const x = v[k];
    if (k === '$numberInt') return Number(x);
    if (k === '$numberDouble') {
      const n = Number(x);
      // 2.0 would come back as the integer 2: keep the wrapper for whole values and non-finite ones
      if (Number.isFinite(n) && !Number.isInteger(n) && String(n) === x) return n;
      return v;
    }
    if (k === '$date' && x && typeof x === 'object' && typeof x.$numberLong === 'string') {
      const ms = Number(x.$numberLong);
      if (ms >= ISO_MIN && ms <= ISO_MAX) return { $date: new Date(ms).toISOString() };
      return v;
    }
  }
  const out = {};
  for (const k of keys) out[k] = simplify(v[k]);
  return out;
}

export function pretty(v) {
  return JSON.stringify(simplify(v), null, 2);
}

/** A short text for a table cell. */
export function cell(v) {
  const s = simplify(v);
  if (s === undefined) return '';
  if (s === null || typeof s !== 'object') return String(s);
  const keys = Object.keys(s);
  if (keys.length === 1 && keys[0].startsWith('$')) {
    const [k] = keys;
    const x = s[k];
    if (k === '$oid') return `ObjectId(${x})`;
    if (k === '$date') return typeof x === 'string' ? x : JSON.stringify(x);
    if (k === '$numberLong') return `${x}L`;
    if (k === '$numberDecimal') return `${x}m`;
    if (k === '$numberDouble') return x;
  }
  const text = JSON.stringify(s);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

/** The document's id as a path segment (API.md §5: ObjectId and strings plain, other types with ?id_type). */
export function idRef(id) {
  const s = simplify(id);
  if (typeof s === 'string') return { seg: s, idType: /^[0-9a-f]{24}$/i.test(s) ? 'STRING' : undefined };
  if (s && typeof s === 'object' && typeof s.$oid === 'string') return { seg: s.$oid, idType: undefined };
  if (typeof s === 'number') return { seg: String(s), idType: 'NUMBER' };
  if (s && typeof s === 'object' && typeof s.$numberLong === 'string') return { seg: s.$numberLong, idType: 'NUMBER' };
  if (s && typeof s === 'object' && typeof s.$date === 'string') return { seg: String(Date.parse(s.$date)), idType: 'DATE' };
  return null;
}
