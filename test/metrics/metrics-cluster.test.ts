// Two workers: /metrics, whichever worker answers it, gives the figures of both, summed.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { spawnWorkers } from '../helpers/server.ts';
import { parseText, samples, valueOf } from './prometheus-text.ts';

const AUTH = { Authorization: `Basic ${Buffer.from('admin:secret').toString('base64')}` };
const dataDir = mkdtempSync(join(tmpdir(), 'docrest-metrics-cluster-'));
let child: ChildProcess;
let base: string;

before(async () => {
  ({ url: base, child } = await spawnWorkers({ dataDir, workers: 2 }));
});

after(() => {
  child.kill('SIGTERM');
  rmSync(dataDir, { recursive: true, force: true });
});

async function scrape(registry: string): Promise<ReturnType<typeof samples>> {
  // a fresh connection: node:cluster hands connections to the workers in turn
  const r = await fetch(`${base}/metrics${registry}`, { headers: { ...AUTH, Connection: 'close' } });
  assert.equal(r.status, 200);
  return samples(parseText(await r.text()));
}

test('request counts and process figures are those of both workers, whichever answers', async () => {
  const N = 40;
  for (let i = 0; i < N; i++) {
    const r = await fetch(`${base}/ping`, { headers: { Connection: 'close' } });
    assert.equal(r.status, 200);
    await r.arrayBuffer();
  }
  // asked twice, over two connections: each worker answers once
  for (let i = 0; i < 2; i++) {
    const requests = await scrape('/*');
    assert.equal(valueOf(requests, 'http_requests_count', { request_method: 'GET', response_status_code: '200' }), N);
    const own = await scrape('/docrest');
    assert.equal(valueOf(own, 'docrest_processes'), 2);
    assert.ok(valueOf(own, 'process_resident_memory_bytes')! > 0);
  }
  const list = await fetch(`${base}/metrics`, { headers: { ...AUTH, Connection: 'close' } });
  assert.deepEqual(await list.json(), ['/*', '/docrest']);
});
