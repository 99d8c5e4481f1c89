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

/**
 * The turns of one piece of work: it gives way once its slice is used up, and stops past its deadline.
 *
 * A resumed slice starts its clock at its first check, not when its promise settles: every piece of
 * work resumed in one round settles at once, and a clock started then ran while the others used
 * their slices (M1: 25 scans of 30k rows, each ~0.1 ms of CPU, took 50-110 ms, most of their
 * slices spent at the first check). For the same reason turn() gives no promise when it does not
 * give way: a loop that awaited one at every check handed the thread to the others' loops at each
 * check, and their time counted in its slice.
 */
export class Pace {
  /** when the slice began; undefined from a resume to the first check */
  private start: number | undefined = performance.now();
  private readonly deadline: number;

  constructor(deadline: number) {
    this.deadline = deadline;
  }

  /** Throws past the deadline; unless `sync`, gives the next turn to wait for once the slice is used up. */
  turn(sync = false): Promise<void> | undefined {
    if (Date.now() > this.deadline) throw timeLimitExceeded();
    if (sync) return undefined;
    const now = performance.now();
    if (this.start === undefined) this.start = now;
    else if (now - this.start > SLICE_MS) return this.next();
    return undefined;
  }

  /** Waits for the next turn, whatever is left of this slice. */
  async next(): Promise<void> {
    await nextSlice();
    this.start = undefined;
  }
}
