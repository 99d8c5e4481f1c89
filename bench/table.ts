// The results table, as the benchmark prints it and as the README shows it.
export interface TableRow {
  workload: string;
  docrest: { rps: number; p50: number; p99: number; errors: number; cpuUs?: number };
  limit: { rps: number; cpuUs?: number };
  ratio: number;
}

const f = (n: number | undefined, d = 0) => (n !== undefined && Number.isFinite(n) ? n.toFixed(d) : '-');

export function markdownTable(rows: TableRow[]): string[] {
  return [
    '| workload | docrest req/s | p50 ms | p99 ms | errors | limit req/s | docrest / limit | CPU µs/req, docrest / limit |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map((r) => `| ${r.workload} | ${f(r.docrest.rps)} | ${f(r.docrest.p50, 2)} | ${f(r.docrest.p99, 2)} | ${r.docrest.errors} | ${f(r.limit.rps)} | ${f(r.ratio, 2)} | ${f(r.docrest.cpuUs)} / ${f(r.limit.cpuUs)} |`),
  ];
}

export function memoryLines(memory: Record<string, number>): string[] {
  return Object.entries(memory).map(([w, mb]) => `Resident memory of the docrest process after ${w}: ${f(mb)} MB.`);
}
