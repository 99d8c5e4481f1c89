// Prometheus text exposition parsed with parse-prometheus-text-format, flattened to samples: that
// parser keeps the labels of every sample except a summary family's quantiles, which it folds into
// one `quantiles` map (so a labelled summary is checked through its other samples).
import assert from 'node:assert/strict';
// @ts-expect-error the package ships no type declarations
import parsePrometheus from 'parse-prometheus-text-format';

export interface Family {
  name: string;
  help: string;
  type: string;
  metrics: Array<{ value?: string; labels?: Record<string, string>; quantiles?: Record<string, string> }>;
}

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export function parseText(text: string): Family[] {
  const families = (parsePrometheus as (t: string) => Family[])(text);
  assert.ok(Array.isArray(families) && families.length > 0, `no metrics in ${text.slice(0, 200)}`);
  return families;
}

export function samples(families: Family[]): Sample[] {
  return families.flatMap((f) => f.metrics.filter((m) => m.value !== undefined).map((m) => ({ name: f.name, labels: m.labels ?? {}, value: Number(m.value) })));
}

/** The value of the one sample with this name and these labels (others ignored); undefined when none. */
export function valueOf(all: Sample[], name: string, labels: Record<string, string> = {}): number | undefined {
  const found = all.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  assert.ok(found.length <= 1, `${found.length} samples ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value;
}
