// Services that are not the MongoDB API: /ping and /health/db (API.md §13).
import type { ApiResponse } from '../api/context.ts';
import type { Engine } from '../engine/types.ts';
import { HttpError } from '../errors.ts';
import type { Settings } from '../settings.ts';


const VERSION = '0.1.0';
const BUILD_TIME = new Date().toISOString();

export function ping(s: Settings, method: string, clientIp: string, host: string | undefined): ApiResponse {
  if (method === 'HEAD') return { status: 200 };
  if (method !== 'GET') throw new HttpError(501, `method ${method} not implemented`);
  const body: Record<string, unknown> = { message: s.ping.msg };
  if (s.ping.extended) Object.assign(body, { client_ip: clientIp, host: host ?? '', version: VERSION, build_time: BUILD_TIME });
  return { status: 200, body, contentType: 'application/json' };
}

export async function health(engine: Engine, method: string): Promise<ApiResponse> {
  if (method !== 'GET' && method !== 'HEAD') throw new HttpError(405, `method ${method} not allowed`);
  const start = performance.now();
  try {
    await engine.ping();
  } catch (e) {
    return { status: 503, body: { status: 'error', description: `ping failed: ${(e as Error).message}` } };
  }
  const latencyMs = Math.round(performance.now() - start);
  return { status: 200, body: method === 'HEAD' ? undefined : { status: 'ok', description: 'ping successful', latencyMs } };
}
