// Memory back to the system when the server goes quiet. V8 returns heap pages (and the malloc'd
// memory of dead Buffers) only after a collection that aims at reducing memory, and measured on
// this VM it ran none by itself in 35 s of idleness after the benchmark's loads (RSS stayed at
// 320 MB). A regular full collection freed the garbage (heap used 139 → 94 MB) but not the memory
// (RSS 344 → 344 MB, a 62 ms pause); V8's "last resort" collection, which also compacts, shrinks
// the young generation and releases pooled pages, gave RSS 344 → 246 MB in a 163 ms pause. So it
// runs only when the event loop has been nearly idle for two seconds in a row (nobody is waiting
// on it) and the heap grew by 32 MB since the last one; a request that arrives meanwhile waits
// for it once, as it would for a major GC under load.
import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

const CHECK_MS = 1000;
/** event loop busy less than this share of a second: quiet */
const QUIET = 0.02;
/** quiet seconds in a row before collecting */
const QUIET_CHECKS = 2;
/** heap growth since the last collection here that makes another worth it */
const GROWTH = 32 * 1024 * 1024;

type Gc = (options: { type: 'major'; execution: 'sync'; flavor: 'last-resort' }) => void;

let servers = 0;
let stop: (() => void) | undefined;

/** Watches while a server runs (one watcher for all servers of the process); call the result at its close. */
export function collectWhenIdle(): () => void {
  if (servers++ === 0) stop = watch();
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--servers === 0) stop?.();
  };
}

function watch(): () => void {
  // V8's gc() extension, without exposing `gc` to the application's global scope
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as Gc;
  let last = performance.eventLoopUtilization();
  let collectedAt = getHeapStatistics().total_heap_size;
  let quiet = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    quiet = performance.eventLoopUtilization(now, last).utilization < QUIET ? quiet + 1 : 0;
    last = now;
    if (quiet < QUIET_CHECKS || getHeapStatistics().total_heap_size < collectedAt + GROWTH) return;
    gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
    collectedAt = getHeapStatistics().total_heap_size;
    quiet = 0;
    last = performance.eventLoopUtilization();
  }, CHECK_MS);
  timer.unref();
  return () => clearInterval(timer);
}
