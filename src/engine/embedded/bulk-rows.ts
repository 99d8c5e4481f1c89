// The rows a write by filter of many documents (updateMany, deleteMany in slices, bulk-write.ts)
// goes through, fixed at its start and handed out a chunk at a time, each row judged against the
// filter as it is stored when its chunk comes (inside that slice's write): a row is visited once,
// and one another client changed between two slices is judged as it is now.
//
// Which rows, chosen before the write (targetsOf; bulkTargets for every operation of a bulk):
// - a lookup of one _id, a plan on _id, or on an index of a small collection: the rows that plan
//   reads, at the start (bounded, as for a read);
// - a large collection (write-targets.ts) where a sliced query (columns or an index range) counts
//   at most FEW matches: the rows that query found and every row written since it began;
// - else every row of the collection in rowid order, up to the last rowid at the start (rows
//   inserted later get larger rowids and are not visited). A column query materialises each
//   match's document in one go at its end (~25 µs a match, measured: 10k matches held the loop
//   ~250 ms), so with many matches reading the rows in slices costs less than that block.
import type { Filter } from '../types.ts';
import type { BulkOp } from './bulk-write.ts';
import type { EmbeddedEngine } from './engine.ts';
import { plan } from './planner.ts';
import { compileFilter, idOnlySort, type Matcher } from './query.ts';
import { exactKeyLookup, exactOf, viewOf, type Hit } from './hits.ts';
import type { CollectionInfo } from './store.ts';
import { deadlineOf } from './time-limit.ts';
import { WriteTargets } from './write-targets.ts';
import { renderJson } from '../../json/render.ts';

/** at most this many matches are taken from a column query (see above) */
const FEW = 256;

export interface RowCursor {
  /** Inside a write: those of the next rows (about `n`) that match the filter now. */
  next(n: number): Hit[];
  readonly done: boolean;
}

/** How a write by filter finds its rows, decided before it runs. */
export type Targets =
  | { kind: 'plan' }
  | { kind: 'found'; pre: WriteTargets }
  | { kind: 'range' };

export async function targetsOf(engine: EmbeddedEngine, info: CollectionInfo | undefined, filter: Filter): Promise<Targets> {
  if (!info || exactKeyLookup(filter)) return { kind: 'plan' };
  if (!engine.scanner.largeScan(info, filter)) {
    return plan(filter, {}, engine.indexes.of(info.table), idOnlySort(undefined)).kind === 'table' ? { kind: 'range' } : { kind: 'plan' };
  }
  const n = await engine.scanner.query(info, filter, renderJson(filter, 'extended'), {}, deadlineOf(undefined), true);
  if ((n as number) > FEW) return { kind: 'range' };
  const pre = await WriteTargets.find(engine, engine.store.collectionInfo(info.db, info.name), filter, false);
  return pre ? { kind: 'found', pre } : { kind: 'plan' };
}

/** The targets of each operation of a bulk, found before it runs; `done` once it ran. */
export interface BulkTargets {
  /** single-document writes by filter (write-targets.ts) */
  pres: Array<WriteTargets | undefined>;
  /** writes by filter of many documents */
  targets: Array<Targets | undefined>;
  done: () => void;
}

export async function bulkTargets(engine: EmbeddedEngine, info: CollectionInfo | undefined, ops: BulkOp[]): Promise<BulkTargets> {
  const settled = await Promise.allSettled(ops.map((op) => {
    if ('insertOne' in op) return undefined;
    const filter = Object.values(op)[0]!.filter as Filter;
    return 'updateMany' in op || 'deleteMany' in op ? targetsOf(engine, info, filter) : WriteTargets.find(engine, info, filter, true);
  }));
  const got = settled.map((s) => (s.status === 'fulfilled' ? s.value : undefined));
  const pres = got.map((t) => (t instanceof WriteTargets ? t : undefined));
  const targets = got.map((t) => (t && !(t instanceof WriteTargets) ? t : undefined));
  const done = () => {
    for (const t of [...pres, ...targets.map((x) => (x?.kind === 'found' ? x.pre : undefined))]) t?.done();
  };
  const failed = settled.find((s) => s.status === 'rejected');
  if (failed) {
    done();
    throw failed.reason;
  }
  return { pres, targets, done };
}

/** Rowids known at the start, judged again chunk by chunk. */
export class ListCursor implements RowCursor {
  private readonly rowids: number[];
  private readonly judge: (rowids: number[]) => Hit[];
  private at = 0;

  constructor(rowids: number[], judge: (rowids: number[]) => Hit[]) {
    this.rowids = rowids;
    this.judge = judge;
  }

  get done(): boolean {
    return this.at >= this.rowids.length;
  }

  next(n: number): Hit[] {
    const chunk = this.rowids.slice(this.at, this.at + n);
    this.at += chunk.length;
    return this.judge(chunk);
  }
}

/** Every row up to the table's last rowid when the first chunk is read, in rowid order. */
export class RangeCursor implements RowCursor {
  private readonly engine: EmbeddedEngine;
  private readonly info: CollectionInfo;
  private readonly matcher: Matcher;
  private end: number | undefined;
  private after = 0;

  constructor(engine: EmbeddedEngine, info: CollectionInfo, filter: Filter) {
    this.engine = engine;
    this.info = info;
    this.matcher = compileFilter(filter);
  }

  get done(): boolean {
    return this.end !== undefined && this.after >= this.end;
  }

  next(n: number): Hit[] {
    const store = this.engine.store;
    const table = this.info.table;
    this.end ??= store.lastRowid(table);
    const rows = store.prepared(`SELECT rowid, k, doc FROM ${table} WHERE rowid > ? AND rowid <= ? ORDER BY rowid LIMIT ?`)
      .raw(true).all(this.after, this.end, n) as Array<[number, Buffer, Buffer]>;
    this.after = rows.length < n ? this.end : rows[rows.length - 1]![0];
    const hits: Hit[] = [];
    for (const [rowid, k, bytes] of rows) {
      // judged on a copy of its own: a scan must not flood the document cache
      const parsed = { bytes, rowid, stamp: 0 };
      if (this.matcher(viewOf(parsed), () => exactOf(parsed))) hits.push({ k, rowid, parsed });
    }
    return hits;
  }
}
