// The fan-out benchmark's clients, in their own process (fork of bench/fanout.ts): N WebSocket and
// SSE clients on one change stream. Each event carries its write's send time (`t`, ms); a client
// records now − t per event. Reports over IPC: 'connected', then on 'stop' the counts and latencies.
import { request, Agent } from 'node:http';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import WebSocket from 'ws';

interface Start {
  url: string;
  path: string;
  auth: string;
  ws: number;
  sse: number;
}

const latencies: number[] = [];
let received = 0;
let closed = 0;
// this process's own load: when it is busy, the latencies it records include its own delay
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
let cpuAt = process.cpuUsage();

const T = Buffer.from('"t":');

/**
 * The `"t":<ms>` of each event in a chunk (events are small and one per frame or SSE block), read
 * from the bytes: this process measures the server, so it spends as little as it can per event.
 */
function record(data: Buffer): void {
  const now = Date.now();
  for (let i = data.indexOf(T); i >= 0; i = data.indexOf(T, i + 4)) {
    let t = 0;
    let j = i + 4;
    for (let d = data[j]! - 48; d >= 0 && d <= 9; d = data[++j]! - 48) t = t * 10 + d;
    if (j > i + 4) {
      latencies.push(now - t);
      received++;
    }
  }
}

function openWs(s: Start): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(s.url.replace(/^http/, 'ws') + s.path, { headers: { Authorization: s.auth }, perMessageDeflate: false, skipUTF8Validation: true });
    ws.on('message', (m: Buffer) => record(m));
    ws.once('open', () => resolve());
    ws.once('error', reject);
    ws.on('close', () => closed++);
  });
}

const agent = new Agent({ keepAlive: false, maxSockets: Infinity });

function openSse(s: Start): Promise<void> {
  return new Promise((resolve, reject) => {
    const req = request(s.url + s.path, { agent, headers: { Accept: 'text/event-stream', Authorization: s.auth } }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`SSE ${res.statusCode}`));
      res.on('data', record);
      res.on('close', () => closed++);
      resolve();
    });
    req.on('error', reject);
    req.end();
  });
}

async function start(s: Start): Promise<void> {
  const opens: Array<() => Promise<void>> = [
    ...Array.from({ length: s.ws }, () => () => openWs(s)),
    ...Array.from({ length: s.sse }, () => () => openSse(s)),
  ];
  // a hundred handshakes at a time
  for (let i = 0; i < opens.length; i += 100) await Promise.all(opens.slice(i, i + 100).map((o) => o()));
  process.send!({ type: 'connected' });
}

process.on('message', (m: { type: string } & Partial<Start>) => {
  if (m.type === 'start') {
    start(m as Start).catch((e) => {
      process.send!({ type: 'failed', error: String(e) });
      process.exit(1);
    });
  } else if (m.type === 'reset') {
    latencies.length = 0;
    received = 0;
    loopDelay.reset();
    loopDelay.enable();
    cpuAt = process.cpuUsage();
  } else if (m.type === 'stop') {
    const cpu = process.cpuUsage(cpuAt);
    loopDelay.disable();
    latencies.sort((a, b) => a - b);
    const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN;
    process.send!({ type: 'stats', received, closed, p50: at(0.5), p99: at(0.99), max: latencies[latencies.length - 1] ?? NaN,
      cpuMs: (cpu.user + cpu.system) / 1000, lagP99Ms: loopDelay.percentile(99) / 1e6, lagMaxMs: loopDelay.max / 1e6 }, () => process.exit(0));
  }
});
