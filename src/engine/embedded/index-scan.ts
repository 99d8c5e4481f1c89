// Reads through an index (planner.ts plans 'bounds' and 'indexOrder') in slices of a few
// milliseconds, as column-scan.ts does for scans of the whole collection. Read in one statement,
// a wide range ({k: {$gte: 0}} over 100k documents) or a walk in index order that few rows pass
// held the event loop 1.5–3 s (measured): /ping waited as long.
//
// A slice reads at most SLICE_ROWS index entries; the next one starts after the last (key, k) it
// read (keyset paging on the index's primary key, which SQLite seeks). Rows written while the read
// yielded are judged again at the end, in one synchronous step with nothing else (the columns'
// write log, columns.ts), so the answer is the collection as committed at that instant.
import type Database from 'better-sqlite3';
import type { Sort } from '../types.ts';
import type { Document } from '../values.ts';
import type { Parsed } from './doc-cache.ts';
import type { IndexDef } from './indexes.ts';
import { packedSql, unpack, type PackedRow } from './packed-rows.ts';
import type { Range } from './planner.ts';
import { compileSort, type Matcher } from './query.ts';
import { Pace } from './slices.ts';
import { judgeWritten } from './written-rows.ts';
import type { CollectionInfo } from './store.ts';

export interface IndexHit {
  k: Buffer;
  rowid: number;
  parsed: Parsed;
}

/** What an index read needs from the scanner (scan.ts) and the store. */
export interface IndexAccess<H extends IndexHit> {
  prepared(sql: string): Database.Statement;
  /** the table's stamp now: rows read under it are what the table holds at it */
  stamp(): number;
  /** a row just read, for judging; `doc` is a view into a packed read (packed-rows.ts), to be copied if kept */
  parse(rowid: number, hexKey: string, doc: Buffer): H;
  /** the row with this _id key, for judging: the document cache's entry if current, else not cached */
  byKey(k: Buffer, stamp: number): H | undefined;
  /** the row with this rowid as committed now, or undefined when it no longer exists */
  read(rowid: number): H | undefined;
  /** the index's keys of a document (none when sparse or partial leave it out) */
  entries(exact: Document): Buffer[];
  view(p: Parsed): Document;
  exact(p: Parsed): Document;
  /** runs a read that yields, and tells the rows written to the table meanwhile (Columns.follow) */
  follow<T>(work: () => Promise<T>): Promise<{ value: T; written: number[] }>;
}

export interface IndexRead {
  info: CollectionInfo;
  index: IndexDef;
  /** the whole filter's matcher; undefined when the index entries answer it (covered bounds) */
  matcher: Matcher | undefined;
  deadline: number;
}

/** index entries read by one statement: ~0.3–0.6 ms of work with their documents */
const SLICE_ROWS = 32;
const EMPTY = Buffer.alloc(0);
/** matches whose documents a read in _id order keeps for its answer (a page is at most 1,000) */
const KEEP_HITS = 1000;

const inRanges = (keys: Buffer[], ranges: Range[]) =>
  keys.some((key) => ranges.some(([lo, hi]) => Buffer.compare(key, lo) >= 0 && Buffer.compare(key, hi) < 0));

export class IndexScan<H extends IndexHit> {
  private readonly q: IndexRead;
  private readonly access: IndexAccess<H>;
  private readonly pace: Pace;

  constructor(q: IndexRead, access: IndexAccess<H>) {
    this.q = q;
    this.access = access;
    this.pace = new Pace(q.deadline);
  }

  private matches(h: H): boolean {
    return !this.q.matcher || this.q.matcher(this.access.view(h.parsed), () => this.access.exact(h.parsed));
  }

