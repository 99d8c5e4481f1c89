// Prints the README's benchmark section from bench/results/latest.json.
import { readFileSync } from 'node:fs';
import { WARM_RUNS, WARM_S, report } from './table.ts';

const r = JSON.parse(readFileSync(new URL('./results/latest.json', import.meta.url), 'utf8'));
const m = r.machine;
const lines = [
  `Measured ${String(m.date).slice(0, 10)} on ${m.cpus} cores (${m.model}), Node ${m.node}, ${m.generator}, docrest with ${m.workers} worker(s), docrest and the limit take turns, ${m.runs} runs of ${m.seconds} s each after warm-up runs of ${WARM_S} s until docrest's CPU per request stopped falling by more than a tenth (at most ${WARM_S * WARM_RUNS} s) (M1: one run of ${m.soakSeconds} s; medians; the ratio is the median of the paired runs); the limit is a bare node:http server, in its own process, answering the same bytes.`,
  '',
  ...report(r.rows, r.memoryMB),
];
console.log(lines.join('\n'));
