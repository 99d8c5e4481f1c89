// Reads of a transaction (transactions.ts) over the normal sliced, cached read path, so that they
// hold the event loop no longer than a plain read does: the committed answer, without the
// documents the transaction sees other versions of (its own pending versions, and the snapshot's
// versions of documents others changed since), plus those versions that match the filter, then
// sorted, skipped, limited and projected as the scanner does (scan.ts: ties and the default order
// by _id key).
import { deserialize } from 'bson';
import { compileProjection } from '../projection.ts';
import type { Filter, FindOptions } from '../types.ts';
import { toView, type Document } from '../values.ts';
import type { EmbeddedCollection } from './collection.ts';
import { idKey } from './keys.ts';
import { compileFilter, compileSort, idOnlySort } from './query.ts';

const EXACT = { promoteValues: false, bsonRegExp: true } as const;

/** The versions a transaction sees instead of the committed ones, by hex key (null: absent). */
export interface Overlay {
  versions: Map<string, { k: Buffer; doc: Buffer | null }>;
  /** the committed version of a key now */
  committed: (k: Buffer) => Buffer | undefined;
}

function matcher(filter: Filter): (doc: Document) => boolean {
  const m = compileFilter(filter);
  return (doc) => m(toView(doc) as Document, () => doc);
}

/** find() as the transaction sees it; undefined when only the synchronous path can answer (a hint). */
export async function overlaidFind(c: EmbeddedCollection, filter: Filter, opts: FindOptions, o: Overlay): Promise<Document[] | undefined> {
  if (o.versions.size === 0) return c.find(filter, opts);
  // a hinted index's own order cannot be merged into without its keys
  if (opts.hint !== undefined) return undefined;
  const skip = opts.skip ?? 0;
  const limit = opts.limit && opts.limit > 0 ? opts.limit : 0;
  // every key of the overlay may take one committed document out of the window
  const committed = await c.find(filter, { ...opts, projection: undefined, skip: 0, limit: limit ? skip + limit + o.versions.size : 0 });
  const matches = matcher(filter);
  const docs = committed.filter((d) => !o.versions.has(idKey(d._id).toString('hex')));
  for (const v of o.versions.values()) {
    if (!v.doc) continue;
    const d = deserialize(v.doc, EXACT);
    if (matches(d)) docs.push(d);
  }
  const keyed = docs.map((d) => ({ d, k: idKey(d._id), view: undefined as Document | undefined }));
  const idDir = idOnlySort(opts.sort);
  if (idDir !== undefined) keyed.sort((a, b) => idDir * Buffer.compare(a.k, b.k));
  else {
    const cmp = compileSort(opts.sort!);
    const view = (x: (typeof keyed)[number]) => (x.view ??= toView(x.d) as Document);
    keyed.sort((a, b) => cmp(view(a), view(b)) || Buffer.compare(a.k, b.k));
  }
  const window = keyed.slice(skip, limit ? skip + limit : undefined).map((x) => x.d);
  const project = opts.projection && Object.keys(opts.projection).length ? compileProjection(opts.projection) : undefined;
  return project ? window.map(project) : window;
}

/** countDocuments() as the transaction sees it (an empty filter: estimatedDocumentCount()). */
export async function overlaidCount(c: EmbeddedCollection, filter: Filter, opts: { maxTimeMS?: number }, o: Overlay): Promise<number> {
  const empty = Object.keys(filter).length === 0;
  const n = empty ? await c.estimatedDocumentCount() : await c.countDocuments(filter, opts);
  if (o.versions.size === 0) return n;
  const matches = empty ? () => true : matcher(filter);
  let delta = 0;
  for (const v of o.versions.values()) {
    const now = o.committed(v.k);
    if (now && matches(deserialize(now, EXACT))) delta--;
    if (v.doc && matches(deserialize(v.doc, EXACT))) delta++;
  }
  return n + delta;
}
