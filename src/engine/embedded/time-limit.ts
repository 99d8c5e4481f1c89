// Time limits of the embedded engine's reads (CONFIG.md mongo.query-time-limit): past its deadline
// a query stops with MongoDB's MaxTimeMSExpired, which the http stage answers with 408.
import { EngineError } from '../../errors.ts';

/** docrest's safety limit for a query when the configuration sets none */
export const DEFAULT_TIME_LIMIT_MS = 30_000;

const MAX_TIME_MS_EXPIRED = 50;

export function timeLimitExceeded(): EngineError {
  return new EngineError(MAX_TIME_MS_EXPIRED, 'MaxTimeMSExpired', 'operation exceeded time limit');
}

/** The deadline (epoch ms) of a read given its maxTimeMS (0 or absent: the default). */
export function deadlineOf(maxTimeMS: number | undefined): number {
  return Date.now() + (maxTimeMS && maxTimeMS > 0 ? maxTimeMS : DEFAULT_TIME_LIMIT_MS);
}
