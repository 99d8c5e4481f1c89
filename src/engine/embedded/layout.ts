// The tables every docrest file has besides the collections', created on open, and the migration
// of collection tables written by earlier versions.
import type Database from 'better-sqlite3';
import { createRetiredTable } from './retired.ts';

export function createLayout(sql: Database.Database): void {
  sql.exec(`CREATE TABLE IF NOT EXISTS catalog (
    db TEXT NOT NULL, name TEXT NOT NULL, tbl TEXT NOT NULL UNIQUE, PRIMARY KEY (db, name)) WITHOUT ROWID`);
  sql.exec('CREATE TABLE IF NOT EXISTS sequence (id INTEGER PRIMARY KEY AUTOINCREMENT)');
  sql.exec(`CREATE TABLE IF NOT EXISTS idx (
    coll TEXT NOT NULL, name TEXT NOT NULL, spec BLOB NOT NULL, tbl TEXT NOT NULL UNIQUE, PRIMARY KEY (coll, name)) WITHOUT ROWID`);
  // one row per collection table, bumped by every write: how other processes learn what changed
  sql.exec('CREATE TABLE IF NOT EXISTS versions (tbl TEXT PRIMARY KEY, v INTEGER NOT NULL) WITHOUT ROWID');
  createRetiredTable(sql);
  migrateTables(sql);
  addBuildColumns(sql);
}

/**
 * Index builds run in slices (index-build.ts): an index still being built names its builder's pid
 * and when it last did a slice (NULL when complete). Added once to files of earlier versions;
 * checked again inside the write lock because several workers may open the file together.
 */
function addBuildColumns(sql: Database.Database): void {
  const has = () => (sql.prepare("SELECT name FROM pragma_table_info('idx')").pluck().all() as string[]).includes('builder');
  if (has()) return;
  sql.transaction(() => {
    if (!has()) sql.exec('ALTER TABLE idx ADD COLUMN builder INTEGER; ALTER TABLE idx ADD COLUMN beat INTEGER');
  }).immediate();
}

/** Collection tables of earlier versions (WITHOUT ROWID, keyed by k) get a rowid, once. */
function migrateTables(sql: Database.Database): void {
  const old = sql.prepare(`SELECT c.tbl FROM catalog c JOIN sqlite_master m ON m.name = c.tbl
    WHERE m.type = 'table' AND m.sql LIKE '%WITHOUT ROWID%'`).pluck().all() as string[];
  if (old.length === 0) return;
  sql.transaction(() => {
    for (const t of old) {
      sql.exec(`CREATE TABLE ${t}_m (k BLOB NOT NULL UNIQUE, doc BLOB NOT NULL);
        INSERT INTO ${t}_m (k, doc) SELECT k, doc FROM ${t} ORDER BY k;
        DROP TABLE ${t}; ALTER TABLE ${t}_m RENAME TO ${t}`);
    }
  })();
}
