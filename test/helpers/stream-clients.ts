// Change stream clients for tests: a real WebSocket (ws) and a real SSE reader over node:http,
// each queueing what arrives so that a test waits for the next event instead of sleeping.
import assert from 'node:assert/strict';
import { request, type IncomingMessage } from 'node:http';
import WebSocket from 'ws';
import { ADMIN } from './server.ts';

/** What a client received, in order, with a wait for the next one. */
class Inbox<T> {
  private readonly items: T[] = [];
  private readonly waiters: Array<(v: T) => void> = [];

  push(v: T): void {
    const w = this.waiters.shift();
    if (w) w(v);
    else this.items.push(v);
  }

  next(): Promise<T> {
    const v = this.items.shift();
    return v !== undefined ? Promise.resolve(v) : new Promise((resolve) => this.waiters.push(resolve));
  }

  get pending(): number {
    return this.items.length;
  }
}

export interface WsStream {
  ws: WebSocket;
  /** the next event, parsed */
  next(): Promise<any>;
  /** resolves with the close code and reason */
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

/** Opens a WebSocket stream; rejects with the HTTP status when the upgrade is refused. */
export function openWs(base: string, path: string, headers: Record<string, string> = { Authorization: ADMIN }): Promise<WsStream> {
  const ws = new WebSocket(base.replace(/^http/, 'ws') + path, { headers, perMessageDeflate: false });
  const inbox = new Inbox<string>();
  ws.on('message', (m) => inbox.push(m.toString()));
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  return new Promise((resolve, reject) => {
    ws.once('unexpected-response', (_req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c));
      res.on('end', () => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { status: res.statusCode, body })));
    });
    ws.once('error', reject);
    ws.once('open', () => resolve({ ws, next: async () => JSON.parse(await inbox.next()), closed, close: () => ws.close() }));
  });
}

export interface SseEvent {
  id?: string;
  event?: string;
  data: string;
}

export interface SseStream {
  res: IncomingMessage;
  next(): Promise<SseEvent>;
  /** the next `change` event's data, parsed, with its id */
  nextChange(): Promise<{ id: string; data: any }>;
  /** resolves when the server ends the response */
  ended: Promise<void>;
  /** comment lines received (heartbeats) */
  comments: () => number;
  close(): void;
}

export interface Refused {
  status: number;
  headers: IncomingMessage['headers'];
  body: string;
}

/** Opens an SSE stream; resolves with the refusal (status, body) when the answer is not 200. */
export function openSse(base: string, path: string, headers: Record<string, string> = { Authorization: ADMIN }): Promise<SseStream | Refused> {
  return new Promise((resolve, reject) => {
    const req = request(base + path, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
      if (res.statusCode !== 200) {
        let body = '';
        res.on('data', (c: Buffer) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
        return;
      }
      const inbox = new Inbox<SseEvent>();
      let buf = '';
      let comments = 0;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let i = buf.indexOf('\n\n'); i >= 0; i = buf.indexOf('\n\n')) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const ev: SseEvent = { data: '' };
          let fields = 0;
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const c = line.indexOf(':');
            const [k, v] = c < 0 ? [line, ''] : [line.slice(0, c), line.slice(c + 1)];
            if (k === 'id') ev.id = v;
            else if (k === 'event') ev.event = v;
            else if (k === 'data') ev.data = ev.data ? `${ev.data}\n${v}` : v;
            fields++;
          }
          if (fields) inbox.push(ev);
          else comments++;
        }
      });
      const ended = new Promise<void>((r) => res.on('close', () => r()));
      const next = () => inbox.next();
      resolve({
        res, next, ended, comments: () => comments,
        nextChange: async () => {
          const ev = await next();
          if (ev.event !== 'change') throw new Error(`not a change event: ${JSON.stringify(ev)}`);
          return { id: ev.id!, data: JSON.parse(ev.data) };
        },
        close: () => req.destroy(),
      });
    });
    req.on('error', reject);
    req.end();
  });
}

export function isRefused(s: SseStream | Refused): s is Refused {
  return 'status' in s;
}

export async function sse(base: string, path: string, headers?: Record<string, string>): Promise<SseStream> {
  const s = await openSse(base, path, headers);
  if (isRefused(s)) throw new Error(`SSE refused: ${s.status} ${s.body}`);
  return s;
}

/**
 * The next n events of a stream open over both transports, checked to be the same events: the
 * WebSocket messages, and the SSE `change` events with their ids.
 */
export async function nextOnBoth(ws: WsStream, es: SseStream, n: number): Promise<{ viaWs: any[]; viaSse: Array<{ id: string; data: any }> }> {
  const viaWs = [];
  const viaSse = [];
  for (let i = 0; i < n; i++) {
    viaWs.push(await ws.next());
    viaSse.push(await es.nextChange());
  }
  assert.deepEqual(viaSse.map((e) => e.data), viaWs, 'SSE carries the same events');
  return { viaWs, viaSse };
}
