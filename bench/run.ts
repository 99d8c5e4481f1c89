// npm run bench: docrest (embedded engine, security on, admin over Basic auth) against the limit
// of this machine — a bare node:http server answering each workload's exact response bytes — in
// the same run, with the same load generator. Prints a table; writes bench/results/latest.{json,svg}.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chart } from './chart.ts';
import { drive, hasWrk, type LoadResult } from './load.ts';
import { markdownTable, memoryLines } from './table.ts';

const root = new URL('../', import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const RUNS = quick ? 1 : 3;
const SECONDS = quick ? 3 : 4;
const workersArg = args.indexOf('--workers');
// one worker by default: measured faster than two on a 2-core machine that also runs the load generator
const WORKERS = workersArg >= 0 ? Number(args[workersArg + 1]) : 1;
const sizesArg = args.indexOf('--sizes');
const SIZES = sizesArg >= 0 ? args[sizesArg + 1]!.split(',').filter(Boolean).map(Number) : quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const onlyArg = args.indexOf('--only');
const ONLY = onlyArg >= 0 ? args[onlyArg + 1]!.split(',') : undefined;
const AUTH = `Basic ${Buffer.from('admin:secret').toString('base64')}`;
const JSON_HEADERS = { Authorization: AUTH, 'Content-Type': 'application/json' };

interface Workload {
  name: string;
  method: string;
  paths: string[];
  body?: string;
  /** default: Basic auth as admin, JSON content type */
  headers?: Record<string, string>;
}

/** A run's result and the server's CPU time per request (user + system, all its processes). */
type Measured = LoadResult & { cpuUs: number };

interface Row {
  workload: string;
  docrest: Measured;
  limit: Measured;
  ratio: number;
}

const DOCREST_PORT = 18_080;
const LIMIT_PORT = 18_090;
const base = `http://127.0.0.1:${DOCREST_PORT}`;

function doc(i: number): Record<string, unknown> {
  return {
    name: `item number ${i}`, qty: i % 100, price: (i % 1000) / 10 + 0.5, status: ['A', 'B', 'C'][i % 3],
    tags: ['alpha', 'beta', 'gamma'], created: { $date: 1_600_000_000_000 + i * 1000 },
    note: 'the quick brown fox jumps over the lazy dog '.repeat(4),
  };
}

function linksDoc(i: number): Record<string, unknown> {
  const host = i === 500 ? 'apache.org' : `example${i}.org`;
  return { name: `site ${i}`, links: [{ url: `https://${host}/index.html`, rel: 'home' }, { url: `https://cdn${i}.net/lib.js`, rel: 'script' }], note: 'x'.repeat(200) };
}

async function http(method: string, path: string, body?: unknown): Promise<Response> {
  const r = await fetch(base + path, { method, headers: JSON_HEADERS, body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status >= 400) throw new Error(`${method} ${path} → ${r.status} ${await r.text()}`);
  return r;
}

async function load(coll: string, n: number, make: (i: number) => Record<string, unknown>): Promise<void> {
  await http('PUT', `/${coll}`);
  for (let i = 0; i < n; i += 1000) {
    await http('POST', `/${coll}`, Array.from({ length: Math.min(1000, n - i) }, (_, j) => make(i + j)));
  }
}

function startDocrest(dataDir: string): ChildProcess {
  return spawn(process.execPath, [join(root, 'src/cli.ts'), '--port', String(DOCREST_PORT), '--data-dir', dataDir, '--workers', String(WORKERS)], {
    env: { ...process.env, RHO: '/http-listener/host->"127.0.0.1";/logging/log-level->"ERROR"' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not come up`);
}

/**
 * The limit: a bare node:http server answering with the bytes docrest answered for this workload,
 * in a process of its own so that the benchmark's own heap cannot slow it down.
 */
async function limitServer(status: number, headers: Record<string, string>, body: Buffer): Promise<ChildProcess> {
  const child = fork(join(root, 'bench/limit.ts'), [String(LIMIT_PORT), String(status), JSON.stringify(headers)], { stdio: ['pipe', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`limit server exited with ${code}`)));
    child.stdin!.end(body);
  });
  return child;
}

function median(results: Measured[]): Measured {
  const sorted = [...results].sort((a, b) => a.rps - b.rps);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function run(url: string, w: Workload, pid: number, seconds: number): Promise<Measured> {
  const before = treeCpuTicks(pid);
  const r = await drive({ url, method: w.method, paths: w.paths, headers: w.headers ?? JSON_HEADERS, body: w.body, seconds, connections: 64, threads: 2 });
  return { ...r, cpuUs: ((treeCpuTicks(pid) - before) * (1e6 / CLOCK_TICKS)) / (r.rps * seconds) };
}

// USER_HZ of /proc/<pid>/stat: 100 on Linux
const CLOCK_TICKS = 100;

function childrenOf(pid: number): number[] {
  return readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((d) => {
    try {
      return readFileSync(`/proc/${d}/stat`, 'utf8').split(') ')[1]!.split(' ')[1] === String(pid);
    } catch {
      return false;
    }
  }).map(Number);
}

/**
 * CPU time (user + system, in clock ticks) of a server and its worker processes. Per request it is
 * steadier than req/s on a noisy machine: it does not count the time the server waited for a core.
 */
function treeCpuTicks(pid: number): number {
  let ticks = 0;
  for (const p of [pid, ...childrenOf(pid)]) {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    } catch { /* exited */ }
  }
  return ticks;
}

function rssOf(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : 0;
  } catch {
    return 0;
  }
}

/** Resident memory of the largest process in the tree (a worker, or the server itself). */
function workerRss(pid: number): number {
  return Math.max(rssOf(pid), ...childrenOf(pid).map(rssOf));
}

/** docrest and the limit on the same workload, same generator and settings. */
async function compare(pid: number, w: Workload, afterDocrest?: () => void): Promise<Row> {
  const sample = await fetch(base + w.paths[0], { method: w.method, headers: w.headers ?? JSON_HEADERS, body: w.body });
  const body = Buffer.from(await sample.arrayBuffer());
  const headers: Record<string, string> = {};
  sample.headers.forEach((v, k) => {
    if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date', 'content-encoding'].includes(k)) headers[k] = v;
  });
  const limit = await limitServer(sample.status, headers, body);
  const limitUrl = `http://127.0.0.1:${LIMIT_PORT}`;
  const mine: Measured[] = [];
  const theirs: Measured[] = [];
  const ratios: number[] = [];
  try {
    // unmeasured warm-up: the JIT, caches and connections settle before the runs that count
    await run(base, w, pid, 2);
    await run(limitUrl, w, limit.pid!, 2);
    // docrest and the limit take turns, so that both meet the same moments of a noisy machine
    for (let i = 0; i < RUNS; i++) {
      mine.push(await run(base, w, pid, SECONDS));
      theirs.push(await run(limitUrl, w, limit.pid!, SECONDS));
      ratios.push(mine[i]!.rps / theirs[i]!.rps);
    }
  } finally {
    limit.kill();
    await new Promise((r) => limit.once('exit', r));
  }
  afterDocrest?.();
  const docrest = median(mine);
  const lim = median(theirs);
  const ratio = [...ratios].sort((a, b) => a - b)[Math.floor(ratios.length / 2)]!;
  console.log(`${w.name.padEnd(34)} ${docrest.rps.toFixed(0).padStart(8)} req/s ${docrest.cpuUs.toFixed(0).padStart(5)} µs CPU/req  (limit ${lim.rps.toFixed(0)} req/s, ${lim.cpuUs.toFixed(0)} µs)`);
  return { workload: w.name, docrest, limit: lim, ratio };
}

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'docrest-bench-'));
  const child = startDocrest(dataDir);
  const rows: Row[] = [];
  const memory: Record<string, number> = {};
  try {
    await waitUp(`${base}/ping`);
    console.log(`docrest up (${WORKERS} worker(s)); loading data…`);
    await load('bench', 1000, doc);
    await load('links', 1000, linksDoc);
    await http('PUT', '/writes');
    const ids: string[] = (await (await http('GET', '/bench?pagesize=1000&keys={"_id":1}')).json()).map((d: { _id: { $oid: string } }) => d._id.$oid);
    const jwt = (await http('POST', '/token')).headers.get('Auth-Token')!;
    const workloads: Workload[] = [
      // the cost of authentication: the same trivial service without and with credentials
      { name: 'A0 GET /ping, anonymous', method: 'GET', paths: ['/ping'], headers: {} },
      { name: 'A1 GET /ping, Basic auth', method: 'GET', paths: ['/ping'], headers: { Authorization: AUTH } },
      { name: 'A2 GET /ping, Bearer JWT', method: 'GET', paths: ['/ping'], headers: { Authorization: `Bearer ${jwt}` } },
      { name: 'W1 GET /coll/{id}', method: 'GET', paths: ids.map((id) => `/bench/${id}`) },
      { name: 'W2 $regex filter, 1k docs', method: 'GET', paths: [`/links?filter=${encodeURIComponent('{"links.url":{"$regex":".*pach.*"}}')}`] },
      { name: 'W3 GET page of 100', method: 'GET', paths: Array.from({ length: 10 }, (_, i) => `/bench?page=${i + 1}&pagesize=100`) },
      { name: 'W4 POST durable insert', method: 'POST', paths: ['/writes'], body: JSON.stringify(doc(7)) },
      { name: 'W5 PATCH $inc', method: 'PATCH', paths: ids.slice(0, 100).map((id) => `/bench/${id}`), body: '{"$inc":{"qty":1}}' },
    ];
    const selected = (w: Workload) => !ONLY || ONLY.some((o) => w.name.startsWith(o));
    for (const w of workloads.filter(selected)) rows.push(await compare(child.pid!, w));
    // W6 last, each size loaded right before it is measured: the other workloads run on a server
    // that has not just ingested a million documents
    for (const n of SIZES) {
      const coll = `eq${n}`;
      const w: Workload = {
        name: `W6 indexed equality, ${n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`} docs`, method: 'GET',
        paths: Array.from({ length: 500 }, (_, i) => `/${coll}?pagesize=10&filter=${encodeURIComponent(`{"k":${(i * 7919) % (n / 10)}}`)}`),
      };
      if (!selected(w)) continue;
      const started = Date.now();
      await http('PUT', `/${coll}`);
      await http('PUT', `/${coll}/_indexes/k_1`, { keys: { k: 1 } });
      await load(coll, n, (i) => ({ ...doc(i), k: Math.floor(i / 10) }));
      console.log(`loaded ${n} documents in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      rows.push(await compare(child.pid!, w, () => (memory[w.name] = workerRss(child.pid!))));
    }
  } finally {
    child.kill('SIGTERM');
    rmSync(dataDir, { recursive: true, force: true });
  }
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version, generator: hasWrk() ? 'wrk -t2 -c64' : 'autocannon -c64', date: new Date().toISOString(), workers: WORKERS, runs: RUNS, seconds: SECONDS };
  printTable(rows, memory, machine);
  const out = join(root, 'bench/results');
  mkdirSync(out, { recursive: true });
  // only a complete run replaces the results the README shows
  const name = quick || ONLY || sizesArg >= 0 ? 'partial' : 'latest';
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify({ machine, memoryMB: memory, rows }, null, 2)}\n`);
  writeFileSync(join(out, `${name}.svg`), chart(rows, machine));
  console.log(`\nwritten: bench/results/${name}.json and ${name}.svg`);
}

function printTable(rows: Row[], memory: Record<string, number>, machine: Record<string, unknown>): void {
  console.log(`\n${machine.cpus} cores (${machine.model}), Node ${machine.node}, ${machine.generator}, docrest workers: ${machine.workers}, median of ${machine.runs} × ${machine.seconds}s\n`);
  console.log([...markdownTable(rows), '', ...memoryLines(memory)].join('\n'));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
