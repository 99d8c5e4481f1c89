// Long reads give way to everything else: work runs in slices of at most SLICE_MS, and between
// two slices the event loop polls I/O. Waiting slices take turns (FIFO), one per event-loop
// iteration: a setImmediate queued while the check phase runs fires only after the next poll, so
// a /ping arriving behind eight heavy scans waits for one slice, not for eight.

/** how long one slice may hold the event loop, in ms */
export const SLICE_MS = 2;

const waiting: Array<() => void> = [];
let scheduled = false;

function turn(): void {
  scheduled = false;
  const next = waiting.shift();
  if (waiting.length) {
    scheduled = true;
    setImmediate(turn);
  }
  next?.();
}

/** Resolves when this work's next turn comes, after pending I/O has been served. */
export function nextSlice(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(turn);
    }
  });
}
