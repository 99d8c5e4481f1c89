// multipart/form-data bodies parsed as they stream (@fastify/busboy): fields are handed over whole
// (each up to a limit), files as streams, so a file part of any size is never held in memory.
import { Busboy, type BusboyHeaders, type BusboyInstance } from '@fastify/busboy';
import type { IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import { HttpError, badRequest } from '../errors.ts';

export interface FilePart {
  field: string;
  filename: string | undefined;
  mimeType: string;
  stream: Readable;
}

export interface PartHandlers {
  /** may throw (an HttpError): parsing stops and the body is discarded */
  field(name: string, value: string): void;
  /** the part's stream must be consumed (or resumed) for parsing to go on; may throw like field */
  file(part: FilePart): void;
}

export function isMultipart(contentType: string | undefined): boolean {
  return (contentType ?? '').toLowerCase().startsWith('multipart/form-data');
}

export interface Parse {
  /**
   * Resolves once every part was seen; rejects with 400 for a malformed or truncated body, with
   * 413 for a field past `fieldLimit` bytes, or with the source's error (413 past the body limit,
   * a client gone away), or with what `fail` was given.
   */
  done: Promise<void>;
  /** Stops parsing (what is left of the body is dropped): `done` rejects with `e`. */
  fail(e: unknown): void;
}

/** Parses the body as it arrives. */
export function parseMultipart(source: Readable, headers: IncomingHttpHeaders, fieldLimit: number, h: PartHandlers): Parse {
  let failWith: (e: unknown) => void = () => undefined;
  const done = new Promise<void>((resolve, reject) => {
    let bb: BusboyInstance;
    try {
      bb = new Busboy({ headers: headers as BusboyHeaders, limits: { fieldSize: fieldLimit, fieldNameSize: 1024 } });
    } catch (e) {
      reject(badRequest(`Invalid multipart body: ${(e as Error).message}`));
      return;
    }
    let settled = false;
    const fail = (e: unknown) => {
      if (settled) return;
      settled = true;
      source.unpipe(bb);
      // what is left of the body is read and dropped, so that the response can be sent
      source.resume();
      reject(e instanceof HttpError ? e : badRequest(`Invalid multipart body: ${(e as Error).message}`));
    };
    bb.on('field', (name: string, value: string, _nameTruncated: boolean, valueTruncated: boolean) => {
      if (settled) return;
      if (valueTruncated) return fail(new HttpError(413, `the form field ${name} is larger than ${fieldLimit} bytes`));
      try {
        h.field(name, value);
      } catch (e) {
        fail(e);
      }
    });
    bb.on('file', (field: string, stream: Readable, filename: string | undefined, _enc: string, mimeType: string) => {
      if (settled) {
        stream.resume();
        return;
      }
      try {
        h.file({ field, filename: filename || undefined, mimeType, stream });
      } catch (e) {
        stream.resume();
        fail(e);
      }
    });
    bb.on('error', fail);
    bb.on('finish', () => {
      if (settled) return;
      settled = true;
      resolve();
    });
    source.on('error', fail);
    failWith = fail;
    source.pipe(bb);
  });
  return { done, fail: (e) => failWith(e) };
}
