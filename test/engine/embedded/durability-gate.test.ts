// The durability gate of the embedded engine alone with its file: which reads wait for an fsync.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Durability } from '../../../src/engine/embedded/durability.ts';

function gate(): { d: Durability; done: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-durability-'));
  const wal = join(dir, 'docrest.sqlite-wal');
  writeFileSync(wal, 'frames');
  const db = join(dir, 'docrest.sqlite');
  writeFileSync(db, 'pages');
  const d = new Durability(wal, db);
  return { d, done: () => { d.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('a read waits only for commits that wrote its table, until their fsync returned', async () => {
  const { d, done } = gate();
  try {
    assert.equal(d.pending('c1'), undefined);
    const seq = d.committed(['c1'], false);
    const waiting = d.pending('c1');
    assert.ok(waiting instanceof Promise);
    assert.equal(d.pending('c2'), undefined, 'another collection does not wait');
    assert.ok(d.pending() instanceof Promise, 'a read of everything waits');
    await waiting;
    await d.whenDurable(seq);
    assert.equal(d.pending('c1'), undefined);
    assert.equal(d.pending(), undefined);
  } finally {
    done();
  }
});

test('a commit that created or dropped a collection makes every read wait', async () => {
  const { d, done } = gate();
  try {
    d.committed(['c1'], true);
    assert.ok(d.pending('c9') instanceof Promise);
    assert.ok(d.pending('') instanceof Promise);
    await d.pending('c9');
    assert.equal(d.pending('c9'), undefined);
  } finally {
    done();
  }
});

test('commits made while an fsync runs are acknowledged by a later one, in order', async () => {
  const { d, done } = gate();
  try {
    const order: number[] = [];
    const seqs = [d.committed(['a'], false), d.committed(['a'], false), d.committed(['b'], false)];
    await Promise.all(seqs.map((s) => d.whenDurable(s).then(() => order.push(s))));
    assert.deepEqual(order, seqs);
    assert.equal(d.pending(), undefined);
  } finally {
    done();
  }
});

test('close flushes what is pending and acknowledges it', async () => {
  const { d, done } = gate();
  const seq = d.committed(['a'], false);
  const acked = d.whenDurable(seq);
  done();
  await acked;
});

test('a checkpoint is due after 100 commits and copies only once every commit is on disk', async () => {
  const { d, done } = gate();
  try {
    assert.equal(d.checkpointDue(), false, 'nothing written, nothing to copy');
    let last = 0;
    for (let i = 0; i < 100; i++) last = d.committed(['a'], false);
    assert.equal(d.checkpointDue(), true);
    let durableWhenCopied: boolean | undefined;
    await d.checkpoint(() => {
      durableWhenCopied = d.pending() === undefined;
    });
    assert.equal(durableWhenCopied, true, 'the copy ran after the fsync of every commit');
    await d.whenDurable(last);
    assert.equal(d.checkpointDue(), false, 'the checkpoint starts a new count');
  } finally {
    done();
  }
});
