// RESTHeart's `metrics` service (secured, at metrics.uri): GET {uri} lists the registries as a JSON
// array of names; GET {uri}/{registry…} answers the registry in Prometheus text format, the name
// being the rest of the path (`/metrics/*` → registry `/*`, the include template `/*`). An unknown
// registry: metrics.missing-registry-status-code (404, or 200 with an empty body). Other methods:
// 405. With several workers the figures are those of all of them (cluster-relay.ts).
import { HttpError } from '../errors.ts';
import type { Service } from '../http/service-registry.ts';
import type { MetricsSettings } from '../settings.ts';
import { gather, serveWorkerMetrics, type Collect, type Part } from './cluster-relay.ts';
import { DOCREST_REGISTRY, docrestMetricsJson, startDocrestMetrics } from './docrest-registry.ts';
import { CONTENT_TYPE, aggregate, render, type MetricJson } from './exposition.ts';
import { RequestsMetrics } from './requests.ts';

export interface Metrics {
  service: Service;
  /** undefined when requestsMetricsCollector is off */
  requests: RequestsMetrics | undefined;
}

function registryName(path: string, uri: string): string | null {
  const rest = path.slice(uri.length);
  if (rest === '' || rest === '/') return null;
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

export function metrics(settings: MetricsSettings): Metrics {
  const requests = settings.include === null ? undefined : new RequestsMetrics(settings.include, settings.exclude);
  startDocrestMetrics();
  const collect: Collect = async (registry) => {
    if (registry === null) {
      const part: Part = {};
      for (const name of [...(requests?.registries() ?? []), DOCREST_REGISTRY]) part[name] = [];
      return part;
    }
    if (registry === DOCREST_REGISTRY) return { [registry]: await docrestMetricsJson() };
    const json = requests?.json(registry);
    return json ? { [registry]: json } : {};
  };
  serveWorkerMetrics(collect);
  const uri = settings.uri;
  const service: Service = {
    name: 'metrics', uri, matchPolicy: 'PREFIX', secured: true,
    async handle(ex) {
      if (ex.method !== 'GET') throw new HttpError(405, `method ${ex.method} not allowed`);
      const registry = registryName(ex.path, uri);
      const parts = await gather(collect, registry);
      if (registry === null) {
        const names = new Set<string>();
        for (const p of parts) for (const n of Object.keys(p)) names.add(n);
        return { status: 200, body: [...names] };
      }
      const found = parts.map((p) => p[registry]).filter((m): m is MetricJson[] => m !== undefined);
      if (found.length === 0) {
        if (settings.missingRegistryStatus === 200) return { kind: 'bytes', status: 200, body: '', contentType: CONTENT_TYPE };
        throw new HttpError(404, `no metrics registry ${registry}`);
      }
      return { kind: 'bytes', status: 200, body: await render(aggregate(found)), contentType: CONTENT_TYPE };
    },
  };
  return { service, requests };
}
