// A row a read found (its _id key, rowid and cached bytes), the views of its document that readers
// build on demand, and the ordering and paging of a read's matches.
import { deserialize } from 'bson';
import type { Filter, FindOptions } from '../types.ts';
import { markImmutable } from '../../json/render.ts';
import { Double, Int32, ObjectId, toView, type Document } from '../values.ts';
import type { Parsed } from './doc-cache.ts';
import { compileSort, idOnlySort, limitOf } from './query.ts';
import { fresh } from './stored-document.ts';

export interface Hit {
  k: Buffer;
  rowid: number;
  parsed: Parsed;
}

/**
 * A hit whose key was read as hex text: its Buffer is made when asked for, which a page's readers
 * never do (a Buffer for each of a page's 100 keys was ~10% of a page's cost, engine-level).
 */
export class HexKeyHit implements Hit {
  private key: Buffer | undefined = undefined;
  readonly hex: string;
  readonly rowid: number;
  parsed: Parsed;

  constructor(hex: string, rowid: number, parsed: Parsed) {
    this.hex = hex;
    this.rowid = rowid;
    this.parsed = parsed;
  }

  get k(): Buffer {
    return (this.key ??= Buffer.from(this.hex, 'hex'));
  }
}

/**
 * `{_id: v}` alone, with a v whose key identifies it exactly: the primary-key lookup is the whole
 * match, so no query needs compiling (it costs more than the read). Long and Decimal128 keys are
 * approximate (keys.ts), and documents/arrays/regexes need the matcher.
 */
export function exactKeyLookup(filter: Filter): boolean {
  const keys = Object.keys(filter);
  if (keys.length !== 1 || keys[0] !== '_id') return false;
  const v = filter._id;
  return typeof v === 'string' || v instanceof ObjectId || typeof v === 'boolean' || v instanceof Int32
    || (v instanceof Double && Number.isFinite(v.value)) || v instanceof Date;
}

/** The numeric view of a cached row, for mingo. */
export function viewOf(p: Parsed): Document {
  return (p.view ??= toView(deserialize(p.bytes)) as Document);
}

/** The exact document of a cached row; shared by every reader, so it is never to be mutated. */
export function exactOf(p: Parsed): Document {
  if (!p.exact) {
    p.exact = fresh(p.bytes);
    markImmutable(p.exact);
  }
  return p.exact;
}

/** Matches in the requested order (_id or the sort), then skip and limit. */
export function finish(hits: Hit[], opts: FindOptions): Hit[] {
  const skip = opts.skip ?? 0;
  const limit = limitOf(opts);
  const idDir = idOnlySort(opts.sort);
  if (idDir !== undefined) hits.sort((a, b) => idDir * Buffer.compare(a.k, b.k));
  else {
    const cmp = compileSort(opts.sort!);
    hits.sort((a, b) => cmp(viewOf(a.parsed), viewOf(b.parsed)) || Buffer.compare(a.k, b.k));
  }
  return skip || limit !== Infinity ? hits.slice(skip, skip + limit) : hits;
}

/** The hits [skip, skip + limit) of rows already in the answer's order, reading no further. */
export function pageOf(rows: Iterable<Hit>, skip: number, limit: number): Hit[] {
  const hits: Hit[] = [];
  let skipped = 0;
  for (const h of rows) {
    if (skipped < skip) {
      skipped++;
      continue;
    }
    hits.push(h);
    if (hits.length >= limit) break;
  }
  return hits;
}
