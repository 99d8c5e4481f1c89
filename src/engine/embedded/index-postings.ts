// An index's entries in memory, for the lookups of one key (equality, $in): key → rowids. SQLite
// answers such a lookup in 11–25 µs however few rows it finds (one statement's fixed cost, then a
// seek per row); a Map answers in well under one. Kept for single-field indexes of tables up to
// MAX_ROWS rows: built in slices on the first lookup (queries read SQLite meanwhile; a small table's
// build is done within that lookup's step, which it then answers), then kept
// current in the step of every commit (RowWatcher): each written row's keys are computed again
// from the row as committed.
import type { Columns } from './columns.ts';
import { LOST } from './columns.ts';
import type { IndexDef, Indexes } from './indexes.ts';
import { SLICE_MS, nextSlice } from './slices.ts';
import { fresh } from './stored-document.ts';
import type { Store } from './store.ts';

/** tables above this many rows keep their index in SQLite only (~60 bytes a row here) */
const MAX_ROWS = 250_000;
/** a commit writing more rows than this drops the table's postings (built again later, in slices) */
const MAX_APPLY = 512;
const BUILD_BATCH = 1024;
/** how long a table whose postings could not be built is not tried again, in ms */
const RETRY_AFTER_MS = 60_000;

interface Entry {
  hex: string;
  rows: number[];
}

/** One index's entries: key (lower-case hex) → rowids. */
export class IndexPostings {
  readonly index: IndexDef;
  private readonly byKey = new Map<string, Entry>();
  /** a row's entries, to take them out when it is written again */
  private readonly ofRow = new Map<number, Entry | Entry[]>();

  constructor(index: IndexDef) {
    this.index = index;
  }

  get rows(): number {
    return this.ofRow.size;
  }

  lookup(hex: string): readonly number[] | undefined {
    return this.byKey.get(hex)?.rows;
  }

  /** The row's entries are now these keys (none: the row is gone, or the index leaves it out). */
  set(rowid: number, keys: string[]): void {
    this.remove(rowid);
    if (keys.length === 0) return;
    const entries = keys.map((hex) => this.add(hex, rowid));
    this.ofRow.set(rowid, entries.length === 1 ? entries[0]! : entries);
  }

  /** Adds one entry while building (a row read with several keys comes once per key). */
  append(rowid: number, hex: string): void {
    const e = this.add(hex, rowid);
    const had = this.ofRow.get(rowid);
    this.ofRow.set(rowid, had === undefined ? e : Array.isArray(had) ? [...had, e] : [had, e]);
  }

  private add(hex: string, rowid: number): Entry {
    let e = this.byKey.get(hex);
    if (!e) this.byKey.set(hex, (e = { hex, rows: [] }));
    e.rows.push(rowid);
    return e;
  }

  private remove(rowid: number): void {
    const had = this.ofRow.get(rowid);
    if (had === undefined) return;
    this.ofRow.delete(rowid);
    for (const e of Array.isArray(had) ? had : [had]) {
      const i = e.rows.indexOf(rowid);
      if (i >= 0) e.rows.splice(i, 1);
      if (e.rows.length === 0) this.byKey.delete(e.hex);
    }
  }
}

/** A build under way: its postings answer nothing until it is done. */
interface Building {
  building: true;
}

export class Postings {
  private readonly store: Store;
  private readonly indexes: Indexes;
  private readonly columns: Columns;
  /** table → index table → postings */
  private readonly tables = new Map<string, Map<string, IndexPostings | Building>>();
  private readonly refused = new Map<string, number>();

  constructor(store: Store, indexes: Indexes, columns: Columns) {
    this.store = store;
    this.indexes = indexes;
    this.columns = columns;
  }

