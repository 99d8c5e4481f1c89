// Request-body helpers for the bson-request-* predicates (SECURITY.md §7.3), following RESTHeart's
// BsonUtils.containsKeys / the whitelist predicate's leaf-key logic.
import { isPlainObject } from '../engine/values.ts';
import type { Document } from '../engine/values.ts';

/** Value at a dot-notation path; numeric segments index arrays. */
export function getPath(value: unknown, key: string): { found: boolean; value?: unknown } {
  let cur = value;
  for (const seg of key.split('.')) {
    if (Array.isArray(cur) && /^\d+$/.test(seg)) {
      const idx = Number(seg);
      if (idx >= cur.length) return { found: false };
      cur = cur[idx];
    } else if (isPlainObject(cur) && Object.hasOwn(cur, seg)) {
      cur = cur[seg];
    } else {
      return { found: false };
    }
  }
  return { found: true, value: cur };
}

/** `{"a.b": 1}` → `{a: {b: 1}}`, recursively; null-prototype objects so `__proto__` is just a key. */
function unflatten(doc: Document): Document {
  const out: Document = Object.create(null) as Document;
  for (const [k, v] of Object.entries(doc)) {
    const segs = k.split('.');
    let target = out;
    for (const seg of segs.slice(0, -1)) {
      const next = Object.hasOwn(target, seg) ? target[seg] : undefined;
      if (isPlainObject(next)) target = next;
      else target = target[seg] = Object.create(null) as Document;
    }
    target[segs[segs.length - 1]!] = isPlainObject(v) ? unflatten(v) : v;
  }
  return out;
}

/** RESTHeart's containsKeys: all (or any) keys present; arrays must be non-empty and are checked per element. */
export function containsKeys(body: unknown, keys: readonly string[], all: boolean): boolean {
  if (Array.isArray(body)) {
    if (body.length === 0) return false;
    return all ? body.every((e) => containsKeys(e, keys, all)) : body.some((e) => containsKeys(e, keys, all));
  }
  if (!isPlainObject(body)) return false;
  const doc = unflatten(body);
  return all ? keys.every((k) => hasKey(doc, k, all)) : keys.some((k) => hasKey(doc, k, all));
}

function hasKey(doc: Document, key: string, all: boolean): boolean {
  // update documents ({"$set": {"a": 1}}) contain the keys of their operators
  for (const [k, v] of Object.entries(doc)) {
    if (k.startsWith('$') && isPlainObject(v) && hasKey(unflatten(v), key, all)) return true;
  }
  const dot = key.indexOf('.');
  if (dot < 0) return key !== '' && Object.hasOwn(doc, key);
  const first = key.slice(0, dot);
  const rest = key.slice(dot + 1);
  if (first === '' || !Object.hasOwn(doc, first)) return false;
  const sub = doc[first];
  if (isPlainObject(sub)) return hasKey(sub, rest, all);
  if (Array.isArray(sub)) return containsKeys(sub, [rest], all);
  return false;
}

/** Dot-notation paths of the leaves of a document; an update operator contributes its own keys. */
function leafKeys(doc: Document): string[] {
  const out: string[] = [];
  const walk = (prefix: string, v: unknown) => {
    // an empty object is a leaf too: `{"secret": {}}` must not slip past a whitelist
    if (isPlainObject(v) && Object.keys(v).length > 0) {
      for (const [k, c] of Object.entries(v)) walk(`${prefix}.${k}`, c);
    } else {
      out.push(prefix);
    }
  };
  for (const [k, v] of Object.entries(doc)) {
    if (k.startsWith('$') && isPlainObject(v)) out.push(...Object.keys(v));
    else walk(k, v);
  }
  return out;
}

/** True when every leaf key is a whitelisted key or lies below one. */
export function allKeysWhitelisted(body: unknown, whitelist: readonly string[]): boolean {
  if (body === undefined || body === null) return true;
  if (Array.isArray(body)) return body.filter(isPlainObject).every((d) => allKeysWhitelisted(d, whitelist));
  if (!isPlainObject(body)) return false;
  const keys = leafKeys(body);
  if (keys.length === 0) return true;
  return keys.every((lk) => whitelist.some((w) => lk === w || lk.startsWith(`${w}.`)));
}
