// Load generators for the benchmark: wrk (Debian's package) when present, else autocannon. Both
// send the same mix of requests and report requests/s, latencies, errors and timeouts in one shape.
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** One kind of request of a workload. `{v}` in a path or body stands for the request's value. */
export interface RequestKind {
  method: string;
  /** one picked at random per request */
  paths: string[];
  body?: string;
  /** share of the workload's requests (default 1) */
  weight?: number;
  /**
   * The values of `{v}`: a list, or the integers 0..n-1. Requests take them in a scattered sweep,
   * so a value comes back only after all the others were sent: a cache of fewer entries never hits.
   */
  values?: string[] | number;
}

export interface LoadSpec {
  /** scheme://host:port */
  url: string;
  kinds: RequestKind[];
  headers: Record<string, string>;
  seconds: number;
  connections: number;
  threads: number;
  /** seconds without an answer after which a request counts as a timeout */
  timeout: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  max: number;
  /** mean latency: by Little's law, mean × rps is about the connections when the figures hold */
  mean: number;
  /** answers of status ≥ 400 and socket errors, timeouts included */
  errors: number;
  timeouts: number;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * The step of the sweep i ↦ (offset + i·step) mod n: coprime with n, so it visits each value once
 * per n requests, and near n/φ, so that consecutive requests land far apart.
 */
function stride(n: number): number {
  let s = Math.floor(n * 0.618) + 1;
  while (gcd(s, n) !== 1) s++;
  return s;
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
}

export const valueCount = (k: RequestKind) => (k.values === undefined ? 0 : typeof k.values === 'number' ? k.values : k.values.length);

/** The request of a kind with `{v}` replaced by its value number `i`. */
export function instance(k: RequestKind, path: string, i: number): { path: string; body?: string } {
  const v = Array.isArray(k.values) ? k.values[i]! : String(i);
  return { path: path.replaceAll('{v}', v), body: k.body?.replaceAll('{v}', v) };
}

function luaString(s: string): string {
  return `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

function luaKind(k: RequestKind, cum: number): string {
  const n = valueCount(k);
  const fields = [`method = ${luaString(k.method)}`, `paths = { ${k.paths.map(luaString).join(', ')} }`, `cum = ${cum}`];
  if (k.body !== undefined) fields.push(`body = ${luaString(k.body)}`);
  if (n > 0) fields.push(`n = ${n}`, `stride = ${stride(n)}`, `offset = ${Math.floor(Math.random() * n)}`);
  // the values go into gsub's replacement, where % is special
  if (Array.isArray(k.values)) fields.push(`values = { ${k.values.map((v) => luaString(v.replaceAll('%', '%%'))).join(', ')} }`);
  return `{ ${fields.join(', ')} }`;
}

// Each wrk thread runs its own Lua state: thread t sends the sweep's positions t, t+T, t+2T, …
function wrkScript(s: LoadSpec): string {
  const total = s.kinds.reduce((a, k) => a + (k.weight ?? 1), 0);
  let cum = 0;
  const kinds = s.kinds.map((k) => luaKind(k, (cum += k.weight ?? 1) / total));
  return [
    ...Object.entries(s.headers).map(([k, v]) => `wrk.headers[${luaString(k)}] = ${luaString(v)}`),
    `local kinds = { ${kinds.join(',\n')} }`,
    'local threads = 0',
    'function setup(thread) thread:set("tid", threads); threads = threads + 1 end',
    `function init()
  math.randomseed(${Math.floor(Math.random() * 1e9)} + tid)
  for _, k in ipairs(kinds) do
    if k.n then
      k.cursor = (k.offset + tid * k.stride) % k.n
      k.step = (${s.threads} * k.stride) % k.n
    else
      -- nothing varies: the requests are formatted once
      k.ready = {}
      for i, p in ipairs(k.paths) do k.ready[i] = wrk.format(k.method, p, nil, k.body) end
    end
  end
end`,
    `function request()
  local r, k = math.random(), kinds[#kinds]
  for _, c in ipairs(kinds) do if r <= c.cum then k = c; break end end
  local i = math.random(#k.paths)
  if not k.n then return k.ready[i] end
  local v = k.cursor
  k.cursor = (k.cursor + k.step) % k.n
  v = k.values and k.values[v + 1] or string.format("%d", v)
  local body = k.body and (k.body:gsub("{v}", v))
  return wrk.format(k.method, (k.paths[i]:gsub("{v}", v)), nil, body)
end`,
    // one machine-readable line; latencies in µs
    `function done(s, lat)
  local e = s.errors
  io.write(string.format('RESULT {"requests":%d,"us":%d,"p50":%d,"p99":%d,"max":%d,"mean":%d,"errors":%d,"timeouts":%d}\\n',
    s.requests, s.duration, lat:percentile(50), lat:percentile(99), lat.max, lat.mean, e.connect + e.read + e.write + e.status + e.timeout, e.timeout))
end`,
  ].join('\n');
}

async function runWrk(s: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-wrk-'));
  const script = join(dir, 'req.lua');
  writeFileSync(script, wrkScript(s));
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('wrk', [`-t${s.threads}`, `-c${s.connections}`, `-d${s.seconds}s`, `--timeout`, `${s.timeout}s`, '-s', script, s.url]);
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('error', reject);
    p.on('close', () => resolve(text));
  });
  rmSync(dir, { recursive: true, force: true });
  const line = /^RESULT (.*)$/m.exec(out)?.[1];
  if (!line) throw new Error(`wrk output not understood:\n${out}`);
  const r = JSON.parse(line) as { requests: number; us: number; p50: number; p99: number; max: number; mean: number; errors: number; timeouts: number };
  // without a single answer, wrk's latencies are zeros, not measurements
  const ms = (us: number) => (r.requests > 0 ? us / 1000 : Number.NaN);
  return { rps: r.requests / (r.us / 1e6), p50: ms(r.p50), p99: ms(r.p99), max: ms(r.max), mean: ms(r.mean), errors: r.errors, timeouts: r.timeouts };
}

async function runAutocannon(s: LoadSpec): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const total = s.kinds.reduce((a, k) => a + (k.weight ?? 1), 0);
  const sweep = s.kinds.map((k) => ({ at: Math.floor(Math.random() * Math.max(1, valueCount(k))), step: stride(Math.max(1, valueCount(k))) }));
  const r = await autocannon({
    url: s.url, headers: s.headers, duration: s.seconds, connections: s.connections, timeout: s.timeout,
    requests: [{
      // a fresh request each time: one built on the previous would keep its Content-Length
      setupRequest: () => {
        let pick = Math.random() * total;
        const i = Math.max(0, s.kinds.findIndex((k) => (pick -= k.weight ?? 1) < 0));
        const k = s.kinds[i]!;
        const path = k.paths[Math.floor(Math.random() * k.paths.length)]!;
        const w = sweep[i]!;
        const v = k.values === undefined ? { path, body: k.body } : instance(k, path, w.at);
        w.at = (w.at + w.step) % Math.max(1, valueCount(k));
        return { method: k.method as 'GET', path: v.path, body: v.body, headers: { ...s.headers } };
      },
    }],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, max: r.latency.max, mean: r.latency.average, errors: r.errors + r.non2xx, timeouts: r.timeouts };
}

export async function drive(s: LoadSpec): Promise<LoadResult> {
  return hasWrk() ? runWrk(s) : runAutocannon(s);
}
