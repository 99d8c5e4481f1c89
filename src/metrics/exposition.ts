// Metrics as plain data (prom-client's getMetricsAsJSON shape: it crosses the cluster's IPC), summed
// over worker processes, and written in Prometheus text format by prom-client.
import * as promClient from 'prom-client';
import { Registry } from 'prom-client';

export interface SampleJson {
  value: number;
  labels: Record<string, string | number>;
  /** the sample's name when it is not the family's (`_count`, `_rate`, …) */
  metricName?: string;
}

export interface MetricJson {
  name: string;
  help: string;
  type: string;
  aggregator: string;
  values: SampleJson[];
}

type AggregatorFn = (metrics: MetricJson[]) => MetricJson | undefined;
// exported by prom-client but missing from its type declarations; they take and give its own
// (structurally identical) metric objects
const aggregators = (promClient as unknown as { aggregators: Record<string, AggregatorFn> }).aggregators;

export const CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

function labelKey(labels: Record<string, string | number>): string {
  return Object.keys(labels).sort().map((k) => `${k}=${labels[k]}`).join(',');
}

/**
 * A summary's counts and rates add up; its quantiles do not, so a quantile over several processes
 * is the largest of theirs (an upper bound).
 */
function aggregateSummary(metrics: MetricJson[]): MetricJson {
  const groups = new Map<string, SampleJson[]>();
  for (const m of metrics) {
    for (const v of m.values) {
      const key = `${v.metricName ?? ''} ${labelKey(v.labels)}`;
      const g = groups.get(key);
      if (g) g.push(v);
      else groups.set(key, [v]);
    }
  }
  const values = [...groups.values()].map((g) => {
    const value = g[0]!.labels.quantile === undefined ? g.reduce((s, v) => s + v.value, 0) : Math.max(...g.map((v) => v.value));
    return { ...g[0]!, value };
  });
  return { ...metrics[0]!, values };
}

/** One list of metrics from the lists of several processes, each metric by its own aggregator (prom-client's). */
export function aggregate(parts: MetricJson[][]): MetricJson[] {
  if (parts.length === 1) return parts[0]!;
  const byName = new Map<string, MetricJson[]>();
  for (const part of parts) {
    for (const m of part) {
      const list = byName.get(m.name);
      if (list) list.push(m);
      else byName.set(m.name, [m]);
    }
  }
  const out: MetricJson[] = [];
  for (const list of byName.values()) {
    if (list[0]!.type === 'summary') {
      out.push(aggregateSummary(list));
      continue;
    }
    const merged = (aggregators[list[0]!.aggregator] ?? aggregators.sum!)(list);
    if (merged) out.push(merged);
  }
  return out;
}

export async function render(metrics: MetricJson[]): Promise<string> {
  if (metrics.length === 0) return '';
  const registry = new Registry();
  for (const m of metrics) registry.registerMetric({ ...m, get: () => m } as unknown as Parameters<Registry['registerMetric']>[0]);
  return registry.metrics();
}
