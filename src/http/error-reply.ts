// The one place where errors become responses: typed errors → status, headers and RESTHeart's
// error body (API.md §3.6). Anything unexpected is logged and answered 500 without details.
import { EngineError, HttpError, STATUS_TEXT } from '../errors.ts';
import { httpErrorOfEngineError } from './engine-errors.ts';

interface FastifyLikeError {
  code?: string;
  statusCode?: number;
  message?: string;
}

export function toHttpError(err: unknown, log: (e: unknown) => void): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof EngineError) {
    const http = httpErrorOfEngineError(err);
    if (http.status >= 500) log(err);
    return http;
  }
  const f = err as FastifyLikeError;
  switch (f?.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE': return new HttpError(413, 'request body too large');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH': return new HttpError(400, 'invalid Content-Length');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY': return new HttpError(400, 'empty body');
  }
  if (typeof f?.statusCode === 'number' && f.statusCode >= 400 && f.statusCode < 500) {
    return new HttpError(f.statusCode, f.message ?? STATUS_TEXT[f.statusCode] ?? 'Bad Request');
  }
  log(err);
  return new HttpError(500, 'Error handling the request, see log for more information');
}

/** RESTHeart's error body; double quotes inside the message become single quotes. */
export function errorBody(e: HttpError): Record<string, unknown> {
  return {
    'http status code': e.status,
    'http status description': STATUS_TEXT[e.status] ?? 'Error',
    message: e.message.replaceAll('"', "'"),
    ...e.extra,
  };
}
