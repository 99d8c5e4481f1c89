// Write-body rules of API.md §3.3: POST/PUT documents (no update operators but $currentDate,
// dotted keys unflattened) and PATCH bodies (plain keys into $set, operators passed through).
import { badRequest } from '../errors.ts';
import type { UpdateSpec } from '../engine/types.ts';
import { Timestamp, isPlainObject, type Document } from '../engine/values.ts';

function currentDateValue(spec: unknown, now: Date): unknown {
  if (isPlainObject(spec) && spec.$type === 'timestamp') {
    return new Timestamp({ t: Math.floor(now.getTime() / 1000), i: 1 });
  }
  return new Date(now.getTime());
}

function setPath(target: Document, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = target;
  for (const p of parts.slice(0, -1)) {
    if (!isPlainObject(node[p])) node[p] = {};
    node = node[p] as Document;
  }
  node[parts[parts.length - 1]!] = value;
}

/** A POST/PUT body as the document to store (without _etag). */
export function documentFromBody(body: Document, now = new Date()): Document {
  const out: Document = {};
  for (const [k, v] of Object.entries(body)) {
    if (k === '$currentDate') continue;
    if (k.startsWith('$')) throw badRequest('update operators (but $currentDate) cannot be used on POST and PUT requests');
    if (k.includes('.')) setPath(out, k, v);
    else out[k] = v;
  }
  if (isPlainObject(body.$currentDate)) {
    for (const [k, spec] of Object.entries(body.$currentDate)) setPath(out, k, currentDateValue(spec, now));
  }
  return out;
}

/** A PATCH body as an update: pipeline arrays as they are, plain keys merged into $set. */
export function updateFromBody(body: Document | Document[], extraSet: Document): UpdateSpec {
  if (Array.isArray(body)) return Object.keys(extraSet).length ? [...body, { $set: extraSet }] : body;
  const update: Document = {};
  const set: Document = {};
  for (const [k, v] of Object.entries(body)) {
    if (k.startsWith('$')) update[k] = v;
    else set[k] = v;
  }
  if (isPlainObject(update.$set)) Object.assign(set, update.$set);
  const merged = { ...set, ...extraSet };
  if (Object.keys(merged).length) update.$set = merged;
  else delete update.$set;
  return update;
}
