// Long reads give way to everything else: work runs in slices of at most SLICE_MS, and between
// two rounds of slices the event loop polls I/O. Each event-loop iteration runs one slice of
// every piece of work that was waiting when the iteration's check phase began (a setImmediate
// queued during the check phase fires only after the next poll): a /ping arriving behind eight
// heavy scans waits for at most eight slices, and no scan waits for more than one round however
// many others are queued.

/** how long one slice may hold the event loop, in ms */
export const SLICE_MS = 1;

let waiting: Array<() => void> = [];
let scheduled = false;

function round(): void {
  scheduled = false;
  const now = waiting;
  waiting = [];
  for (const resume of now) resume();
}

/** Resolves when this work's next turn comes, after pending I/O has been served. */
export function nextSlice(): Promise<void> {
  return new Promise((resolve) => {
    waiting.push(resolve);
    if (!scheduled) {
      scheduled = true;
      setImmediate(round);
    }
  });
}
