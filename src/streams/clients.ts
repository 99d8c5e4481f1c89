// The two kinds of change stream client: a WebSocket (one text frame per event) and an SSE
// response (`id:`/`event:change`/`data:` lines). An event is framed once per transport — the
// WebSocket frame and the HTTP/1.1 chunk are built on first use and the same bytes written to
// every connection — and a client's waiting events go out in one write, in delivery.ts's slices.
// Either client is disconnected, with the reason, once more than `limit` bytes of events wait to
// be sent to it: a client that does not read cannot grow the server's memory. An SSE client that
// goes quiet gets a comment line every heartbeat, so that proxies keep the connection open.
import { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket } from 'ws';
import { changeStreamMetrics, type Transport } from '../metrics/docrest-registry.ts';
import { schedule, type Flushable } from './delivery.ts';

/** An event as every client of a shared stream receives it: rendered once, framed once per transport. */
export interface PreparedEvent {
  /** the event JSON */
  payload: Buffer;
  /** the resume token JSON (SSE `id:`) */
  id: string;
  /** built on first use: the WebSocket text frame, the SSE block, the SSE block as an HTTP/1.1 chunk */
  wsFrame?: Buffer;
  sse?: Buffer;
  sseChunk?: Buffer;
}

/** A final, unmasked text frame as a server sends it (RFC 6455 §5.2). */
function wsFrame(ev: PreparedEvent): Buffer {
  if (ev.wsFrame) return ev.wsFrame;
  const n = ev.payload.length;
  const head = n < 126 ? 2 : n < 65_536 ? 4 : 10;
  const frame = Buffer.allocUnsafe(head + n);
  frame[0] = 0x81;
  if (n < 126) frame[1] = n;
  else if (n < 65_536) {
    frame[1] = 126;
    frame.writeUInt16BE(n, 2);
  } else {
    frame[1] = 127;
    frame.writeBigUInt64BE(BigInt(n), 2);
  }
  ev.payload.copy(frame, head);
  return (ev.wsFrame = frame);
}

function sseBlock(ev: PreparedEvent): Buffer {
  return (ev.sse ??= Buffer.concat([Buffer.from(`id:${ev.id}\nevent:change\ndata:`), ev.payload, Buffer.from('\n\n')]));
}

function sseChunk(ev: PreparedEvent): Buffer {
  if (ev.sseChunk) return ev.sseChunk;
  const block = sseBlock(ev);
  return (ev.sseChunk = Buffer.concat([Buffer.from(`${block.length.toString(16)}\r\n`), block, Buffer.from('\r\n')]));
}

/** The events, framed, in one write (one system call for several). */
function writeAll(socket: Duplex, events: PreparedEvent[], frame: (ev: PreparedEvent) => Buffer): void {
  if (events.length === 1) {
    socket.write(frame(events[0]!));
    return;
  }
  socket.cork();
  for (const ev of events) socket.write(frame(ev));
  socket.uncork();
}

export interface CloseReason {
  /** WebSocket close code */
  code: number;
  reason: string;
}

export const CLOSE = {
  invalidated: { code: 1000, reason: 'change stream invalidated: the collection or database was dropped' },
  redefined: { code: 1001, reason: 'change stream definition changed or removed' },
  shutdown: { code: 1001, reason: 'server shutting down' },
  failed: (message: string): CloseReason => ({ code: 1011, reason: `change stream failed: ${message}`.slice(0, 120) }),
  slow: (limit: number): CloseReason => ({ code: 1008, reason: `client too slow: over ${limit} bytes of change events unsent` }),
} as const;

// a client that neither reads nor answers the close handshake is cut off after this long
const CLOSE_GRACE_MS = 10_000;

export interface StreamClient {
  /** the notify_when query parameter's value; undefined = every event */
  readonly bound: string | undefined;
  /** told to close (its connection may still be draining) */
  readonly closing: boolean;
  /** queues the event; it is written in the next slice (delivery.ts) */
  deliver(ev: PreparedEvent): void;
  /** writes what is queued, then closes */
  close(why: CloseReason): void;
  heartbeat(): void;
  /** called once, when the connection is gone */
  onGone(cb: () => void): void;
}

