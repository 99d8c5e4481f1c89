// The two kinds of change stream client: a WebSocket (one text frame per event) and an SSE
// response (`id:`/`event:change`/`data:` lines). Either is disconnected, with the reason, once
// more than `limit` bytes of events wait to be sent to it: a client that does not read cannot
// grow the server's memory. An SSE client that goes quiet gets a comment line every heartbeat,
// so that proxies keep the connection open.
import type { ServerResponse } from 'node:http';
import type { WebSocket } from 'ws';
import { changeStreamMetrics } from '../metrics/docrest-registry.ts';

/** An event as every client of a shared stream receives it: rendered once. */
export interface PreparedEvent {
  /** the event JSON */
  payload: Buffer;
  /** the SSE block, built on first use */
  sse?: Buffer;
  /** the resume token JSON (SSE `id:`) */
  id: string;
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
  deliver(ev: PreparedEvent): void;
  close(why: CloseReason): void;
  heartbeat(): void;
  /** called once, when the connection is gone */
  onGone(cb: () => void): void;
}

export class WsClient implements StreamClient {
  readonly bound: string | undefined;
  private readonly ws: WebSocket;
  private readonly limit: number;
  closing = false;

  constructor(ws: WebSocket, limit: number, bound: string | undefined) {
    this.ws = ws;
    this.limit = limit;
    this.bound = bound;
    ws.on('error', () => ws.terminate());
    changeStreamMetrics.clientConnected('websocket');
    ws.once('close', () => changeStreamMetrics.clientDisconnected('websocket'));
  }

  deliver(ev: PreparedEvent): void {
    if (this.closing) return;
    this.ws.send(ev.payload, { binary: false });
    changeStreamMetrics.notificationsSent('websocket');
    if (this.ws.bufferedAmount > this.limit) {
      changeStreamMetrics.slowClientDropped('websocket');
      this.close(CLOSE.slow(this.limit));
    }
  }

  close(why: CloseReason): void {
    if (this.closing) return;
    this.closing = true;
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

export class SseClient implements StreamClient {
  readonly bound: string | undefined;
  private readonly res: ServerResponse;
  private readonly limit: number;
  closing = false;

  constructor(res: ServerResponse, limit: number, bound: string | undefined) {
    this.res = res;
    this.limit = limit;
    this.bound = bound;
    res.on('error', () => res.destroy());
    changeStreamMetrics.clientConnected('sse');
    res.once('close', () => changeStreamMetrics.clientDisconnected('sse'));
  }

  deliver(ev: PreparedEvent): void {
    if (this.closing) return;
    ev.sse ??= Buffer.concat([Buffer.from(`id:${ev.id}\nevent:change\ndata:`), ev.payload, Buffer.from('\n\n')]);
    this.res.write(ev.sse);
    changeStreamMetrics.notificationsSent('sse');
    if (this.res.writableLength > this.limit) {
      changeStreamMetrics.slowClientDropped('sse');
      this.close(CLOSE.slow(this.limit));
    }
  }

  close(why: CloseReason): void {
    if (this.closing) return;
    this.closing = true;
    // EventSource ignores an event it has no listener for; a page may listen for `close`
    this.res.end(`event:close\ndata:${why.reason}\n\n`);
    setTimeout(() => this.res.destroy(), CLOSE_GRACE_MS).unref();
  }

  heartbeat(): void {
    if (!this.closing && this.res.writableLength === 0) this.res.write(':\n\n');
  }

  onGone(cb: () => void): void {
    this.res.once('close', cb);
  }
}
