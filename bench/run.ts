// npm run bench: docrest (embedded engine, security on, admin over Basic auth) against the limit
// of this machine — a bare node:http server answering each workload's exact response bytes — in
// the same run, with the same load generator. Prints the tables; writes bench/results/latest.{json,svg}.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { chart } from './chart.ts';
import { AUTH, DOCREST_PORT, JSON_HEADERS, SETUP_TIMEOUT_MS, base, doc, http, linksDoc, load, vdoc } from './data.ts';
import type { LimitResponse } from './limit.ts';
import { drive, hasWrk, instance, valueCount } from './load.ts';
import { startProbe, summarize, type ProbeRun } from './probe.ts';
import { CLOCK_TICKS, childrenOf, treeCpuTicks, workerRss } from './proc.ts';
import { WARM_RUNS, WARM_S, f, report, type Measured, type Row } from './table.ts';
import { PING, fixedWorkloads, sizedWorkloads, varyingWorkloads, type Workload } from './workloads.ts';
import { FANOUT_NAME, fanout, fanoutTable, type FanoutResult } from './fanout.ts';

const root = new URL('../', import.meta.url).pathname;
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const RUNS = quick ? 1 : 3;
const SECONDS = quick ? 3 : 4;
// M1's one run: long enough to see memory grow, and (beyond the 10 s timeout) timeouts
const SOAK_SECONDS = quick ? 15 : 60;
/** idle time before the memory at rest is read: past docrest.memory-release.idle-seconds (30) */
const REST_S = 40;
// a request unanswered this long counts as a timeout (wrk's default of 2 s is shorter than a slow scan)
const TIMEOUT_S = 10;
// no further paired runs of a workload once this much time went to it: a slow server stays bounded
const CAP_S = quick ? 60 : 150;
// docrest must be quiet again this long after a run, or the benchmark stops
const SETTLE_CAP_S = 300;
const PROBE_EVERY_MS = 10;
const workersArg = args.indexOf('--workers');
// one worker by default: measured faster than two on a 2-core machine that also runs the load generator
const WORKERS = workersArg >= 0 ? Number(args[workersArg + 1]) : 1;
const sizesArg = args.indexOf('--sizes');
const SIZES = sizesArg >= 0 ? args[sizesArg + 1]!.split(',').filter(Boolean).map(Number) : quick ? [10_000, 100_000] : [10_000, 100_000, 1_000_000];
const onlyArg = args.indexOf('--only');
const ONLY = onlyArg >= 0 ? args[onlyArg + 1]!.split(',') : undefined;
// F1: change stream clients, inserts per second
const num = (flag: string, dflt: number) => (args.includes(flag) ? Number(args[args.indexOf(flag) + 1]) : dflt);
const FANOUT_CLIENTS = num('--clients', quick ? 1000 : 5000);
const FANOUT_RATE = num('--rate', 20);
const LIMIT_PORT = 18_090;
const limitUrl = `http://127.0.0.1:${LIMIT_PORT}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function startDocrest(dataDir: string): ChildProcess {
  return spawn(process.execPath, [join(root, 'src/cli.ts'), '--port', String(DOCREST_PORT), '--data-dir', dataDir, '--workers', String(WORKERS)], {
    env: { ...process.env, RHO: '/http-listener/host->"127.0.0.1";/logging/log-level->"ERROR"' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** SIGTERM, then SIGKILL 5 s later: a server stuck in a long request never runs its signal handler. */
async function stopDocrest(child: ChildProcess): Promise<void> {
  const tree = [child.pid!, ...childrenOf(child.pid!)];
  if (child.exitCode === null && child.signalCode === null) {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await Promise.race([exited, sleep(5000)]);
  }
  for (const p of tree) {
    try {
      process.kill(p, 'SIGKILL');
    } catch { /* exited */ }
  }
}

async function waitUp(url: string): Promise<void> {
  for (let i = 0; i < 300; i++) {
    try {
      if ((await fetch(url)).ok) return;
    } catch { /* not yet */ }
    await sleep(100);
  }
  throw new Error(`${url} did not come up`);
}

/**
 * docrest's answer to a sample of each kind of request (the middle one of its values), checked:
 * the limit answers these bytes, and a workload of errors or empty results would measure nothing.
 */
async function samples(w: Workload): Promise<LimitResponse[]> {
  const out: LimitResponse[] = [];
  for (const k of w.probe && !w.kinds.includes(PING) ? [...w.kinds, PING] : w.kinds) {
    const n = valueCount(k);
    const { path, body } = n ? instance(k, k.paths[0]!, Math.floor(n / 2)) : { path: k.paths[0]!, body: k.body };
    const r = await fetch(base + path, { method: k.method, headers: w.headers ?? JSON_HEADERS, body, signal: AbortSignal.timeout(SETUP_TIMEOUT_MS) });
    const bytes = Buffer.from(await r.arrayBuffer());
    if (r.status >= 400) throw new Error(`${w.name}: ${k.method} ${path} → ${r.status} ${bytes}`);
    if (k === w.kinds[0] && w.docs !== undefined) {
      const found = (JSON.parse(bytes.toString()) as unknown[]).length;
      if (found !== w.docs) throw new Error(`${w.name}: ${path} found ${found} documents, not ${w.docs}`);
    }
    const headers: Record<string, string> = {};
    r.headers.forEach((v, h) => {
      if (!['content-length', 'transfer-encoding', 'connection', 'keep-alive', 'date', 'content-encoding'].includes(h)) headers[h] = v;
    });
    out.push({ method: k.method, prefix: commonPrefix(k.paths.map((p) => p.split('{v}')[0]!)), status: r.status, headers, body: bytes.toString('base64') });
  }
  return out;
}

/** What every request of a kind starts with: how the limit tells the kinds apart. */
function commonPrefix(xs: string[]): string {
  let n = 0;
  while (n < xs[0]!.length && xs.every((x) => x[n] === xs[0]![n])) n++;
  return xs[0]!.slice(0, n);
}

/** The limit: a bare node:http server in a process of its own, so the benchmark's heap cannot slow it. */
async function limitServer(responses: LimitResponse[]): Promise<ChildProcess> {
  const child = fork(join(root, 'bench/limit.ts'), [String(LIMIT_PORT)], { stdio: ['pipe', 'ignore', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('message', () => resolve());
    child.once('exit', (code) => reject(new Error(`limit server exited with ${code}`)));
    child.stdin!.end(JSON.stringify(responses));
  });
  return child;
}

type Run = Measured & { probe?: ProbeRun };

async function run(url: string, w: Workload, pid: number, seconds: number): Promise<Run> {
  // the probes together send one request every PROBE_EVERY_MS
  const probes = await Promise.all((w.probe ?? []).map((p, _, all) => startProbe(url, p, { ...JSON_HEADERS }, PROBE_EVERY_MS * all.length, TIMEOUT_S * 1000)));
  const before = treeCpuTicks(pid);
  const r = await drive({ url, kinds: w.kinds, headers: w.headers ?? JSON_HEADERS, seconds, connections: w.connections ?? 64, threads: 2, timeout: TIMEOUT_S });
  const cpuUs = ((treeCpuTicks(pid) - before) * (1e6 / CLOCK_TICKS)) / (r.rps * seconds);
  if (!probes.length) return { ...r, cpuUs };
  const seen = await Promise.all(probes.map((p) => p.stop()));
  return { ...r, cpuUs, probe: { latencies: seen.flatMap((p) => p.latencies), errors: seen.reduce((n, p) => n + p.errors, 0), timeouts: seen.reduce((n, p) => n + p.timeouts, 0) } };
}

/**
 * Waits until docrest is idle and answers /ping: requests a load generator gave up on (slow scans)
 * may still be running, and the next run must not pay for them.
 */
async function settle(server: ChildProcess): Promise<void> {
  const pid = server.pid!;
  const started = Date.now();
  while (Date.now() - started < SETTLE_CAP_S * 1000) {
    if (server.exitCode !== null || server.signalCode !== null) throw new Error(`docrest exited (${server.exitCode ?? server.signalCode})`);
    const ticks = treeCpuTicks(pid);
    await sleep(250);
    const idle = treeCpuTicks(pid) - ticks <= 5; // ≤ 20 % of a core
    try {
      if (idle && (await fetch(`${base}/ping`, { headers: { Authorization: AUTH }, signal: AbortSignal.timeout(5000) })).ok) {
        if (Date.now() - started > 2000) console.log(`  (docrest was busy for ${((Date.now() - started) / 1000).toFixed(0)} s more)`);
        return;
      }
    } catch { /* still busy */ }
  }
  throw new Error(`docrest still busy ${SETTLE_CAP_S} s after a run: stopping the benchmark`);
}

function median<T>(xs: T[], by: (x: T) => number): T {
  return [...xs].sort((a, b) => by(a) - by(b))[Math.floor(xs.length / 2)]!;
}

/**
 * Warm-up runs of docrest until its CPU per request stops falling by more than a tenth from one run
 * to the next (at most WARM_RUNS): a fixed 2 s ended inside V5's warm-up (the index's postings build
 * and a first sweep of its 10k keys fills the resident documents: 307 µs of CPU a request in the
 * 2 s, then 110, 75, 90 in the measured runs). Tells the seconds it took.
 */
async function warmUp(server: ChildProcess, w: Workload): Promise<number> {
  let last = Infinity;
  for (let i = 1; ; i++) {
    const { cpuUs } = await run(base, w, server.pid!, WARM_S);
    await settle(server);
    if (i === WARM_RUNS || cpuUs > 0.9 * last) return i * WARM_S;
    last = cpuUs;
  }
}

/** docrest and the limit on the same workload, same generator and settings, taking turns. */
async function compare(server: ChildProcess, w: Workload, afterDocrest?: () => void): Promise<Row> {
  const pid = server.pid!;
  const limit = await limitServer(await samples(w));
  const runs = w.soak ? 1 : RUNS;
  const seconds = w.soak ? SOAK_SECONDS : SECONDS;
  const mine: Run[] = [];
  const theirs: Run[] = [];
  let rssMB: Row['rssMB'];
  let warmUpS = 0;
  const started = Date.now();
  try {
    // unmeasured warm-up: the JIT, caches and connections settle before the runs that count
    warmUpS = await warmUp(server, w);
    await run(limitUrl, w, limit.pid!, WARM_S);
    // docrest and the limit take turns, so that both meet the same moments of a noisy machine
    for (let i = 0; i < runs && (i === 0 || Date.now() - started < CAP_S * 1000); i++) {
      const before = workerRss(pid);
      // a quarter into a soak: caches that fill once are full by then, growth after it is not theirs
      let quarter = before;
      const sample = w.soak ? setTimeout(() => (quarter = workerRss(pid)), (seconds * 1000) / 4) : undefined;
      mine.push(await run(base, w, pid, seconds));
      clearTimeout(sample);
      if (w.soak) rssMB = { before, quarter, after: workerRss(pid) };
      await settle(server);
      theirs.push(await run(limitUrl, w, limit.pid!, seconds));
      // docrest idled through the limit's run: what it kept of the load's memory
      if (rssMB) rssMB.idle = workerRss(pid);
    }
  } finally {
    limit.kill();
    await new Promise((r) => limit.once('exit', r));
  }
  afterDocrest?.();
  const ratios = mine.map((m, i) => m.rps / theirs[i]!.rps);
  const strip = ({ probe: _, ...m }: Run): Measured => m;
  const row: Row = {
    workload: w.name, connections: w.connections ?? 64, warmUpS,
    docrest: strip(median(mine, (m) => m.rps)), limit: strip(median(theirs, (m) => m.rps)), ratio: median(ratios, (r) => r),
  };
  if (w.probe) row.probe = { docrest: summarize(mine.map((m) => m.probe!)), limit: summarize(theirs.map((m) => m.probe!)) };
  if (rssMB) row.rssMB = rssMB;
  if (mine.length < runs) row.runs = mine.length;
  if (w.target) Object.assign(row, { target: w.target.text, met: w.target.met(row) });
  const d = row.docrest;
  const p = row.probe?.docrest;
  const extra = (p ? `, probes p50 ${f(p.p50, 2)} p99 ${f(p.p99, 1)} max ${f(p.max, 1)} ms` : '') + (row.rssMB ? `, RSS ${[row.rssMB.before, row.rssMB.quarter, row.rssMB.after, row.rssMB.idle].map((x) => f(x)).join(' → ')} MB` : '');
  const met = row.target ? ` [${row.met ? 'met' : 'missed'}: ${row.target}]` : '';
  console.log(`${w.name.padEnd(38)} ${f(d.rps).padStart(7)} req/s p99 ${f(d.p99, 1).padStart(6)} ms ${d.errors} err ${f(d.cpuUs).padStart(5)} µs CPU/req (limit ${f(row.limit.rps)} req/s, ${f(row.limit.cpuUs)} µs), warm-up ${warmUpS} s${extra}${met}`);
  return row;
}

// the tables read A, W (fixed), V (varying), P, M; in measured order within a letter
const ORDER = 'AWVPM';
const rank = (r: Row) => ORDER.indexOf(r.workload[0]!) * 10 + Number(r.workload[1]);

async function main(): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), 'docrest-bench-'));
  const server = startDocrest(dataDir);
  const pid = server.pid!;
  const rows: Row[] = [];
  const memory: Record<string, number> = {};
  const selected = (w: Workload) => !ONLY || ONLY.some((o) => w.name.startsWith(o));
  const fanoutOnly = ONLY?.every((o) => FANOUT_NAME.startsWith(o)) ?? false;
  let fanoutResult: FanoutResult | undefined;
  let failed = false;
  try {
    await waitUp(`${base}/ping`);
    if (!ONLY || fanoutOnly) {
      fanoutResult = await fanout({ clients: FANOUT_CLIENTS, rate: FANOUT_RATE, seconds: SECONDS * RUNS, rss: () => workerRss(pid), cpuTicks: () => treeCpuTicks(pid) });
      console.log(fanoutTable(fanoutResult).join('\n'));
    }
    if (fanoutOnly) return;
    console.log(`docrest up (${WORKERS} worker(s)); loading data…`);
    const ids = await load('bench', 1000, doc, true);
    await load('links', 1000, linksDoc);
    await http('PUT', '/writes');
    await load('v1k', 1000, vdoc);
    const ids10k = await load('v10k', 10_000, vdoc, true);
    await load('m1', 2000, vdoc);
    const jwt = (await http('POST', '/token')).headers.get('Auth-Token')!;
    await settle(server);
    for (const w of [...fixedWorkloads(ids, jwt), ...varyingWorkloads(ids10k)].filter(selected)) rows.push(await compare(server, w));
    // each size loaded right before its workloads: the others run on a server that has not just
    // ingested a million documents
    for (const n of SIZES) {
      const ws = sizedWorkloads(n).filter(selected);
      if (!ws.length) continue;
      const started = Date.now();
      await http('PUT', `/eq${n}`);
      await http('PUT', `/eq${n}/_indexes/k`, { keys: { k: 1 } });
      await load(`eq${n}`, n, vdoc);
      console.log(`loaded ${n} documents in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      await settle(server);
      for (const w of ws) rows.push(await compare(server, w, w.name.startsWith('W6') ? () => (memory[`after ${w.name}`] = workerRss(pid)) : undefined));
    }
    // at rest: an idle server gives back what the load made it take (src/memory-release.ts)
    if (SIZES.some((n) => sizedWorkloads(n).some(selected))) {
      await sleep(REST_S * 1000);
      memory[`at rest, ${REST_S} s after the last workload, ${Math.max(...SIZES).toLocaleString('en')} documents stored`] = workerRss(pid);
    }
  } catch (e) {
    // what was measured so far is still reported, as a partial run
    console.error(e);
    failed = true;
  } finally {
    await stopDocrest(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
  rows.sort((a, b) => rank(a) - rank(b));
  const generator = `${hasWrk() ? 'wrk -t2' : 'autocannon'} -c64 (V3, V4, P1: 8, M1: 256) --timeout ${TIMEOUT_S}s`;
  const machine = { cpus: cpus().length, model: cpus()[0]?.model ?? '', node: process.version, generator, date: new Date().toISOString(), workers: WORKERS, runs: RUNS, seconds: SECONDS, soakSeconds: SOAK_SECONDS };
  console.log(`\n${machine.cpus} cores (${machine.model}), Node ${machine.node}, ${machine.generator}, docrest workers: ${machine.workers}, median of ${machine.runs} × ${machine.seconds}s (M1: 1 × ${SOAK_SECONDS}s)\n`);
  console.log(report(rows, memory).join('\n'));
  if (fanoutResult) console.log(`\n${fanoutTable(fanoutResult).join('\n')}`);
  const out = join(root, 'bench/results');
  mkdirSync(out, { recursive: true });
  // only a complete run replaces the results the README shows
  const name = quick || ONLY || sizesArg >= 0 || failed ? 'partial' : 'latest';
  writeFileSync(join(out, `${name}.json`), `${JSON.stringify({ machine, memoryMB: memory, rows, fanout: fanoutResult }, null, 2)}\n`);
  writeFileSync(join(out, `${name}.svg`), chart(rows, machine));
  console.log(`\nwritten: bench/results/${name}.json and ${name}.svg`);
  if (failed) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
