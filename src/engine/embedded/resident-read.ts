// Lookups of index keys (equality, $in) answered from memory: the rows from the index's postings
// (index-postings.ts), their documents from the resident documents (resident-docs.ts), both kept
// current in the step of every commit. One synchronous step, so the answer is the collection as
// committed at that instant. Anything else, or more rows than a step should read, goes to SQLite.
//
// Measured on the benchmark's V5 (a page of ten through an index on 100k documents, a different
// key every request): SQLite's read of the ten rows through the index cost 35–45 µs and rendering
// them 13–21 µs, of a 160 µs request; see the README for the figures with this path.
import type { FindOptions } from '../types.ts';
import type { Columns } from './columns.ts';
import { exactOf, finish, viewOf, type Hit } from './hits.ts';
import type { Indexes } from './indexes.ts';
import { IndexPostings, Postings } from './index-postings.ts';
import type { Plan, Range } from './planner.ts';
import { idOnlySort, limitOf, type Matcher } from './query.ts';
import { ResidentDocs, type ResidentHit } from './resident-docs.ts';
import { packedSql, unpack, type PackedRow } from './packed-rows.ts';
import type { Store } from './store.ts';
import { engineMetrics } from '../../metrics/docrest-registry.ts';

/** rows a lookup reads in its one step: more go to the sliced read (index-scan.ts) */
const MAX_ROWS = 1000;
/** the resident documents' budget (arena and JSON): ~100k documents of ~450 bytes */
const DOC_BYTES = 128 * 1024 * 1024;
/** a table not read this way for this long gives its memory back, in ms */
const COLD_MS = 60_000;
/** resident documents let go at once that are worth a collection soon (onDropped) */
const DROPPED_BYTES = 32 * 1024 * 1024;

export class ResidentReads {
  private readonly store: Store;
  readonly postings: Postings;
  private readonly docs = new ResidentDocs(DOC_BYTES);
  /** when each table was last read this way */
  private readonly lastRead = new Map<string, number>();
  private nextSweep = 0;

  constructor(store: Store, indexes: Indexes, columns: Columns) {
    this.store = store;
    this.postings = new Postings(store, indexes, columns);
    columns.watch({
      written: (rows) => {
        this.sweep();
        this.postings.written(rows);
        for (const [table, rowids] of rows) this.docs.written(table, rowids);
      },
      forget: (table) => void this.forget(table),
    });
  }

  /** called when tables gone cold let go of DROPPED_BYTES or more (the server then collects soon) */
  onDropped: (() => void) | undefined;

  private forget(table: string): number {
    this.postings.forget(table);
    this.lastRead.delete(table);
    return this.docs.forget(table);
  }

  /** Tables not read for COLD_MS are dropped (asked on reads and commits, at most every few seconds). */
  private sweep(now = Date.now()): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + COLD_MS / 10;
    let dropped = 0;
    for (const [table, at] of this.lastRead) if (now - at > COLD_MS) dropped += this.forget(table);
    if (dropped >= DROPPED_BYTES) this.onDropped?.();
  }

  /**
   * The answer of a plan's lookup of points (equality, $in) of a single-field index, or undefined
   * when this path cannot give it (a range, postings not built, too many rows). `matcher`: the
   * whole filter's, undefined when the index entries answer it.
   */
  read(table: string, plan: Plan & { kind: 'bounds' }, matcher: (() => Matcher) | undefined, opts: FindOptions, countOnly: boolean): Hit[] | number | undefined {
    if (!plan.points || plan.index.fields.length !== 1) return undefined;
    // other processes' commits reach the postings first (store.sync)
    this.store.docVersion(table);
    const now = Date.now();
    this.sweep(now);
    this.lastRead.set(table, now);
    const p = this.postings.ready(table, plan.index);
    if (!p) return undefined;
    const rows = rowsOf(p, plan.ranges);
    if (rows.length > MAX_ROWS && (!countOnly || matcher)) return undefined;
    engineMetrics.memoryLookup();
    if (countOnly && !matcher) return rows.length;
    const m = matcher?.();
    const hits: ResidentHit[] = [];
    for (const h of this.hits(table, rows)) if (!m || m(viewOf(h.parsed), () => exactOf(h.parsed))) hits.push(h);
    if (countOnly) return hits.length;
    const idDir = idOnlySort(opts.sort);
    if (idDir === undefined) return finish(hits, opts);
    hits.sort((a, b) => idDir * a.compareKey(b));
    const skip = opts.skip ?? 0;
    return hits.slice(skip, skip + limitOf(opts));
  }

  /** The rows' hits: those not held are read in one statement (one BLOB, packed-rows.ts) and kept. */
  private hits(table: string, rowids: readonly number[]): ResidentHit[] {
    const out: ResidentHit[] = [];
    let missing: number[] | undefined;
    for (const r of rowids) {
      const held = this.docs.get(table, r);
      if (held) out.push(held);
      else (missing ??= []).push(r);
    }
    if (!missing) return out;
    const read = this.store.prepared(packedSql(`SELECT rowid AS r, lower(hex(k)) AS h, doc AS d FROM ${table}
      WHERE rowid IN (SELECT value FROM json_each(?))`, { keys: true })).raw(true);
    for (const [rowid, hex, doc] of unpack(read.get(JSON.stringify(missing)) as PackedRow)) out.push(this.docs.put(table, rowid, hex, doc));
    return out;
  }

  clear(): void {
    this.postings.clear();
    this.docs.clear();
    this.lastRead.clear();
  }
}

function rowsOf(p: IndexPostings, ranges: Range[]): readonly number[] {
  if (ranges.length === 1) return p.lookup(ranges[0]![0].toString('hex')) ?? [];
  const rows = new Set<number>();
  for (const [lo] of ranges) for (const r of p.lookup(lo.toString('hex')) ?? []) rows.add(r);
  return [...rows];
}
