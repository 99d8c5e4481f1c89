// A query over a whole collection, answered from columns (columns.ts): compiled predicates decide
// most rows from their cells; the rows they cannot decide (ASK) are read and judged by mingo. The
// work runs in slices of a few milliseconds, so other requests are served in between; the rows
// written meanwhile are judged again at the end, in one synchronous step with reading the result
// documents, so the answer is the collection as committed at that instant.
import type { FindOptions } from '../types.ts';
import type { Document } from '../values.ts';
import { DateCell, MISSING, OidCell, type Cell } from './cells.ts';
import { ROWS, type Columns } from './columns.ts';
import { Pace } from './slices.ts';
import { ASK, NO, YES, type CompiledFilter, type RowTest } from './predicate.ts';
import { compileSort, limitOf } from './query.ts';
import type { CollectionInfo } from './store.ts';

export interface RowAccess<H extends RowHit> {
  /** the hit of a row, read now; undefined when the row no longer exists */
  read(rowid: number): H | undefined;
  /** the same, for judging the row only: not kept in the document cache */
  peek(rowid: number): H | undefined;
  /** the _id keys of rows, for ordering rows whose rowid order is not _id order */
  key(rowid: number): Buffer | undefined;
  /** the document's numeric view, for sorting */
  view(hit: H): Document;
  /** whether the document matches the whole filter (mingo) */
  matches(hit: H): boolean;
}

export interface RowHit {
  k: Buffer;
  rowid: number;
  /** the stored bytes: a page's reads give way by their size */
  parsed: { bytes: Buffer };
}

export interface ColumnQuery {
  info: CollectionInfo;
  compiled: CompiledFilter;
  opts: FindOptions;
  /** 1 | -1 for an _id sort (or none), undefined for another sort */
  idDir: 1 | -1 | undefined;
  deadline: number;
  /** only the number of matches is wanted */
  countOnly: boolean;
}

/** A cell's rank in MongoDB's type order for sorting; -1 when the document must decide (arrays, …). */
function rankOf(c: Cell | undefined): number {
  if (c === MISSING || c === null) return 2;
  if (typeof c === 'number') return 3;
  if (typeof c === 'string') return 4;
  if (c instanceof OidCell) return 8;
  if (typeof c === 'boolean') return 9;
  if (c instanceof DateCell) return 10;
  return -1;
}

function keyOf(c: Cell): number | string | boolean {
  return c instanceof OidCell ? c.hex : c instanceof DateCell ? c.ms : (c as number | string | boolean);
}

function compareCells(x: Cell, y: Cell): number {
  const rx = rankOf(x);
  const ry = rankOf(y);
  if (rx !== ry) return rx - ry;
  if (rx === 2) return 0;
  const a = keyOf(x);
  const b = keyOf(y);
  return a < b ? -1 : a > b ? 1 : 0;
}

/** rows above which a scan takes turns from its start */
const BIG = 16_384;

class Run<H extends RowHit> {
  private readonly q: ColumnQuery;
  private readonly columns: Columns;
  private readonly rows: RowAccess<H>;
  private readonly test: RowTest;
  private readonly exists: Cell[];
  /** mingo's verdicts on rows the cells could not decide (each cost a read) */
  private readonly judged = new Map<number, boolean>();
  /** documents read so far: reads, not cell tests, are what a slice must be paced by */
  private reads = 0;
  private readonly hits = new Map<number, H>();
  private readonly clock: Pace;
  private checks = 0;

  constructor(q: ColumnQuery, columns: Columns, rows: RowAccess<H>) {
    this.q = q;
    this.columns = columns;
    this.rows = rows;
    const table = q.info.table;
    this.exists = columns.get(table, ROWS)!.cells;
    this.test = q.compiled.bind((p) => columns.get(table, p));
    this.clock = new Pace(q.deadline);
  }

  /**
   * Yields when the slice is used up (unless `sync`); throws past the deadline. Undefined when the
   * clock was not read: a loop over small documents awaits nothing.
   */
  private pace(sync: boolean, weight: number): Promise<void> | undefined {
    this.checks += weight;
    if (this.checks < 4096) return undefined;
    this.checks = 0;
    return this.clock.turn(sync);
  }

  /** Whether the row matches: its cells decide, or else mingo on the document. */
  private decide(rowid: number): boolean {
    if (this.exists[rowid] !== true) return false;
    const t = this.test(rowid);
    if (t !== ASK) return t === YES;
    let d = this.judged.get(rowid);
    if (d === undefined) {
      this.reads++;
      const hit = this.rows.peek(rowid);
      d = !!hit && this.rows.matches(hit);
      if (hit && d) this.hits.set(rowid, hit);
      this.judged.set(rowid, d);
    }
    return d;
  }

