// Long writes give way to everything else, as long reads do (slices.ts): a bulk write runs as a
// chain of store writes (slices), each doing at most BULK_SLICE_MS of work and committing on its
// own, so other requests are served between two slices (each slice is queued by setImmediate
// after the previous one committed, so pending I/O is polled in between).
//
// Each slice is its own SQLite transaction: a kill -9 mid-bulk leaves a prefix of the slices on
// disk, never part of a document. Slices do not wait for each other's fsync (durability.ts syncs
// commits in order, one fsync covering all before it); the bulk is answered once every slice is on
// disk. A slice is queued only once the previous one is committed, so a failed commit ends the
// bulk there and the slices applied stay a prefix.
import type { Store } from './store.ts';

/**
 * How long one slice may work, in ms. Its commit comes on top (writing its pages to the WAL,
 * the columns and the change feed catching up with its rows), in proportion to the rows written.
 */
export const BULK_SLICE_MS = 2;

/** `step` runs inside a store write, works until `until` (performance.now()) and says whether it is done. */
export type SliceStep = (until: number) => boolean;

function slice(store: Store, step: SliceStep, acks: Array<Promise<unknown>>): Promise<boolean> {
  return new Promise((resolve, reject) => {
    let done = false;
    const ack = store.write(() => (done = step(performance.now() + BULK_SLICE_MS)), () => resolve(done));
    // a commit that failed, or a step that threw (rolled back), ends the chain
    ack.catch(reject);
    acks.push(ack);
  });
}

/** Runs `step` in slices until it is done; resolves once every slice is durable. */
export async function inSlices(store: Store, step: SliceStep): Promise<void> {
  const acks: Array<Promise<unknown>> = [];
  try {
    while (!(await slice(store, step, acks)));
  } finally {
    // an error is given only once what was applied before it is on disk, as an answer is
    await Promise.allSettled(acks);
  }
  await Promise.all(acks);
}
