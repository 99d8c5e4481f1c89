// Chunks of files that are being written or deleted. An upload writes its chunks in several
// commits and the files document last, and a delete removes the files document first and the
// chunks after it: in between, the chunks belong to no visible file. Each such file has a row here
// (committed before its first chunk or before its files document goes), naming the engine instance
// that owns it; the row goes once the work is done. When the owner died (kill -9), the chunks are
// orphans: any later instance deletes them unless the files document exists (the upload finished
// but its row was not yet removed).
import { randomUUID } from 'node:crypto';
import type { Store } from './store.ts';

export interface PendingRow {
  db: string;
  bucket: string;
  filesKey: Buffer;
  /** BSON of {id: <the file's _id>} */
  id: Buffer;
  owner: string;
}

/** This process's engine instance: `pid:uuid`, so a restarted process with the same pid is not mistaken for the dead one. */
const INSTANCE = `${process.pid}:${randomUUID()}`;

function alive(owner: string): boolean {
  if (owner === INSTANCE) return true;
  const pid = Number(owner.slice(0, owner.indexOf(':')));
  if (pid === process.pid || !Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export class PendingFiles {
  private readonly store: Store;

  private created: Promise<void> | undefined;

  constructor(store: Store) {
    this.store = store;
  }

  /** The table exists (created by the first use, in a write like any schema change). */
  ready(): Promise<void> {
    this.created ??= this.store.write(() => {
      this.store.sql.exec(`CREATE TABLE IF NOT EXISTS gridfs_pending (
        db TEXT NOT NULL, bucket TEXT NOT NULL, files_key BLOB NOT NULL, id BLOB NOT NULL, owner TEXT NOT NULL,
        PRIMARY KEY (db, bucket, files_key)) WITHOUT ROWID`);
    }).catch((e: unknown) => {
      this.created = undefined;
      throw e;
    });
    return this.created;
  }

  /** Only inside a write. False when another upload or delete of the same file is under way. */
  claim(db: string, bucket: string, filesKey: Buffer, id: Buffer): boolean {
    return this.store.prepared('INSERT OR IGNORE INTO gridfs_pending (db, bucket, files_key, id, owner) VALUES (?, ?, ?, ?, ?)')
      .run(db, bucket, filesKey, id, INSTANCE).changes === 1;
  }

  /** Only inside a write. */
  release(db: string, bucket: string, filesKey: Buffer): void {
    this.store.prepared('DELETE FROM gridfs_pending WHERE db = ? AND bucket = ? AND files_key = ?').run(db, bucket, filesKey);
  }

  /** Rows whose owner is gone. */
  orphans(): PendingRow[] {
    const rows = this.store.prepared('SELECT db, bucket, files_key AS filesKey, id, owner FROM gridfs_pending').all() as PendingRow[];
    return rows.filter((r) => !alive(r.owner));
  }

  /** Only inside a write: a dead owner's row is taken over by this instance. */
  adopt(row: PendingRow): boolean {
    return this.store.prepared('UPDATE gridfs_pending SET owner = ? WHERE db = ? AND bucket = ? AND files_key = ? AND owner = ?')
      .run(INSTANCE, row.db, row.bucket, row.filesKey, row.owner).changes === 1;
  }
}