  /** Rows whose cells say YES or ASK, in rowid order: one pass over the columns. */
  private async candidates(): Promise<number[]> {
    const out: number[] = [];
    const exists = this.exists;
    const test = this.test;
    // the rows a search of a column's strings refuses are not visited (column-text.ts)
    const next = test.next;
    const collect = test.collect;
    if (collect && !next) {
      for (let r = 0; r < exists.length; r += 2048) {
        collect(exists, r, Math.min(r + 2048, exists.length), out);
        const turn = this.pace(false, 4096);
        if (turn) await turn;
      }
      return out;
    }
    let paced = 0;
    for (let r = 0; r < exists.length; r++) {
      if (next) r = next(r);
      if (exists[r] === true && test(r) !== NO) out.push(r);
      // (a search builds and searches 2,048 rows at a time, ~1 ms)
      if (r - paced >= 2048) {
        paced = r;
        const turn = this.pace(false, 4096);
        if (turn) await turn;
      }
    }
    return out;
  }

  /** The first `need` matches among candidates, in the given order. */
  private async walk(cands: number[], reverse: boolean, need: number, sync: boolean): Promise<number[]> {
    const out: number[] = [];
    const n = cands.length;
    for (let i = 0; i < n && out.length < need; i++) {
      const r = cands[reverse ? n - 1 - i : i]!;
      const reads = this.reads;
      if (this.decide(r)) out.push(r);
      // the clock is asked after 4,096 candidates, not at the first: a walk of a few candidates gave
      // way for the candidates' pass before it, and waited a round to judge one row (M1)
      const turn = this.reads !== reads ? this.pace(sync, 64) : (i & 0xfff) === 0xfff ? this.pace(sync, 4096) : undefined;
      if (turn) await turn;
    }
    return out;
  }

  async run(): Promise<H[] | number> {
    const { q } = this;
    const table = q.info.table;
    const skip = q.opts.skip ?? 0;
    const limit = limitOf(q.opts);
    const reverse = q.idDir === -1;
    // while rowid order is _id order the walk stops at the page's end; a row inserted out of
    // _id order while the query gave way ends that
    const paged = () => !q.countOnly && q.idDir !== undefined && this.columns.ordered(table);
    const need = () => (paged() ? skip + limit : Infinity);
    const { value, written } = await this.columns.follow(table, async () => {
      // a long scan starts after the requests that arrived with it (see slices.ts)
      if (this.exists.length > BIG) await this.clock.next();
      const cands = await this.candidates();
      return { cands, matched: await this.walk(cands, reverse, need(), false) };
    });
    let { cands, matched } = value;
    if (written.length) {
      cands = this.rejudge(cands, written);
      matched = await this.walk(cands, reverse, need(), true);
    }
    if (q.countOnly) return matched.length;
    // the page's documents are read giving way too (a page of 1,000 documents of 18 KB held the
    // event loop 70 ms); when rows were written meanwhile, the page is chosen and read again, in one step
    const picked = await this.order(matched, paged(), skip, limit);
    if (picked.hits) return picked.hits;
    const { value: page, written: late } = await this.columns.follow(table, () => this.page(picked.rows, skip, limit, false));
    if (late.length === 0) return page;
    matched = await this.walk(this.rejudge(cands, late), reverse, need(), true);
    const again = await this.order(matched, paged(), skip, limit);
    return again.hits ?? this.page(again.rows, skip, limit, true);
  }

  /** Rows written while the query gave way are judged again, now, against the committed state: the candidates with the new rows. */
  private rejudge(cands: number[], written: number[]): number[] {
    for (const r of written) {
      this.judged.delete(r);
      this.hits.delete(r);
    }
    const set = new Set(cands);
    for (const r of written) if (!set.has(r) && this.exists[r] === true) set.add(r);
    return [...set].sort((a, b) => a - b);
  }

  private hit(rowid: number): H | undefined {
    let h = this.hits.get(rowid);
    if (!h) {
      h = this.rows.read(rowid);
      if (h) this.hits.set(rowid, h);
    }
    return h;
  }

  /** The documents of rows [skip, skip + limit), giving way by the bytes read unless `sync`. */
  private async page(rowids: number[], skip: number, limit: number, sync: boolean): Promise<H[]> {
    const out: H[] = [];
    for (const r of rowids.slice(skip, limit === Infinity ? undefined : skip + limit)) {
      const h = this.hit(r);
      if (!h) continue;
      out.push(h);
      const turn = this.pace(sync, 64 + (h.parsed.bytes.length >> 6));
      if (turn) await turn;
    }
    return out;
  }

