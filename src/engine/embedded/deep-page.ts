// Where a deep page of a collection in _id order starts (`?page=5000` over 1M documents), found in
// slices. One `LIMIT … OFFSET` statement walked the half million keys before the page in one
// step: page 5000 of 100 held the event loop ~30 ms (a /ping waited 31 ms behind it). The walk
// steps through the _id key's index STEP keys at a time and gives way between steps; a write to
// the collection meanwhile sends the caller back to the single statement, so an answer is always
// the collection as it is at one instant.
import type { Store } from './store.ts';
import { Pace } from './slices.ts';

/** keys skipped per step: ~1 ms of SQLite's walk on this VM (0.06 µs a key) */
export const STEP = 20_000;

/**
 * What precedes the page: the last key skipped (`null` past the collection's end) and the
 * collection's version the walk saw; `undefined` when it changed meanwhile.
 */
export async function skipKeys(store: Store, table: string, dir: 1 | -1, skip: number, deadline: number): Promise<{ after: Buffer | null; version: number } | undefined> {
  const order = dir === 1 ? 'ASC' : 'DESC';
  const first = store.prepared(`SELECT k FROM ${table} ORDER BY k ${order} LIMIT 1 OFFSET ?`).pluck();
  const next = store.prepared(`SELECT k FROM ${table} WHERE k ${dir === 1 ? '>' : '<'} ? ORDER BY k ${order} LIMIT 1 OFFSET ?`).pluck();
  const version = store.version(table);
  const pace = new Pace(deadline);
  let last: Buffer | undefined;
  for (let left = skip; left > 0;) {
    const n = Math.min(left, STEP);
    const k = (last === undefined ? first.get(n - 1) : next.get(last, n - 1)) as Buffer | undefined;
    if (k === undefined) return { after: null, version };
    last = k;
    left -= n;
    await pace.next();
    if (store.version(table) !== version) return undefined;
  }
  return { after: last ?? null, version };
}
