// The benchmark's workloads. A/W repeat a few fixed requests (what a cache sees at its best); V, P
// and M send a new value with every request (what users see), with the targets beside them.
import { AUTH, doc, filterPath, vdoc } from './data.ts';
import type { RequestKind } from './load.ts';
import type { ProbeRequest } from './probe.ts';
import type { Row } from './table.ts';

export interface Workload {
  name: string;
  kinds: RequestKind[];
  /** default: Basic auth as admin, JSON content type */
  headers?: Record<string, string>;
  /** default 64 */
  connections?: number;
  /** docrest's answer to a sample of the first kind must be an array of this many documents */
  docs?: number;
  /** latency probes beside the load: one request of each kind every few ms from a client of its own */
  probe?: ProbeRequest[];
  /** one long run instead of paired short ones, resident memory before and after */
  soak?: boolean;
  /** the target, printed beside the result, not enforced */
  target?: { text: string; met: (r: Row) => boolean };
}

const get = (paths: string[], values?: RequestKind['values']): RequestKind => ({ method: 'GET', paths, values });
const ratio = (min: number) => ({ text: `≥ ${min} × limit`, met: (r: Row) => r.ratio >= min });
const rps = (min: number) => ({ text: `≥ ${min} req/s`, met: (r: Row) => r.docrest.rps >= min });

export const PING: RequestKind = get(['/ping']);
const PING_PROBE: ProbeRequest = { method: 'GET', path: '/ping' };

/** Fixed requests on `bench` (1k doc()), `links` (1k linksDoc()) and `writes` (empty). */
export function fixedWorkloads(ids: string[], jwt: string): Workload[] {
  return [
    // the cost of authentication: the same trivial service without and with credentials
    { name: 'A0 GET /ping, anonymous', kinds: [PING], headers: {} },
    { name: 'A1 GET /ping, Basic auth', kinds: [PING], headers: { Authorization: AUTH } },
    { name: 'A2 GET /ping, Bearer JWT', kinds: [PING], headers: { Authorization: `Bearer ${jwt}` } },
    { name: 'W1 GET /coll/{id}', kinds: [get(ids.map((id) => `/bench/${id}`))] },
    { name: 'W2 $regex filter, 1k docs', kinds: [get([filterPath('links', '{"links.url":{"$regex":".*pach.*"}}')])] },
    { name: 'W3 GET page of 100', kinds: [get(Array.from({ length: 10 }, (_, i) => `/bench?page=${i + 1}&pagesize=100`))] },
    { name: 'W4 POST durable insert', kinds: [{ method: 'POST', paths: ['/writes'], body: JSON.stringify(doc(7)) }] },
    { name: 'W5 PATCH $inc', kinds: [{ method: 'PATCH', paths: ids.slice(0, 100).map((id) => `/bench/${id}`), body: '{"$inc":{"qty":1}}' }] },
  ];
}

const PAGES = Array.from({ length: 20 }, (_, i) => String(i + 1));

