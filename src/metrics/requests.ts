// RESTHeart's requestsMetricsCollector: a request whose path matches an `include` template and no
// `exclude` template is timed once per include template it matches, in the registry named by that
// template, under the labels request_method, path_template, response_status_code and one
// path_template_param_<name> per `{name}` of the template. Label values have `.` replaced by `_`
// (RESTHeart's MetricLabel). Exposed as RESTHeart's RHDropwizardExports writes a Timer: one summary
// family `http_requests_duration` holding the samples `http_requests_duration{…,quantile}` (seconds),
// `http_requests_rate{…,period}` (per second) and `http_requests_count{…}`.
import type { MetricJson, SampleJson } from './exposition.ts';
import { compileTemplate, segmentsOf, type PathTemplate } from './path-templates.ts';
import { Timer } from './timer.ts';

const NO_PARAMS: string[] = [];
const PERIODS = ['15 minutes', '5 minutes', '1 minute', 'overall'] as const;

interface Series {
  labels: Record<string, string>;
  timer: Timer;
}

class TemplateRegistry {
  readonly template: PathTemplate;
  /** by method, status and params */
  readonly series = new Map<string, Series>();

  constructor(template: PathTemplate) {
    this.template = template;
  }

  record(method: string, status: number, params: string[], now: number, ms: number): void {
    const key = params.length === 0 ? `${method} ${status}` : `${method} ${status} ${params.join('/')}`;
    let s = this.series.get(key);
    if (s === undefined) {
      const labels: Record<string, string> = { request_method: method, path_template: this.template.template, response_status_code: String(status) };
      // RESTHeart sorts the params by name
      const byName = this.template.paramNames.map((n, i) => [n, params[i]!] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      for (const [n, v] of byName) labels[`path_template_param_${n.replaceAll(/[=.]/g, '_')}`] = v;
      for (const k in labels) labels[k] = labels[k]!.replaceAll('.', '_');
      s = { labels, timer: new Timer(now) };
      this.series.set(key, s);
    }
    s.timer.record(now, ms);
  }

  json(now: number): MetricJson {
    const values: SampleJson[] = [];
    for (const { labels, timer } of this.series.values()) {
      for (const [q, v] of timer.quantiles()) values.push({ metricName: 'http_requests_duration', labels: { ...labels, quantile: q }, value: v });
      const rates = timer.ratesAt(now);
      PERIODS.forEach((period, i) => values.push({ metricName: 'http_requests_rate', labels: { ...labels, period }, value: rates[i]! }));
      values.push({ metricName: 'http_requests_count', labels, value: timer.count });
    }
    return { name: 'http_requests_duration', help: 'HTTP request duration and rate', type: 'summary', values, aggregator: 'sum' };
  }
}

export class RequestsMetrics {
  private readonly include: TemplateRegistry[];
  private readonly exclude: PathTemplate[];

  /** Throws on a template that does not start with `/` (a configuration error). */
  constructor(include: string[], exclude: string[]) {
    this.include = include.map((t) => new TemplateRegistry(compileTemplate(t)));
    this.exclude = exclude.map((t) => compileTemplate(t));
  }

  /** Called once the response is sent; `start` from performance.now() before the pipeline ran. */
  record(method: string, path: string, status: number, start: number): void {
    const now = performance.now();
    let segs: string[] | undefined;
    let excluded: boolean | undefined;
    for (const r of this.include) {
      const t = r.template;
      let params = NO_PARAMS;
      if (!t.matchesAll) {
        if (!t.mayMatch(path)) continue;
        const m = t.match((segs ??= segmentsOf(path)));
        if (m === null) continue;
        params = m.params;
      }
      if (excluded === undefined) {
        excluded = false;
        for (const x of this.exclude) {
          if (x.matchesAll || (x.mayMatch(path) && x.match((segs ??= segmentsOf(path))) !== null)) {
            excluded = true;
            break;
          }
        }
      }
      if (excluded) return;
      r.record(method, status, params, now, now - start);
    }
  }

  /** The registries that timed a request, by name (the template), in `include` order. */
  registries(): string[] {
    return this.include.filter((r) => r.series.size > 0).map((r) => r.template.template);
  }

  json(registry: string): MetricJson[] | undefined {
    const r = this.include.find((x) => x.template.template === registry && x.series.size > 0);
    return r ? [r.json(performance.now())] : undefined;
  }
}
