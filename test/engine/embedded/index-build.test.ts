// Index builds run in slices (src/engine/embedded/index-build.ts): requests are served while an
// index is built, writes made during the build are in the finished index, and a unique build over
// duplicates fails as before and leaves no index. The server runs in its own process, so the test's
// requests never share its event loop.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ADMIN, spawnServer, spawnWorkers, type ChildServer } from '../../helpers/server.ts';

const N = 40_000;
const BIG = 1_000_000;
const enc = encodeURIComponent;
const pad = 'x'.repeat(150);
const idOf = (i: number) => `a${String(i).padStart(5, '0')}`;

/** the server the helpers below talk to: the single-process one, or the workers in their suite */
let srv: ChildServer;
let dataDir: string;

before(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'docrest-index-build-'));
  srv = await spawnServer({ dataDir });
});
after(() => {
  srv.child.kill('SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
});

async function req(method: string, path: string, body?: unknown): Promise<{ status: number; json: () => any }> {
  const headers: Record<string, string> = { Authorization: ADMIN };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const r = await fetch(srv.url + path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await r.text();
  return { status: r.status, json: () => JSON.parse(text) };
}

async function fill(coll: string, docs: (i: number) => object): Promise<void> {
  assert.equal((await req('PUT', `/${coll}`)).status, 201);
  for (let b = 0; b < N; b += 5000) {
    const r = await req('POST', `/${coll}`, Array.from({ length: 5000 }, (_, j) => docs(b + j)));
    assert.equal(r.status, 200);
  }
}

/** Starts building the index; `pending()` says whether its PUT is still unanswered. */
function startBuild(path: string, body: object): { done: Promise<number>; pending: () => boolean } {
  let answered = false;
  const done = req('PUT', path, body).then((r) => {
    answered = true;
    return r.status;
  });
  return { done, pending: () => !answered };
}

async function ids(path: string): Promise<unknown[]> {
  const r = await req('GET', path);
  assert.equal(r.status, 200);
  return (r.json() as Array<{ _id: unknown }>).map((d) => d._id).sort();
}

async function indexNames(coll: string): Promise<string[]> {
  return ((await req('GET', `/${coll}/_indexes`)).json() as Array<{ _id: string }>).map((i) => i._id);
}

describe('index builds in slices', () => {
  test('pings are answered one after another while an index is built', async () => {
    await fill('p', (i) => ({ _id: idOf(i), n: i % 1000, s: pad }));
    const build = startBuild('/p/_indexes/n', { keys: { n: 1 } });
    // one build in a single write would hold them all until it ends
    let answered = 0;
    while (answered < 20 && build.pending()) {
      assert.equal((await fetch(`${srv.url}/ping`)).status, 200);
      answered++;
    }
    assert.ok(build.pending(), `the PUT answered after only ${answered} pings`);
    // while it is being built: the same index waits for it, another under its name is refused
    const again = req('PUT', '/p/_indexes/n', { keys: { n: 1 } });
    assert.equal((await req('PUT', '/p/_indexes/n', { keys: { n: -1 } })).status, 400);
    assert.equal((await again).status, 201);
    assert.equal(await build.done, 201);
    assert.deepEqual(await indexNames('p'), ['_id_', 'n']);
  });

  test('documents written during the build are found, and not found, through the finished index', async () => {
    await fill('w', (i) => ({ _id: idOf(i), n: i % 1000, s: pad }));
    const gone = Array.from({ length: 30 }, (_, j) => ({ _id: `o${String(j).padStart(2, '0')}`, n: BIG + 200 + j }));
    assert.equal((await req('POST', '/w', gone)).status, 200);
    const build = startBuild('/w/_indexes/n', { keys: { n: 1 } });
    const expected: unknown[] = [];
    // rounds of writes answered while the PUT was still unanswered
    let during = 0;
    let j = 0;
    for (; j < 30 && build.pending(); j++) {
      const id = `z${String(j).padStart(2, '0')}`;
      assert.equal((await req('POST', '/w', { _id: id, n: BIG + j })).status, 201);
      expected.push(id);
      // spread over the backfill's whole walk, which goes in _id order
      assert.equal((await req('PATCH', `/w/${idOf(j * 1000)}`, { $set: { n: BIG + 100 + j } })).status, 200);
      expected.push(idOf(j * 1000));
      const old = gone[j]!._id;
      if (j % 2 === 0) assert.equal((await req('DELETE', `/w/${old}`)).status, 204);
      else assert.equal((await req('PATCH', `/w/${old}`, { $set: { n: 5 } })).status, 200);
      if (build.pending()) during++;
    }
    assert.ok(during > 0, 'the PUT answered before a round of writes did');
    expected.push(...gone.slice(j).map((d) => d._id));
    assert.equal(await build.done, 201);
    const filter = enc(JSON.stringify({ n: { $gte: BIG } }));
    const viaIndex = await ids(`/w?filter=${filter}&hint=n&pagesize=1000`);
    const scanned = await ids(`/w?filter=${filter}&hint=${enc('{"$natural":1}')}&pagesize=1000`);
    assert.deepEqual(viaIndex, [...expected].sort());
    assert.deepEqual(viaIndex, scanned);
    // a point lookup per changed value, through the index
    assert.deepEqual(await ids(`/w?filter=${enc(JSON.stringify({ n: 5 }))}&hint=n&pagesize=1000`),
      await ids(`/w?filter=${enc(JSON.stringify({ n: 5 }))}&hint=${enc('{"$natural":1}')}&pagesize=1000`));
  });

  test('a unique build over duplicates fails as a small one does and leaves no index', async () => {
    assert.equal((await req('PUT', '/small')).status, 201);
    assert.equal((await req('POST', '/small', [{ _id: 'a', u: 1 }, { _id: 'b', u: 1 }])).status, 200);
    const small = await req('PUT', '/small/_indexes/u', { keys: { u: 1 }, ops: { unique: true } });
    // the duplicate is the last document the backfill reaches
    await fill('dup', (i) => ({ _id: idOf(i), u: i === N - 1 ? 0 : i, s: pad }));
    const big = await req('PUT', '/dup/_indexes/u', { keys: { u: 1 }, ops: { unique: true } });
    assert.equal(big.status, small.status);
    assert.equal(big.status, 400);
    assert.match(big.json()['exception message'], /E11000 duplicate key error collection: \S+ index: u dup key: \{ u: 0 \}/);
    assert.deepEqual(await indexNames('dup'), ['_id_']);
    assert.equal((await req('GET', `/dup?filter=${enc('{"u":0}')}&hint=u`)).status, 400, 'no half index answers a hint');
    // no unique index is left: a third duplicate is accepted, and the index can be built once it is gone
    assert.equal((await req('POST', '/dup', { _id: 'x', u: 0 })).status, 201);
    assert.equal((await req('DELETE', '/dup/x')).status, 204);
    assert.equal((await req('DELETE', `/dup/${idOf(N - 1)}`)).status, 204);
    assert.equal((await req('PUT', '/dup/_indexes/u', { keys: { u: 1 }, ops: { unique: true } })).status, 201);
    assert.equal((await req('POST', '/dup', { _id: 'y', u: 5 })).status, 409);
  });
});

describe('index builds with --workers 2', () => {
  let workers: ChildServer;
  let dir: string;
  let single: ChildServer;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'docrest-index-build-workers-'));
    workers = await spawnWorkers({ dataDir: dir, workers: 2 });
    single = srv;
    srv = workers;
  });
  after(() => {
    srv = single;
    workers.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  test('writes through every worker during a build are in the index, a second request for it joins, every worker uses it', async () => {
    await fill('m', (i) => ({ _id: idOf(i), n: i % 1000, s: pad }));
    const first = startBuild('/m/_indexes/n', { keys: { n: 1 } });
    // concurrent requests open several connections, which the workers share
    const writes = Array.from({ length: 40 }, (_, j) => req('POST', '/m', { _id: `z${String(j).padStart(2, '0')}`, n: BIG + j }));
    const updates = Array.from({ length: 20 }, (_, j) => req('PATCH', `/m/${idOf(j * 2000 + 1)}`, { $set: { n: BIG + 100 + j } }));
    const second = req('PUT', '/m/_indexes/n', { keys: { n: 1 } });
    for (const w of await Promise.all(writes)) assert.equal(w.status, 201);
    for (const u of await Promise.all(updates)) assert.equal(u.status, 200);
    assert.equal((await second).status, 201);
    assert.equal(await first.done, 201);
    const expected = [...Array.from({ length: 40 }, (_, j) => `z${String(j).padStart(2, '0')}`), ...Array.from({ length: 20 }, (_, j) => idOf(j * 2000 + 1))].sort();
    const filter = enc(JSON.stringify({ n: { $gte: BIG } }));
    const answers = await Promise.all(Array.from({ length: 8 }, () => ids(`/m?filter=${filter}&hint=n&pagesize=1000`)));
    for (const a of answers) assert.deepEqual(a, expected);
  });
});
