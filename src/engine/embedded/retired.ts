// Dropping a collection, a database or an index retires its tables instead of dropping them inside
// the write: SQLite's DROP TABLE visits every page of a table to free it, which held the event loop
// ~280 ms for a collection of 100k documents (seconds at 1M). The drop's commit forgets the
// collection or index at once and lists its tables in `retired`; the reaper then empties each in
// the slices bulk writes run in (bulk-slices.ts), each its own commit with other requests served
// in between, and drops it once empty (cheap). A process that dies meanwhile leaves them listed:
// the next start goes on.
import type Database from 'better-sqlite3';
import { inSlices } from './bulk-slices.ts';
import { nextSlice } from './slices.ts';
import type { Store } from './store.ts';

/** rows deleted by one statement; a slice's time is checked after each */
const BATCH = 100;

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
  private again = false;

  constructor(store: Store) {
    this.store = store;
  }

  /** Empties and drops the retired tables: after each drop, and at start. */
  start(): void {
    if (this.stopped) return;
    // a run already past its last look at the list (waiting for its slices to be on disk) looks again
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = (async () => {
      do {
        this.again = false;
        await this.run();
      } while (this.again && !this.stopped);
    })()
      // a failed reaping leaves its tables listed: the next drop or start goes on with them
      .catch(() => undefined)
      .finally(() => (this.running = undefined));
  }

  /** Resolves once no retired table is left (or the reaper stopped). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  stop(): void {
    this.stopped = true;
  }

  private async run(): Promise<void> {
    // after the commit that retired a table: the drop's own write may still roll back, and the
    // list is read inside each slice's write
    await nextSlice();
    await inSlices(this.store, (until) => this.stopped || this.step(until));
  }

  /** Inside one write: retired tables emptied, and dropped once empty, until `until`; whether none is left. */
  private step(until: number): boolean {
    const sql = this.store.sql;
    for (;;) {
      const table = sql.prepare('SELECT tbl FROM retired LIMIT 1').pluck().get() as string | undefined;
      if (table === undefined) return true;
      const def = sql.prepare("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?").pluck().get(table) as string | undefined;
      if (def !== undefined) {
        const batch = sql.prepare(def.includes('WITHOUT ROWID')
          ? `DELETE FROM ${table} WHERE (key, k) IN (SELECT key, k FROM ${table} LIMIT ${BATCH})`
          : `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} LIMIT ${BATCH})`);
        while (batch.run().changes === BATCH) if (performance.now() >= until) return false;
        sql.exec(`DROP TABLE ${table}`);
      }
      sql.prepare('DELETE FROM retired WHERE tbl = ?').run(table);
      if (performance.now() >= until) return false;
    }
  }
}
