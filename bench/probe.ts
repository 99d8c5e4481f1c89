// A low-rate latency probe: one GET every few milliseconds, sent on schedule whether or not the
// previous ones were answered, so that a server stalled by other work shows its stall in full.
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

export function startProbe(url: string, headers: Record<string, string>, everyMs: number, timeoutMs: number): Probe {
  const agent = new Agent({ keepAlive: true });
  const latencies: number[] = [];
  let errors = 0;
  let timeouts = 0;
  let pending = 0;
  let idle: (() => void) | undefined;
  const send = () => {
    pending++;
    const start = performance.now();
    let settled = false;
    const settle = (ms: number | undefined, failed: boolean) => {
      if (settled) return;
      settled = true;
      if (ms !== undefined) latencies.push(ms);
      if (failed) errors++;
      if (--pending === 0) idle?.();
    };
    const req = request(url, { agent, headers }, (res) => {
      res.resume();
      res.on('end', () => settle(performance.now() - start, res.statusCode !== 200));
    });
    req.setTimeout(timeoutMs, () => {
      timeouts++;
      // a timeout counts with its full wait, so that max shows it
      settle(timeoutMs, true);
      req.destroy();
    });
    req.on('error', () => settle(undefined, true));
    req.end();
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
