// Load generators for the benchmark: wrk (Debian's package) when present, else autocannon. Both
// report requests/s, p50, p99 and errors in the same shape.
import { spawnSync, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface LoadSpec {
  /** scheme://host:port */
  url: string;
  /** request paths, one picked at random per request */
  paths: string[];
  method: string;
  headers: Record<string, string>;
  body?: string;
  seconds: number;
  connections: number;
  threads: number;
}

export interface LoadResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

export function hasWrk(): boolean {
  return spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
}

function luaString(s: string): string {
  return `"${s.replaceAll('\\', '\\\\').replaceAll('"', '\\"').replaceAll('\n', '\\n')}"`;
}

// wrk prints latencies like 1.23ms / 456.00us / 1.02s
function millis(v: string): number {
  const m = /^([\d.]+)(us|ms|s|m)$/.exec(v.trim());
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 'ms' ? n : m[2] === 's' ? n * 1000 : n * 60_000;
}

async function runWrk(s: LoadSpec): Promise<LoadResult> {
  const dir = mkdtempSync(join(tmpdir(), 'docrest-wrk-'));
  const script = join(dir, 'req.lua');
  const lines = [`wrk.method = ${luaString(s.method)}`];
  for (const [k, v] of Object.entries(s.headers)) lines.push(`wrk.headers[${luaString(k)}] = ${luaString(v)}`);
  if (s.body !== undefined) lines.push(`wrk.body = ${luaString(s.body)}`);
  lines.push(`local paths = { ${s.paths.map(luaString).join(', ')} }`,
    'request = function() return wrk.format(nil, paths[math.random(#paths)]) end');
  // count non-2xx/3xx answers as errors, as autocannon does
  lines.push('local bad = 0', 'function response(status) if status >= 400 then bad = bad + 1 end end',
    'function done() end');
  writeFileSync(script, lines.join('\n'));
  const out = await new Promise<string>((resolve, reject) => {
    const p = spawn('wrk', [`-t${s.threads}`, `-c${s.connections}`, `-d${s.seconds}s`, '--latency', '-s', script, s.url]);
    let text = '';
    p.stdout.on('data', (d) => (text += d));
    p.stderr.on('data', (d) => (text += d));
    p.on('error', reject);
    p.on('close', () => resolve(text));
  });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? Number.NaN);
  const p50 = millis(/\s50%\s+(\S+)/.exec(out)?.[1] ?? '');
  const p99 = millis(/\s99%\s+(\S+)/.exec(out)?.[1] ?? '');
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = non2xx + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0);
  if (!Number.isFinite(rps)) throw new Error(`wrk output not understood:\n${out}`);
  return { rps, p50, p99, errors };
}

async function runAutocannon(s: LoadSpec): Promise<LoadResult> {
  const { default: autocannon } = await import('autocannon');
  const r = await autocannon({
    url: s.url, method: s.method as 'GET', headers: s.headers, body: s.body,
    duration: s.seconds, connections: s.connections,
    requests: [{ setupRequest: (req) => ({ ...req, path: s.paths[Math.floor(Math.random() * s.paths.length)]! }) }],
  });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

export async function drive(s: LoadSpec): Promise<LoadResult> {
  return hasWrk() ? runWrk(s) : runAutocannon(s);
}
