// Long reads give way to everything else: work runs in slices of at most SLICE_MS, and between
// two rounds of slices the event loop polls I/O. Each event-loop iteration runs one slice of
// every piece of work that was waiting when the iteration's check phase began (a setImmediate
// queued during the check phase fires only after the next poll): a /ping arriving behind eight
// heavy scans waits for at most eight slices, and no scan waits for more than one round however
// many others are queued.
import { timeLimitExceeded } from './time-limit.ts';

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

/** The turns of one piece of work: it gives way once its slice is used up, and stops past its deadline. */
export class Pace {
  private start = performance.now();
  private readonly deadline: number;

  constructor(deadline: number) {
    this.deadline = deadline;
  }

  /** Throws past the deadline; unless `sync`, waits for the next turn once the slice is used up. */
  async turn(sync = false): Promise<void> {
    if (Date.now() > this.deadline) throw timeLimitExceeded();
    if (!sync && performance.now() - this.start > SLICE_MS) await this.next();
  }

  /** Waits for the next turn, whatever is left of this slice. */
  async next(): Promise<void> {
    await nextSlice();
    this.start = performance.now();
  }
}
