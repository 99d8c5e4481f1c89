// In-memory columns: for a collection table and a field path, the cell (cells.ts) of every row,
// indexed by rowid. Built on first use by a query, in bounded slices (the event loop stays free),
// then kept current by re-reading the rows every commit wrote, after the commit (so a column never
// shows a write that is not durable), this process's commits and other workers' (row-log.ts).
//
// Memory is bounded by a byte budget over all columns (estimated from their contents), least
// recently used columns dropped first; a column that would not fit is not built and its queries
// fall back to reading documents.
import type Database from 'better-sqlite3';
import { timeLimitExceeded } from './time-limit.ts';
import { DateCell, OidCell, cellOf, encodePath, type Cell } from './cells.ts';
import { SLICE_MS, nextSlice } from './slices.ts';
import { ColumnText, RowSearch, searchable, type ColumnView } from './column-text.ts';
import { ColumnNumbers } from './column-numbers.ts';
import { packedSql, unpack, type PackedRow } from './packed-rows.ts';
import type { Store } from './store.ts';

/** the rows column: a cell per existing row, for filters that compile to nothing */
export const ROWS = '';

const BUILD_BATCH = 512;
/**
 * A build batch's documents, packed (packed-rows.ts): large documents make smaller batches. The
 * first batch is small too (FIRST_BATCH rows, doubling from there): 512 documents of 18 KB read in
 * one statement held the event loop ~80 ms (a 9 MB BLOB, and every cell made from it).
 */
const BATCH_BYTES = 1 << 20;
const FIRST_BATCH = 16;

function cellBytes(c: Cell): number {
  if (typeof c === 'string') return 24 + c.length;
  if (typeof c === 'number') return Number.isInteger(c) && Math.abs(c) < 2 ** 31 ? 0 : 16;
  if (c instanceof DateCell) return 40;
  if (c instanceof OidCell) return 80;
  if (Array.isArray(c)) {
    let n = 32 + 8 * c.length;
    for (const x of c) n += cellBytes(x as Cell);
    return n;
  }
  return 0;
}

export class Column implements ColumnView {
  readonly path: string;
  private readonly segs: Buffer[] | undefined;
  readonly cells: Cell[] = [];
  bytes = 0;
  /** rows with a cell: for the rows column, the number of documents */
  present = 0;
  lastUsed = 0;
  /** rows up to this rowid are current; the builder reads the rest */
  builtTo = 0;
  done = false;
  building: Promise<void> | undefined;
  dropped = false;
  /** bumped by every write: a query's search of the text (column-text.ts) then trusts it no more */
  writes = 0;
  /** built on a regex's first search of this column */
  private text: ColumnText | undefined;
  /** from the first number, array or UNSURE cell on */
  numbers: ColumnNumbers | undefined;

  constructor(path: string) {
    this.path = path;
    this.segs = path === ROWS ? undefined : encodePath(path);
  }

  cellOf(doc: Buffer): Cell {
    return this.segs ? cellOf(doc, this.segs) : true;
  }

  set(rowid: number, cell: Cell | undefined): void {
    const cells = this.cells;
    // filled in order, so the array keeps V8's fast elements (a preallocated or sparse one does not)
    while (cells.length < rowid) cells.push(undefined as unknown as Cell);
    const old = cells[rowid];
    this.present += (cell !== undefined ? 1 : 0) - (old !== undefined ? 1 : 0);
    if (old !== undefined) this.bytes -= cellBytes(old);
    if (cell !== undefined) this.bytes += cellBytes(cell);
    if (cells.length === rowid) cells.push(cell as Cell);
    else cells[rowid] = cell as Cell;
    this.writes++;
    this.text?.written(rowid, cell);
    if (this.numbers === undefined && ColumnNumbers.wanted(cell)) this.numbers = new ColumnNumbers();
    this.numbers?.set(rowid, cell);
  }

  search(literals: string[]): RowSearch | undefined {
    if (!searchable(literals)) return undefined;
    return new RowSearch(this, (this.text ??= new ColumnText()), literals);
  }

  size(): number {
    return this.bytes + 8 * this.cells.length + (this.text?.bytes ?? 0) + (this.numbers?.bytes ?? 0);
  }
}

class TableColumns {
  readonly columns = new Map<string, Column>();
  /** rowid order is _id order: true until a row is inserted out of order */
  ordered = true;
  orderKnown = false;
  /** rows written since `logStart`, while some query needs to know (openReader/closeReader) */
  log: number[] = [];
  logStart = 0;
  seq = 0;
  readers = 0;
  /** the columns were forgotten while queries followed the writes: the log stopped (closeReader) */
  lost = false;
  /** paths whose column did not fit the budget, and when: not tried again for a while */
  readonly refused = new Map<string, number>();
}

/** A query's hold on the rows written to a table while it yields (openReader, closeReader). */
export interface Reader {
  readonly seq: number;
}

interface Tracking extends Reader {
  readonly t: TableColumns;
}

