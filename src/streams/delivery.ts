// Writing change events to thousands of clients without holding the event loop: a client with
// events waiting joins one queue, and the queue is written a slice of a few milliseconds per
// event-loop turn (requests, and the commits that make new events, run between slices). A client
// whose turn comes with several events waiting gets them in one write: under load the writes per
// event fall instead of the delay growing.
import { performance } from 'node:perf_hooks';

export interface Flushable {
  /** writes the client's waiting events */
  flush(): void;
}

const SLICE_MS = 4;

let waiting: Flushable[] = [];
let next = 0;
let scheduled = false;

/** The client has events waiting (call once until it is flushed). */
export function schedule(c: Flushable): void {
  waiting.push(c);
  if (!scheduled) {
    scheduled = true;
    setImmediate(drain);
  }
}

function drain(): void {
  const until = performance.now() + SLICE_MS;
  while (next < waiting.length) {
    waiting[next++]!.flush();
    if ((next & 31) === 0 && performance.now() > until) break;
  }
  if (next < waiting.length) {
    // the written part goes once it is most of the array: amortized O(1) per client
    if (next > 1024 && next * 2 > waiting.length) {
      waiting = waiting.slice(next);
      next = 0;
    }
    setImmediate(drain);
    return;
  }
  waiting = [];
  next = 0;
  scheduled = false;
}
