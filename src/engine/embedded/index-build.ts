// Index builds of the embedded engine run in slices, so no request waits behind one: building an
// index over 40,000 documents in one write held the event loop (and /ping) for ~690 ms.
//
// Design (why it stays correct):
// - The index is registered at the start, in the catalog of the shared SQLite file, as being built
//   (idx.builder = the builder's pid, idx.beat = when it last did a slice). Every write path, of
//   every process, maintains its entries from then on as for a complete index (indexes.ts `all`);
//   planners, hints, TTL sweeps and listings see only complete indexes (indexes.ts `of`).
// - The backfill then walks the documents in _id key order, one store write (SQLite transaction)
//   per slice of at most BULK_SLICE_MS (bulk-slices.ts), adding each document's entries
//   idempotently: a write since the start may have added them already, and a document written
//   or deleted since the start keeps its entries right through that write's own maintenance.
//   The last slice marks the index complete; the request is answered once every slice is durable.
// - Unique indexes: a duplicate the backfill meets (another document, same key) fails the build:
//   the index is dropped and the request fails with the DuplicateKey error as before. A write that
//   would break a unique index being built is refused with DuplicateKey, as if it were complete
//   (MongoDB instead records such conflicts and fails the build at its end; refusing keeps the
//   rule that an index never disagrees with its collection, and a build that would fail anyway
//   still fails when the backfill meets the older document).
// - A build whose process died (kill -9) never answered its request, so its half index is dropped:
//   at startup, and when the same index is requested again. A build is abandoned when its pid is
//   this process's but no build of this process runs it, its pid is gone, or it did no slice for
//   STALE_MS (a live build does one every few ms; this covers a pid reused by another program).
// - The same index requested while it is being built waits for that build, then answers as for a
//   complete index (or starts again if that build failed), as MongoDB joins a build in progress.
//   A dropped index or collection ends its build with IndexBuildAborted, as in MongoDB.
import { deserialize } from 'bson';
import { EngineError } from '../../errors.ts';
import type { IndexSpec } from '../types.ts';
import { inSlices } from './bulk-slices.ts';
import type { IndexDef, Indexes } from './indexes.ts';
import type { CollectionInfo, Store } from './store.ts';

const STALE_MS = 60_000;
/** documents read per query of the backfill; the slice's time is checked after each batch */
const BATCH = 32;
/** how often a request waiting for another process's build looks again */
const WAIT_MS = 50;

/** This process's builds in progress, by index table. */
const running = new Map<string, Promise<void>>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Reads the file itself: another process's heartbeats do not reload this one's catalog. */
function abandoned(store: Store, table: string): boolean {
  const row = store.sql.prepare('SELECT builder, beat FROM idx WHERE tbl = ?').get(table) as { builder: number | null; beat: number | null } | undefined;
  if (!row || row.builder === null) return false;
  if (row.builder === process.pid) return !running.has(table);
  return !alive(row.builder) || Date.now() - (row.beat ?? 0) > STALE_MS;
}

/**
 * At startup: drops the half indexes of builds that died with their process. The first look reads
 * the file directly (no snapshot left open while the engine is still being set up); a write is
 * queued only when there are some.
 */
export function dropAbandonedBuilds(store: Store, indexes: Indexes): void {
  const building = store.sql.prepare('SELECT tbl FROM idx WHERE builder IS NOT NULL').pluck().all() as string[];
  if (!building.some((table) => abandoned(store, table))) return;
  store.write(() => {
    for (const db of store.listDatabases()) {
      for (const name of store.listCollections(db)) {
        const info = store.collectionInfo(db, name)!;
        for (const d of indexes.all(info.table)) if (d.builder !== undefined && abandoned(store, d.table)) indexes.drop(info, d.name);
      }
    }
  }).catch(() => undefined); // the next start, or the next request for the same index, tries again
}

function aborted(name: string): EngineError {
  return new EngineError(276, 'IndexBuildAborted', `Index build aborted: ${name}: the index or its collection was dropped`);
}

/** Creates the index (`ensure` creates the collection), answering once it is complete and durable. */
export async function buildIndex(store: Store, indexes: Indexes, ensure: () => CollectionInfo, spec: IndexSpec): Promise<void> {
  for (;;) {
    // the build is this process's from the write that registers it: until its backfill starts, a
    // second request must see it running, not abandoned (the slot never rejects: waiters only wait)
    let adopt: (build: Promise<void>) => void = () => undefined;
    const slot = new Promise<void>((resolve) => (adopt = resolve));
    let claimed: string | undefined;
    const release = () => {
      if (claimed) running.delete(claimed);
      adopt(Promise.resolve());
    };
    const started = await store.write(() => {
      const info = ensure();
      let got = indexes.begin(info, spec);
      if (typeof got === 'object' && 'building' in got && abandoned(store, got.building.table)) {
        indexes.drop(info, spec.name);
        got = indexes.begin(info, spec);
      }
      if (typeof got === 'object' && 'def' in got) running.set((claimed = got.def.table), slot);
      return { info, got };
    }).catch((e: unknown) => {
      release();
      throw e;
    });
    const { info, got } = started;
    if (got === 'exists') return release();
    if ('def' in got) {
      const build = run(store, indexes, info, got.def).finally(release);
      adopt(build.catch(() => undefined));
      return build;
    }
    release();
    const mine = running.get(got.building.table);
    if (mine) await mine;
    else await otherBuild(store, indexes, info, got.building);
  }
}

/** Resolves when another process's build is complete, gone or abandoned. */
async function otherBuild(store: Store, indexes: Indexes, info: CollectionInfo, def: IndexDef): Promise<void> {
  const building = () => indexes.all(info.table).some((d) => d.table === def.table && d.builder !== undefined);
  while (building() && !abandoned(store, def.table)) await new Promise((r) => setTimeout(r, WAIT_MS));
}

async function run(store: Store, indexes: Indexes, info: CollectionInfo, def: IndexDef): Promise<void> {
  const ours = () => indexes.all(info.table).some((d) => d.table === def.table && d.builder === process.pid);
  let after: Buffer = Buffer.alloc(0);
  try {
    await inSlices(store, (until) => {
      if (!ours()) throw aborted(def.name);
      const batch = store.prepared(`SELECT k, doc FROM ${info.table} WHERE k > ? ORDER BY k LIMIT ${BATCH}`);
      do {
        const rows = batch.all(after) as Array<{ k: Buffer; doc: Buffer }>;
        for (const r of rows) indexes.addEntries(info, def, r.k, deserialize(r.doc, { promoteValues: false, bsonRegExp: true }));
        if (rows.length < BATCH) {
          store.prepared('UPDATE idx SET builder = NULL, beat = NULL WHERE tbl = ?').run(def.table);
          store.indexRowChanged();
          return true;
        }
        after = rows[rows.length - 1]!.k;
      } while (performance.now() < until);
      store.prepared('UPDATE idx SET beat = ? WHERE tbl = ?').run(Date.now(), def.table);
      return false;
    });
  } catch (e) {
    // the failed slice was rolled back alone: the half index goes, unless dropped already
    await store.write(() => {
      if (ours()) indexes.drop(info, def.name);
    }).catch(() => undefined);
    throw e;
  }
}