/**
 * closeReader's answer when the table's columns were forgotten while the query yielded: another
 * worker's writes were trimmed from the row log before this process read them (row-log.ts), so
 * which rows changed is unknown. The query reads again (Scanner.query).
 */
export const LOST = Symbol('writes lost');

/** Thrown by follow() when the writes were LOST. */
export class WritesLost extends Error {}

/** how long a column that did not fit is not built again, in ms */
const RETRY_AFTER_MS = 60_000;

/** Holds rows of tables in memory besides the columns (resident-read.ts): told of the same writes. */
export interface RowWatcher {
  /** rows committed (kept or rolled back), per table, as applyCommitted gets them */
  written(rows: Map<string, number[]>): void;
  /** the table's rows are no longer known (another worker's writes) or the table was dropped */
  forget(table: string): void;
}

export class Columns {
  private readonly store: Store;
  private readonly tables = new Map<string, TableColumns>();
  private readonly watchers: RowWatcher[] = [];
  private readonly budget: number;
  private clock = 0;

  constructor(store: Store, budgetBytes: number) {
    this.store = store;
    this.budget = budgetBytes;
    store.onCommitted = (rows) => this.applyCommitted(rows);
    store.onForeignWrite = (table) => this.forget(table);
    store.onForeignRows = (rows) => this.applyCommitted(rows);
    // a dropped table gets no more writes: a read of it answers as of before the drop
    store.onDropped = (table) => this.forget(table, false);
  }

  private table(name: string): TableColumns {
    let t = this.tables.get(name);
    if (!t) this.tables.set(name, (t = new TableColumns()));
    return t;
  }

  watch(w: RowWatcher): void {
    this.watchers.push(w);
  }

  forget(table: string, writesUnknown = true): void {
    for (const w of this.watchers) w.forget(table);
    const t = this.tables.get(table);
    if (!t) return;
    for (const c of t.columns.values()) c.dropped = true;
    if (writesUnknown && t.readers > 0) t.lost = true;
    this.tables.delete(table);
  }

  private stmt(table: string, sql: string): Database.Statement {
    return this.store.prepared(sql.replaceAll('$T', ` ${table} `));
  }

  /** The built column, or undefined when it is not (fully) built. */
  get(table: string, path: string): Column | undefined {
    const c = this.tables.get(table)?.columns.get(path);
    if (!c || !c.done) return undefined;
    c.lastUsed = ++this.clock;
    return c;
  }

  /** Whether rowid order is _id order for this table (known once any column was built). */
  ordered(table: string): boolean {
    const t = this.tables.get(table);
    return !!t && t.orderKnown && t.ordered;
  }

