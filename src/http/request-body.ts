// The request body as fastify's content-type parser hands it to the pipeline: read whole up to the
// body limit (fastify's own buffer reading, which docrest cannot call: it decides per parser, not
// per request), or left unread for a service that streams it (Service.streamRequestBody).
import type { IncomingMessage } from 'node:http';
import { HttpError } from '../errors.ts';

type Done = (err: Error | null, body?: Buffer) => void;

export function readBody(payload: IncomingMessage, limit: number, done: Done): void {
  const contentLength = Number(payload.headers['content-length']);
  if (contentLength > limit) return done(new HttpError(413, 'request body too large'));
  let received = 0;
  // with a Content-Length, the chunks are copied into one buffer as they come: joining them at the
  // end held the event loop 34 ms for a 13 MB body (the kernel mapping its fresh pages at once)
  const whole = contentLength > 0 ? Buffer.allocUnsafe(contentLength) : undefined;
  const chunks: Buffer[] = [];
  const stop = () => {
    payload.removeListener('data', onData);
    payload.removeListener('end', onEnd);
    payload.removeListener('error', onError);
  };
  const onData = (chunk: Buffer) => {
    received += chunk.length;
    if (received > limit) {
      stop();
      done(new HttpError(413, 'request body too large'));
      return;
    }
    if (whole) {
      if (received <= whole.length) chunk.copy(whole, received - chunk.length);
    } else chunks.push(chunk);
  };
  const onEnd = () => {
    stop();
    if (!Number.isNaN(contentLength) && received !== contentLength) return done(new HttpError(400, 'invalid Content-Length'));
    // a copy: never a view over the socket's read buffer
    done(null, whole ?? Buffer.concat(chunks, received));
  };
  const onError = () => {
    stop();
    done(new HttpError(400, 'the request body could not be read'));
  };
  payload.on('data', onData);
  payload.on('end', onEnd);
  payload.on('error', onError);
  payload.resume();
}
