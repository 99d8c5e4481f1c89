// /metrics counts the change events written to clients: a WebSocket that is closing (its client
// sent a close frame, the connection is not gone yet) gets nothing written, and nothing counted.
import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { call, startServer, type TestServer } from '../helpers/server.ts';
import { openWs } from '../helpers/stream-clients.ts';
import { parseText, samples, valueOf } from '../metrics/prometheus-text.ts';

let srv: TestServer;
before(async () => {
  srv = await startServer();
  assert.equal((await call(srv, 'PUT', '/feed', { body: { streams: [{ uri: 'all', stages: [] }] } })).status, 201);
});
after(() => srv?.close());

async function sent(): Promise<number> {
  const r = await call(srv, 'GET', '/metrics/docrest');
  assert.equal(r.status, 200, r.text);
  return valueOf(samples(parseText(r.text)), 'docrest_change_stream_notifications_total', { transport: 'websocket' }) ?? 0;
}

test('an event is counted for the open WebSocket, not for one that is closing', async () => {
  const open = await openWs(srv.url, '/feed/_streams/all');
  const closing = await openWs(srv.url, '/feed/_streams/all');
  const socket = (closing.ws as unknown as { _socket: Socket })._socket;
  // the client's close frame (masked, no payload), its connection kept open and unread: the
  // server's WebSocket stays CLOSING until its close timeout
  socket.pause();
  await new Promise<void>((resolve) => socket.write(Buffer.from([0x88, 0x80, 0, 0, 0, 0]), () => resolve()));
  // a round trip on the open client makes sure the server read the close frame
  const before = await sent();
  assert.equal((await call(srv, 'POST', '/feed', { body: { _id: 1 } })).status, 201);
  assert.equal((await open.next()).operationType, 'insert');
  // both clients' events are written in the same slice (delivery.ts): the count is final
  assert.equal(await sent(), before + 1);
  open.close();
  socket.destroy();
});
