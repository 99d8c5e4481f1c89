// A low-rate latency probe: one request every few milliseconds, sent on schedule whether or not the
// previous ones were answered, so that a server stalled by other work shows its stall in full. Its
// connections are opened before the load starts: a new connection waits for its accept behind the
// load generator's own burst of connections (libuv accepts one per event-loop iteration), a wait of
// the benchmark's making that would otherwise be most of what the probe measures.
import { Agent, request } from 'node:http';

export interface ProbeResult {
  count: number;
  p50: number;
  p99: number;
  max: number;
  /** answers other than 200 and socket errors, timeouts included */
  errors: number;
  timeouts: number;
}

/** What one probe saw: latencies in ms. */
export interface ProbeRun {
  latencies: number[];
  errors: number;
  timeouts: number;
}

export interface Probe {
  /** stops sending; resolves when every request sent was answered or timed out */
  stop(): Promise<ProbeRun>;
}

/** What a probe sends: `{v}` in the path takes the values in turn. */
export interface ProbeRequest {
  method: string;
  path: string;
  body?: string;
  values?: string[];
}

/** connections of one probe: a request finding them all busy waits for one, and that wait counts */
const SOCKETS = 8;

export async function startProbe(base: string, what: ProbeRequest, headers: Record<string, string>, everyMs: number, timeoutMs: number): Promise<Probe> {
  const agent = new Agent({ keepAlive: true, maxSockets: SOCKETS });
  await Promise.all(Array.from({ length: SOCKETS }, () => new Promise<void>((resolve, reject) => {
    request(`${base}/ping`, { agent, headers }, (res) => res.resume().on('end', resolve)).on('error', reject).end();
  })));
  const latencies: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let pending = 0;
  let idle: (() => void) | undefined;
  let sent = 0;
  const send = () => {
    pending++;
    const url = base + (what.values ? what.path.replace('{v}', what.values[sent++ % what.values.length]!) : what.path);
    const start = performance.now();
    let settled = false;
    const settle = (ms: number | undefined, failed: boolean) => {
      if (settled) return;
      settled = true;
      if (ms !== undefined) latencies.push(ms);
      if (failed) errors++;
      if (--pending === 0) idle?.();
    };
    const req = request(url, { agent, headers, method: what.method }, (res) => {
      res.resume();
      res.on('end', () => settle(performance.now() - start, res.statusCode! >= 300));
    });
    req.setTimeout(timeoutMs, () => {
      timeouts++;
      // a timeout counts with its full wait, so that max shows it
      settle(timeoutMs, true);
      req.destroy();
    });
    req.on('error', () => settle(undefined, true));
    req.end(what.body);
  };
  const timer = setInterval(send, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      // every request ends by its timeout at the latest; the bound is a safety net
      if (pending > 0) await new Promise<void>((r) => ((idle = r), setTimeout(r, timeoutMs + 1000).unref()));
      agent.destroy();
      return { latencies, errors, timeouts };
    },
  };
}

/** Percentiles of the latencies of one or more probes, in ms. */
export function summarize(runs: ProbeRun[]): ProbeResult {
  const all = runs.flatMap((r) => r.latencies).sort((a, b) => a - b);
  const at = (q: number) => (all.length ? all[Math.min(all.length - 1, Math.floor(q * all.length))]! : Number.NaN);
  return {
    count: all.length,
    p50: at(0.5),
    p99: at(0.99),
    max: all.length ? all[all.length - 1]! : Number.NaN,
    errors: runs.reduce((a, r) => a + r.errors, 0),
    timeouts: runs.reduce((a, r) => a + r.timeouts, 0),
  };
}