  /**
   * Builds the missing columns of these paths; resolves when all are built (or could not be, over
   * the budget). Throws the time-limit error past the deadline.
   */
  async ensure(table: string, paths: string[], deadline: number): Promise<void> {
    const t = this.table(table);
    const missing: Column[] = [];
    const waits: Promise<void>[] = [];
    for (const p of paths) {
      const c = t.columns.get(p);
      const refused = t.refused.get(p);
      if (refused !== undefined && Date.now() - refused < RETRY_AFTER_MS) continue;
      if (c?.done) c.lastUsed = ++this.clock;
      else if (c?.building) waits.push(c.building);
      else {
        const col = new Column(p);
        t.columns.set(p, col);
        missing.push(col);
      }
    }
    if (missing.length) {
      const build = this.build(table, t, missing);
      for (const c of missing) c.building = build;
      waits.push(build);
    }
    if (waits.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(() => {
        timedOut = true;
        resolve();
      }, Math.max(0, deadline - Date.now()));
    });
    try {
      await Promise.race([Promise.all(waits), late]);
    } finally {
      clearTimeout(timer);
    }
    // the timer, not the clock, says the builds did not finish: it can fire while Date.now() still
    // reads the deadline's millisecond, and a caller finding no column then read every document in
    // one synchronous step, past its time limit (a 1 ms limit answered 200 once in a full test run)
    if (timedOut || Date.now() > deadline) throw timeLimitExceeded();
  }

  private async build(table: string, t: TableColumns, cols: Column[]): Promise<void> {
    const batch = this.stmt(table, packedSql('SELECT rowid AS r, doc AS d FROM $T WHERE rowid > ? ORDER BY rowid LIMIT ?', { keys: false })).raw(true);
    const disorder = this.stmt(table, `SELECT max(r), sum(d) FROM (SELECT rowid AS r, k < lag(k) OVER (ORDER BY rowid) AS d
      FROM $T WHERE rowid >= ? ORDER BY rowid LIMIT ?)`).raw(true);
    const checkOrder = !t.orderKnown;
    let ordered = true;
    let cursor = 0;
    let size = FIRST_BATCH;
    let sliceStart = performance.now();
    try {
      for (;;) {
        if (cols.every((c) => c.dropped)) return;
        let packed: PackedRow;
        try {
          packed = batch.get(cursor, size) as PackedRow;
        } catch (e) {
          // large documents: a packed batch is limited to SQLite's 1 GB, a document to 16 MB
          if ((e as { code?: string }).code !== 'SQLITE_TOOBIG' || size === 1) throw e;
          size >>= 1;
          continue;
        }
        const rows = unpack(packed);
        for (const [r, , doc] of rows) for (const c of cols) c.set(r, c.cellOf(doc));
        if (checkOrder && rows.length) ordered &&= !(disorder.get(cursor, rows.length + 1) as [number, number])[1];
        // the batch is the next rows by rowid, packed in an order of SQLite's choosing
        let last = cursor;
        for (const [r] of rows) if (r > last) last = r;
        for (const c of cols) c.builtTo = last;
        cursor = last;
        if (rows.length < size) break;
        const bytes = packed[3]?.length ?? 0;
        size = bytes > BATCH_BYTES ? Math.max(1, size >> 1) : bytes < BATCH_BYTES / 4 ? Math.min(BUILD_BATCH, size * 2) : size;
        const over = cols.find((c) => c.size() > this.budget);
        if (over) {
          t.refused.set(over.path, Date.now());
          throw new Error('over budget');
        }
        if (performance.now() - sliceStart > SLICE_MS) {
          await nextSlice();
          sliceStart = performance.now();
        }
      }
      for (const c of cols) {
        c.done = true;
        c.builtTo = Infinity;
        c.building = undefined;
        c.lastUsed = ++this.clock;
      }
      if (checkOrder && this.tables.get(table) === t) {
        t.ordered = ordered && t.ordered;
        t.orderKnown = true;
      }
      this.enforceBudget();
    } catch {
      // over the budget, or the table went away: the queries read documents instead
      for (const c of cols) if (t.columns.get(c.path) === c) t.columns.delete(c.path);
    }
  }

  private enforceBudget(): void {
    const all = [...this.tables.values()].flatMap((t) => [...t.columns.values()].filter((c) => c.done).map((c) => ({ t, c })));
    let total = all.reduce((n, x) => n + x.c.size(), 0);
    all.sort((a, b) => a.c.lastUsed - b.c.lastUsed);
    for (const { t, c } of all) {
      if (total <= this.budget) break;
      total -= c.size();
      c.dropped = true;
      t.columns.delete(c.path);
    }
  }

  /** Re-reads each written row into the columns that have it (committed state only). */
  private applyCommitted(rows: Map<string, number[]>): void {
    for (const w of this.watchers) w.written(rows);
    for (const [table, rowids] of rows) {
      try {
        this.applyRows(table, rowids);
      } catch {
        // a column that cannot follow a write must not answer queries
        this.forget(table);
      }
    }
  }

  private applyRows(table: string, rowids: number[]): void {
    const t = this.tables.get(table);
    if (!t) return;
    if (t.readers > 0) for (const r of rowids) t.log.push(r);
    t.seq += rowids.length;
    if (t.columns.size === 0) return;
    const read = this.stmt(table, 'SELECT doc FROM $T WHERE rowid = ?').pluck();
    // a new row out of _id order: rowid order no longer gives _id order
    const outOfOrder = this.stmt(table, `SELECT (SELECT k FROM $T WHERE rowid = @r) < (SELECT k FROM $T WHERE rowid < @r ORDER BY rowid DESC LIMIT 1)
      OR (SELECT k FROM $T WHERE rowid = @r) > (SELECT k FROM $T WHERE rowid > @r ORDER BY rowid LIMIT 1)`).pluck();
    const first = t.columns.values().next().value!;
    for (const r of rowids) {
      const doc = read.get(r) as Buffer | undefined;
      const isNew = first.cells[r] === undefined;
      for (const c of t.columns.values()) if (r <= c.builtTo) c.set(r, doc && c.cellOf(doc));
      if (doc && isNew && t.ordered && outOfOrder.get({ r }) === 1) t.ordered = false;
    }
  }

  /** Starts tracking the rows written to this table, for a query that yields (see closeReader). */
  openReader(table: string): Reader {
    const t = this.table(table);
    if (t.readers++ === 0) {
      t.log = [];
      t.logStart = t.seq;
    }
    const r: Tracking = { t, seq: t.seq };
    return r;
  }

  /**
   * Runs `work` (a read that yields) and tells which rows of the table were written meanwhile;
   * throws WritesLost when that is unknown.
   */
  async follow<T>(table: string, work: () => Promise<T>): Promise<{ value: T; written: number[] }> {
    const reader = this.openReader(table);
    let written: number[] | typeof LOST;
    let value: T;
    try {
      value = await work();
    } finally {
      written = this.closeReader(reader);
    }
    if (written === LOST) throw new WritesLost();
    return { value, written };
  }

  /** The rows written since openReader, or LOST; stops the tracking. */
  closeReader(reader: Reader): number[] | typeof LOST {
    const { t, seq } = reader as Tracking;
    const out = t.lost ? LOST : t.log.slice(Math.max(0, seq - t.logStart));
    if (--t.readers <= 0) {
      t.readers = 0;
      t.log = [];
    }
    return out;
  }
}