/** A new value per request on `v1k` (1k vdoc()), `v10k` (10k vdoc(), its ids) and `m1` (2k vdoc()). */
export function varyingWorkloads(ids10k: string[]): Workload[] {
  // ten times more values than a collection's result cache holds (1,024 answers), so every answer
  // is computed: 0..9,999 over documents whose n is 0..999 (one answer in ten finds its document);
  // rotated so that the checked sample (the middle value) is 500
  const v1k = Array.from({ length: 10_000 }, (_, i) => String((i + 5_500) % 10_000));
  return [
    { name: 'V1 {"n":<v>} unindexed, 1k docs', kinds: [get([filterPath('v1k', '{"n":{v}}')], v1k)], docs: 1, target: ratio(0.25) },
    { name: 'V2 $regex "ample<v>.org", 1k docs', kinds: [get([filterPath('v1k', '{"links.url":{"$regex":"ample{v}.org"}}')], v1k)], docs: 1, target: ratio(0.2) },
    {
      name: 'V6 90% GET id, 10% PATCH $inc, 10k',
      kinds: [
        { ...get(['/v10k/{v}'], ids10k), weight: 9 },
        { method: 'PATCH', paths: ['/v10k/{v}'], body: '{"$inc":{"qty":1}}', values: ids10k, weight: 1 },
      ],
      target: ratio(0.4),
    },
    {
      // inserts land in the collection the reads query, so no read can live on a cache for long
      name: 'M1 mix on 2k+ docs, 256 conns',
      kinds: [
        { method: 'POST', paths: ['/m1'], body: JSON.stringify(vdoc(-1)), weight: 1 },
        { ...get([filterPath('m1', '{"n":{v}}')], 2000), weight: 1 },
        { ...get(['/m1?pagesize=100&page={v}'], PAGES), weight: 4 },
        { ...PING, weight: 4 },
      ],
      connections: 256,
      soak: true,
      // the latencies of requests on the load's 256 connections, as wrk reports them, fail Little's
      // law on this VM even against the bare limit (table.ts notes): p99 is judged on the probes,
      // each kind of request sent every 20 ms by a client of its own while the load runs
      probe: [
        { method: 'POST', path: '/m1', body: JSON.stringify(vdoc(-2)) },
        { method: 'GET', path: filterPath('m1', '{"n":{v}}'), values: Array.from({ length: 2000 }, (_, i) => String((i * 7919) % 2000)) },
        { method: 'GET', path: '/m1?pagesize=100&page={v}', values: PAGES },
        PING_PROBE,
      ],
      target: {
        // memory: flat once the load's working set is in place (a quarter in: caches full, heap
        // sized to 256 connections), and given back once the load stops (memory-release.ts)
        text: '0 timeouts, 0 errors, p99 < 250 ms (probes), RSS < +10% after a quarter, idle RSS < +10% of before',
        met: (r) => r.docrest.timeouts === 0 && r.docrest.errors === 0 && !!r.probe && r.probe.docrest.p99 < 250 && !!r.rssMB
          && r.rssMB.after < 1.1 * (r.rssMB.quarter ?? r.rssMB.before) && r.rssMB.idle !== undefined && r.rssMB.idle < 1.1 * r.rssMB.before,
      },
    },
  ];
}

/** Workloads on `eq<n>`: n vdoc(), `k` indexed. */
export function sizedWorkloads(n: number): Workload[] {
  const size = n >= 1e6 ? `${n / 1e6}M` : `${n / 1e3}k`;
  const coll = `eq${n}`;
  const scan: RequestKind = get([filterPath(coll, '{"n":{v}}')], n);
  const out: Workload[] = [{
    name: `W6 indexed equality, ${size} docs`,
    kinds: [get(Array.from({ length: 500 }, (_, i) => filterPath(coll, `{"k":${(i * 7919) % (n / 10)}}`, 'pagesize=10&')))],
    docs: 10,
  }];
  if (n === 100_000) {
    out.push(
      { name: 'V5 indexed {"k":<v>}, 100k docs', kinds: [get([filterPath(coll, '{"k":{v}}', 'pagesize=10&')], n / 10)], docs: 10, target: ratio(0.4) },
      // an unindexed scan keeps a core busy: more connections than cores would only queue
      { name: 'V3 {"n":<v>} unindexed, 100k, 8 conns', kinds: [scan], connections: 8, docs: 1, target: rps(150) },
      {
        name: 'P1 /ping while V3 runs, 8 conns', kinds: [scan], connections: 8, probe: [PING_PROBE],
        target: { text: '/ping p50 < 5 ms, max < 50 ms', met: (r) => !!r.probe && r.probe.docrest.p50 < 5 && r.probe.docrest.max < 50 },
      },
    );
  }
  if (n === 1_000_000) out.push({ name: 'V4 {"n":<v>} unindexed, 1M, 8 conns', kinds: [scan], connections: 8, docs: 1, target: rps(10) });
  return out;
}
