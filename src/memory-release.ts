// Gives memory back to the system once the server goes quiet after a busy period.
//
// V8 returns freed heap pages only from its memory reducer, and in a server that goes idle after a
// burst the reducer never starts: it judges the allocation rate from the last collections, and an
// idle process has none (`--trace-memory-reducer` prints "high alloc" every 8 s for ever). Measured
// on a fresh server after 30 s of the benchmark's M1 load: 288 MB resident, for ever. A regular full
// collection (52 ms) shrank the heap but not the RSS (V8 pools the freed pages); a last-resort one
// (141 ms: collections until nothing more is freed, then the pooled pages released) brought it to
// 190 MB. So that collection runs here, once the event loop has been idle for `idleMs` and the RSS
// has grown by `minGrowthBytes` since the last one: a request that arrives during it waits for it,
// which is why it waits for a quiet moment and never runs twice without new growth. The default
// wait is long (30 s) on purpose: released 3 s after each burst, the next burst paid ~15% more CPU
// per request while the heap grew back (/ping with Basic auth 34 → 39 µs, bursts of 4 s with 4 s
// pauses, interleaved A/B).
import { performance } from 'node:perf_hooks';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { memoryMetrics } from './metrics/docrest-registry.ts';

export interface MemoryReleaseSettings {
  /** ms without work before memory is released; 0: never */
  idleMs: number;
  /** growth of the resident set since the last release (or the start) that makes one worth its pause */
  minGrowthBytes: number;
}

const CHECK_MS = 500;
/** share of a check's interval the event loop may have been busy and still count as idle */
const IDLE_UTILIZATION = 0.02;

type Gc = (opts: { type: 'major'; flavor: 'last-resort' }) => void;

/** V8's gc() without exposing it to the server's code: a context made while the flag is on has it. */
function lastResortGc(): Gc | undefined {
  try {
    setFlagsFromString('--expose-gc');
    return runInNewContext('gc') as Gc;
  } catch {
    return undefined;
  } finally {
    setFlagsFromString('--no-expose-gc');
  }
}

export interface MemoryRelease {
  stop(): void;
  /**
   * Memory was let go that the next release should give back (the engine's resident lookups of a
   * collection gone cold): one collection after SOON_IDLE_MS idle, whatever the growth, the caches
   * left alone. Held until V8's next full collection otherwise, which a server busy with other work
   * may not run for minutes (the benchmark's 1M documents loaded after V5: 100 MB kept through it).
   */
  soon(): void;
}

/** how long the event loop must be idle before memory let go is given back, in ms */
const SOON_IDLE_MS = 2_000;

/**
 * Starts watching; returns its handle (stop, soon). `trim` runs just before the collection: the
 * caches that make a busy server fast (the engine's documents and results) only hold memory in an
 * idle one (1M documents stored, after the benchmark's V4 and W6: 200 -> 183 MB at rest).
 */
export function startMemoryRelease(s: MemoryReleaseSettings, trim: () => void = () => {}): MemoryRelease {
  const gc = s.idleMs > 0 ? lastResortGc() : undefined;
  if (!gc) return { stop: () => {}, soon: () => {} };
  let baseline = process.memoryUsage.rss();
  let last = performance.eventLoopUtilization();
  let idleSince: number | undefined;
  let soon = false;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, last).utilization > IDLE_UTILIZATION;
    last = now;
    const t = performance.now();
    if (busy) {
      idleSince = undefined;
      return;
    }
    idleSince ??= t;
    const rss = process.memoryUsage.rss();
    // a resident set that shrank on its own is the new floor
    if (rss < baseline) baseline = rss;
    const due = t - idleSince >= s.idleMs && rss - baseline >= s.minGrowthBytes;
    // memory let go needs only the collection: the caches in use stay
    const early = soon && t - idleSince >= SOON_IDLE_MS;
    if (!due && !early) return;
    soon = false;
    if (due) trim();
    gc({ type: 'major', flavor: 'last-resort' });
    const after = process.memoryUsage.rss();
    memoryMetrics.released(rss - after, performance.now() - t);
    baseline = after;
    idleSince = undefined;
    // the collection's own time must not count as work at the next check
    last = performance.eventLoopUtilization();
  }, CHECK_MS);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    soon: () => {
      soon = true;
    },
  };
}
