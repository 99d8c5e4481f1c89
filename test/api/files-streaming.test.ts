// File buckets as streams (issue 13): a 1 GiB upload and download through a server whose peak RSS
// stays bounded, a kill -9 in the middle of an upload, a client that goes away mid-upload, and the
// body limits (files have their own; JSON bodies keep theirs).
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { after, describe, test } from 'node:test';
import { EmbeddedEngine } from '../../src/engine/embedded/engine.ts';
import { MULTIPART, hashDownload, multipart, partHead, patternBytes, sendStream, streamedUpload } from '../helpers/multipart.ts';
import { ADMIN, spawnServer, startServer } from '../helpers/server.ts';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const AUTH = { Authorization: ADMIN };

const children = new Set<ChildProcess>();
const dirs: string[] = [];
after(() => {
  for (const c of children) c.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'docrest-files-'));
  dirs.push(d);
  return d;
}

async function launch(dataDir: string, port?: number) {
  const srv = await spawnServer({ dataDir, port });
  children.add(srv.child);
  return srv;
}

/** The process's peak resident set size in bytes (Linux: VmHWM). */
function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

/** Chunks and pending-file rows left in a (stopped) server's data directory. */
async function storedChunks(dataDir: string, bucket: string): Promise<number> {
  const engine = new EmbeddedEngine(dataDir, { exclusive: true });
  try {
    return await engine.db('restheart').collection(`${bucket}.chunks`).countDocuments({});
  } finally {
    await engine.close();
  }
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

describe('a 1 GiB file', () => {
  test('is uploaded and downloaded whole while the server\'s RSS stays bounded', async () => {
    const dataDir = tempDir();
    const srv = await launch(dataDir);
    assert.equal((await fetch(`${srv.url}/big.files`, { method: 'PUT', headers: AUTH })).status, 201);
    const before = peakRss(srv.child.pid!);
    const up = streamedUpload(GiB, '{"_id": "big"}');
    const r = await sendStream(`${srv.url}/big.files`, 'POST', up.body, { ...AUTH, 'Content-Type': MULTIPART, 'Content-Length': up.length });
    assert.equal(r.status, 201, r.text);
    const sent = up.hash.digest('hex');
    const doc = await (await fetch(`${srv.url}/big.files/big`, { headers: AUTH })).json();
    assert.equal(Number(doc.length.$numberLong ?? doc.length), GiB);
    const down = await hashDownload(`${srv.url}/big.files/big/binary`, AUTH);
    assert.equal(down.status, 200);
    assert.equal(down.headers.get('content-length'), String(GiB));
    assert.equal(down.length, GiB);
    assert.equal(down.sha256, sent);
    const tail = await fetch(`${srv.url}/big.files/big/binary`, { headers: { ...AUTH, Range: `bytes=${GiB - 1000}-` } });
    assert.equal(tail.status, 206);
    assert.ok(Buffer.from(await tail.arrayBuffer()).equals(patternBytes(GiB - 1000, 1000)));
    const peak = peakRss(srv.child.pid!);
    // a few chunks (255 KiB each) in flight, not the file: the peak grows by far less than 1 GiB
    assert.ok(peak - before < 256 * MiB, `peak RSS grew by ${Math.round((peak - before) / MiB)} MiB (before ${Math.round(before / MiB)} MiB)`);
  });
});

/** A multipart body that sends `head` and then `bytes` of file data, and stops coming (never ends). */
function stalledBody(head: Buffer, bytes: number): { body: Readable; reachedAll: Promise<void> } {
  let sent = 0;
  let reached: () => void;
  const reachedAll = new Promise<void>((resolve) => (reached = resolve));
  const body = new Readable({
    read() {
      if (sent === 0) this.push(head);
      if (sent >= bytes) return reached();
      this.push(patternBytes(sent, MiB));
      sent += MiB;
    },
  });
  return { body, reachedAll };
}

describe('an upload cut short', () => {
  test('by kill -9 leaves no visible file, and its chunks are swept after the restart', async () => {
    const dataDir = tempDir();
    let srv = await launch(dataDir);
    assert.equal((await fetch(`${srv.url}/k.files`, { method: 'PUT', headers: AUTH })).status, 201);
    // the body stops coming after 24 MiB: by the time the client is asked for more, the server has
    // read (and committed, a chunk at a time) all but the few MiB that socket buffers hold
    const head = Buffer.from(partHead({ name: 'metadata', value: '' }) + '{"_id": "partial"}\r\n' + partHead({ name: 'file', filename: 'p.bin', data: Buffer.alloc(0) }));
    const { body, reachedAll } = stalledBody(head, 24 * MiB);
    const req = request(`${srv.url}/k.files`, { method: 'POST', headers: { ...AUTH, 'Content-Type': MULTIPART, 'Content-Length': 100 * MiB } });
    req.on('error', () => undefined);
    body.pipe(req);
    await reachedAll;
    srv.child.kill('SIGKILL');
    await new Promise((resolve) => srv.child.once('exit', resolve));
    srv = await launch(dataDir, Number(new URL(srv.url).port));
    assert.deepEqual(await (await fetch(`${srv.url}/k.files`, { headers: AUTH })).json(), []);
    assert.equal((await fetch(`${srv.url}/k.files/partial/binary`, { headers: AUTH })).status, 404);
    // an upload after the restart waits for the sweep of the dead process's chunks
    const small = multipart([{ name: 'file', filename: 's.txt', data: Buffer.from('small') }]);
    assert.equal((await fetch(`${srv.url}/k.files`, { method: 'POST', headers: { ...AUTH, 'Content-Type': MULTIPART }, body: new Uint8Array(small) })).status, 201);
    await stop(srv.child);
    assert.equal(await storedChunks(dataDir, 'k'), 1);
  });

  test('by the client going away leaves nothing, and the server keeps serving', async () => {
    const srv = await startServer();
    try {
      assert.equal((await fetch(`${srv.url}/gone.files`, { method: 'PUT', headers: AUTH })).status, 201);
      const head = Buffer.from(partHead({ name: 'file', filename: 'g.bin', data: Buffer.alloc(0) }));
      const { body, reachedAll } = stalledBody(head, 24 * MiB);
      const req = request(`${srv.url}/gone.files`, { method: 'POST', headers: { ...AUTH, 'Content-Type': MULTIPART, 'Content-Length': 64 * MiB } });
      const closed = new Promise((resolve) => req.on('error', resolve));
      body.pipe(req);
      await reachedAll;
      const chunks = srv.running.engine.db('restheart').collection('gone.chunks');
      const until = async (cond: (n: number) => boolean) => {
        for (let i = 0; i < 1000 && !cond(await chunks.countDocuments({})); i++) await new Promise((r) => setTimeout(r, 10));
      };
      // chunks are stored as the body arrives; then the client goes away and the server cleans up
      await until((n) => n > 0);
      assert.ok((await chunks.countDocuments({})) > 0);
      req.destroy();
      await closed;
      await until((n) => n === 0);
      assert.equal(await chunks.countDocuments({}), 0);
      assert.deepEqual(await (await fetch(`${srv.url}/gone.files`, { headers: AUTH })).json(), []);
      assert.equal((await fetch(`${srv.url}/ping`)).status, 200);
    } finally {
      await srv.close();
    }
  });
});

describe('body limits', () => {
  test('files have their own limit; JSON bodies keep theirs', async () => {
    const srv = await startServer({ rho: '/docrest/max-body-size->100000;/docrest/max-file-size->2000000' });
    try {
      assert.equal((await fetch(`${srv.url}/lim.files`, { method: 'PUT', headers: AUTH })).status, 201);
      const ok = multipart([{ name: 'metadata', value: '{"_id": "ok"}' }, { name: 'file', filename: 'a', data: patternBytes(0, 1_000_000) }]);
      assert.equal((await fetch(`${srv.url}/lim.files`, { method: 'POST', headers: { ...AUTH, 'Content-Type': MULTIPART }, body: new Uint8Array(ok) })).status, 201);
      const big = multipart([{ name: 'metadata', value: '{"_id": "big"}' }, { name: 'file', filename: 'b', data: patternBytes(0, 3_000_000) }]);
      const tooBig = await fetch(`${srv.url}/lim.files`, { method: 'POST', headers: { ...AUTH, 'Content-Type': MULTIPART }, body: new Uint8Array(big) });
      assert.equal(tooBig.status, 413);
      // the same body without a length: the limit is found while it streams
      const chunked = await sendStream(`${srv.url}/lim.files`, 'POST', Readable.from([big]), { ...AUTH, 'Content-Type': MULTIPART, 'Transfer-Encoding': 'chunked' });
      assert.equal(chunked.status, 413);
      assert.equal((await fetch(`${srv.url}/lim.files/big`, { headers: AUTH })).status, 404);
      const json = await fetch(`${srv.url}/lim.files/ok`, {
        method: 'PATCH', headers: { ...AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify({ pad: 'x'.repeat(200_000) }),
      });
      assert.equal(json.status, 413);
    } finally {
      await srv.close();
    }
  });
});
