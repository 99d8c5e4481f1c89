// Interceptors (RESTHeart's): code that runs at one point of every request it resolves to, for
// any service. The points, in pipeline order: REQUEST_BEFORE_AUTH (after the service lookup and
// its init), REQUEST_AFTER_AUTH (ex.account is known), RESPONSE (ex.response is set and may be
// replaced), RESPONSE_ASYNC (after the response is sent; it cannot delay or change it).
import type { Exchange } from './exchange.ts';

export type InterceptPoint = 'REQUEST_BEFORE_AUTH' | 'REQUEST_AFTER_AUTH' | 'RESPONSE' | 'RESPONSE_ASYNC';

export const INTERCEPT_POINTS: readonly InterceptPoint[] = ['REQUEST_BEFORE_AUTH', 'REQUEST_AFTER_AUTH', 'RESPONSE', 'RESPONSE_ASYNC'];

export interface Interceptor {
  /** unique among interceptors */
  readonly name: string;
  readonly interceptPoint: InterceptPoint;
  /** lower runs first (RESTHeart's default is 10); equal priorities run in registration order */
  readonly priority?: number;
  /** whether it applies to this request, e.g. `ex.service.name === 'mongo'`; called once per request */
  resolve(ex: Exchange): boolean;
  /**
   * Throwing answers the request with the error (error-reply.ts). At a request point, setting
   * `ex.response` answers it without the service (and, before auth, without security).
   */
  handle(ex: Exchange): void | Promise<void>;
}

export class InterceptorRegistry {
  // one array per point, read by the pipeline: an empty one costs a length check
  beforeAuth: readonly Interceptor[] = [];
  afterAuth: readonly Interceptor[] = [];
  response: readonly Interceptor[] = [];
  responseAsync: readonly Interceptor[] = [];
  private readonly names = new Set<string>();

  register(i: Interceptor): void {
    if (typeof i.name !== 'string' || i.name === '') throw new Error('an interceptor needs a name');
    if (this.names.has(i.name)) throw new Error(`interceptor ${i.name}: the name is taken`);
    if (!INTERCEPT_POINTS.includes(i.interceptPoint)) throw new Error(`interceptor ${i.name}: interceptPoint must be one of ${INTERCEPT_POINTS.join(', ')}`);
    if (typeof i.resolve !== 'function' || typeof i.handle !== 'function') throw new Error(`interceptor ${i.name}: resolve and handle must be functions`);
    this.names.add(i.name);
    const add = (list: readonly Interceptor[]) => [...list, i].sort((a, b) => (a.priority ?? 10) - (b.priority ?? 10));
    switch (i.interceptPoint) {
      case 'REQUEST_BEFORE_AUTH': this.beforeAuth = add(this.beforeAuth); break;
      case 'REQUEST_AFTER_AUTH': this.afterAuth = add(this.afterAuth); break;
      case 'RESPONSE': this.response = add(this.response); break;
      case 'RESPONSE_ASYNC': this.responseAsync = add(this.responseAsync); break;
    }
  }

  /** Runs the ones resolving to this request, in order; at a request point, stops once one sets ex.response. */
  async run(list: readonly Interceptor[], ex: Exchange, requestPoint: boolean): Promise<void> {
    for (const i of list) {
      if (requestPoint && ex.response !== undefined) return;
      if (i.resolve(ex)) await i.handle(ex);
    }
  }

  /** RESPONSE_ASYNC, after the response is sent: each on its own, failures logged, never answered. */
  runAsync(ex: Exchange, log: (e: unknown) => void): void {
    for (const i of this.responseAsync) {
      Promise.resolve(ex).then((e) => (i.resolve(e) ? i.handle(e) : undefined)).catch(log);
    }
  }
}
