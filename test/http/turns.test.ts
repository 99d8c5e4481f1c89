// Requests are handled in turns (http/turns.ts): a long queue of requests read in one go does not
// keep the event loop from coming round (to accept a connection, fire a timer) until all are done.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { inTurns } from '../../src/http/turns.ts';

const busy = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

test('the loop comes round between turns, and requests keep their order', async () => {
  const seen: string[] = [];
  let done!: () => void;
  const finished = new Promise<void>((resolve) => (done = resolve));
  // each request takes 2 ms: ten cannot all fit in one turn of a few milliseconds
  const handle = inTurns((n: number) => {
    busy(2);
    seen.push(`request ${n}`);
    if (n === 9) done();
  });
  for (let n = 0; n < 10; n++) handle(n);
  setImmediate(() => seen.push('other work'));
  await finished;
  const other = seen.indexOf('other work');
  assert.ok(other > 0 && other < seen.length - 1, `other work ran between requests: ${seen.join(', ')}`);
  assert.deepEqual(seen.filter((s) => s !== 'other work'), Array.from({ length: 10 }, (_, n) => `request ${n}`));
});
