// docrest.memory-release: a server that goes idle after work gives memory back with one full
// collection, counted in /metrics/docrest; with idle-seconds 0 it never does. The size of what is
// given back depends on the machine, so these tests assert that the release runs (or not) and that
// the server keeps answering, not how many bytes it frees.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { EmbeddedEngine } from '../src/engine/embedded/engine.ts';
import { startMemoryRelease } from '../src/memory-release.ts';
import { docrestMetricsJson } from '../src/metrics/docrest-registry.ts';
import { call, spawnServer, type ChildServer } from './helpers/server.ts';
import { parseText, samples, valueOf } from './metrics/prometheus-text.ts';

async function metrics(srv: ChildServer): Promise<ReturnType<typeof samples>> {
  const r = await call(srv, 'GET', '/metrics/docrest');
  assert.equal(r.status, 200, r.text);
  return samples(parseText(r.text));
}

async function releases(srv: ChildServer): Promise<{ count: number; bytes: number; seconds: number }> {
  const all = await metrics(srv);
  return {
    count: valueOf(all, 'docrest_memory_releases_total')!,
    bytes: valueOf(all, 'docrest_memory_released_bytes_total')!,
    seconds: valueOf(all, 'docrest_memory_release_seconds_total')!,
  };
}

/** The result cache's hits and misses so far, after one more run of the same query. */
async function cachedQuery(srv: ChildServer): Promise<{ hits: number; misses: number }> {
  const r = await call(srv, 'GET', `/mem?filter=${encodeURIComponent('{"i":3}')}&keys={"i":1}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json().length, 4);
  const all = await metrics(srv);
  return { hits: valueOf(all, 'docrest_engine_result_cache_hits_total')!, misses: valueOf(all, 'docrest_engine_result_cache_misses_total')! };
}

/** Work that leaves garbage behind: documents written and read back. */
async function work(srv: ChildServer): Promise<void> {
  assert.equal((await call(srv, 'PUT', '/mem')).status, 201);
  const docs = Array.from({ length: 500 }, (_, i) => ({ i, text: 'x'.repeat(1000) }));
  for (let round = 0; round < 4; round++) {
    assert.equal((await call(srv, 'POST', '/mem', { body: docs })).status, 200);
    assert.equal((await call(srv, 'GET', '/mem?pagesize=1000')).status, 200);
  }
}

async function withServer(rho: string, body: (srv: ChildServer) => Promise<void>): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'docrest-memory-'));
  const srv = await spawnServer({ dataDir, rho });
  try {
    await body(srv);
  } finally {
    srv.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe('memory release when idle', () => {
  test('an idle server runs the release once it has grown, drops its caches, and keeps answering', async () => {
    await withServer('/docrest/memory-release/idle-seconds->1;/docrest/memory-release/min-growth->1', async (srv) => {
      await work(srv);
      // asked twice: the result cache keeps a result asked for before (admission.ts), so a third
      // asking would be answered from it
      await cachedQuery(srv);
      const cached = await cachedQuery(srv);
      // scraping /metrics is work too: ask rarely, and allow a loaded CI machine its time
      let seen = { count: 0, bytes: 0, seconds: 0 };
      for (let i = 0; i < 15 && seen.count === 0; i++) {
        await sleep(3000);
        seen = await releases(srv);
      }
      assert.ok(seen.count >= 1, 'no release within 45 s');
      assert.ok(seen.seconds > 0);
      assert.ok(seen.bytes >= 0);
      assert.equal((await call(srv, 'GET', '/mem/_size')).json()._size, 2000);
      const after = await cachedQuery(srv);
      assert.equal(after.hits, cached.hits, 'the result cache answered after the release');
      assert.equal(after.misses, cached.misses + 1);
    });
  });

  test('idle-seconds 0 turns it off', async () => {
    await withServer('/docrest/memory-release/idle-seconds->0;/docrest/memory-release/min-growth->1', async (srv) => {
      await work(srv);
      await sleep(3000);
      assert.deepEqual(await releases(srv), { count: 0, bytes: 0, seconds: 0 });
    });
  });
});

describe('memory let go, given back soon', () => {
  /** The releases counted so far in this process. */
  async function releasesHere(): Promise<number> {
    const m = (await docrestMetricsJson()).find((x) => x.name === 'docrest_memory_releases_total');
    return Number(m?.values[0]?.value ?? 0);
  }

  test('soon(): one collection after 2 s idle, whatever the growth, the caches left alone', async () => {
    let trims = 0;
    // a release on its own would need 10 minutes idle and 1 TB of growth
    const release = startMemoryRelease({ idleMs: 600_000, minGrowthBytes: 2 ** 40 }, () => trims++);
    try {
      const before = await releasesHere();
      await sleep(3000);
      assert.equal(await releasesHere(), before, 'nothing to give back: no release');
      release.soon();
      let count = before;
      for (let i = 0; i < 20 && count === before; i++) {
        await sleep(500);
        count = await releasesHere();
      }
      assert.equal(count, before + 1, 'released once');
      assert.equal(trims, 0);
      await sleep(3000);
      assert.equal(await releasesHere(), before + 1, 'and not again without a new request');
    } finally {
      release.stop();
    }
  });

  test('the embedded engine asks for it when index lookups of a large collection go cold', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docrest-dropped-'));
    const engine = new EmbeddedEngine(dir, { exclusive: true });
    try {
      let asked = 0;
      engine.onMemoryDropped = () => asked++;
      const big = engine.db('db').collection('big');
      const small = engine.db('db').collection('small');
      // 40 MB of documents of 512 KB, read through an index: held by the resident lookups
      const s = 'x'.repeat(512 * 1024);
      for (let i = 0; i < 80; i++) await big.insertOne({ _id: i, k: i % 2, s });
      await big.createIndex({ name: 'k', key: { k: 1 } });
      await small.insertOne({ _id: 1, k: 1 });
      await small.createIndex({ name: 'k', key: { k: 1 } });
      const sweep = (at: number) => (engine.scanner.resident as unknown as { sweep(now: number): void }).sweep(at);
      await small.find({ k: 1 });
      sweep(Date.now() + 61_000);
      assert.equal(asked, 0, 'a small collection gone cold: nothing worth a collection');
      assert.equal((await big.find({ k: 0 })).length, 40);
      assert.equal((await big.find({ k: 1 })).length, 40);
      sweep(Date.now() + 61_000 + 10_000);
      assert.equal(asked, 1);
      assert.equal((await big.find({ k: 0 })).length, 40, 'read again after it let go');
    } finally {
      await engine.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
