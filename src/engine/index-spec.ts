// The shape both engines list an index in: {v, key, name, ...options}, as MongoDB's own shell
// and RESTHeart show it. MongoDB stores an index spec in the order its client sent the fields,
// and drivers differ, so the engines put these three first themselves.
import type { IndexSpec } from './types.ts';
import type { Document } from './values.ts';

export function listedIndex(spec: Document): IndexSpec {
  const out: Document = {};
  for (const k of ['v', 'key', 'name']) if (spec[k] !== undefined) out[k] = spec[k];
  for (const [k, v] of Object.entries(spec)) if (!(k in out)) out[k] = v;
  return out as IndexSpec;
}