  /**
   * The rows with an entry in these ranges that match, each once, in no particular order: their
   * _id keys by rowid, and their hits when `keep` (a sort on fields needs the documents) or while
   * there are at most KEEP_HITS (for the _id order or a count, holding every match's document of
   * a wide range only fed the garbage collector).
   */
  async bounds(ranges: Range[], keep: boolean): Promise<{ keys: Map<number, Buffer>; hits: Map<number, H> | undefined }> {
    const { info, index } = this.q;
    const a = this.access;
    const rows = a.prepared(packedSql(`SELECT t.rowid AS r, lower(hex(t.k)) AS h, t.doc AS d FROM ${index.table} i JOIN ${info.table} t
      ON t.k = i.k WHERE (i.key, i.k) > (?, ?) AND i.key < ? ORDER BY i.key, i.k LIMIT ${SLICE_ROWS}`, { keys: true })).raw(true);
    // where the next slice starts: asked only of a full slice (a key Buffer less per row)
    const last = a.prepared(`SELECT key, k FROM ${index.table} WHERE (key, k) > (?, ?) AND key < ?
      ORDER BY key, k LIMIT 1 OFFSET ${SLICE_ROWS - 1}`).raw(true);
    const keys = new Map<number, Buffer>();
    let hits: Map<number, H> | undefined = new Map<number, H>();
    const { written } = await a.follow(async () => {
      for (const [lo, hi] of ranges) {
        // every k is longer than the empty blob: (key, k) > (lo, x'') is key >= lo
        let after: [Buffer, Buffer] = [lo, EMPTY];
        for (;;) {
          // catches up with other processes' commits first (store.sync), so that the rows they
          // wrote since the last slice reach follow's log, or the read learns it lost some
          a.stamp();
          const got = unpack(rows.get(after[0], after[1], hi) as PackedRow);
          for (const [rowid, hex, view] of got) {
            if (keys.has(rowid)) continue;
            const h = a.parse(rowid, hex, view);
            if (!this.matches(h)) continue;
            keys.set(rowid, h.k);
            if (hits && !keep && keys.size > KEEP_HITS) hits = undefined;
            hits?.set(rowid, h);
          }
          if (got.length < SLICE_ROWS) break;
          after = last.get(after[0], after[1], hi) as [Buffer, Buffer];
          const turn = this.pace.turn();
          if (turn) await turn;
        }
      }
    });
    for (const r of new Set(written)) {
      keys.delete(r);
      hits?.delete(r);
      const h = a.read(r);
      if (!h || !inRanges(a.entries(a.exact(h.parsed)), ranges) || !this.matches(h)) continue;
      keys.set(r, h.k);
      hits?.set(r, h);
    }
    return { keys, hits };
  }

  /**
   * The matching rows in the index's order (dir), the first `need` of them; `sort`: the order the
   * index gives, for placing rows written meanwhile.
   */
  async inOrder(dir: 1 | -1, need: number, sort: Sort): Promise<H[]> {
    const { index } = this.q;
    const a = this.access;
    const o = dir === 1 ? 'ASC' : 'DESC';
    const first = a.prepared(`SELECT key, k FROM ${index.table} ORDER BY key ${o}, k ${o} LIMIT ${SLICE_ROWS}`).raw(true);
    const next = a.prepared(`SELECT key, k FROM ${index.table} WHERE (key, k) ${dir === 1 ? '>' : '<'} (?, ?)
      ORDER BY key ${o}, k ${o} LIMIT ${SLICE_ROWS}`).raw(true);
    const hits = new Map<number, H>();
    const seen = new Set<string>();
    let after: [Buffer, Buffer] | undefined;
    let exhausted = false;
    // walks on until `need` rows match or the index ends; `sync`: without giving way
    const walk = async (sync: boolean) => {
      while (!exhausted && hits.size < need) {
        const stamp = a.stamp();
        const got = (after ? next.all(after[0], after[1]) : first.all()) as Array<[Buffer, Buffer]>;
        for (const entry of got) {
          after = entry;
          const s = entry[1].toString('latin1');
          if (seen.has(s)) continue;
          seen.add(s);
          const h = a.byKey(entry[1], stamp);
          if (h && !hits.has(h.rowid) && this.matches(h)) {
            hits.set(h.rowid, h);
            if (hits.size >= need) break;
          }
        }
        if (got.length < SLICE_ROWS && hits.size < need) exhausted = true;
        else if (!sync && hits.size < need) {
          const turn = this.pace.turn();
          if (turn) await turn;
        }
      }
    };
    const { written } = await a.follow(() => walk(false));
    if (!written.length) return [...hits.values()];
    // passed: one of its entries comes at or before the last entry read
    const passed = (h: H) => {
      const at = after;
      const entries = a.entries(a.exact(h.parsed));
      if (entries.length > 0 && (exhausted || (at !== undefined && entries.some((key) => dir * (Buffer.compare(key, at[0]) || Buffer.compare(h.k, at[1])) <= 0)))) return true;
      // a row that moved on is met again where it is now
      seen.delete(h.k.toString('latin1'));
      return false;
    };
    judgeWritten(hits, written, (r) => a.read(r), passed, (h) => this.matches(h));
    // rows the writes took out leave room for rows further on
    await walk(true);
    const cmp = compileSort(sort);
    return [...hits.values()]
      .sort((x, y) => cmp(a.view(x.parsed), a.view(y.parsed)) || dir * Buffer.compare(x.k, y.k))
      .slice(0, need);
  }
}
