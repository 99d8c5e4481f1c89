// Requests are handled in turns of a few milliseconds, not all of them as soon as they are read.
//
// libuv accepts one connection per event-loop iteration (libuv PR #3696, "don't accept() in a
// loop"). Node runs the handler of every request it read in one iteration before the next one,
// so under load an iteration lasts as long as all those handlers: with 256 busy connections at
// ~250 µs a request, ~60 ms. A new client then waited for its accept through one iteration per
// connection queued before it: 4–7 s to the first byte of a /ping on a new connection, while
// requests on open connections took 20–60 ms (measured under the benchmark's M1 load; a bare
// node:http server that burns 250 µs a request does the same). Handled in turns of at most
// TURN_MS, in arrival order, the loop comes round, and accepts, every few milliseconds. Handled
// in a batch, requests also cost less CPU (interleaved A/B: /ping with Basic auth 43 → 29 µs, GET
// by id 56 → 36 µs); handed on by a microtask instead, or handled at once until the turn is used
// up, they cost what they did before.
const TURN_MS = 4;

export function inTurns<A extends unknown[]>(handle: (...args: A) => void): (...args: A) => void {
  let queue: A[] = [];
  let head = 0;
  let scheduled = false;
  const schedule = () => {
    if (scheduled) return;
    scheduled = true;
    setImmediate(turn);
  };
  const turn = () => {
    scheduled = false;
    const end = performance.now() + TURN_MS;
    while (head < queue.length) {
      const args = queue[head]!;
      queue[head++] = undefined as never;
      handle(...args);
      if (performance.now() >= end) break;
    }
    if (head === queue.length) {
      queue = [];
      head = 0;
    } else {
      // a queue that never empties (a constant overload) must not keep every slot it ever had
      if (head > 1024 && head * 2 > queue.length) {
        queue = queue.slice(head);
        head = 0;
      }
      schedule();
    }
  };
  return (...args: A) => {
    queue.push(args);
    schedule();
  };
}
