// The results tables, as the benchmark prints them and as the README shows them.
import type { LoadResult } from './load.ts';
import type { ProbeResult } from './probe.ts';

/** a warm-up run, in s; warm-up runs at most (run.ts warmUp; the README's table says them) */
export const WARM_S = 2;
export const WARM_RUNS = 5;

/** A run's result and the server's CPU time per request (user + system, all its processes). */
export type Measured = LoadResult & { cpuUs: number };

export interface Row {
  workload: string;
  connections: number;
  /** seconds of warm-up runs before the measured ones (until docrest's CPU per request settled) */
  warmUpS?: number;
  docrest: Measured;
  limit: Measured;
  ratio: number;
  /** latencies of the probes sent beside the load (workloads.ts) */
  probe?: { docrest: ProbeResult; limit: ProbeResult };
  /** resident memory of docrest before, a quarter into and after the run, and after it idled through the limit's run */
  rssMB?: { before: number; quarter?: number; after: number; idle?: number };
  target?: string;
  met?: boolean;
  /** paired runs measured, when the workload's time cap cut them short */
  runs?: number;
}

export const f = (n: number | undefined, d = 0) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : '-');
const target = (r: Row) => (r.target ? `${r.target}: ${r.met ? 'met' : '**missed**'}` : '');

export function markdownTable(rows: Row[]): string[] {
  return [
    '| workload | docrest req/s | p50 ms | p99 ms | errors | limit req/s | docrest / limit | CPU µs/req, docrest / limit | target |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---|',
    ...rows.map((r) => `| ${r.workload} | ${f(r.docrest.rps)} | ${f(r.docrest.p50, 2)} | ${f(r.docrest.p99, 2)} | ${r.docrest.errors} | ${f(r.limit.rps)} | ${f(r.ratio, 2)} | ${f(r.docrest.cpuUs)} / ${f(r.limit.cpuUs)} | ${target(r)} |`),
  ];
}

type Latencies = Pick<ProbeResult, 'p50' | 'p99' | 'max' | 'errors' | 'timeouts'>;

/** Latency under load: the probes of P1 and M1, and the load generator's own figures for M1 (a soak). */
export function latencyTable(rows: Row[]): string[] {
  const line = (r: Row, what: string, d: Latencies, l: Latencies, rss = '') =>
    `| ${r.workload}, ${what} | ${f(d.p50, 2)} | ${f(d.p99, 2)} | ${f(d.max, 1)} | ${d.errors} | ${d.timeouts} | ${f(l.p50, 2)} / ${f(l.p99, 2)} / ${f(l.max, 1)} | ${rss} |`;
  const lines = rows.flatMap((r) => {
    const rss = r.rssMB ? [r.rssMB.before, r.rssMB.quarter, r.rssMB.after, r.rssMB.idle].filter((x) => x !== undefined).map((x) => f(x)).join(' → ') : '';
    return [
      ...(r.rssMB ? [line(r, 'load generator', r.docrest, r.limit, rss)] : []),
      ...(r.probe ? [line(r, r.workload.startsWith('P') ? '/ping probe' : 'probes', r.probe.docrest, r.probe.limit)] : []),
    ];
  });
  if (!lines.length) return [];
  return [
    '| latency under load | p50 ms | p99 ms | max ms | errors | timeouts | limit p50 / p99 / max ms | docrest RSS MB before → a quarter in → after → idle |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...lines,
  ];
}

/** Little's law: requests in flight implied by the mean latency (at most the connections, if the latencies are right). */
const inFlight = (m: Measured) => (Number.isFinite(m.mean) ? (m.mean / 1000) * m.rps : 0);

export function notes(rows: Row[], memory: Record<string, number>): string[] {
  return [
    ...Object.entries(memory).map(([w, mb]) => `Resident memory of the docrest process ${w}: ${f(mb)} MB.`),
    ...rows.filter((r) => r.runs !== undefined).map((r) => `${r.workload}: ${r.runs} paired run(s), cut short by the workload's time cap.`),
    ...rows.filter((r) => inFlight(r.docrest) > 1.2 * r.connections).map((r) =>
      `${r.workload}: the load generator's latencies do not hold (mean ${f(r.docrest.mean, 1)} ms × ${f(r.docrest.rps)} req/s = ${f(inFlight(r.docrest))} requests in flight on ${r.connections} connections), so its percentiles are not the waits of requests on those connections; read them with care.`),
  ];
}

/** Everything below the run's description: both tables and the notes. */
export function report(rows: Row[], memory: Record<string, number>): string[] {
  const latency = latencyTable(rows);
  return [...markdownTable(rows), '', ...(latency.length ? [...latency, ''] : []), ...notes(rows, memory)];
}