  /** The index's postings when built; else starts building them if the table is small enough. */
  ready(table: string, index: IndexDef): IndexPostings | undefined {
    const had = this.tables.get(table)?.get(index.table);
    if (had instanceof IndexPostings) return had;
    if (had || index.fields.length !== 1 || index.special || index.partial) return undefined;
    const refused = this.refused.get(index.table);
    if (refused !== undefined && Date.now() - refused < RETRY_AFTER_MS) return undefined;
    if (this.store.lastRowid(table) > MAX_ROWS) {
      this.refused.set(index.table, Date.now());
      return undefined;
    }
    const marker: Building = { building: true };
    this.byTable(table).set(index.table, marker);
    void this.build(table, index, marker);
    // a small table's build needs no second slice: it is done already
    const built = this.tables.get(table)?.get(index.table);
    return built instanceof IndexPostings ? built : undefined;
  }

  private byTable(table: string): Map<string, IndexPostings | Building> {
    let t = this.tables.get(table);
    if (!t) this.tables.set(table, (t = new Map()));
    return t;
  }

  private async build(table: string, index: IndexDef, marker: Building): Promise<void> {
    const p = new IndexPostings(index);
    const reader = this.columns.openReader(table);
    let written: number[] | typeof LOST = LOST;
    let ok = false;
    try {
      const batch = this.store.prepared(`SELECT lower(hex(i.key)), t.rowid, lower(hex(i.k)) FROM ${index.table} i JOIN ${table} t
        ON t.k = i.k WHERE (i.key, i.k) > (?, ?) ORDER BY i.key, i.k LIMIT ${BUILD_BATCH}`).raw(true);
      let after: [Buffer, Buffer] = [Buffer.alloc(0), Buffer.alloc(0)];
      let sliceStart = performance.now();
      for (;;) {
        if (this.tables.get(table)?.get(index.table) !== marker) return;
        const rows = batch.all(after[0], after[1]) as Array<[string, number, string]>;
        for (const [hex, rowid] of rows) p.append(rowid, hex);
        if (p.rows > MAX_ROWS) return;
        if (rows.length < BUILD_BATCH) break;
        const last = rows[rows.length - 1]!;
        after = [Buffer.from(last[0], 'hex'), Buffer.from(last[2], 'hex')];
        if (performance.now() - sliceStart > SLICE_MS) {
          await nextSlice();
          sliceStart = performance.now();
        }
      }
      ok = true;
    } catch {
      // the table or the index went away while it yielded: lookups stay with SQLite
    } finally {
      written = this.columns.closeReader(reader);
      if (this.tables.get(table)?.get(index.table) === marker) {
        if (ok && written !== LOST && this.apply(table, p, written)) this.byTable(table).set(index.table, p);
        else {
          this.tables.get(table)!.delete(index.table);
          this.refused.set(index.table, Date.now());
        }
      }
    }
  }

  /** Computes the rows' entries again from the rows as committed; false if that failed. */
  private apply(table: string, p: IndexPostings, rowids: Iterable<number>): boolean {
    const read = this.store.prepared(`SELECT doc FROM ${table} WHERE rowid = ?`).pluck();
    try {
      for (const r of new Set(rowids)) {
        const doc = read.get(r) as Buffer | undefined;
        p.set(r, doc ? this.indexes.keys(p.index, fresh(doc)).map((k) => k.toString('hex')) : []);
      }
      return true;
    } catch {
      return false;
    }
  }

  /** Rows just committed: each built index's entries for them, again (RowWatcher). */
  written(rows: Map<string, number[]>): void {
    for (const [table, rowids] of rows) {
      const t = this.tables.get(table);
      if (!t) continue;
      if (rowids.length > MAX_APPLY) {
        this.forget(table);
        continue;
      }
      const current = this.indexes.of(table);
      for (const [name, p] of t) {
        if (!(p instanceof IndexPostings)) continue;
        // a dropped index keeps no postings (an index table's name is never used again)
        if (!current.some((d) => d.table === name) || !this.apply(table, p, rowids)) t.delete(name);
      }
    }
  }

  forget(table: string): void {
    this.tables.delete(table);
  }

  clear(): void {
    this.tables.clear();
  }
}
