// V8 heap flags that only take effect at startup, applied by restarting the process in place (same
// pid, process.execve). Measured with 1M documents and 20k indexed queries, one worker, RSS after
// the queries: 480 MB with V8's defaults (and cached renderings still ropes), 327 MB with flat
// renderings and the young generation capped, 230 MB with the old-generation flag too. V8 sizes
// the young generation by the machine's memory (two 64 MB semi-spaces with a 4 GB heap), and bulk
// inserts and queries fill all of it between collections. With a large heap limit V8 also lets the
// old generation grow to 4x what survived the last full collection, and the document cache
// (doc-cache.ts) turns over its ~20 MB continuously.
//
// No allocation-site pretenuring: V8 decides an object literal's site is long-lived when most of
// its objects survive a scavenge, and then allocates there in the old generation for good (the
// tenured site's objects are no longer counted, so the decision is never revisited). A warm-up
// under load makes per-request objects survive (the index lookups' hits while the postings build,
// V5), and afterwards every such object, with all it references, died in the old generation:
// 40 MB promoted every 3 s at steady state against 1.5 MB without it, and 78 -> 65 µs of CPU a
// request (interleaved A/B, V8's --trace-gc-nvp).
const FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=50', '--no-allocation-site-pretenuring'];

export function restartWithHeapFlags(): void {
  // an explicit setting (command line, NODE_OPTIONS, a cluster worker's inherited execArgv) wins
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  if (given.some((a) => a.startsWith('--max-semi-space-size')) || typeof process.execve !== 'function') return;
  process.execve(process.execPath, [process.execPath, ...FLAGS, ...process.execArgv, ...process.argv.slice(1)], process.env);
}
