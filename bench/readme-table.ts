// Prints the README's benchmark section from bench/results/latest.json.
import { readFileSync } from 'node:fs';

const r = JSON.parse(readFileSync(new URL('./results/latest.json', import.meta.url), 'utf8'));
const m = r.machine;
const f = (n: number, d = 0) => (Number.isFinite(n) ? n.toFixed(d) : '-');
const lines = [
  `Measured ${String(m.date).slice(0, 10)} on ${m.cpus} cores (${m.model}), Node ${m.node}, ${m.generator}, docrest with ${m.workers} worker(s), median of ${m.runs} × ${m.seconds} s after a warm-up; the limit is a bare node:http server, in its own process, answering the same bytes.`,
  '',
  '| workload | docrest req/s | p50 ms | p99 ms | errors | limit req/s | docrest / limit |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...r.rows.map((x: any) => `| ${x.workload} | ${f(x.docrest.rps)} | ${f(x.docrest.p50, 2)} | ${f(x.docrest.p99, 2)} | ${x.docrest.errors} | ${f(x.limit.rps)} | ${f(x.ratio, 2)} |`),
  '',
  ...Object.entries(r.memoryMB).map(([w, mb]) => `Resident memory of the docrest process after ${w}: ${f(mb as number)} MB.`),
];
console.log(lines.join('\n'));
