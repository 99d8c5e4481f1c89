// Dropping a collection, a database or an index retires its tables instead of dropping them inside
// the write: SQLite's DROP TABLE visits every page of a table to free it, which held the event loop
// ~280 ms for a collection of 100k documents (seconds at 1M). The drop's commit forgets the
// collection or index at once and lists its tables in `retired`; the reaper then empties each by a
// chain of small writes, each its own commit with other requests served in between, and drops it
// once empty (cheap). A process that dies meanwhile leaves them listed: the next start goes on.
import type Database from 'better-sqlite3';
import { nextSlice } from './slices.ts';
import type { Store } from './store.ts';

/** rows deleted by one write: ~2–5 ms of work for documents of ~450 bytes */
const ROWS_PER_WRITE = 500;

export function createRetiredTable(sql: Database.Database): void {
  sql.exec('CREATE TABLE IF NOT EXISTS retired (tbl TEXT PRIMARY KEY) WITHOUT ROWID');
}

/** Only inside a write: the table is no longer used and will be emptied and dropped later. */
export function retireTable(store: Store, table: string): void {
  // a retired table is written by the reaper only: nothing for a transaction's snapshot to keep
  store.sql.exec(`DROP TRIGGER IF EXISTS ${table}_snap_i; DROP TRIGGER IF EXISTS ${table}_snap_u; DROP TRIGGER IF EXISTS ${table}_snap_d`);
  store.sql.prepare('INSERT OR IGNORE INTO retired (tbl) VALUES (?)').run(table);
  store.forget(table);
  store.onRetired?.();
}

export class Reaper {
  private readonly store: Store;
  private running: Promise<void> | undefined;
  private stopped = false;
  private readonly onError: (e: unknown) => void;

  constructor(store: Store, onError: (e: unknown) => void) {
    this.store = store;
    this.onError = onError;
  }

  /** Empties and drops the retired tables, unless already doing so: after each drop, and at start. */
  start(): void {
    if (this.running || this.stopped) return;
    this.running = this.run()
      .catch((e: unknown) => this.onError(e))
      .finally(() => (this.running = undefined));
  }

  /** Resolves once no retired table is left (or the reaper stopped). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
  }

  private next(): string | undefined {
    return this.store.sql.prepare('SELECT tbl FROM retired LIMIT 1').pluck().get() as string | undefined;
  }

  private async run(): Promise<void> {
    // after the commit that retired a table: the drop's own write may still roll back
    await nextSlice();
    while (!this.stopped) {
      const table = this.next();
      if (table === undefined) return;
      await this.store.write(() => this.step(table));
      await nextSlice();
    }
  }

  /** One write: a batch of the table's rows, or the table itself once empty. */
  private step(table: string): void {
    const sql = this.store.sql;
    if (sql.prepare('SELECT 1 FROM retired WHERE tbl = ?').get(table) === undefined) return;
    const def = sql.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table) as string | undefined;
    if (def !== undefined) {
      const batch = def.includes('WITHOUT ROWID')
        ? `DELETE FROM ${table} WHERE (key, k) IN (SELECT key, k FROM ${table} LIMIT ${ROWS_PER_WRITE})`
        : `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} LIMIT ${ROWS_PER_WRITE})`;
      if (sql.prepare(batch).run().changes === ROWS_PER_WRITE) return;
      sql.exec(`DROP TABLE ${table}`);
    }
    sql.prepare('DELETE FROM retired WHERE tbl = ?').run(table);
  }
}