  /** The rows of the answer in order (their documents read by page()), or its documents when the order needed them. */
  private async order(matched: number[], paged: boolean, skip: number, limit: number): Promise<{ rows: number[]; hits?: undefined } | { hits: H[] }> {
    const { q } = this;
    if (paged) return { rows: matched };
    if (q.idDir !== undefined) {
      const ids = this.columns.get(q.info.table, '_id')?.cells;
      if (ids && matched.every((r) => rankOf(ids[r]) >= 0)) {
        return { rows: topRows(matched, skip + limit, (a, b) => q.idDir! * compareCells(ids[a]!, ids[b]!)) };
      }
      const keys = new Map(matched.map((r) => [r, this.rows.key(r)!] as const));
      const sorted = matched.filter((r) => keys.get(r)).sort((a, b) => q.idDir! * Buffer.compare(keys.get(a)!, keys.get(b)!));
      return { rows: sorted };
    }
    const sort = q.opts.sort!;
    const table = q.info.table;
    const cols = sort.map(([f]) => this.columns.get(table, f)?.cells);
    if (this.columns.ordered(table) && cols.every((c) => c !== undefined)
      && matched.every((r) => cols.every((c) => rankOf(c![r]) >= 0))) {
      // ties in rowid order, which is _id order here
      const cmp = (a: number, b: number) => {
        for (let i = 0; i < sort.length; i++) {
          const c = compareCells(cols[i]![a]!, cols[i]![b]!);
          if (c !== 0) return sort[i]![1] * c;
        }
        return a - b;
      };
      return { rows: topRows(matched, skip + limit, cmp) };
    }
    return { hits: await this.sortDocuments(matched, skip, limit) };
  }

  /**
   * Sorts by the documents themselves (arrays, mixed types: MongoDB's rules in compileSort), read
   * in slices, keeping only the first skip + limit (sorting 100k documents by an array field held
   * the event loop 2.7 s). Rows written meanwhile are judged again; when a kept row was among them,
   * a row let go earlier may now belong: the sort starts again (the third time without yielding).
   */
  private async sortDocuments(matched: number[], skip: number, limit: number): Promise<H[]> {
    const table = this.q.info.table;
    const cmp = compileSort(this.q.opts.sort!);
    const order = (a: H, b: H) => cmp(this.rows.view(a), this.rows.view(b)) || Buffer.compare(a.k, b.k);
    const need = skip + limit;
    const doc = (r: number) => this.hits.get(r) ?? this.rows.peek(r);
    let rows = matched;
    for (let attempt = 0; ; attempt++) {
      const sync = attempt >= 2;
      const top = new Top<H>(need >= rows.length / 4 ? Infinity : need, order);
      const { written } = await this.columns.follow(table, async () => {
        for (const r of rows) {
          const h = doc(r);
          if (h) top.offer(h);
          const turn = this.pace(sync, 64);
          if (turn) await turn;
        }
      });
      let kept = top.items;
      if (written.length) {
        const w = new Set(written);
        for (const r of w) {
          this.judged.delete(r);
          this.hits.delete(r);
        }
        const now = rows.filter((r) => !w.has(r));
        const arrived = [...w].filter((r) => this.decide(r));
        rows = [...now, ...arrived];
        if (top.dropped && kept.some((h) => w.has(h.rowid))) continue;
        kept = [...kept.filter((h) => !w.has(h.rowid)), ...arrived.map(doc).filter((h): h is H => !!h)];
      }
      return kept.sort(order).slice(skip, limit === Infinity ? undefined : skip + limit);
    }
  }
}

/** The first `need` items offered, in `cmp` order: a bounded sorted list, most items rejected by one comparison. */
class Top<T> {
  readonly items: T[] = [];
  /** whether an item offered was let go */
  dropped = false;
  private readonly need: number;
  private readonly cmp: (a: T, b: T) => number;

  constructor(need: number, cmp: (a: T, b: T) => number) {
    this.need = need;
    this.cmp = cmp;
  }

  offer(x: T): void {
    const best = this.items;
    if (this.need === Infinity) {
      best.push(x);
      return;
    }
    if (best.length === this.need && this.cmp(x, best[this.need - 1]!) >= 0) {
      this.dropped = true;
      return;
    }
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.cmp(best[mid]!, x) <= 0) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, x);
    if (best.length > this.need) {
      best.pop();
      this.dropped = true;
    }
  }
}

/** The first `need` rows in `cmp` order. */
function topRows(rows: number[], need: number, cmp: (a: number, b: number) => number): number[] {
  if (need >= rows.length / 4) return rows.slice().sort(cmp);
  const top = new Top(need, cmp);
  for (const r of rows) top.offer(r);
  return top.items;
}

/** Runs the query over the columns; the needed columns must have been ensured (with ROWS). */
export function runColumnQuery<H extends RowHit>(q: ColumnQuery, columns: Columns, rows: RowAccess<H>): Promise<H[] | number> {
  return new Run<H>(q, columns, rows).run();
}