abstract class QueuedClient implements StreamClient, Flushable {
  readonly bound: string | undefined;
  protected readonly limit: number;
  private readonly transport: Transport;
  private queue: PreparedEvent[] = [];
  closing = false;

  constructor(transport: Transport, limit: number, bound: string | undefined) {
    this.transport = transport;
    this.limit = limit;
    this.bound = bound;
    changeStreamMetrics.clientConnected(transport);
  }

  deliver(ev: PreparedEvent): void {
    if (this.closing) return;
    if (this.queue.push(ev) === 1) schedule(this);
  }

  flush(): void {
    const q = this.queue;
    if (q.length === 0 || this.closing) return;
    this.queue = [];
    if (this.write(q)) changeStreamMetrics.notificationsSent(this.transport, q.length);
    if (this.buffered() > this.limit) {
      changeStreamMetrics.slowClientDropped(this.transport);
      this.close(CLOSE.slow(this.limit));
    }
  }

  close(why: CloseReason): void {
    if (this.closing) return;
    this.flush();
    // the flush may have closed it (too slow)
    if (this.closing) return;
    this.closing = true;
    this.queue = [];
    this.end(why);
  }

  protected get idle(): boolean {
    return this.queue.length === 0 && this.buffered() === 0;
  }

  /** false when the connection is going away and nothing was written */
  protected abstract write(events: PreparedEvent[]): boolean;
  /** bytes written but not yet sent */
  protected abstract buffered(): number;
  protected abstract end(why: CloseReason): void;
  abstract heartbeat(): void;
  abstract onGone(cb: () => void): void;
}

export class WsClient extends QueuedClient {
  private readonly ws: WebSocket;
  private readonly socket: Duplex;

  /** socket: the upgraded connection under `ws`, where the prebuilt frames are written */
  constructor(ws: WebSocket, socket: Duplex, limit: number, bound: string | undefined) {
    super('websocket', limit, bound);
    this.ws = ws;
    this.socket = socket;
    ws.on('error', () => ws.terminate());
    ws.once('close', () => changeStreamMetrics.clientDisconnected('websocket'));
  }

  protected write(events: PreparedEvent[]): boolean {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    writeAll(this.socket, events, wsFrame);
    return true;
  }

  protected buffered(): number {
    return this.ws.bufferedAmount;
  }

  protected end(why: CloseReason): void {
    this.ws.close(why.code, why.reason);
    setTimeout(() => this.ws.terminate(), CLOSE_GRACE_MS).unref();
  }

  heartbeat(): void {
    if (!this.closing) this.ws.ping();
  }

  onGone(cb: () => void): void {
    this.ws.once('close', cb);
  }
}

export class SseClient extends QueuedClient {
  private readonly res: ServerResponse;
  /** an HTTP/1.1 chunked response's connection, where the prebuilt chunks are written */
  private readonly socket: Duplex | undefined;

  /** res: its headers sent */
  constructor(res: ServerResponse, limit: number, bound: string | undefined) {
    super('sse', limit, bound);
    this.res = res;
    this.socket = res instanceof ServerResponse && res.chunkedEncoding && res.headersSent && res.socket ? res.socket : undefined;
    res.on('error', () => res.destroy());
    res.once('close', () => changeStreamMetrics.clientDisconnected('sse'));
  }

  protected write(events: PreparedEvent[]): boolean {
    if (this.res.destroyed) return false;
    if (this.socket) writeAll(this.socket, events, sseChunk);
    else for (const ev of events) this.res.write(sseBlock(ev));
    return true;
  }

  protected buffered(): number {
    return this.res.writableLength;
  }

  protected end(why: CloseReason): void {
    // EventSource ignores an event it has no listener for; a page may listen for `close`
    this.res.end(`event:close\ndata:${why.reason}\n\n`);
    setTimeout(() => this.res.destroy(), CLOSE_GRACE_MS).unref();
  }

  heartbeat(): void {
    if (!this.closing && this.idle) this.res.write(':\n\n');
  }

  onGone(cb: () => void): void {
    this.res.once('close', cb);
  }
}
