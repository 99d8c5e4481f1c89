// F1, the change stream fan-out workload (issue 14): N clients on one stream — half WebSocket,
// half SSE, in a forked process (fanout-clients.ts) — while documents are inserted at a fixed
// rate; reports notifications/s delivered, delivery latency p50/p99 (write sent → event received)
// and the server's resident memory per 1,000 connected clients.
// Anchor: RESTHeart delivered 61,995 notifications/s to 25,000 WebSocket clients (mean 403 ms).
// Target: ≥ 5,000 clients on a 2-core machine with p99 < 500 ms and ≥ 50,000 notifications/s.
import { fork } from 'node:child_process';
import { AUTH, base, http } from './data.ts';
import { f } from './table.ts';

export const FANOUT_NAME = 'F1 change stream fan-out';

export interface FanoutOptions {
  clients: number;
  /** inserts per second */
  rate: number;
  seconds: number;
  /** resident memory of the server (MB) */
  rss: () => number;
  /** CPU time of the server and its workers (clock ticks, 100 a second) */
  cpuTicks?: () => number;
}

export interface FanoutResult {
  workload: string;
  clients: number;
  writesPerSecond: number;
  notificationsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** events expected (writes × clients) that did not arrive by the end */
  missed: number;
  clientsClosed: number;
  rssPer1000MB: number;
  /** server CPU per notification delivered (µs) */
  serverCpuUs: number;
  /** the clients' process: CPU per notification received (µs) and its event-loop delay p99 */
  clientCpuUs: number;
  clientLagP99Ms: number;
  /** write sent → its response received */
  writeAckP50Ms: number;
  writeAckP99Ms: number;
  target: string;
  met: boolean;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function percentile(xs: number[], q: number): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export async function fanout(o: FanoutOptions): Promise<FanoutResult> {
  await http('PUT', '/fanout', { streams: [{ uri: 'all', stages: [{ $match: { operationType: 'insert' } }] }] });
  const before = o.rss();
  const clients = fork(new URL('./fanout-clients.ts', import.meta.url).pathname, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const message = (type: string) => new Promise<any>((resolve, reject) => {
    const on = (m: any) => {
      if (m.type === type) {
        clients.off('message', on);
        resolve(m);
      } else if (m.type === 'failed') reject(new Error(m.error));
    };
    clients.on('message', on);
    clients.once('exit', (code) => reject(new Error(`fan-out clients exited (${code})`)));
  });
  const wsCount = Math.ceil(o.clients / 2);
  clients.send({ type: 'start', url: base, path: '/fanout/_streams/all', auth: AUTH, ws: wsCount, sse: o.clients - wsCount });
  await message('connected');
  await sleep(500);
  const connected = o.rss();
  // one warm-up second, not counted
  let sent = 0;
  let failed = 0;
  // write sent → acknowledged: events go out once their commit is durable, so this is a floor
  let acks: number[] = [];
  const write = () => {
    sent++;
    const t = Date.now();
    void fetch(`${base}/fanout`, {
      method: 'POST', headers: { Authorization: AUTH, 'Content-Type': 'application/json' }, body: JSON.stringify({ t, i: sent }),
    }).then((r) => r.arrayBuffer()).then(() => acks.push(Date.now() - t), () => failed++);
  };
  const every = 1000 / o.rate;
  const timer = setInterval(write, every);
  await sleep(1000);
  clients.send({ type: 'reset' });
  acks = [];
  const ticks = o.cpuTicks?.() ?? NaN;
  const counted = sent;
  const started = Date.now();
  await sleep(o.seconds * 1000);
  clearInterval(timer);
  const writes = sent - counted;
  const elapsed = (Date.now() - started) / 1000;
  // the last events in flight
  await sleep(1000);
  clients.send({ type: 'stop' });
  const stats = await message('stats');
  const serverCpuMs = ((o.cpuTicks?.() ?? NaN) - ticks) * 10;
  const after = Math.max(connected, o.rss());
  const nps = stats.received / elapsed;
  const result: FanoutResult = {
    workload: FANOUT_NAME,
    clients: o.clients,
    writesPerSecond: writes / elapsed,
    notificationsPerSecond: nps,
    p50Ms: stats.p50,
    p99Ms: stats.p99,
    maxMs: stats.max,
    missed: Math.max(0, writes * o.clients - stats.received),
    clientsClosed: stats.closed,
    rssPer1000MB: ((after - before) / o.clients) * 1000,
    serverCpuUs: (serverCpuMs * 1000) / stats.received,
    clientCpuUs: (stats.cpuMs * 1000) / stats.received,
    clientLagP99Ms: stats.lagP99Ms,
    writeAckP50Ms: percentile(acks, 0.5),
    writeAckP99Ms: percentile(acks, 0.99),
    target: '≥ 5,000 clients, p99 < 500 ms, ≥ 50,000 notifications/s',
    met: o.clients >= 5000 && stats.p99 < 500 && nps >= 50_000 && failed === 0,
  };
  return result;
}

export function fanoutTable(r: FanoutResult): string[] {
  return [
    '| workload | clients (WS + SSE) | writes/s | notifications/s | p50 ms | p99 ms | max ms | missed | closed | RSS MB / 1,000 clients | server µs CPU / notification | clients µs CPU / notification, loop delay p99 ms | write ack p50 / p99 ms | target |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|',
    `| ${r.workload} | ${r.clients} | ${f(r.writesPerSecond)} | ${f(r.notificationsPerSecond)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.maxMs)} | ${r.missed} | ${r.clientsClosed} | ${f(r.rssPer1000MB, 1)} | ${f(r.serverCpuUs, 1)} | ${f(r.clientCpuUs, 1)}, ${f(r.clientLagP99Ms)} | ${f(r.writeAckP50Ms)} / ${f(r.writeAckP99Ms)} | ${r.target}: ${r.met ? 'met' : '**missed**'} |`,
  ];
}
